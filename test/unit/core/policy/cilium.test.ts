/**
 * CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy at L3/L4, from Cilium's policy
 * documentation: default-deny once selected (per direction, enableDefaultDeny), namespaced
 * selectors, entities, CIDR rules (which never match pods), toPorts, deny precedence, and L7
 * reported as not evaluated.
 */
import { describe, expect, it } from 'vitest';
import { check, index, verdict, xyzCluster } from '../../../helpers/policy.js';
import { makeCilium, makePolicy } from '../../../helpers/objects.js';

type Obj = Record<string, unknown>;
const ep = (labels: Record<string, string>) => ({ matchLabels: labels });

interface Case {
  name: string;
  policies: Obj[];
  checks: Array<[from: string, to: string, port: string, want: 'allowed' | 'denied']>;
}

const cases: Case[] = [
  {
    name: 'selected with an ingress section: default deny, fromEndpoints allows its own namespace only',
    policies: [makeCilium('x', 'p', { endpointSelector: ep({ pod: 'a' }), ingress: [{ fromEndpoints: [ep({ pod: 'b' })] }] })],
    checks: [
      ['x/b', 'x/a', 'TCP/80', 'allowed'],
      ['y/b', 'x/a', 'TCP/80', 'denied'],
      ['x/c', 'x/a', 'TCP/80', 'denied'],
      ['x/c', 'x/b', 'TCP/80', 'allowed'],
    ],
  },
  {
    name: 'fromEndpoints naming io.kubernetes.pod.namespace reaches across namespaces',
    policies: [
      makeCilium('x', 'p', {
        endpointSelector: ep({ pod: 'a' }),
        ingress: [{ fromEndpoints: [ep({ 'k8s:io.kubernetes.pod.namespace': 'y', 'k8s:pod': 'b' })] }],
      }),
    ],
    checks: [
      ['y/b', 'x/a', 'TCP/80', 'allowed'],
      ['x/b', 'x/a', 'TCP/80', 'denied'],
    ],
  },
  {
    name: 'namespace labels are io.cilium.k8s.namespace.labels.*',
    policies: [
      makeCilium('x', 'p', {
        endpointSelector: {},
        ingress: [
          {
            fromEndpoints: [
              {
                matchExpressions: [
                  { key: 'io.cilium.k8s.namespace.labels.ns', operator: 'In', values: ['z'] },
                  { key: 'io.kubernetes.pod.namespace', operator: 'Exists' },
                ],
              },
            ],
          },
        ],
      }),
    ],
    checks: [
      ['z/c', 'x/a', 'TCP/80', 'allowed'],
      ['y/c', 'x/a', 'TCP/80', 'denied'],
    ],
  },
  {
    name: 'ingress: [{}] is deny-all',
    policies: [makeCilium('x', 'p', { endpointSelector: {}, ingress: [{}] })],
    checks: [
      ['x/b', 'x/a', 'TCP/80', 'denied'],
      ['y/b', 'x/a', 'TCP/80', 'denied'],
      ['x/a', 'y/b', 'TCP/80', 'allowed'],
    ],
  },
  {
    name: 'a toPorts-only rule admits every source on those ports',
    policies: [makeCilium('x', 'p', { endpointSelector: ep({ pod: 'a' }), ingress: [{ toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }] }] })],
    checks: [
      ['z/c', 'x/a', 'TCP/80', 'allowed'],
      ['z/c', 'x/a', 'TCP/81', 'denied'],
      ['z/c', 'x/a', 'UDP/80', 'denied'],
    ],
  },
  {
    name: 'protocol ANY (default) covers TCP, UDP and SCTP; endPort ranges; named ports',
    policies: [
      makeCilium('x', 'p', {
        endpointSelector: ep({ pod: 'a' }),
        ingress: [{ toPorts: [{ ports: [{ port: '80', endPort: 81 }, { port: 'serve-80-sctp' }] }] }],
      }),
    ],
    checks: [
      ['y/a', 'x/a', 'UDP/81', 'allowed'],
      ['y/a', 'x/a', 'TCP/82', 'denied'],
      ['y/a', 'x/a', 'SCTP/80', 'allowed'],
    ],
  },
  {
    name: 'ingressDeny wins over a Kubernetes NetworkPolicy allow',
    policies: [
      makePolicy('x', 'allow-all', { podSelector: {}, ingress: [{}] }),
      makeCilium('x', 'deny-y', {
        endpointSelector: {},
        ingressDeny: [{ fromEndpoints: [ep({ 'io.kubernetes.pod.namespace': 'y' })], toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }] }],
      }),
    ],
    checks: [
      ['y/a', 'x/a', 'TCP/80', 'denied'],
      ['y/a', 'x/a', 'TCP/81', 'allowed'],
      ['z/a', 'x/a', 'TCP/80', 'allowed'],
    ],
  },
  {
    name: 'a deny-only policy still puts the endpoint in default deny',
    policies: [makeCilium('x', 'deny-y', { endpointSelector: {}, ingressDeny: [{ fromEndpoints: [ep({ 'io.kubernetes.pod.namespace': 'y' })] }] })],
    checks: [
      ['y/a', 'x/a', 'TCP/80', 'denied'],
      ['z/a', 'x/a', 'TCP/80', 'denied'],
    ],
  },
  {
    name: 'enableDefaultDeny false: the deny applies, the rest stays open',
    policies: [
      makeCilium('x', 'deny-y', {
        endpointSelector: {},
        enableDefaultDeny: { ingress: false },
        ingressDeny: [{ fromEndpoints: [ep({ 'io.kubernetes.pod.namespace': 'y' })] }],
      }),
    ],
    checks: [
      ['y/a', 'x/a', 'TCP/80', 'denied'],
      ['z/a', 'x/a', 'TCP/80', 'allowed'],
    ],
  },
  {
    name: 'egress: toEntities world reaches outside, not pods; toCIDRSet except',
    policies: [makeCilium('x', 'p', { endpointSelector: ep({ pod: 'a' }), egress: [{ toEntities: ['world'] }] })],
    checks: [
      ['x/a', '1.1.1.1', 'TCP/443', 'allowed'],
      ['x/a', 'y/a', 'TCP/80', 'denied'],
    ],
  },
  {
    name: 'toCIDR never matches pods, even when their IP is inside',
    policies: [makeCilium('x', 'p', { endpointSelector: ep({ pod: 'a' }), egress: [{ toCIDRSet: [{ cidr: '10.0.0.0/8', except: ['10.9.0.0/16'] }] }] })],
    checks: [
      ['x/a', 'y/a', 'TCP/80', 'denied'],
      ['x/a', '10.1.2.3', 'TCP/80', 'allowed'],
      ['x/a', '10.9.0.1', 'TCP/80', 'denied'],
    ],
  },
  {
    name: 'toEntities cluster reaches every pod; all reaches everything',
    policies: [
      makeCilium('x', 'p', { endpointSelector: ep({ pod: 'a' }), egress: [{ toEntities: ['cluster'] }] }),
      makeCilium('x', 'q', { endpointSelector: ep({ pod: 'b' }), egress: [{ toEntities: ['all'] }] }),
    ],
    checks: [
      ['x/a', 'z/c', 'TCP/80', 'allowed'],
      ['x/a', '8.8.8.8', 'TCP/80', 'denied'],
      ['x/b', '8.8.8.8', 'TCP/80', 'allowed'],
      ['x/b', 'z/c', 'TCP/80', 'allowed'],
    ],
  },
  {
    name: 'fromCIDR admits external addresses',
    policies: [makeCilium('x', 'p', { endpointSelector: ep({ pod: 'a' }), ingress: [{ fromCIDR: ['203.0.113.0/24'] }] })],
    checks: [
      ['203.0.113.5', 'x/a', 'TCP/80', 'allowed'],
      ['198.51.100.5', 'x/a', 'TCP/80', 'denied'],
    ],
  },
  {
    name: 'CiliumClusterwideNetworkPolicy selects and peers across namespaces',
    policies: [makeCilium(null, 'p', { endpointSelector: ep({ pod: 'a' }), ingress: [{ fromEndpoints: [ep({ pod: 'b' })] }] })],
    checks: [
      ['z/b', 'y/a', 'TCP/80', 'allowed'],
      ['z/c', 'y/a', 'TCP/80', 'denied'],
      ['z/c', 'y/b', 'TCP/80', 'allowed'],
    ],
  },
  {
    name: 'specs: a list of rules',
    policies: [
      {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: 'multi', namespace: 'x' },
        specs: [
          { endpointSelector: ep({ pod: 'a' }), ingress: [{ fromEndpoints: [ep({ pod: 'b' })] }] },
          { endpointSelector: ep({ pod: 'a' }), ingress: [{ fromEndpoints: [ep({ pod: 'c' })] }] },
        ],
      },
    ],
    checks: [
      ['x/b', 'x/a', 'TCP/80', 'allowed'],
      ['x/c', 'x/a', 'TCP/80', 'allowed'],
      ['y/a', 'x/a', 'TCP/80', 'denied'],
    ],
  },
];

describe('CiliumNetworkPolicy', () => {
  it.each(cases)('$name', ({ policies, checks }) => {
    const idx = index([...xyzCluster(), ...policies]);
    expect(idx.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    for (const [from, to, port, want] of checks) expect(`${from}→${to} ${port}: ${verdict(idx, from, to, port)}`).toBe(`${from}→${to} ${port}: ${want}`);
  });

  it('kube-apiserver is determinable from the default/kubernetes endpoints and kube-apiserver pods', () => {
    const objs = [
      ...xyzCluster(),
      {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'kubernetes', namespace: 'default' },
        subsets: [{ addresses: [{ ip: '172.18.0.2' }], ports: [{ port: 6443 }] }],
      },
      makeCilium('x', 'api', {
        endpointSelector: ep({ pod: 'a' }),
        egress: [{ toEntities: ['kube-apiserver'], toPorts: [{ ports: [{ port: '6443', protocol: 'TCP' }] }] }],
      }),
    ];
    const idx = index(objs);
    expect(verdict(idx, 'x/a', '172.18.0.2', 'TCP/6443')).toBe('allowed');
    expect(verdict(idx, 'x/a', '172.18.0.3', 'TCP/6443')).toBe('denied');
    expect(check(idx, 'x/a', '172.18.0.2', 'TCP/6443').egress.notes).toEqual([]);
  });

  it('reserved:<entity> labels in an endpoint selector mean that entity', () => {
    const idx = index([
      ...xyzCluster(),
      makeCilium('x', 'world', { endpointSelector: ep({ pod: 'a' }), ingress: [{ fromEndpoints: [{ matchLabels: { 'reserved:world': '' } }] }] }),
    ]);
    expect(verdict(idx, '8.8.8.8', 'x/a', 'TCP/80')).toBe('allowed');
    expect(verdict(idx, 'x/b', 'x/a', 'TCP/80')).toBe('denied');
  });

  it('reports L7 rules as not evaluated, never silently', () => {
    const idx = index([
      ...xyzCluster(),
      makeCilium('x', 'l7', {
        endpointSelector: ep({ pod: 'a' }),
        ingress: [{ fromEndpoints: [{}], toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }], rules: { http: [{ method: 'GET', path: '/' }] } }] }],
      }),
    ]);
    const r = check(idx, 'x/b', 'x/a', 'TCP/80');
    expect(r.verdict).toBe('allowed');
    expect(r.explanation.join('\n')).toMatch(/not evaluated \(L7\)/);
    expect(r.ingress.notes.join('\n')).toMatch(/L7/);
  });

  it('reports peers it cannot evaluate offline (toFQDNs, kube-apiserver) as not evaluated', () => {
    const idx = index([
      ...xyzCluster(),
      makeCilium('x', 'fqdn', {
        endpointSelector: ep({ pod: 'a' }),
        egress: [{ toFQDNs: [{ matchName: 'example.com' }] }, { toEntities: ['kube-apiserver'] }],
      }),
    ]);
    const r = check(idx, 'x/a', '93.184.216.34', 'TCP/443');
    expect(r.verdict).toBe('denied');
    expect(r.egress.notes.join('\n')).toMatch(/toFQDNs is not evaluated/);
    expect(r.egress.notes.join('\n')).toMatch(/kube-apiserver is not determinable/);
  });
});
