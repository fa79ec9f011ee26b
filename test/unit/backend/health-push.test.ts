/**
 * A workbench session follows its cluster view's health and names: a live source's health
 * changes are pushed as cluster.health, new pods as cluster.names (the type-ahead), and
 * cluster.health on demand says both.
 */
import { describe, expect, it, vi } from 'vitest';
import { StaticCluster, type KubeObject } from '../../../src/core/index.js';
import type { ClusterHealth } from '../../../src/api/index.js';
import { Workbenches } from '../../../src/backend/workbench/workbenches.js';
import type { ClusterSource } from '../../../src/backend/workbench/source.js';

const ns = (name: string): KubeObject => ({ kind: 'Namespace', metadata: { name } }) as KubeObject;
const pod = (name: string, ip: string): KubeObject =>
  ({
    kind: 'Pod',
    metadata: { name, namespace: 'shop', labels: { app: name } },
    spec: { nodeName: 'n1', containers: [] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
  }) as unknown as KubeObject;

/** A live-like source whose objects, health and change callbacks the test drives. */
function drivenSource() {
  let view = new StaticCluster([ns('shop'), pod('frontend-1', '10.0.0.1')]);
  let health: ClusterHealth = { state: 'live' };
  const changed = new Set<() => void>();
  const healthy = new Set<(h: ClusterHealth) => void>();
  const source: ClusterSource = {
    mode: 'live',
    get view() {
      return view;
    },
    unavailable: [],
    onChange: (cb) => (changed.add(cb), () => changed.delete(cb)),
    health: () => health,
    onHealth: (cb) => (healthy.add(cb), () => healthy.delete(cb)),
    questionSource: () => ({ source: { view, unavailable: [] }, probes: false }),
    stop: async () => {},
  };
  return {
    source,
    setHealth(h: ClusterHealth) {
      health = h;
      for (const cb of healthy) cb(h);
    },
    setObjects(objects: KubeObject[]) {
      view = new StaticCluster(objects);
      for (const cb of changed) cb();
    },
  };
}

describe('session health and names', () => {
  it('pushes health changes and new names, and answers cluster.health', async () => {
    vi.useFakeTimers();
    try {
      const pushed: Array<{ event: string; payload: unknown }> = [];
      const wb = new Workbenches({ env: {} }, (_topic, event, payload) => pushed.push({ event, payload: payload() }));
      const d = drivenSource();
      // The sessions' own entry point for an opened source (open() builds a live one from a kubeconfig).
      const s = await (wb as unknown as { start(c: ClusterSource, ctx: string): Promise<{ id: string; opened: { health?: ClusterHealth } }> }).start(
        d.source,
        'ctx',
      );
      expect(s.opened.health).toEqual({ state: 'live' });

      d.setHealth({ state: 'reconnecting', since: 5e18, error: 'connect ECONNREFUSED 127.0.0.1:6443' });
      d.setHealth({ state: 'stale', since: 5e18, error: 'connect ECONNREFUSED 127.0.0.1:6443' });
      expect(pushed.filter((p) => p.event === 'cluster.health').map((p) => p.payload)).toEqual([
        { session: s.id, state: 'reconnecting', since: 5e18, error: 'connect ECONNREFUSED 127.0.0.1:6443' },
        { session: s.id, state: 'stale', since: 5e18, error: 'connect ECONNREFUSED 127.0.0.1:6443' },
      ]);
      expect(wb.health(s.id)).toMatchObject({ state: 'stale', since: 5e18 });

      // The cluster back with a new pod: the graph resyncs and the type-ahead gets the name.
      d.setHealth({ state: 'live' });
      d.setObjects([ns('shop'), pod('frontend-2', '10.0.0.2')]);
      await vi.advanceTimersByTimeAsync(600);
      const names = pushed.filter((p) => p.event === 'cluster.names').map((p) => p.payload as { names: { pods: string[] } });
      expect(names).toHaveLength(1);
      expect(names[0]!.names.pods).toEqual(['shop/frontend-2']);
      expect(pushed.some((p) => p.event === 'graph.changed')).toBe(true);
      expect(wb.health(s.id)).toMatchObject({ state: 'live', names: { pods: ['shop/frontend-2'] } });
      // Nothing new: no names pushed again.
      d.setObjects([ns('shop'), pod('frontend-2', '10.0.0.2')]);
      await vi.advanceTimersByTimeAsync(600);
      expect(pushed.filter((p) => p.event === 'cluster.names')).toHaveLength(1);
      await wb.close(s.id);
      d.setHealth({ state: 'stale', since: 6e18 });
      expect(pushed.filter((p) => p.event === 'cluster.health')).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
