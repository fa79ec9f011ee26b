import { describe, expect, it } from 'vitest';
import { dnsPods, probeNodes, type PodRef } from '../../../../src/core/index.js';

const pod = (ns: string, name: string, node: string | undefined, labels: Record<string, string> = {}, phase = 'Running'): PodRef => ({
  metadata: { namespace: ns, name, labels },
  spec: node ? { nodeName: node } : {},
  status: { phase },
});

describe('nodes to probe for A → B', () => {
  it('takes the nodes of A, B and (when asked) DNS, once each, saying why', () => {
    const a = [pod('shop', 'frontend-1', 'n1')];
    const b = [pod('shop', 'backend-1', 'n2'), pod('shop', 'backend-2', 'n1'), pod('shop', 'backend-3', undefined, {}, 'Pending')];
    const all = [
      ...a,
      ...b,
      pod('kube-system', 'coredns-a', 'n3', { 'k8s-app': 'kube-dns' }),
      pod('kube-system', 'metrics', 'n4', { 'k8s-app': 'metrics-server' }),
    ];
    expect(probeNodes({ a, b })).toEqual([
      { node: 'n1', why: ['A: shop/frontend-1', 'B: shop/backend-2'] },
      { node: 'n2', why: ['B: shop/backend-1'] },
    ]);
    expect(probeNodes({ a, b, dns: dnsPods(all) }).map((n) => n.node)).toEqual(['n1', 'n2', 'n3']);
  });

  it('skips pods that ended; finds CoreDNS by its usual labels', () => {
    expect(probeNodes({ a: [pod('x', 'job-1', 'n1', {}, 'Succeeded')], b: [] })).toEqual([]);
    const pods = [
      pod('kube-system', 'c1', 'n1', { 'app.kubernetes.io/name': 'coredns' }),
      pod('kube-system', 'c2', 'n2', { 'k8s-app': 'coredns' }),
      pod('default', 'web', 'n3', { app: 'web' }),
    ];
    expect(dnsPods(pods).map((p) => p.metadata?.name)).toEqual(['c1', 'c2']);
  });
});
