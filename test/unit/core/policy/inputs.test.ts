/**
 * Hostile and real-world input: a YAML alias bomb, misspelt policy fields, typed lists as the
 * API server and `kubectl get -o yaml` return them, objects that look meant for the engine but
 * are not read, static (mirror) pods owned by their Node.
 */
import { describe, expect, it } from 'vitest';
import { policy } from '../../../../src/core/index.js';

const file = (name: string, text: string) => ({ name, text });

/** 9^9 copies of "lol" once the label value is turned into a string: well over any string limit. */
function aliasBomb(): string {
  const levels = 'abcdefghi'.split('');
  const lines = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: bomb',
    '  namespace: x',
    '  annotations:',
    `    a: &a [${Array(9).fill('"lol"').join(',')}]`,
  ];
  for (let i = 1; i < levels.length; i++)
    lines.push(
      `    ${levels[i]}: &${levels[i]} [${Array(9)
        .fill(`*${levels[i - 1]}`)
        .join(',')}]`,
    );
  lines.push('  labels:', '    app: *i', 'spec: {containers: [{name: c}]}', '');
  return lines.join('\n');
}

describe('YAML aliases', () => {
  it('refuses an alias bomb quickly, naming the file and the line of the first alias', () => {
    const text = aliasBomb();
    expect(text.length).toBeLessThan(520);
    const t = performance.now();
    const idx = policy.indexFromFiles([
      file('evil/bomb.yaml', text),
      file('ok.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: fine, namespace: x}\nspec: {containers: [{name: c}]}\n'),
    ]);
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

describe('unknown policy fields', () => {
  const warnings = (text: string) =>
    policy
      .indexFromFiles([file('p.yaml', text)])
      .diagnostics.filter((d) => d.severity === 'warning')
      .map((d) => `${d.line}:${d.column} ${d.field} ${d.message}`);

  it('warns about a misspelt NetworkPolicy field at its line, with the likely spelling', () => {
    const text = [
      'apiVersion: networking.k8s.io/v1',
      'kind: NetworkPolicy',
      'metadata: {name: allow-web, namespace: shop}',
      'spec:',
      '  podSelector: {matchLabels: {app: db}}',
      '  ingres:',
      '  - from:',
      '    - podSelectr: {matchLabels: {app: web}}',
      '      namespaceSelector: {}',
      '',
    ].join('\n');
    // Without the warning this policy is a silent deny-all of app=db's ingress. What is inside
    // an unknown field is not walked: one warning, at the misspelt key.
    expect(warnings(text)).toEqual([
      expect.stringMatching(/^6:3 spec\.ingres NetworkPolicy shop\/allow-web: unknown field "ingres" ignored — did you mean "ingress"\?$/),
    ]);
  });

  it.each([
    [
      'NetworkPolicy',
      'networking.k8s.io/v1',
      'shop',
      '  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n  - from:\n    - podSelectr: {matchLabels: {app: web}}',
      'spec.ingress[0].from[0].podSelectr',
      'podSelector',
    ],
    [
      'NetworkPolicy',
      'networking.k8s.io/v1',
      'shop',
      '  podSelector: {}\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/8, excpt: [10.1.0.0/16]}}]',
      'spec.egress[0].to[0].ipBlock.excpt',
      'except',
    ],
    ['AdminNetworkPolicy', 'policy.networking.k8s.io/v1alpha1', '', '  priority: 5\n  subjct: {namespaces: {}}', 'spec.subjct', 'subject'],
    [
      'BaselineAdminNetworkPolicy',
      'policy.networking.k8s.io/v1alpha1',
      '',
      '  subject: {namespaces: {}}\n  egress:\n  - action: Deny\n    to: [{networks: [0.0.0.0/0]}]\n    ports: [{portNumbr: {port: 53}}]',
      'spec.egress[0].ports[0].portNumbr',
      'portNumber',
    ],
    [
      'ClusterNetworkPolicy',
      'policy.networking.k8s.io/v1alpha2',
      '',
      '  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  ingress:\n  - action: Accept\n    from: [{namespaces: {}}]\n    protocols: [{tcp: {destinationPrt: {number: 80}}}]',
      'spec.ingress[0].protocols[0].tcp.destinationPrt',
      'destinationPort',
    ],
    [
      'CiliumNetworkPolicy',
      'cilium.io/v2',
      'shop',
      '  endpointSelector: {}\n  ingress:\n  - fromEndpoint: [{matchLabels: {app: web}}]',
      'spec.ingress[0].fromEndpoint',
      'fromEndpoints',
    ],
    [
      'CiliumClusterwideNetworkPolicy',
      'cilium.io/v2',
      '',
      '  endpointSelector: {}\n  egress:\n  - toEntities: [world]\n    toPorts: [{ports: [{port: "443", protocl: TCP}]}]',
      'spec.egress[0].toPorts[0].ports[0].protocl',
      'protocol',
    ],
  ])('warns about a misspelt %s field', (kind, api, ns, spec, field, meant) => {
    const text = `apiVersion: ${api}\nkind: ${kind}\nmetadata: {name: ${kind === 'BaselineAdminNetworkPolicy' ? 'default' : 'p'}${ns ? `, namespace: ${ns}` : ''}}\nspec:\n${spec}\n`;
    const idx = policy.indexFromFiles([file('p.yaml', text)]);
    const w = idx.diagnostics.filter((d) => d.message.includes('unknown field'));
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ severity: 'warning', file: 'p.yaml', field, kind });
    expect(w[0]!.message).toContain(`did you mean "${meant}"?`);
    // The line of the misspelt key itself.
    const key = field.slice(field.lastIndexOf('.') + 1);
    expect(text.split('\n')[w[0]!.line! - 1]).toContain(key);
  });

  it('warns about a misspelt top-level or metadata field, and says nothing about a clean policy', () => {
    expect(warnings('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, namespce: shop}\nsepc:\n  podSelector: {}\n')).toEqual([
      expect.stringMatching(/^3:\d+ metadata\.namespce .*did you mean "namespace"\?/),
      expect.stringMatching(/^4:1 sepc .*did you mean "spec"\?/),
    ]);
    expect(
      warnings(
        'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, namespace: shop, labels: {x: y}, annotations: {z: w}}\nspec:\n  podSelector: {matchExpressions: [{key: app, operator: In, values: [a]}]}\n  policyTypes: [Ingress, Egress]\n  ingress: [{from: [{namespaceSelector: {}, podSelector: {}}], ports: [{port: 80, endPort: 90, protocol: TCP}]}]\n  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]}]\nstatus: {conditions: []}\n',
      ),
    ).toEqual([]);
  });

  it('gives no suggestion for a field unlike any known one', () => {
    expect(warnings('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec:\n  podSelector: {}\n  frobnicate: true\n')).toEqual([
      expect.stringMatching(/^6:3 spec\.frobnicate .*unknown field "frobnicate" ignored$/),
    ]);
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
    [
      'JSON',
      'pods.json',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'PodList',
        items: [
          { metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] } },
          { metadata: { name: 'db-0', namespace: 'shop' }, spec: { containers: [{ name: 'c' }] } },
        ],
      }),
    ],
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

describe('objects that are not read', () => {
  it('are reported when they have no kind, a misspelt kind or a policy kind of another API group', () => {
    const text = [
      'apiVersion: v1\nmetadata: {name: no-kind, namespace: a}\nspec: {containers: [{name: c}]}',
      'apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: web, namespace: a}',
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicies\nmetadata: {name: p, namespace: a}',
      'apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata: {name: old, namespace: a}\nspec: {podSelector: {}}',
      'apiVersion: v1\nkind: pod\nmetadata: {name: lower, namespace: a}',
      'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: a}',
      '',
    ].join('\n---\n');
    const idx = policy.indexFromFiles([file('all.yaml', text)]);
    expect(idx.diagnostics.map((d) => `${d.severity} ${d.line} ${d.message}`)).toEqual([
      'warning 1 an object without kind was skipped',
      'warning 6 kind "Deploymnet" is not one this engine reads and was skipped — did you mean "Deployment"?',
      'warning 10 kind "NetworkPolicies" is not one this engine reads and was skipped — did you mean "NetworkPolicy"?',
      'warning 13 a NetworkPolicy of apiVersion "extensions/v1beta1" was skipped: this engine reads networking.k8s.io/…',
      'warning 19 kind "pod" is not one this engine reads and was skipped — did you mean "Pod"?',
    ]);
    expect(idx.workloads).toEqual([]);
  });

  it('says nothing about a kubectl get all,networkpolicies dump of a healthy namespace', () => {
    const items = [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web-7d-x', namespace: 'a', labels: { app: 'web' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7d', controller: true }] },
        spec: { containers: [{ name: 'c' }] },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'a' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'a', uid: 'd1' },
        spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] } } },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'web-7d', namespace: 'a', ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'd1', controller: true }] },
        spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] } } },
      },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'a' }, spec: { podSelector: {} } },
    ];
    const idx = policy.indexFromFiles([file('dump.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items }))]);
    expect(idx.diagnostics).toEqual([]);
    expect(idx.workloads.map((w) => [w.id, w.kind, w.pods.map((p) => p.name)])).toEqual([['a/web', 'Deployment', ['web-7d-x']]]);
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
