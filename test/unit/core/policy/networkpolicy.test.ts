/**
 * networking.k8s.io/v1 NetworkPolicy, from the upstream e2e suite
 * (test/e2e/network/netpol/network_policy.go: namespaces x, y, z × pods a, b, c) and the API
 * reference (policyTypes defaults, empty vs missing rule lists, selectors, ipBlock, ports).
 * Each case states the policies and which pairs must be denied; every other pair is allowed.
 */
import { describe, expect, it } from 'vitest';
import { allPairsExcept, e2eIP, index, reachable, verdict, xyzCluster } from '../../../helpers/policy.js';
import { makePod, makePolicy } from '../../../helpers/objects.js';

type Obj = Record<string, unknown>;
const ns = (p: string) => p.split('/')[0];
const lbl = (v: Record<string, string>) => ({ matchLabels: v });
const expr = (key: string, operator: string, values?: string[]) => ({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] });
const denyAllIngressX = makePolicy('x', 'deny-all-ingress', { podSelector: {}, policyTypes: ['Ingress'] });

interface Case {
  name: string;
  policies: Obj[];
  port?: string;
  /** true = this pair must be denied. */
  denied: (src: string, dst: string) => boolean;
}

const onlyFrom = (dst: string, allowed: string[]) => (s: string, d: string) => d === dst && !allowed.includes(s);
const fromNs = (n: string) => ['a', 'b', 'c'].map((p) => `${n}/${p}`);

const cases: Case[] = [
  { name: 'default-deny-ingress (policyTypes [Ingress])', policies: [denyAllIngressX], denied: (_s, d) => ns(d) === 'x' },
  { name: 'default-deny-ingress (policyTypes omitted)', policies: [makePolicy('x', 'deny', { podSelector: {} })], denied: (_s, d) => ns(d) === 'x' },
  {
    name: 'default-deny-all (Ingress + Egress)',
    policies: [makePolicy('x', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })],
    denied: (s, d) => ns(s) === 'x' || ns(d) === 'x',
  },
  {
    name: 'allow from pods in the server namespace by podSelector',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [{ from: [{ podSelector: lbl({ pod: 'b' }) }] }] })],
    denied: onlyFrom('x/a', ['x/b']),
  },
  {
    name: 'allow only from a different namespace by namespaceSelector',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: lbl({ ns: 'y' }) }] }] })],
    denied: onlyFrom('x/a', fromNs('y')),
  },
  {
    name: 'podSelector with matchExpressions In',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [{ from: [{ podSelector: expr('pod', 'In', ['b']) }] }] })],
    denied: onlyFrom('x/a', ['x/b']),
  },
  {
    name: 'namespaceSelector with matchExpressions In',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: expr('ns', 'In', ['y']) }] }] })],
    denied: onlyFrom('x/a', fromNs('y')),
  },
  {
    name: 'podSelector OR namespaceSelector (two peers)',
    policies: [
      makePolicy('x', 'p', {
        podSelector: lbl({ pod: 'a' }),
        ingress: [{ from: [{ podSelector: lbl({ pod: 'b' }) }, { namespaceSelector: lbl({ ns: 'y' }) }] }],
      }),
    ],
    denied: onlyFrom('x/a', ['x/b', ...fromNs('y')]),
  },
  {
    name: 'podSelector AND namespaceSelector (one peer)',
    policies: [
      makePolicy('x', 'p', {
        podSelector: lbl({ pod: 'a' }),
        ingress: [{ from: [{ podSelector: lbl({ pod: 'b' }), namespaceSelector: expr('ns', 'In', ['y', 'z']) }] }],
      }),
    ],
    denied: onlyFrom('x/a', ['y/b', 'z/b']),
  },
  {
    name: 'multiple podSelectors and namespaceSelectors (In / NotIn)',
    policies: [
      makePolicy('x', 'p', {
        podSelector: lbl({ pod: 'a' }),
        ingress: [{ from: [{ podSelector: expr('pod', 'In', ['b', 'c']), namespaceSelector: expr('ns', 'NotIn', ['x']) }] }],
      }),
    ],
    denied: onlyFrom('x/a', ['y/b', 'y/c', 'z/b', 'z/c']),
  },
  {
    name: 'ports: only 81 from namespace y — port 80 is closed',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: lbl({ ns: 'y' }) }], ports: [{ port: 81 }] }] })],
    port: 'TCP/80',
    denied: onlyFrom('x/a', []),
  },
  {
    name: 'ports: only 81 from namespace y — port 81 is open to y',
    policies: [
      makePolicy('x', 'p', {
        podSelector: lbl({ pod: 'a' }),
        ingress: [{ from: [{ namespaceSelector: lbl({ ns: 'y' }) }], ports: [{ port: 81, protocol: 'TCP' }] }],
      }),
    ],
    port: 'TCP/81',
    denied: onlyFrom('x/a', fromNs('y')),
  },
  ...(['TCP/80', 'TCP/81'] as const).map((port) => ({
    name: `stacked policies with overlapping podSelectors are unioned (${port})`,
    policies: [
      makePolicy('x', 'p80', { podSelector: lbl({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: lbl({ ns: 'y' }) }], ports: [{ port: 80 }] }] }),
      makePolicy('x', 'p81', { podSelector: lbl({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: lbl({ ns: 'z' }) }], ports: [{ port: 81 }] }] }),
    ],
    port,
    denied: onlyFrom('x/a', fromNs(port === 'TCP/80' ? 'y' : 'z')),
  })),
  {
    name: 'allow-all ingress rule ({}) beside a namespace default-deny',
    policies: [denyAllIngressX, makePolicy('x', 'allow-a', { podSelector: lbl({ pod: 'a' }), ingress: [{}] })],
    denied: (_s, d) => ns(d) === 'x' && d !== 'x/a',
  },
  {
    name: 'one named port (serve-81-tcp): 81 open',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] })],
    port: 'TCP/81',
    denied: () => false,
  },
  {
    name: 'one named port (serve-81-tcp): 80 closed',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] })],
    port: 'TCP/80',
    denied: onlyFrom('x/a', []),
  },
  {
    name: 'named port from a namespace',
    policies: [
      makePolicy('x', 'p', {
        podSelector: lbl({ pod: 'a' }),
        ingress: [{ from: [{ namespaceSelector: lbl({ ns: 'y' }) }], ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }] }],
      }),
    ],
    denied: onlyFrom('x/a', fromNs('y')),
  },
  {
    name: 'named port with the wrong protocol matches nothing',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [{ ports: [{ port: 'serve-80-tcp', protocol: 'UDP' }] }] })],
    denied: onlyFrom('x/a', []),
  },
  {
    name: 'egress on one named port (80 open)',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), policyTypes: ['Egress'], egress: [{ ports: [{ port: 'serve-80-tcp' }] }] })],
    port: 'TCP/80',
    denied: () => false,
  },
  {
    name: 'egress on one named port (81 closed)',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), policyTypes: ['Egress'], egress: [{ ports: [{ port: 'serve-80-tcp' }] }] })],
    port: 'TCP/81',
    denied: (s) => s === 'x/a',
  },
  {
    name: 'egress to a server in another namespace by podSelector AND namespaceSelector',
    policies: [
      makePolicy('x', 'p', {
        podSelector: lbl({ pod: 'a' }),
        policyTypes: ['Egress'],
        egress: [{ to: [{ podSelector: lbl({ pod: 'b' }), namespaceSelector: lbl({ ns: 'y' }) }] }],
      }),
    ],
    denied: (s, d) => s === 'x/a' && d !== 'y/b',
  },
  {
    name: 'egress to a CIDR with except (the except is closed)',
    policies: [
      makePolicy('x', 'p', {
        podSelector: lbl({ pod: 'a' }),
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: [`${e2eIP('x', 'b')}/32`] } }] }],
      }),
    ],
    denied: (s, d) => s === 'x/a' && d === 'x/b',
  },
  {
    name: 'an address in both a CIDR except and another ipBlock is allowed',
    policies: [
      makePolicy('x', 'p', {
        podSelector: lbl({ pod: 'a' }),
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: [`${e2eIP('x', 'b')}/32`] } }] }, { to: [{ ipBlock: { cidr: `${e2eIP('x', 'b')}/32` } }] }],
      }),
    ],
    denied: () => false,
  },
  {
    name: "client-side egress deny wins over the server's ingress allow",
    policies: [
      makePolicy('x', 'deny-egress-a', { podSelector: lbl({ pod: 'a' }), policyTypes: ['Egress'] }),
      makePolicy('y', 'allow-from-x-a', {
        podSelector: lbl({ pod: 'b' }),
        ingress: [{ from: [{ namespaceSelector: lbl({ ns: 'x' }), podSelector: lbl({ pod: 'a' }) }] }],
      }),
    ],
    denied: (s, d) => s === 'x/a' || (d === 'y/b' && s !== 'x/a'),
  },
  {
    name: 'a UDP-only rule does not open TCP',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [{ ports: [{ protocol: 'UDP', port: 80 }] }] })],
    port: 'TCP/80',
    denied: onlyFrom('x/a', []),
  },
  {
    name: 'a UDP-only rule opens UDP',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [{ ports: [{ protocol: 'UDP', port: 80 }] }] })],
    port: 'UDP/80',
    denied: () => false,
  },
  {
    name: 'an SCTP rule opens SCTP only',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [{ ports: [{ protocol: 'SCTP', port: 81 }] }] })],
    port: 'SCTP/81',
    denied: () => false,
  },
  {
    name: 'namespaceSelector on the default kubernetes.io/metadata.name label',
    policies: [
      makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: lbl({ 'kubernetes.io/metadata.name': 'y' }) }] }] }),
    ],
    denied: onlyFrom('x/a', fromNs('y')),
  },
  {
    name: 'endPort range 81-82 (80 closed)',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [{ ports: [{ port: 81, endPort: 82 }] }] })],
    port: 'TCP/80',
    denied: onlyFrom('x/a', []),
  },
  {
    name: 'endPort range 81-82 (81 open)',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [{ ports: [{ port: 81, endPort: 82 }] }] })],
    port: 'TCP/81',
    denied: () => false,
  },
  {
    name: 'policyTypes [Egress] ignores its ingress rules and isolates egress only',
    policies: [makePolicy('x', 'p', { podSelector: {}, policyTypes: ['Egress'], ingress: [{ from: [{ podSelector: lbl({ pod: 'b' }) }] }] })],
    denied: (s) => ns(s) === 'x',
  },
  {
    name: 'Ingress and Egress specified together',
    policies: [
      makePolicy('x', 'p', {
        podSelector: lbl({ pod: 'a' }),
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ namespaceSelector: lbl({ ns: 'y' }) }] }],
        egress: [{ to: [{ namespaceSelector: lbl({ ns: 'z' }) }] }],
      }),
    ],
    denied: (s, d) => (d === 'x/a' && ns(s) !== 'y') || (s === 'x/a' && ns(d) !== 'z'),
  },
  {
    name: 'an empty egress list without policyTypes does not isolate egress',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), egress: [] })],
    denied: onlyFrom('x/a', []),
  },
  {
    name: 'egress [{}] without policyTypes: Ingress isolated (no rules), Egress allows all',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), egress: [{}] })],
    denied: onlyFrom('x/a', []),
  },
  {
    name: 'ingress: [] isolates and allows nothing',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [], policyTypes: ['Ingress'] })],
    denied: onlyFrom('x/a', []),
  },
  {
    name: 'from: [] in a rule means every source',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [{ from: [], ports: [{ port: 80 }] }] })],
    denied: () => false,
  },
  {
    name: 'namespaceSelector {} with a podSelector: that pod in every namespace',
    policies: [makePolicy('x', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: {}, podSelector: lbl({ pod: 'b' }) }] }] })],
    denied: onlyFrom('x/a', ['x/b', 'y/b', 'z/b']),
  },
  {
    name: 'namespaceSelector {} alone: every pod in the cluster',
    policies: [denyAllIngressX, makePolicy('x', 'p', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] })],
    denied: () => false,
  },
  {
    name: 'podSelector {} alone: every pod of the policy namespace only',
    policies: [makePolicy('x', 'p', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] })],
    denied: (s, d) => ns(d) === 'x' && ns(s) !== 'x',
  },
  {
    name: 'NotIn matches pods without the key',
    policies: [makePolicy('x', 'p', { podSelector: expr('role', 'NotIn', ['db']), ingress: [] })],
    denied: (_s, d) => ns(d) === 'x',
  },
  {
    name: 'DoesNotExist / Exists on the subject',
    policies: [
      makePolicy('x', 'p', { podSelector: expr('pod', 'Exists'), ingress: [] }),
      makePolicy('y', 'q', { podSelector: expr('pod', 'DoesNotExist'), ingress: [] }),
    ],
    denied: (_s, d) => ns(d) === 'x',
  },
  {
    name: 'a policy in one namespace never selects pods of another',
    policies: [makePolicy('y', 'p', { podSelector: lbl({ pod: 'a' }), ingress: [] })],
    denied: (_s, d) => d === 'y/a',
  },
];

describe('NetworkPolicy (upstream e2e model x/y/z × a/b/c)', () => {
  it.each(cases)('$name', ({ policies, port, denied }) => {
    const idx = index([...xyzCluster(), ...policies]);
    expect(idx.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const want = allPairsExcept(denied);
    expect(reachable(idx, port ?? 'TCP/80')).toEqual(want);
  });
});

describe('NetworkPolicy and addresses outside the pods', () => {
  const cluster = () => [
    ...xyzCluster(),
    makePod('x', 'h', { labels: { pod: 'h' }, hostNetwork: true, hostIP: '192.168.0.10', ports: [{ containerPort: 80, name: 'serve-80-tcp' }] }),
  ];
  it.each([
    ['ingress from an ipBlock admits an external address in it', '192.0.2.7', 'x/a', 'allowed'],
    ['…and not one outside it', '198.51.100.1', 'x/a', 'denied'],
    ['…nor a pod outside it', 'y/b', 'x/a', 'denied'],
    ['…but a pod whose IP is inside it', 'z/c', 'x/a', 'allowed'],
  ] as const)('%s', (_n, from, to, want) => {
    const idx = index([
      ...cluster(),
      makePolicy('x', 'p', {
        podSelector: lbl({ pod: 'a' }),
        ingress: [{ from: [{ ipBlock: { cidr: '192.0.2.0/24' } }, { ipBlock: { cidr: `${e2eIP('z', 'c')}/32` } }] }],
      }),
    ]);
    expect(verdict(idx, from, to, 'TCP/80')).toBe(want);
  });

  it.each([
    ['egress to 0.0.0.0/0 except 10.0.0.0/8 reaches the internet', '8.8.8.8', 'allowed'],
    ['…but not the pods in 10.0.0.0/8', 'y/b', 'denied'],
    ['…nor an excepted external address', '10.200.0.1', 'denied'],
  ] as const)('%s', (_n, to, want) => {
    const idx = index([
      ...cluster(),
      makePolicy('x', 'p', {
        podSelector: lbl({ pod: 'a' }),
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }],
      }),
    ]);
    expect(verdict(idx, 'x/a', to, 'TCP/80')).toBe(want);
  });

  it("an address that is a pod's IP is that pod", () => {
    const idx = index([
      ...cluster(),
      makePolicy('x', 'p', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] }),
    ]);
    expect(verdict(idx, e2eIP('x', 'b'), 'x/a', 'TCP/80')).toBe('allowed');
    expect(verdict(idx, e2eIP('x', 'c'), 'x/a', 'TCP/80')).toBe('denied');
  });

  it('host-network pods are not selected by podSelector {} and are not matched as pod peers', () => {
    const idx = index([
      ...cluster(),
      denyAllIngressX,
      makePolicy('x', 'from-x', { podSelector: lbl({ pod: 'a' }), ingress: [{ from: [{ podSelector: {} }] }] }),
    ]);
    expect(verdict(idx, 'y/a', 'x/h', 'TCP/80')).toBe('allowed');
    expect(verdict(idx, 'x/b', 'x/a', 'TCP/80')).toBe('allowed');
    expect(verdict(idx, 'x/h', 'x/a', 'TCP/80')).toBe('denied');
  });

  it("host-network pods are matched by an ipBlock holding their node's address", () => {
    const idx = index([
      ...cluster(),
      makePolicy('x', 'nodes', { podSelector: lbl({ pod: 'a' }), ingress: [{ from: [{ ipBlock: { cidr: '192.168.0.0/24' } }] }] }),
    ]);
    expect(verdict(idx, 'x/h', 'x/a', 'TCP/80')).toBe('allowed');
    expect(verdict(idx, 'x/b', 'x/a', 'TCP/80')).toBe('denied');
  });

  it('named ports resolve against the destination pod, so they differ per destination', () => {
    const objs = [
      makePod('x', 'web', { labels: { app: 'web' }, ports: [{ name: 'http', containerPort: 8080 }] }),
      makePod('x', 'api', { labels: { app: 'api' }, ports: [{ name: 'http', containerPort: 9090 }] }),
      makePod('x', 'client', { labels: { app: 'client' } }),
      makePolicy('x', 'http-only', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }] }] }),
    ];
    const idx = index(objs);
    expect(verdict(idx, 'x/client', 'x/web', 'TCP/8080')).toBe('allowed');
    expect(verdict(idx, 'x/client', 'x/web', 'TCP/9090')).toBe('denied');
    expect(verdict(idx, 'x/client', 'x/api', 'TCP/9090')).toBe('allowed');
    expect(verdict(idx, 'x/client', 'x/api', 'TCP/http')).toBe('allowed');
  });
});

describe('NetworkPolicy validation', () => {
  it.each([
    [
      'an except outside the CIDR',
      { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] } }] }] },
      'spec.ingress[0].from[0].ipBlock',
    ],
    ['an invalid CIDR', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/33' } }] }] }, 'spec.ingress[0].from[0].ipBlock'],
    [
      'an unknown operator',
      { podSelector: { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['b'] }] } },
      'spec.podSelector.matchExpressions[0].operator',
    ],
    ['In without values', { podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }, 'spec.podSelector.matchExpressions[0].values'],
    ['a port out of range', { podSelector: {}, ingress: [{ ports: [{ port: 70000 }] }] }, 'spec.ingress[0].ports[0].port'],
    ['endPort with a named port', { podSelector: {}, ingress: [{ ports: [{ port: 'http', endPort: 90 }] }] }, 'spec.ingress[0].ports[0].endPort'],
    ['endPort below port', { podSelector: {}, ingress: [{ ports: [{ port: 90, endPort: 80 }] }] }, 'spec.ingress[0].ports[0].endPort'],
    ['an unknown protocol', { podSelector: {}, ingress: [{ ports: [{ protocol: 'ICMP', port: 1 }] }] }, 'spec.ingress[0].ports[0].protocol'],
    ['ipBlock with a selector', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] }, 'spec.ingress[0].from[0]'],
    ['an empty peer', { podSelector: {}, ingress: [{ from: [{}] }] }, 'spec.ingress[0].from[0]'],
    ['an unknown policy type', { podSelector: {}, policyTypes: ['Sideways'] }, 'spec.policyTypes[0]'],
  ])('rejects %s with its field, and ignores only that policy', (_n, spec, field) => {
    const idx = index([...xyzCluster(), makePolicy('x', 'bad', spec as Obj)]);
    const errors = idx.diagnostics.filter((d) => d.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ field, kind: 'NetworkPolicy', name: 'bad' });
    expect(idx.policies).toHaveLength(0);
    expect(verdict(idx, 'y/a', 'x/a', 'TCP/80')).toBe('allowed');
  });
});
