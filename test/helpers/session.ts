import type { SessionRecord } from '../../src/core/index.js';
import { makeNamespace } from './objects.js';

export const t0 = 1_764_000_000_000_000_000;
/** `t0 + s` seconds, in ns. */
export const at = (s: number) => t0 + s * 1e9;

export function makePod(namespace: string, name: string, ip: string, node = 'node-a', extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace,
      name,
      uid: `0b8e${(namespace + name).length.toString(16).padStart(4, '0')}-6c1f-4d3a-9a52-5d1e4c3b2a10`,
      labels: { app: name.split('-')[0] ?? name },
    },
    spec: { nodeName: node, containers: [{ name: 'main', image: 'nginx', env: [{ name: 'LOG_LEVEL', value: 'info' }] }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
    ...extra,
  };
}

export function makeService(namespace: string, name: string, clusterIP: string, selector: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace, name },
    spec: { clusterIP, clusterIPs: [clusterIP], selector, ports: [{ port: 80, targetPort: 8080 }] },
  };
}

export function makeNode(name: string, ip: string) {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: ip }] } };
}

export { makeNamespace };

export const snapshotRecord = (ts: number, objects: Array<{ kind: string }>): SessionRecord => {
  const byKind: Record<string, unknown[]> = {};
  for (const o of objects) (byKind[o.kind] ??= []).push(o);
  return { ts, kind: 'snapshot', data: { objects: byKind } };
};

export const watchRecord = (ts: number, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: { kind: string }): SessionRecord => ({
  ts,
  kind: 'watch',
  data: { type, kind: object.kind, object },
});

export const probeRecord = (ts: number, line: Record<string, unknown>): SessionRecord => ({ ts, kind: 'probe', data: { v: 1, ts, node: 'node-a', ...line } });

/**
 * test/fixtures/recordings/v2-small.pathlight holds exactly these records (format v2): change
 * them only together with a new fixture. A small session: shop/frontend → shop/backend, a pod replaced (its IP reused), a question and its answer. */
export function syntheticSession(): SessionRecord[] {
  const frontend = makePod('shop', 'frontend-7c9f-abcde', '10.244.1.5');
  const backend = makePod('shop', 'backend-5d8b-xyz12', '10.244.2.7', 'node-b');
  const backend2 = makePod('shop', 'backend-5d8b-qrs34', '10.244.2.7', 'node-b');
  const svc = makeService('shop', 'backend', '10.96.0.20', { app: 'backend' });
  return [
    { ts: at(0), kind: 'meta', data: { source: 'live', context: 'prod-eu', cluster: { name: 'prod-eu-1', server: 'https://api.prod-eu.example.com:6443' } } },
    snapshotRecord(at(0), [makeNamespace('shop'), makeNode('node-a', '192.168.10.11'), makeNode('node-b', '192.168.10.12'), frontend, backend, svc]),
    probeRecord(at(1), {
      type: 'drop',
      src: '10.244.1.5',
      dst: '10.244.2.7',
      dport: 8080,
      reason: 'NETFILTER_DROP',
      identities: {
        src: { kind: 'pod', namespace: 'shop', name: 'frontend-7c9f-abcde', node: 'node-a' },
        dst: { kind: 'pod', namespace: 'shop', name: 'backend-5d8b-xyz12', node: 'node-b' },
      },
    }),
    watchRecord(at(2), 'DELETED', backend),
    watchRecord(at(3), 'ADDED', backend2),
    { ts: at(4), kind: 'question', data: { id: 'q1', from: 'shop/frontend-7c9f-abcde', to: 'shop/svc/backend', port: 80, protocol: 'TCP' } },
    probeRecord(at(5), { type: 'tcp', event: 'refused', src: '10.244.1.5', dst: '10.96.0.20', dport: 80 }),
    {
      ts: at(6),
      kind: 'answer',
      data: {
        question: 'q1',
        diagnosis: {
          verdict: 'unreachable',
          query: { from: 'shop/frontend-7c9f-abcde', to: 'backend.shop.svc.cluster.local', port: 80, protocol: 'TCP' },
          findings: [
            {
              kind: 'connection-refused',
              summary: 'backend-5d8b-qrs34 (10.244.2.7) refused port 8080 on node-b',
              evidence: [{ type: 'object', ref: { kind: 'Service', namespace: 'shop', name: 'backend' }, text: 'Service shop/backend → 10.244.2.7:8080' }],
            },
          ],
          path: [
            { hop: 'backend', label: 'shop/backend-5d8b-qrs34', refs: [{ kind: 'Pod', namespace: 'shop', name: 'backend-5d8b-qrs34' }], ips: ['10.244.2.7'] },
          ],
        },
      },
    },
    { ts: at(7), kind: 'note', data: { text: 'backend on node-b refuses after the restart' } },
  ];
}
