/**
 * B given as a node's address and a node port: the Service behind it, and the packets each
 * policy really sees — A's egress meets the node's address, and with externalTrafficPolicy
 * Cluster a backend on another node meets the node's address too (kube-proxy's SNAT), so a
 * policy that admits A's pods still drops it there.
 */
import { describe, expect, it } from 'vitest';
import { app, view, why, type Objects } from '../../../helpers/diagnose.js';
import { makeNode, makePolicy } from '../../../helpers/objects.js';
import { diagnose as d, type KubeObject } from '../../../../src/core/index.js';

const NODE1 = '172.30.0.2';
const NODE2 = '172.30.0.3';
const allowFrontend = makePolicy('shop', 'allow-frontend-to-backend', {
  podSelector: { matchLabels: { app: 'backend' } },
  policyTypes: ['Ingress'],
  ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ port: 8080 }] }],
});

/** The shop app with Service backend as a NodePort (30080), frontend on node-2 and backend on node-1. */
function transit(o: { policy?: boolean; externalTrafficPolicy?: 'Cluster' | 'Local'; backendNode?: string } = {}): Objects {
  const objs = app({ policies: o.policy === false ? [] : [allowFrontend], extra: { Node: [makeNode('node-1', NODE1), makeNode('node-2', NODE2)] } });
  const place = (name: string, node: string) => {
    const p = objs.Pod!.find((x) => (x.metadata as { name: string }).name === name) as KubeObject & { spec: { nodeName?: string } };
    p.spec.nodeName = node;
  };
  place('frontend-1', 'node-2');
  place('backend-1', o.backendNode ?? 'node-1');
  const svc = objs.Service!.find((x) => (x.metadata as { name: string }).name === 'backend') as KubeObject & { spec: Record<string, unknown> };
  svc.spec.type = 'NodePort';
  svc.spec.externalTrafficPolicy = o.externalTrafficPolicy ?? 'Cluster';
  svc.spec.ports = (svc.spec.ports as Array<Record<string, unknown>>).map((p) => ({ ...p, nodePort: 30080 }));
  return objs;
}

const from = 'shop/deploy/frontend';
const to = `${NODE2}:30080`;

describe('node port targets', () => {
  it("a node port on another node than the backend's: the backend's ingress sees the node's address after SNAT, and denies it", () => {
    const dg = why(transit(), { from, to });
    expect(dg.verdict).toBe('unreachable');
    const top = dg.findings[0]!;
    expect(top.kind).toBe('policy-deny-ingress');
    expect(top.summary).toContain(`node-2's address ${NODE2} (kube-proxy's SNAT for node port 30080)`);
    expect(top.summary).toContain('shop/backend-1');
    expect(top.fix?.yaml).toContain(`${NODE2}/32`);
    expect(top.fix?.verified).toBe(true);
    expect(dg.path.find((h) => h.hop === 'service')?.label).toBe('Service shop/backend NodePort 30080 on node-2 → http (externalTrafficPolicy Cluster)');
    expect(dg.path.find((h) => h.hop === 'service')?.ips).toEqual([`${NODE2}:30080`]);
  });

  it('the same pods through the Service: reachable (the policy admits A itself)', () => {
    expect(why(transit(), { from, to: 'backend:8080' }).verdict).toBe('reachable');
  });

  it("a node port on the backend's own node: it arrives from the node itself, which NetworkPolicy admits", () => {
    const dg = why(transit(), { from, to: `${NODE1}:30080` });
    expect(dg.verdict).toBe('reachable');
    expect(dg.path.find((h) => h.hop === 'policy-ingress')?.label).toContain('from node-1 itself');
  });

  it('externalTrafficPolicy Local keeps A as the source: the policy admits it', () => {
    expect(why(transit({ externalTrafficPolicy: 'Local', backendNode: 'node-2' }), { from, to }).verdict).toBe('reachable');
  });

  it("probes go to A's node, the backend's node and the node A targets; the active test connects to the node port", () => {
    const r = d.QuestionRun.start(view(transit()), { from, to });
    if (!r.ok) throw new Error(r.error.message);
    const plan = r.value.plan();
    expect(plan.nodes.map((n) => [n.node, n.why])).toEqual([
      ['node-2', ['A: shop/frontend-1', 'targeted: node port 30080 of Service shop/backend']],
      ['node-1', ['B: shop/backend-1']],
    ]);
    // The agents' filter keeps A's packets after the SNAT too: on node-1 they come from node-2's address.
    expect(plan.aIps).toEqual(['10.244.1.10', NODE2]);
    expect(r.value.activeTest('t1')).toMatchObject({ fromIp: '10.244.1.10', connect: `${NODE2}:30080` });
    expect(why(transit(), { from, to }).query.port).toBe(30080);
  });

  it('an address of a node with a port no Service opens stays a plain address', () => {
    const dg = why(transit(), { from, to: `${NODE2}:30081` });
    expect(dg.path.find((h) => h.hop === 'service')?.verdict).not.toBe('ok');
    expect(dg.query.to).toBe(`${NODE2}:30081`);
  });

  it("live: the drop on the backend's node, from the node's address, is A's connection and confirms the policy", () => {
    let t = 1_796_000_000_000_000_000;
    const ev = (over: Record<string, unknown>) =>
      ({ v: 1, ts: (t += 1_000_000), netns: 4026532290, proto: 'tcp', family: 4, ...over }) as unknown as d.EvidenceLine;
    const c = new d.Correlator();
    for (const sport of [41000, 41001]) {
      c.add(ev({ type: 'tcp', node: 'node-2', src: '10.244.1.10', sport, dst: NODE2, dport: 30080, event: 'timeout', state: 'SYN_SENT', role: 'client' }));
      c.add(
        ev({
          type: 'drop',
          node: 'node-1',
          src: NODE2,
          sport: 50000 + sport - 41000,
          dst: '10.244.1.20',
          dport: 8080,
          ifindex: 3,
          reason: 'NETFILTER_DROP',
          reasonCode: 1,
          hasReason: true,
          location: 'nf_hook_slow+0x9b',
        }),
      );
    }
    const dg = why(transit(), { from, to }, { correlator: c });
    const top = dg.findings[0]!;
    expect(top.kind).toBe('policy-deny-ingress');
    expect(top.source).toBe('both');
    const drops = top.evidence.find((e) => e.type === 'events' && e.event === 'drop');
    expect(drops).toMatchObject({ nodes: ['node-1'] });
    // The answer says where the packets died: neither A's node nor the one A called.
    expect(top.summary).toContain('the kernel dropped their packets (NETFILTER_DROP) on node-1.');
  });
});
