/**
 * Hostile and real-world input: a YAML alias bomb, typed lists as the
 * API server and `kubectl get -o yaml` return them, static (mirror) pods owned by their Node.
 */
import { describe, expect, it } from 'vitest';
import { policy } from '../../../../src/core/index.js';

const file = (name: string, text: string) => ({ name, text });

/** 9^9 copies of "lol" once the label value is turned into a string: well over any string limit. */
function aliasBomb(): string {
  const levels = 'abcdefghi'.split('');
  const lines = ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: bomb', '  namespace: x', '  annotations:', `    a: &a [${Array(9).fill('"lol"').join(',')}]`];
  for (let i = 1; i < levels.length; i++) lines.push(`    ${levels[i]}: &${levels[i]} [${Array(9).fill(`*${levels[i - 1]}`).join(',')}]`);
  lines.push('  labels:', '    app: *i', 'spec: {containers: [{name: c}]}', '');
  return lines.join('\n');
}

describe('YAML aliases', () => {
  it('refuses an alias bomb quickly, naming the file and the line of the first alias', () => {
    const text = aliasBomb();
    expect(text.length).toBeLessThan(520);
    const t = performance.now();
    const idx = policy.indexFromFiles([file('evil/bomb.yaml', text), file('ok.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: fine, namespace: x}\nspec: {containers: [{name: c}]}\n')]);
    expect(performance.now() - t).toBeLessThan(2000);
    expect(idx.diagnostics).toMatchObject([{ severity: 'error', file: 'evil/bomb.yaml', line: 8, message: expect.stringMatching(/alias/) }]);
    expect(idx.workloads.map((w) => w.id)).toEqual(['x/fine']);
  });

  it('still reads a few aliases, on both parsers alike', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: &l {app: web}\n  annotations: *l\nspec: {containers: [{name: c}]}\n';
    const fast = policy.parseManifests([file('a.yaml', text)]);
    expect(fast.diagnostics).toEqual([]);
    expect(fast.objects[0]!.obj.metadata).toEqual({ name: 'p', labels: { app: 'web' }, annotations: { app: 'web' } });
    expect(fast.objects.map((o) => o.obj)).toEqual(policy.parseManifestsExact([file('a.yaml', text)]).objects.map((o) => o.obj));
  });
});

describe('typed lists', () => {
  const podList = [
    'apiVersion: v1',
    'kind: PodList',
    'metadata: {resourceVersion: "1"}',
    'items:',
    '- metadata:',
    '    name: web-1',
    '    namespace: shop',
    '    labels: {app: web}',
    '  spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}',
    '  status: {podIP: 10.0.0.5}',
    '- metadata: {name: db-0, namespace: shop, labels: {app: db}}',
    '  spec: {containers: [{name: c}]}',
    '',
  ].join('\n');

  it.each([
    ['YAML (exact parser)', 'pods.yaml', podList + '# *not-an-alias\n'],
    ['YAML (fast parser)', 'pods.yaml', podList],
    ['JSON', 'pods.json', JSON.stringify({ apiVersion: 'v1', kind: 'PodList', items: [{ metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] } }, { metadata: { name: 'db-0', namespace: 'shop' }, spec: { containers: [{ name: 'c' }] } }] })],
  ])('items of a PodList are pods: %s', (_n, name, text) => {
    const idx = policy.indexFromFiles([file(name, text)]);
    expect(idx.diagnostics).toEqual([]);
    expect(idx.workloads.map((w) => [w.id, w.kind])).toEqual([
      ['shop/db-0', 'Pod'],
      ['shop/web-1', 'Pod'],
    ]);
  });

  it('items of a NetworkPolicyList are policies, with the list apiVersion', () => {
    const text = [
      'apiVersion: networking.k8s.io/v1',
      'kind: NetworkPolicyList',
      'items:',
      '- metadata: {name: deny-all, namespace: shop}',
      '  spec: {podSelector: {}, policyTypes: [Ingress]}',
      '',
    ].join('\n');
    const idx = policy.indexFromFiles([file('np.yaml', text)]);
    expect(idx.policies.map((p) => `${p.ref.kind} ${p.ref.namespace}/${p.ref.name}`)).toEqual(['NetworkPolicy shop/deny-all']);
    expect(idx.objects[0]!.obj).toMatchObject({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' });
  });

  it('items of a plain List keep their own kind; one without is reported, not guessed', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: a}\n- metadata: {name: mystery}\n';
    const r = policy.parseManifests([file('l.yaml', text)]);
    expect(r.objects.map((o) => o.obj.kind)).toEqual(['Namespace']);
    expect(r.diagnostics).toMatchObject([{ severity: 'warning', file: 'l.yaml', field: 'items[1]', message: expect.stringMatching(/without kind/) }]);
  });
});

describe('static (mirror) pods', () => {
  it('are workloads of their own, not merged under their Node', () => {
    const mirror = (component: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${component}-cp1\n  namespace: kube-system\n  labels: {component: ${component}, tier: control-plane}\n  ownerReferences: [{apiVersion: v1, kind: Node, name: cp1, uid: n1, controller: true}]\nspec: {nodeName: cp1, hostNetwork: true, containers: [{name: c}]}\n`;
    const idx = policy.indexFromFiles([file('kube-system.yaml', [mirror('etcd'), mirror('kube-apiserver'), mirror('kube-scheduler')].join('---\n'))]);
    expect(idx.workloads.map((w) => [w.id, w.kind])).toEqual([
      ['kube-system/etcd-cp1', 'Pod'],
      ['kube-system/kube-apiserver-cp1', 'Pod'],
      ['kube-system/kube-scheduler-cp1', 'Pod'],
    ]);
  });
});
