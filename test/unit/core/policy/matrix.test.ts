/**
 * The workload matrix: allowed connections between workloads (self excluded) and between
 * workloads and address ranges, in the `matrix --json` shape.
 */
import { describe, expect, it } from 'vitest';
import { policy } from '../../../../src/core/index.js';
import { index } from '../../../helpers/policy.js';
import { makeANP, makeDeployment, makePod, makePolicy } from '../../../helpers/objects.js';

const cluster = () => [
  makeDeployment('x', 'a', { app: 'a' }, [{ containerPort: 80, name: 'http' }]),
  makeDeployment('x', 'b', { app: 'b' }, [{ containerPort: 8080, name: 'web' }]),
  makePod('y', 'c', { labels: { app: 'c' } }),
  makePolicy('x', 'default-deny', { podSelector: {} }),
  makePolicy('x', 'a-from-b', {
    podSelector: { matchLabels: { app: 'a' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { app: 'b' } } }], ports: [{ protocol: 'TCP', port: 80 }] }],
  }),
  makePolicy('x', 'b-from-outside', {
    podSelector: { matchLabels: { app: 'b' } },
    ingress: [{ from: [{ ipBlock: { cidr: '192.0.2.0/24', except: ['192.0.2.128/25'] } }], ports: [{ port: 'web' }] }],
  }),
  makePolicy('y', 'c-egress', {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [
      { to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ protocol: 'UDP', port: 53 }] },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'x' } } }], ports: [{ port: 'http' }] },
    ],
  }),
];

describe('computeMatrix', () => {
  it('lists every allowed connection, with ports resolved per destination', () => {
    const m = policy.computeMatrix(index(cluster()));
    expect(m).toEqual({
      workloads: [
        { id: 'x/a', kind: 'Deployment' },
        { id: 'x/b', kind: 'Deployment' },
        { id: 'y/c', kind: 'Pod' },
      ],
      connections: [
        { from: { workload: 'x/a' }, to: { workload: 'y/c' }, all: true },
        { from: { workload: 'x/b' }, to: { workload: 'x/a' }, ports: [{ protocol: 'TCP', port: 80 }] },
        { from: { workload: 'x/b' }, to: { workload: 'y/c' }, all: true },
        { from: { workload: 'x/a' }, to: { ipRange: '0.0.0.0-255.255.255.255' }, all: true },
        { from: { workload: 'x/b' }, to: { ipRange: '0.0.0.0-255.255.255.255' }, all: true },
        { from: { ipRange: '192.0.2.0-192.0.2.127' }, to: { workload: 'x/b' }, ports: [{ protocol: 'TCP', port: 8080 }] },
        { from: { workload: 'y/c' }, to: { ipRange: '10.0.0.0-10.255.255.255' }, ports: [{ protocol: 'UDP', port: 53 }] },
        { from: { ipRange: '0.0.0.0-255.255.255.255' }, to: { workload: 'y/c' }, all: true },
      ],
    });
  });

  it('keeps named ports symbolic towards addresses, and reports port ranges with endPort', () => {
    const m = policy.computeMatrix(
      index([
        makePod('y', 'c', { labels: { app: 'c' } }),
        makePolicy('y', 'out', {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [
            {
              to: [{ ipBlock: { cidr: '0.0.0.0/0' } }],
              ports: [
                { port: 'dns', protocol: 'UDP' },
                { port: 8000, endPort: 8080 },
              ],
            },
          ],
        }),
      ]),
    );
    expect(m.connections.filter((c) => 'workload' in c.from)).toEqual([
      {
        from: { workload: 'y/c' },
        to: { ipRange: '0.0.0.0-255.255.255.255' },
        ports: [
          { protocol: 'TCP', port: 8000, endPort: 8080 },
          { protocol: 'UDP', namedPort: 'dns' },
        ],
      },
    ]);
  });

  it('subtracts admin denies from a wider allow (port sets, not single ports)', () => {
    const m = policy.computeMatrix(
      index([
        makePod('x', 'a', { labels: { app: 'a' } }),
        makePod('x', 'b', { labels: { app: 'b' } }),
        makeANP('no-22', 1, {
          subject: { namespaces: {} },
          ingress: [
            {
              action: 'Deny',
              from: [{ namespaces: {} }],
              ports: [{ portNumber: { protocol: 'TCP', port: 22 } }, { portRange: { protocol: 'UDP', start: 1, end: 65535 } }],
            },
          ],
        }),
      ]),
    );
    expect(m.connections.find((c) => 'workload' in c.from && c.from.workload === 'x/a' && 'workload' in c.to)).toEqual({
      from: { workload: 'x/a' },
      to: { workload: 'x/b' },
      ports: [
        { protocol: 'TCP', port: 1, endPort: 21 },
        { protocol: 'TCP', port: 23, endPort: 65535 },
        { protocol: 'SCTP', port: 1, endPort: 65535 },
      ],
    });
  });

  it('renders a readable text list', () => {
    const text = policy.matrixText(policy.computeMatrix(index(cluster())));
    expect(text).toContain('x/b → x/a: TCP/80');
    expect(text).toContain('192.0.2.0-192.0.2.127 → x/b: TCP/8080');
    expect(text.split('\n')[0]).toBe('3 workloads, 8 allowed connections');
  });
});

describe('matrix fast path', () => {
  it('gives exactly the full evaluation for every pair and address (memo by matching rules)', async () => {
    const { allowedBetween } = await import('../../../../src/core/policy/evaluate.js');
    const { connKey } = await import('../../../../src/core/policy/ports.js');
    const { xyzCluster } = await import('../../../helpers/policy.js');
    const { makeCilium } = await import('../../../helpers/objects.js');
    const idx = index([
      ...xyzCluster(),
      makePolicy('x', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
      makePolicy('x', 'a', {
        podSelector: { matchLabels: { pod: 'a' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }], ports: [{ port: 'serve-80-tcp' }, { protocol: 'UDP', port: 81 }] }],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.3.0/24'] } }] }],
      }),
      makeANP('p', 3, {
        subject: { namespaces: {} },
        ingress: [
          { action: 'Pass', from: [{ namespaces: { matchLabels: { ns: 'z' } } }] },
          { action: 'Deny', from: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { pod: 'c' } } } }], ports: [{ namedPort: 'serve-81-sctp' }] },
        ],
      }),
      makeCilium('y', 'c', {
        endpointSelector: { matchLabels: { pod: 'b' } },
        ingressDeny: [{ fromEndpoints: [{ matchLabels: { 'io.kubernetes.pod.namespace': 'z' } }], toPorts: [{ ports: [{ port: '80' }] }] }],
        ingress: [{ fromEntities: ['cluster'] }],
      }),
    ]);
    const eps = [...idx.pods.map((p) => policy.podEndpoint(p)), ...['10.0.1.1', '10.0.3.9', '8.8.8.8'].map((ip) => policy.ipEndpoint(ip)!)];
    for (const a of eps)
      for (const b of eps) {
        if (a === b || (a.kind === 'ip' && b.kind === 'ip')) continue;
        expect(connKey(allowedBetween(idx, a, b))).toBe(connKey(policy.evaluatePair(idx, a, b).allowed));
      }
  });
});
