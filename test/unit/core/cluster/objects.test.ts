import { describe, expect, it } from 'vitest';
import { diagnose, graph, StaticCluster, workloadOf } from '../../../../src/core/index.js';
import { makePod } from '../../../helpers/objects.js';

type Owner = { kind: string; name: string };

/**
 * A pod as the API lists it, with the owner and labels of each case. The graph, the diagnosis
 * and the policy inventory all read the same object: they must name the same workload.
 */
const cases: Array<[string, Owner | undefined, Record<string, string>, Owner | undefined]> = [
  [
    'a ReplicaSet carrying the pod-template-hash',
    { kind: 'ReplicaSet', name: 'web-5d4f7b9c8' },
    { 'pod-template-hash': '5d4f7b9c8' },
    { kind: 'Deployment', name: 'web' },
  ],
  ['a ReplicaSet without the label, hash-like suffix', { kind: 'ReplicaSet', name: 'web-5d4f7b9c8' }, {}, { kind: 'Deployment', name: 'web' }],
  [
    'a ReplicaSet whose name does not end in the hash',
    { kind: 'ReplicaSet', name: 'standalone' },
    { 'pod-template-hash': 'abc' },
    { kind: 'ReplicaSet', name: 'standalone' },
  ],
  ['a ReplicaSet of its own (no hash anywhere)', { kind: 'ReplicaSet', name: 'cache' }, {}, { kind: 'ReplicaSet', name: 'cache' }],
  ['a StatefulSet', { kind: 'StatefulSet', name: 'db' }, {}, { kind: 'StatefulSet', name: 'db' }],
  ['a DaemonSet', { kind: 'DaemonSet', name: 'agent' }, {}, { kind: 'DaemonSet', name: 'agent' }],
  ['a Job', { kind: 'Job', name: 'migrate-29000000' }, {}, { kind: 'Job', name: 'migrate-29000000' }],
  ['a CronJob’s Job', { kind: 'Job', name: 'nightly-29000000' }, { 'batch.kubernetes.io/cronjob-name': 'nightly' }, { kind: 'CronJob', name: 'nightly' }],
  ['a static pod (its mirror owned by the Node)', { kind: 'Node', name: 'node-1' }, {}, undefined],
  ['a bare pod', undefined, {}, undefined],
];

describe('workloadOf: one name for a pod’s workload', () => {
  it.each(cases)('%s: graph, diagnosis and policy inventory name the same workload', (_case, owner, labels, expected) => {
    const pod = makePod('ns1', 'p', { ip: '10.0.0.1', nodeName: 'node-1', labels, ...(owner ? { owner } : {}), ready: true });
    const view = new StaticCluster([pod]);
    expect(workloadOf(pod)).toEqual(expected ? { ...expected, owner: expect.objectContaining(owner) as unknown } : undefined);

    // The graph: the pod's parent is its workload's node (or, for none, its namespace).
    const model = new graph.GraphModel();
    model.syncCluster(view);
    const snap = model.snapshot();
    const podNode = snap.nodes.find((n) => n.id === 'pod:ns1/p');
    const parent = snap.nodes.find((n) => n.id === podNode?.parent);
    const inGraph = parent?.kind === 'workload' ? { kind: parent.data.workloadKind, name: parent.data.name } : undefined;

    // The diagnosis: the workload it resolves `ns1/<name>` to and names in its answer; `Pod/<name>` for none.
    const inAnswer = new diagnose.Cluster(view).pod('ns1', 'p')?.workload;

    // The policy inventory: the workload a verdict, a matrix row and a fix are about.
    const wl = new diagnose.Cluster(view).policy.workloads.find((w) => w.pods.some((x) => x.name === 'p'));
    const inPolicy = wl ? { kind: wl.kind, name: wl.name } : undefined;

    expect(inGraph).toEqual(expected);
    expect(inAnswer).toEqual(expected ?? { kind: 'Pod', name: 'p' });
    expect(inPolicy).toEqual(expected ?? { kind: 'Pod', name: 'p' });
  });

  it('a question about the workload finds its pods by the name the graph shows', () => {
    const pod = makePod('ns1', 'nightly-29000000-x7k2p', {
      ip: '10.0.0.1',
      owner: { kind: 'Job', name: 'nightly-29000000' },
      labels: { 'batch.kubernetes.io/cronjob-name': 'nightly' },
      ready: true,
    });
    const cluster = new diagnose.Cluster(new StaticCluster([pod]));
    expect(cluster.podsOf('ns1', 'CronJob', 'nightly').map((p) => p.name)).toEqual(['nightly-29000000-x7k2p']);
  });
});
