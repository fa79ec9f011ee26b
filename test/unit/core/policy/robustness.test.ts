/**
 * Malformed input never crashes the engine: each odd document is reported (or ignored when
 * harmless) and the rest of the folder is still analysed.
 */
import { describe, expect, it } from 'vitest';
import { policy } from '../../../../src/core/index.js';
import { check, index, xyzCluster } from '../../../helpers/policy.js';
import { makeCilium, makePolicy } from '../../../helpers/objects.js';

type Obj = Record<string, unknown>;
const weird: Array<[string, Obj]> = [
  ['spec is a string', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'w1', namespace: 'x' }, spec: 'nope' }],
  ['metadata is a list', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: [], spec: {} }],
  ['a null rule', makePolicy('x', 'w3', { podSelector: {}, ingress: [null] })],
  ['a null port', makePolicy('x', 'w4', { podSelector: {}, ingress: [{ ports: [{ port: null }] }] })],
  ['labels that are not strings', makePolicy('x', 'w5', { podSelector: { matchLabels: { n: 1, b: true } } })],
  ['matchExpressions not a list', makePolicy('x', 'w6', { podSelector: { matchExpressions: 'x' } })],
  ['ipBlock without cidr', makePolicy('x', 'w7', { podSelector: {}, ingress: [{ from: [{ ipBlock: {} }] }] })],
  ['ANP without subject', { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'w8' }, spec: { priority: 1 } }],
  [
    'ANP rules not a list',
    {
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      kind: 'AdminNetworkPolicy',
      metadata: { name: 'w9' },
      spec: { priority: 1, subject: { namespaces: {} }, ingress: {} },
    },
  ],
  [
    'ClusterNetworkPolicy with a bad tier',
    {
      apiVersion: 'policy.networking.k8s.io/v1alpha2',
      kind: 'ClusterNetworkPolicy',
      metadata: { name: 'w10' },
      spec: { tier: 'Middle', priority: 1, subject: { namespaces: {} } },
    },
  ],
  ['Cilium toPorts ports not a list', makeCilium('x', 'w11', { endpointSelector: {}, ingress: [{ toPorts: [{ ports: 'x' }] }] })],
  ['Cilium without a selector', makeCilium('x', 'w12', { ingress: [{}] })],
  ['Cilium with a bad CIDR', makeCilium('x', 'w13', { endpointSelector: {}, egress: [{ toCIDR: ['999.0.0.0/8'] }] })],
  ['a pod without a name', { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'x' }, spec: {} }],
  ['a Deployment without a template', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'x' }, spec: { template: 'x' } }],
  [
    'a pod with odd ports',
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'odd', namespace: 'x', labels: { pod: 'odd' } },
      spec: { containers: [{ ports: [{ containerPort: 'http' }, null, { containerPort: 99999 }] }, 'x'] },
    },
  ],
  [
    'a policy of an unknown apiVersion',
    { apiVersion: 'example.com/v1', kind: 'NetworkPolicy', metadata: { name: 'w17', namespace: 'x' }, spec: { podSelector: {} } },
  ],
  ['an object without kind', { apiVersion: 'v1', metadata: { name: 'w18' } }],
];

describe('robustness', () => {
  it.each(weird)('%s: no crash, the rest still analysed', (_n, doc) => {
    const idx = index([...xyzCluster(), doc, makePolicy('y', 'deny', { podSelector: {} })]);
    expect(check(idx, 'x/a', 'y/b', 'TCP/80').verdict).toBe('denied');
    expect(check(idx, 'y/b', 'x/a', 'TCP/80').verdict).toBe('allowed');
    expect(() => policy.computeMatrix(idx)).not.toThrow();
  });

  it('reports every invalid policy above with a field', () => {
    const idx = index([...xyzCluster(), ...weird.map(([, d]) => d)]);
    const errors = idx.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(12);
    for (const e of errors) expect(e.message.length).toBeGreaterThan(10);
  });

  it('survives text that is not YAML at all, binary noise and empty files', () => {
    const r = policy.indexFromFiles([
      { name: 'a.yaml', text: '' },
      { name: 'b.yaml', text: '\u0000\u0001\u0002: : :\n\t- [' },
      { name: 'c.json', text: '{"apiVersion": "v1", "kind": "Pod", ' },
      { name: 'd.yaml', text: 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec: {containers: [{name: c}]}\n' },
    ]);
    expect(r.workloads.map((w) => w.id)).toEqual(['n/p']);
    expect(r.diagnostics.map((d) => d.file).sort()).toEqual(['b.yaml', 'c.json']);
  });
});
