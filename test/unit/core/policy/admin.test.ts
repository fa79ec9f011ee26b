/**
 * AdminNetworkPolicy / BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy
 * (v1alpha2), from the API documentation: ANP → NetworkPolicy → BANP, priorities (lower
 * first), rules in written order, Allow/Accept and Deny final, Pass to the next tier.
 */
import { describe, expect, it } from 'vitest';
import * as helpers from '../../../helpers/policy.js';
import { e2eIP, index, verdict, xyzCluster } from '../../../helpers/policy.js';
import { makeANP, makeBANP, makeClusterNetworkPolicy, makeNamespace, makePod, makePolicy } from '../../../helpers/objects.js';

type Obj = Record<string, unknown>;
const nsSel = (n: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': n } });
const podsIn = (n: string, pod?: string) => ({ pods: { namespaceSelector: nsSel(n), podSelector: pod ? { matchLabels: { pod } } : {} } });
const allowAllNP = (n: string) => makePolicy(n, 'allow-all', { podSelector: {}, ingress: [{}] });
const denyAllNP = (n: string) => makePolicy(n, 'deny-all', { podSelector: {}, policyTypes: ['Ingress'] });

interface Case {
  name: string;
  policies: Obj[];
  checks: Array<[from: string, to: string, port: string, want: 'allowed' | 'denied']>;
}

const anpCases: Case[] = [
  {
    name: 'ANP Deny beats a NetworkPolicy allow',
    policies: [
      allowAllNP('x'),
      makeANP('deny-y', 10, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Deny', from: [{ namespaces: nsSel('y') }] }] }),
    ],
    checks: [
      ['y/a', 'x/a', 'TCP/80', 'denied'],
      ['z/a', 'x/a', 'TCP/80', 'allowed'],
    ],
  },
  {
    name: 'ANP Allow beats NetworkPolicy isolation',
    policies: [
      denyAllNP('x'),
      makeANP('allow-y', 10, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Allow', from: [{ namespaces: nsSel('y') }] }] }),
    ],
    checks: [
      ['y/a', 'x/a', 'TCP/80', 'allowed'],
      ['z/a', 'x/a', 'TCP/80', 'denied'],
    ],
  },
  {
    name: 'lower priority number wins across policies',
    policies: [
      makeANP('deny-y', 20, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Deny', from: [{ namespaces: nsSel('y') }] }] }),
      makeANP('allow-y-b', 5, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Allow', from: [podsIn('y', 'b')] }] }),
    ],
    checks: [
      ['y/b', 'x/a', 'TCP/80', 'allowed'],
      ['y/a', 'x/a', 'TCP/80', 'denied'],
    ],
  },
  {
    name: 'rule order inside one policy: Deny 80 first, then Allow all',
    policies: [
      denyAllNP('x'),
      makeANP('ordered', 1, {
        subject: { namespaces: nsSel('x') },
        ingress: [
          { action: 'Deny', from: [{ namespaces: {} }], ports: [{ portNumber: { protocol: 'TCP', port: 80 } }] },
          { action: 'Allow', from: [{ namespaces: {} }] },
        ],
      }),
    ],
    checks: [
      ['y/a', 'x/a', 'TCP/80', 'denied'],
      ['y/a', 'x/a', 'TCP/81', 'allowed'],
      ['y/a', 'x/a', 'UDP/80', 'allowed'],
    ],
  },
  {
    name: 'Pass hands the decision to NetworkPolicy',
    policies: [
      denyAllNP('x'),
      makeANP('pass-y', 1, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Pass', from: [{ namespaces: nsSel('y') }] }] }),
      makeANP('allow-all', 2, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Allow', from: [{ namespaces: {} }] }] }),
    ],
    checks: [
      ['y/a', 'x/a', 'TCP/80', 'denied'],
      ['z/a', 'x/a', 'TCP/80', 'allowed'],
    ],
  },
  {
    name: 'Pass with no NetworkPolicy selecting falls to the baseline',
    policies: [
      makeANP('pass-all', 1, { subject: { namespaces: {} }, ingress: [{ action: 'Pass', from: [{ namespaces: {} }] }] }),
      makeBANP({ subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: nsSel('y') }] }] }),
      allowAllNP('z'),
    ],
    checks: [
      ['y/a', 'x/a', 'TCP/80', 'denied'],
      ['z/a', 'x/a', 'TCP/80', 'allowed'],
      ['y/a', 'z/a', 'TCP/80', 'allowed'],
    ],
  },
  {
    name: 'BANP applies only where no NetworkPolicy selects the pod',
    policies: [
      makeBANP({ subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] }),
      makePolicy('x', 'allow-y', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }] }] }),
    ],
    checks: [
      ['y/a', 'x/a', 'TCP/80', 'allowed'],
      ['z/a', 'x/a', 'TCP/80', 'denied'],
      ['x/a', 'y/a', 'TCP/80', 'denied'],
    ],
  },
  {
    name: 'BANP Allow above a BANP Deny (rule order)',
    policies: [
      makeBANP({
        subject: { namespaces: {} },
        ingress: [
          { action: 'Allow', from: [{ namespaces: nsSel('x') }] },
          { action: 'Deny', from: [{ namespaces: {} }] },
        ],
      }),
    ],
    checks: [
      ['x/a', 'y/a', 'TCP/80', 'allowed'],
      ['z/a', 'y/a', 'TCP/80', 'denied'],
    ],
  },
  {
    name: 'subject pods: namespaceSelector AND podSelector',
    policies: [makeANP('p', 1, { subject: podsIn('x', 'a'), ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] })],
    checks: [
      ['y/a', 'x/a', 'TCP/80', 'denied'],
      ['y/a', 'x/b', 'TCP/80', 'allowed'],
      ['y/a', 'y/a', 'TCP/80', 'allowed'],
    ],
  },
  {
    name: 'egress Deny to a namespace; ports by portRange',
    policies: [
      makeANP('p', 1, {
        subject: { namespaces: nsSel('x') },
        egress: [{ action: 'Deny', to: [{ namespaces: nsSel('z') }], ports: [{ portRange: { protocol: 'TCP', start: 80, end: 81 } }] }],
      }),
    ],
    checks: [
      ['x/a', 'z/a', 'TCP/80', 'denied'],
      ['x/a', 'z/a', 'TCP/81', 'denied'],
      ['x/a', 'z/a', 'UDP/80', 'allowed'],
      ['x/a', 'y/a', 'TCP/80', 'allowed'],
    ],
  },
  {
    name: 'namedPort resolves against the destination pod',
    policies: [
      makeANP('p', 1, { subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }], ports: [{ namedPort: 'serve-81-udp' }] }] }),
    ],
    checks: [
      ['x/a', 'y/a', 'UDP/81', 'denied'],
      ['x/a', 'y/a', 'TCP/81', 'allowed'],
    ],
  },
  {
    name: 'egress networks match external addresses and pod IPs alike',
    policies: [makeANP('p', 1, { subject: { namespaces: nsSel('x') }, egress: [{ action: 'Deny', to: [{ networks: ['10.0.2.0/24', '203.0.113.0/24'] }] }] })],
    checks: [
      ['x/a', 'y/b', 'TCP/80', 'denied'],
      ['x/a', 'z/b', 'TCP/80', 'allowed'],
      ['x/a', '203.0.113.9', 'TCP/443', 'denied'],
      ['x/a', '198.51.100.9', 'TCP/443', 'allowed'],
    ],
  },
  {
    name: 'a Pass of pod traffic before a networks Deny 0.0.0.0/0',
    policies: [
      makeANP('p', 1, {
        subject: { namespaces: {} },
        egress: [
          { action: 'Pass', to: [{ namespaces: {} }] },
          { action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] },
        ],
      }),
    ],
    checks: [
      ['x/a', 'y/b', 'TCP/80', 'allowed'],
      ['x/a', '1.1.1.1', 'TCP/443', 'denied'],
    ],
  },
  {
    name: 'a peer with an unknown field fails closed: a Deny becomes deny-all',
    policies: [makeANP('p', 1, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Deny', from: [{ futurePeer: {} }] }] })],
    checks: [['y/a', 'x/a', 'TCP/80', 'denied']],
  },
  {
    name: 'a peer with an unknown field fails closed: an Allow matches nothing',
    policies: [denyAllNP('x'), makeANP('p', 1, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Allow', from: [{ futurePeer: {} }] }] })],
    checks: [['y/a', 'x/a', 'TCP/80', 'denied']],
  },
  {
    name: 'an ingress peer with networks (egress-only field) fails closed: Deny becomes deny-all',
    policies: [makeANP('p', 1, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Deny', from: [{ networks: ['192.0.2.0/24'] }] }] })],
    checks: [
      ['y/a', 'x/a', 'TCP/80', 'denied'],
      ['x/a', 'y/a', 'TCP/80', 'allowed'],
    ],
  },
];

const clusterNetworkPolicyCases: Case[] = [
  {
    name: 'Admin Deny beats NetworkPolicy; Baseline Deny loses to it',
    policies: [
      allowAllNP('x'),
      makeClusterNetworkPolicy('admin-deny-y', 'Admin', 10, {
        subject: { namespaces: nsSel('x') },
        ingress: [{ action: 'Deny', from: [{ namespaces: nsSel('y') }] }],
      }),
      makeClusterNetworkPolicy('baseline-deny', 'Baseline', 10, { subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] }),
    ],
    checks: [
      ['y/a', 'x/a', 'TCP/80', 'denied'],
      ['z/a', 'x/a', 'TCP/80', 'allowed'],
      ['z/a', 'y/a', 'TCP/80', 'denied'],
    ],
  },
  {
    name: 'Accept in the Admin tier beats a Baseline Deny and NP isolation',
    policies: [
      denyAllNP('x'),
      makeClusterNetworkPolicy('accept', 'Admin', 5, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Accept', from: [podsIn('y', 'c')] }] }),
    ],
    checks: [
      ['y/c', 'x/a', 'TCP/80', 'allowed'],
      ['y/b', 'x/a', 'TCP/80', 'denied'],
    ],
  },
  {
    name: 'protocols: tcp destinationPort number and udp range',
    policies: [
      makeClusterNetworkPolicy('p', 'Admin', 1, {
        subject: { namespaces: nsSel('x') },
        ingress: [
          {
            action: 'Deny',
            from: [{ namespaces: {} }],
            protocols: [{ tcp: { destinationPort: { number: 80 } } }, { udp: { destinationPort: { range: { start: 80, end: 81 } } } }],
          },
        ],
      }),
    ],
    checks: [
      ['y/a', 'x/a', 'TCP/80', 'denied'],
      ['y/a', 'x/a', 'TCP/81', 'allowed'],
      ['y/a', 'x/a', 'UDP/81', 'denied'],
      ['y/a', 'x/a', 'SCTP/80', 'allowed'],
    ],
  },
  {
    name: 'destinationNamedPort',
    policies: [
      makeClusterNetworkPolicy('p', 'Admin', 1, {
        subject: { namespaces: nsSel('x') },
        ingress: [{ action: 'Deny', from: [{ namespaces: {} }], protocols: [{ destinationNamedPort: 'serve-80-sctp' }] }],
      }),
    ],
    checks: [
      ['y/a', 'x/a', 'SCTP/80', 'denied'],
      ['y/a', 'x/a', 'TCP/80', 'allowed'],
    ],
  },
  {
    name: 'Pass in the Admin tier, then Baseline decides',
    policies: [
      makeClusterNetworkPolicy('pass', 'Admin', 1, { subject: { namespaces: {} }, egress: [{ action: 'Pass', to: [{ namespaces: nsSel('z') }] }] }),
      makeClusterNetworkPolicy('deny', 'Admin', 2, { subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ namespaces: {} }] }] }),
      makeClusterNetworkPolicy('base', 'Baseline', 1, {
        subject: { namespaces: {} },
        egress: [
          { action: 'Accept', to: [{ namespaces: nsSel('z') }], protocols: [{ tcp: { destinationPort: { number: 80 } } }] },
          { action: 'Deny', to: [{ namespaces: {} }] },
        ],
      }),
    ],
    checks: [
      ['x/a', 'z/a', 'TCP/80', 'allowed'],
      ['x/a', 'z/a', 'TCP/81', 'denied'],
      ['x/a', 'y/a', 'TCP/80', 'denied'],
    ],
  },
  {
    name: 'Baseline Pass means the default: allowed',
    policies: [
      makeClusterNetworkPolicy('p', 'Baseline', 1, {
        subject: { namespaces: {} },
        ingress: [
          { action: 'Pass', from: [{ namespaces: nsSel('y') }] },
          { action: 'Deny', from: [{ namespaces: {} }] },
        ],
      }),
    ],
    checks: [
      ['y/a', 'x/a', 'TCP/80', 'allowed'],
      ['z/a', 'x/a', 'TCP/80', 'denied'],
    ],
  },
  {
    name: 'networks peer on egress',
    policies: [
      makeClusterNetworkPolicy('p', 'Admin', 1, { subject: { namespaces: nsSel('x') }, egress: [{ action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }] }),
    ],
    checks: [
      ['x/a', '8.8.8.8', 'UDP/53', 'denied'],
      ['x/a', 'y/a', 'TCP/80', 'denied'],
      ['y/a', '8.8.8.8', 'UDP/53', 'allowed'],
    ],
  },
];

describe.each([
  ['AdminNetworkPolicy / BaselineAdminNetworkPolicy', anpCases],
  ['ClusterNetworkPolicy v1alpha2', clusterNetworkPolicyCases],
])('%s', (_t, list) => {
  it.each(list)('$name', ({ policies, checks }) => {
    const idx = index([...xyzCluster(), ...policies]);
    expect(idx.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    for (const [from, to, port, want] of checks) expect(`${from}→${to} ${port}: ${verdict(idx, from, to, port)}`).toBe(`${from}→${to} ${port}: ${want}`);
  });
});

describe('admin tiers and host-network pods / nodes', () => {
  const objs = () => [
    makeNamespace('x'),
    makePod('x', 'a', { labels: { pod: 'a' }, ip: e2eIP('x', 'a') }),
    makePod('x', 'h', { labels: { pod: 'h' }, hostNetwork: true, hostIP: '192.168.1.5', nodeName: 'n1' }),
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', labels: { role: 'worker' } },
      status: { addresses: [{ type: 'InternalIP', address: '192.168.1.5' }] },
    },
  ];
  it('host-network pods are neither subjects nor pod peers', () => {
    const idx = index([...objs(), makeANP('p', 1, { subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] })]);
    expect(verdict(idx, 'x/a', 'x/h', 'TCP/80')).toBe('allowed');
    expect(verdict(idx, 'x/h', 'x/a', 'TCP/80')).toBe('allowed');
  });
  it('a nodes peer matches the host-network pods on those nodes and the node address', () => {
    const idx = index([
      ...objs(),
      makeANP('p', 1, { subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ nodes: { matchLabels: { role: 'worker' } } }] }] }),
    ]);
    expect(verdict(idx, 'x/a', 'x/h', 'TCP/10250')).toBe('denied');
    expect(verdict(idx, 'x/a', '192.168.1.5', 'TCP/10250')).toBe('denied');
    expect(verdict(idx, 'x/a', '192.168.1.6', 'TCP/10250')).toBe('allowed');
  });
  it('says when two policies share a priority and disagree (the API leaves the order open)', () => {
    const { check } = helpers;
    const idx = index([
      ...xyzCluster(),
      makeANP('b-allow', 7, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Allow', from: [{ namespaces: {} }] }] }),
      makeANP('a-deny', 7, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Deny', from: [{ namespaces: nsSel('y') }] }] }),
    ]);
    const r = check(idx, 'y/a', 'x/a', 'TCP/80');
    expect(r.verdict).toBe('denied');
    expect(r.ingress.notes.join('\n')).toMatch(/AdminNetworkPolicy a-deny and AdminNetworkPolicy b-allow share priority 7 and disagree/);
    expect(check(idx, 'z/a', 'x/a', 'TCP/80').ingress.notes).toEqual([]);
  });

  it('reports priority and validation problems with their fields', () => {
    const idx = index([...objs(), makeANP('bad', 5000, { subject: { namespaces: {} }, ingress: [{ action: 'Maybe', from: [{ namespaces: {} }] }] })]);
    expect(idx.diagnostics.map((d) => d.field)).toEqual(['spec.priority', 'spec.ingress[0].action']);
  });
});
