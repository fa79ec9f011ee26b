/**
 * The sizes the workbench must handle: 2,000 nodes, 8,000 edges, a million events. Budgets
 * are loose (a shared 2-core machine), but a per-event rebuild or a quadratic sync would blow
 * them by far.
 */
import { describe, expect, it } from 'vitest';
import type { ProbeEvent } from '../../../../src/core/diagnose/types.js';
import { GraphModel } from '../../../../src/core/graph/index.js';
import { at, cluster, dropEvent, podIdent, tcpEvent } from '../../../helpers/graph.js';
import { deploymentPod } from '../../../helpers/objects.js';

const NAMESPACES = 20;
const DEPLOYS = 10; // per namespace
const REPLICAS = 9; // 20 × 10 × (9 pods + 1 Deployment) + 20 namespaces = 2,020 nodes
const pods: Array<{ ns: string; name: string; ip: string }> = [];
const objects: Record<string, unknown>[] = [];
for (let n = 0; n < NAMESPACES; n++)
  for (let d = 0; d < DEPLOYS; d++)
    for (let r = 0; r < REPLICAS; r++) {
      const ip = `10.${n}.${d}.${r + 1}`;
      const pod = deploymentPod(`ns-${n}`, `app-${d}`, `r${r}`, ip);
      objects.push(pod);
      pods.push({ ns: `ns-${n}`, name: (pod.metadata as { name: string }).name, ip });
    }

/** 8,000 client → server pairs, each pod talking to 4–5 others. */
const pairs = Array.from({ length: 8000 }, (_, i) => [pods[i % pods.length]!, pods[(i * 7 + 13 + Math.floor(i / pods.length)) % pods.length]!] as const);

function event(i: number): ProbeEvent {
  const [a, b] = pairs[i % pairs.length]!;
  const identities = { src: podIdent(a.ns, a.name), dst: podIdent(b.ns, b.name) };
  const e = { src: a.ip, dst: b.ip, sport: 32768 + (i % 20000), ts: at(i), identities };
  return i % 3 === 0 ? dropEvent(e) : tcpEvent({ ...e, event: 'established', role: 'client' });
}

const seconds = (start: number) => (performance.now() - start) / 1000;

describe('graph: scale', () => {
  it('2,000 nodes, 8,000 edges, 1M events: O(1) per event, a delta per batch', { timeout: 120_000 }, () => {
    const m = new GraphModel();
    let t = performance.now();
    m.syncCluster(cluster(...objects));
    const sync = seconds(t);
    expect(m.drain().added.nodes).toHaveLength(2020);

    t = performance.now();
    const batch: ProbeEvent[] = [];
    let drains = 0;
    let maxDrain = 0;
    for (let i = 0; i < 1_000_000; i++) {
      batch.push(event(i));
      if (batch.length === 10_000) {
        m.addEvents(batch);
        batch.length = 0;
        const d0 = performance.now();
        m.drain(); // what the UI does between frames
        maxDrain = Math.max(maxDrain, seconds(d0));
        drains++;
      }
    }
    const events = seconds(t);
    const s = m.snapshot();
    expect(s.nodes).toHaveLength(2020);
    expect(s.edges).toHaveLength(8000);
    expect(s.edges.reduce((n, e) => n + (e.kind === 'flow' ? e.stats.events : 0), 0)).toBe(1_000_000);

    // A resync of an unchanged cluster is a no-op delta, and a duplicate replay counts nothing.
    t = performance.now();
    m.syncCluster(cluster(...objects));
    const resync = seconds(t);
    expect(m.drain().updated.nodes).toEqual([]);
    m.addEvents(Array.from({ length: 50_000 }, (_, i) => event(i)));
    expect(m.drain().updated.edges).toEqual([]);

    console.log(
      `graph scale: sync ${sync.toFixed(2)} s, 1M events ${events.toFixed(2)} s in ${drains} batches (slowest drain ${(maxDrain * 1000).toFixed(0)} ms), resync ${resync.toFixed(2)} s`,
    );
    expect(sync).toBeLessThan(5);
    expect(resync).toBeLessThan(5);
    expect(events).toBeLessThan(40);
    expect(maxDrain).toBeLessThan(1);
  });
});
