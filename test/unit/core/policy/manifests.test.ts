/**
 * Manifests → objects → workloads: multi-document YAML, JSON, List kinds, invalid documents
 * reported with file and position while the rest is analysed, workload templates as
 * representative pods, grouping by owner, implied namespaces.
 */
import { describe, expect, it } from 'vitest';
import { policy } from '../../../../src/core/index.js';

const file = (name: string, text: string) => ({ name, text });

describe('parseManifests', () => {
  it('reads multi-document YAML, JSON and List kinds', () => {
    const r = policy.parseManifests([
      file('a.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: y}\n'),
      file(
        'b.json',
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: [
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'z' } },
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'w' } },
          ],
        }),
      ),
    ]);
    expect(r.diagnostics).toEqual([]);
    expect(r.objects.map((o) => `${o.file}:${o.line} ${(o.obj.metadata as { name: string }).name}`)).toEqual([
      'a.yaml:1 x',
      'a.yaml:6 y',
      'b.json:1 z',
      'b.json:1 w',
    ]);
  });

  it('reports a broken document with file, line and column and keeps the others', () => {
    const text = [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: {name: ok1}',
      '---',
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      '  name: [unclosed',
      '---',
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: {name: ok2}',
      '',
    ].join('\n');
    const r = policy.parseManifests([file('dir/mixed.yaml', text)]);
    expect(r.objects.map((o) => (o.obj.metadata as { name: string }).name)).toEqual(['ok1', 'ok2']);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ severity: 'error', file: 'dir/mixed.yaml' });
    expect(r.diagnostics[0]!.line).toBeGreaterThanOrEqual(8);
    expect(r.diagnostics[0]!.line).toBeLessThanOrEqual(9);
  });

  it.each([
    [
      'separators, comments, empty documents and an end marker',
      '# header\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n\n# nothing\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n...\n---\n--- {apiVersion: v1, kind: Namespace, metadata: {name: c}}\n',
    ],
    ['no separator at all', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n'],
    ['anchors and a trailing separator', 'base: &m {name: a}\napiVersion: v1\nkind: Namespace\nmetadata: *m\n---\n'],
    [
      'a block scalar holding ---',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  f: |\n    ---\n    x\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n',
    ],
    ['duplicate keys (last wins)', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\nmetadata: {name: b}\n'],
    [
      'a List as kubectl prints it (items at column 0), comments between items',
      'apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: a\n# between\n\n- {apiVersion: v1, kind: Namespace, metadata: {name: b}}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p, namespace: a}\n  spec:\n    containers:\n    - name: c\n      args:\n      - |\n        - not an item\nkind: List\nmetadata: {resourceVersion: ""}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: after}\n',
    ],
    [
      'a typed list with indented items after other keys',
      'apiVersion: v1\nkind: PodList\nmetadata: {}\nitems:\n  - metadata: {name: p1, namespace: a}\n    spec: {containers: [{name: c}]}\n  -   metadata: {name: p2, namespace: a}\n      spec: {containers: [{name: c}]}\n',
    ],
  ])('the fast parser agrees with the exact one: %s', (_n, text) => {
    const fast = policy.parseManifests([file('f.yaml', text)]);
    const exact = policy.parseManifestsExact([file('f.yaml', text)]);
    expect(fast.diagnostics).toEqual(exact.diagnostics);
    expect(fast.objects.map((o) => [o.obj, o.line])).toEqual(exact.objects.map((o) => [o.obj, o.line]));
    // Items of a List are placed exactly, column included.
    const places = (r: typeof fast) => r.objects.map((o) => [o.line, o.column]);
    if (/^items:/m.test(text)) expect(places(fast)).toEqual(places(exact));
  });

  it('reports a document that is not an object', () => {
    const r = policy.parseManifests([file('s.yaml', '- just\n- a list\n')]);
    expect(r.diagnostics).toMatchObject([{ file: 's.yaml', line: 1, column: 1 }]);
  });

  it('locates an invalid policy field at its line', () => {
    const text = [
      'apiVersion: networking.k8s.io/v1',
      'kind: NetworkPolicy',
      'metadata: {name: bad, namespace: x}',
      'spec:',
      '  podSelector: {}',
      '  ingress:',
      '  - ports:',
      '    - port: 99999',
      '',
    ].join('\n');
    const idx = policy.indexFromFiles([file('np.yaml', text)]);
    expect(idx.diagnostics).toMatchObject([
      { file: 'np.yaml', line: 8, column: 13, field: 'spec.ingress[0].ports[0].port', kind: 'NetworkPolicy', name: 'bad' },
    ]);
  });
});

const deploy = (name: string, ns?: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}${ns ? `, namespace: ${ns}` : ''}, uid: uid-${name}}\nspec:\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: c, ports: [{containerPort: 8080, name: http}]}]}\n`;

describe('workloads', () => {
  const kinds = [
    ['Deployment', 'spec:\n  template:\n    metadata: {labels: {app: w}}\n    spec: {containers: [{name: c}]}'],
    ['StatefulSet', 'spec:\n  template:\n    metadata: {labels: {app: w}}\n    spec: {containers: [{name: c}]}'],
    ['DaemonSet', 'spec:\n  template:\n    metadata: {labels: {app: w}}\n    spec: {containers: [{name: c}]}'],
    ['ReplicaSet', 'spec:\n  template:\n    metadata: {labels: {app: w}}\n    spec: {containers: [{name: c}]}'],
    ['ReplicationController', 'spec:\n  template:\n    metadata: {labels: {app: w}}\n    spec: {containers: [{name: c}]}'],
    ['Job', 'spec:\n  template:\n    metadata: {labels: {app: w}}\n    spec: {containers: [{name: c}]}'],
    ['CronJob', 'spec:\n  jobTemplate:\n    spec:\n      template:\n        metadata: {labels: {app: w}}\n        spec: {containers: [{name: c}]}'],
  ] as const;
  it.each(kinds)('a %s template becomes a representative pod', (kind, spec) => {
    const api = kind === 'Job' || kind === 'CronJob' ? 'batch/v1' : kind === 'ReplicationController' ? 'v1' : 'apps/v1';
    const idx = policy.indexFromFiles([file('w.yaml', `apiVersion: ${api}\nkind: ${kind}\nmetadata: {name: w, namespace: n}\n${spec}\n`)]);
    expect(idx.workloads).toMatchObject([{ id: 'n/w', kind, pods: [{ labels: { app: 'w' }, representative: true }] }]);
  });

  it('groups pods under the top owner present in the input', () => {
    const rs = `apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: web-5d9\n  namespace: shop\n  uid: uid-rs\n  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: uid-web, controller: true}]\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c}]}\n`;
    const pod = (name: string, owner: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: shop\n  labels: {app: web}\n  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: ${owner}, controller: true}]\nspec: {containers: [{name: c}]}\nstatus: {podIP: 10.1.1.${name.length}}\n`;
    const idx = policy.indexFromFiles([
      file('all.yaml', [deploy('web', 'shop'), rs, pod('web-5d9-aaaa', 'web-5d9'), pod('web-5d9-bb', 'web-5d9'), pod('other-77-x', 'other-77')].join('---\n')),
    ]);
    expect(idx.workloads.map((w) => [w.id, w.kind, w.pods.map((p) => p.name)])).toEqual([
      ['shop/other-77', 'ReplicaSet', ['other-77-x']],
      ['shop/web', 'Deployment', ['web-5d9-aaaa', 'web-5d9-bb']],
    ]);
  });

  it('names a bare pod after itself and implies missing namespaces with the metadata.name label', () => {
    const idx = policy.indexFromFiles([
      file('p.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: solo}\nspec: {containers: [{name: c}]}\n---\n' + deploy('api', 'team-a')),
    ]);
    expect(idx.workloads.map((w) => [w.id, w.kind])).toEqual([
      ['default/solo', 'Pod'],
      ['team-a/api', 'Deployment'],
    ]);
    expect(idx.namespaces.get('team-a')).toMatchObject({ implied: true, labels: { 'kubernetes.io/metadata.name': 'team-a' } });
    expect(idx.workloadById.get('team-a/api')!.pods[0]!.ports).toEqual([{ port: 8080, protocol: 'TCP', name: 'http' }]);
  });

  it('always labels declared namespaces with kubernetes.io/metadata.name', () => {
    const idx = policy.indexFromFiles([file('n.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: prod, labels: {env: prod}}\n')]);
    expect(idx.namespaces.get('prod')!.labels).toEqual({ env: 'prod', 'kubernetes.io/metadata.name': 'prod' });
  });

  it('ignores kinds it does not need and reports templates that are missing', () => {
    const idx = policy.indexFromFiles([
      file(
        'x.yaml',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: broken}\nspec: {}\n',
      ),
    ]);
    expect(idx.workloads).toEqual([]);
    expect(idx.diagnostics).toMatchObject([{ file: 'x.yaml', kind: 'Deployment', line: 13, field: 'spec.template' }]);
  });
});
