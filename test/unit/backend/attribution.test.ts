/**
 * Nodes on one shared kernel (kind, the test lab): every agent sees every node's packets. Each
 * event is kept only from the agent of the node it happened on; agents on different kernels
 * (a real cluster, where every node's root namespace has the same inode) are never filtered.
 */
import { describe, expect, it } from 'vitest';
import { NodeAttribution } from '../../../src/backend/diagnose/attribution.js';
import type { EvidenceLine } from '../../../src/core/diagnose/index.js';

const drop = (node: string, netns: number, podNode?: string): EvidenceLine =>
  ({
    v: 1,
    type: 'drop',
    ts: 1,
    node,
    netns,
    proto: 'tcp',
    src: '10.244.0.5',
    sport: 40000,
    dst: '10.244.1.7',
    dport: 8080,
    family: 4,
    reason: 'NETFILTER_DROP',
    location: 'nf_hook_slow',
    ...(podNode ? { identities: { netns: { kind: 'pod', namespace: 'ns', name: 'p', node: podNode } } } : {}),
  }) as unknown as EvidenceLine;

function run(kernels: Record<string, { bootId: string; netns: number }>) {
  const out: EvidenceLine[] = [];
  const a = new NodeAttribution(Object.keys(kernels), (l) => out.push(l));
  return { a, out, hellos: () => Object.entries(kernels).forEach(([n, k]) => a.hello(n, k)) };
}

describe('NodeAttribution', () => {
  it("one kernel: the drop in node 2's namespace is kept from node 2's agent only, a pod's event from its node's agent", () => {
    const { a, out, hellos } = run({ n1: { bootId: 'k', netns: 100 }, n2: { bootId: 'k', netns: 200 } });
    hellos();
    a.line('n1', drop('n1', 200));
    a.line('n2', drop('n2', 200));
    a.line('n1', drop('n1', 555, 'n1'));
    a.line('n2', drop('n2', 555, 'n1'));
    expect(out.map((l) => `${l.node}@${(l as { netns: number }).netns}`)).toEqual(['n2@200', 'n1@555']);
    expect(a.dropped).toBe(2);
  });

  it('different kernels (same root namespace inode on every machine): nothing is filtered', () => {
    const { a, out, hellos } = run({ n1: { bootId: 'k1', netns: 100 }, n2: { bootId: 'k2', netns: 100 } });
    hellos();
    a.line('n1', drop('n1', 100));
    a.line('n2', drop('n2', 100));
    a.line('n1', drop('n1', 555, 'n2'));
    expect(out).toHaveLength(3);
  });

  it('a namespace no agent can place is kept from every agent', () => {
    const { a, out, hellos } = run({ n1: { bootId: 'k', netns: 100 }, n2: { bootId: 'k', netns: 200 } });
    hellos();
    a.line('n1', drop('n1', 999));
    a.line('n2', drop('n2', 999));
    expect(out).toHaveLength(2);
  });

  it('events before every agent said hello are held, then decided; a node that never answers releases them', () => {
    const { a, out } = run({ n1: { bootId: 'k', netns: 100 }, n2: { bootId: 'k', netns: 200 }, n3: { bootId: 'k', netns: 300 } });
    a.hello('n1', { bootId: 'k', netns: 100 });
    a.line('n1', drop('n1', 200));
    a.line('n1', { v: 1, type: 'stats', ts: 1, node: 'n1' } as unknown as EvidenceLine);
    expect(out.map((l) => l.type)).toEqual(['stats']);
    a.hello('n2', { bootId: 'k', netns: 200 });
    expect(out).toHaveLength(1);
    a.settled('n3');
    // n2's namespace: not n1's event.
    expect(out.map((l) => l.type)).toEqual(['stats']);
    expect(a.dropped).toBe(1);
  });

  it('agents without a boot id (older agents) are never filtered', () => {
    const { a, out } = run({ n1: { bootId: 'k', netns: 100 }, n2: { bootId: 'k', netns: 200 } });
    a.hello('n1', {});
    a.hello('n2', {});
    a.line('n1', drop('n1', 200));
    expect(out).toHaveLength(1);
  });
});
