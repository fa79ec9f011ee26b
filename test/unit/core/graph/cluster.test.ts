import { describe, expect, it } from 'vitest';
import type { ClusterKind, ClusterView, KubeObject } from '../../../../src/core/cluster/view.js';
import { GraphModel } from '../../../../src/core/graph/index.js';
import { cluster, expectConsistent, nodeById } from '../../../helpers/graph.js';
import { deploymentPod, makeNamespace, makeNode, makeService, makeSlice, runningPod } from '../../../helpers/objects.js';

const snap = (...objects: Record<string, unknown>[]) => {
  const m = new GraphModel();
  m.syncCluster(cluster(...objects));
  const s = m.snapshot();
  expectConsistent(s);
  return s;
};

describe('graph: cluster objects', () => {
  it('groups pods under their Deployment, and the Deployment under its namespace', () => {
    const s = snap(
      makeNamespace('shop'),
      deploymentPod('shop', 'backend', 'x1', '10.244.1.5'),
      deploymentPod('shop', 'backend', 'x2', '10.244.1.6', { ready: false }),
      runningPod('shop', 'debug', { ip: '10.244.1.9' }),
    );
    const wl = nodeById(s, 'wl:shop/Deployment/backend');
    expect(wl).toMatchObject({
      kind: 'workload',
      label: 'backend',
      parent: 'ns:shop',
      childCount: 2,
      data: { workloadKind: 'Deployment', pods: 2, readyPods: 1 },
    });
    expect(nodeById(s, 'pod:shop/backend-7c9d8f6b5-x1')).toMatchObject({
      parent: 'wl:shop/Deployment/backend',
      data: { ready: true, ips: ['10.244.1.5'], node: 'node-1', workload: 'wl:shop/Deployment/backend' },
    });
    expect(nodeById(s, 'pod:shop/debug')?.parent).toBe('ns:shop');
    expect(nodeById(s, 'ns:shop')?.childCount).toBe(2); // the Deployment and the bare pod
  });

  it.each([
    ['ReplicaSet with the pod-template-hash', { kind: 'ReplicaSet', name: 'web-5d4f7b9c8' }, { 'pod-template-hash': '5d4f7b9c8' }, 'wl:ns1/Deployment/web'],
    ['ReplicaSet without the label, hash-like suffix', { kind: 'ReplicaSet', name: 'web-5d4f7b9c8' }, {}, 'wl:ns1/Deployment/web'],
    [
      'ReplicaSet whose name does not end in the hash',
      { kind: 'ReplicaSet', name: 'standalone' },
      { 'pod-template-hash': 'abc' },
      'wl:ns1/ReplicaSet/standalone',
    ],
    ['StatefulSet', { kind: 'StatefulSet', name: 'db' }, {}, 'wl:ns1/StatefulSet/db'],
    ['DaemonSet', { kind: 'DaemonSet', name: 'agent' }, {}, 'wl:ns1/DaemonSet/agent'],
    ['Job', { kind: 'Job', name: 'migrate-29000000' }, {}, 'wl:ns1/Job/migrate-29000000'],
    ['static pod (owned by its node)', { kind: 'Node', name: 'node-1' }, {}, 'ns:ns1'],
    ['no owner', undefined, {}, 'ns:ns1'],
  ])('%s → parent %s', (_name, owner, labels, parent) => {
    const s = snap(runningPod('ns1', 'p', { ip: '10.0.0.1', labels, ...(owner ? { owner } : {}) }));
    expect(nodeById(s, 'pod:ns1/p')?.parent).toBe(parent);
  });

  it('reads objects by the list they come in: live API objects carry no kind', () => {
    const lists: Partial<Record<ClusterKind, KubeObject[]>> = {
      Pod: [{ metadata: { name: 'a', namespace: 'x' }, spec: {}, status: { podIP: '10.0.0.1' } }],
      Service: [{ metadata: { name: 's', namespace: 'x' }, spec: { clusterIP: '10.96.0.1', ports: [{ port: 80 }] } }],
    };
    const view: ClusterView = { list: (k) => lists[k] ?? [] };
    const m = new GraphModel();
    m.syncCluster(view);
    const s = m.snapshot();
    expect(s.nodes.map((n) => n.id)).toEqual(['ns:x', 'pod:x/a', 'svc:x/s']); // the namespace implied by its objects
    expectConsistent(s);
  });

  it('gives a details panel what it shows: Service ports and endpoints, node readiness, roles and addresses', () => {
    const s = snap(
      makeService('shop', 'backend', '10.96.0.10', [{ name: 'http', port: 80, targetPort: 'http' }]),
      makeSlice('shop', 'backend', [
        { ip: '10.244.1.5', ready: true },
        { ip: '10.244.1.6', ready: false },
      ]),
      makeNode('node-1', '172.18.0.2', { roles: ['control-plane'] }),
      makeNode('node-2', '172.18.0.3', { ready: false }),
    );
    expect(nodeById(s, 'svc:shop/backend')).toMatchObject({
      kind: 'service',
      parent: 'ns:shop',
      data: {
        type: 'ClusterIP',
        clusterIPs: ['10.96.0.10'],
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
        selector: { app: 'backend' },
        endpoints: { ready: 1, notReady: 1 },
      },
    });
    expect(nodeById(s, 'node:node-1')).toMatchObject({ kind: 'node', data: { ready: true, roles: ['control-plane'], ips: ['172.18.0.2'] } });
    expect(nodeById(s, 'node:node-2')?.data).toMatchObject({ ready: false, roles: [] });
  });
});
