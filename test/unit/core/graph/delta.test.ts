import { describe, expect, it } from 'vitest';
import { GraphModel, type GraphDelta } from '../../../../src/core/graph/index.js';
import { at, cluster, dropEvent, expectConsistent, Mirror, podIdent, tcpEvent } from '../../../helpers/graph.js';
import { deploymentPod, makeNamespace, makeService, runningPod } from '../../../helpers/objects.js';

type Obj = Record<string, unknown>;

const F = '10.244.1.5';
const base = (): Obj[] => [
  makeNamespace('shop'),
  runningPod('shop', 'frontend', { ip: F }),
  deploymentPod('shop', 'backend', 'x1', '10.244.2.1'),
  deploymentPod('shop', 'backend', 'x2', '10.244.2.2'),
  makeService('shop', 'backend', '10.96.3.3'),
];
const P1 = 'pod:shop/backend-7c9d8f6b5-x1';
const P2 = 'pod:shop/backend-7c9d8f6b5-x2';
const WL = 'wl:shop/Deployment/backend';

/** Ids in a delta, for compact expectations. */
function summary(d: GraphDelta) {
  return {
    added: [...d.added.nodes.map((n) => n.id), ...d.added.edges.map((e) => e.id)],
    updated: [...d.updated.nodes.map((n) => n.id), ...d.updated.edges.map((e) => e.id)],
    removed: [...d.removed.nodes, ...d.removed.edges],
  };
}
const nothing = { added: [], updated: [], removed: [] };

function synced(objects: Obj[]) {
  const m = new GraphModel();
  m.syncCluster(cluster(...objects));
  return m;
}

describe('graph: deltas', () => {
  it('the first drain adds everything, parents first; the next has nothing', () => {
    const m = synced(base());
    const d = m.drain();
    expect(d.added.nodes.map((n) => n.id)).toEqual(['ns:shop', 'pod:shop/frontend', 'svc:shop/backend', WL, P1, P2]);
    expect(d.path).toBeUndefined(); // no diagnosis yet: the overlay has not changed from null
    expect(summary(m.drain())).toEqual(nothing);
  });

  it('changes() looks without delivering; drain() delivers', () => {
    const m = synced(base());
    expect(summary(m.changes())).toEqual(summary(m.changes()));
    m.drain();
    expect(summary(m.changes())).toEqual(nothing);
  });

  const cases: Array<{ name: string; change: (objects: Obj[]) => Obj[]; want: ReturnType<typeof summary> }> = [
    { name: 'an identical sync', change: (o) => o, want: nothing },
    {
      name: 'a pod deleted: it disappears, its Deployment counts one child less',
      change: (o) => o.filter((x) => (x.metadata as Obj).name !== 'backend-7c9d8f6b5-x2'),
      want: { added: [], updated: [WL], removed: [P2] },
    },
    {
      name: 'a pod turns unready: the pod and its Deployment (ready count) change, nothing else',
      change: (o) => [...o.slice(0, 3), deploymentPod('shop', 'backend', 'x2', '10.244.2.2', { ready: false }), o[4]!],
      want: { added: [], updated: [P2, WL], removed: [] },
    },
    {
      name: 'a new Deployment: its pod and itself, and the namespace counts one child more',
      change: (o) => [...o, deploymentPod('shop', 'cart', 'y1', '10.244.2.9', { hash: '5d4f7b9c8' })],
      want: { added: ['wl:shop/Deployment/cart', 'pod:shop/cart-5d4f7b9c8-y1'], updated: ['ns:shop'], removed: [] },
    },
    {
      name: 'the last pods of a Deployment deleted: pods and Deployment go',
      change: (o) => o.filter((x) => !String((x.metadata as Obj).name).startsWith('backend-')),
      want: { added: [], updated: ['ns:shop'], removed: [P1, P2, WL] },
    },
  ];
  it.each(cases)('$name', ({ change, want }) => {
    const m = synced(base());
    const mirror = new Mirror().apply(m.drain());
    m.syncCluster(cluster(...change(base())));
    const d = m.drain();
    expect(summary(d)).toEqual(want);
    mirror.apply(d).expectMatches(m.snapshot());
    expectConsistent(m.snapshot());
  });

  it('an event updates only its edge; a duplicate changes nothing; a new pair adds an edge', () => {
    const m = synced(base());
    const ids = { src: podIdent('shop', 'frontend'), dst: podIdent('shop', 'backend-7c9d8f6b5-x1') };
    const first = dropEvent({ src: F, dst: '10.244.2.1', identities: ids });
    m.addEvents([first]);
    const mirror = new Mirror().apply(m.drain());
    const edge = `flow|pod:shop/frontend|${P1}|tcp/8080`;
    m.addEvents([tcpEvent({ src: F, dst: '10.244.2.1', sport: 40001, ts: at(5), event: 'established', role: 'client', identities: ids })]);
    let d = m.drain();
    expect(summary(d)).toEqual({ added: [], updated: [edge], removed: [] });
    expect(d.updated.edges[0]?.verdict).toBe('mixed');
    mirror.apply(d);
    m.addEvents([first, { ...first }]);
    expect(summary(m.drain())).toEqual(nothing);
    m.addEvents([dropEvent({ src: F, dst: '10.244.2.2', identities: { ...ids, dst: podIdent('shop', 'backend-7c9d8f6b5-x2') } })]);
    d = m.drain();
    expect(summary(d)).toEqual({ added: [`flow|pod:shop/frontend|${P2}|tcp/8080`], updated: [], removed: [] });
    mirror.apply(d).expectMatches(m.snapshot());
  });

  it('a deleted pod with recorded traffic stays, marked missing, until the events are cleared', () => {
    const m = synced(base());
    m.addEvents([dropEvent({ src: F, dst: '10.244.2.2', identities: { src: podIdent('shop', 'frontend'), dst: podIdent('shop', 'backend-7c9d8f6b5-x2') } })]);
    const mirror = new Mirror().apply(m.drain());
    m.syncCluster(cluster(...base().filter((x) => !String((x.metadata as Obj).name).startsWith('backend-'))));
    let d = m.drain();
    // The Deployment stays around its missing pod; the pod with no traffic goes.
    expect(summary(d)).toEqual({ added: [], updated: [P2, WL], removed: [P1] });
    expect(d.updated.nodes.map((n) => [n.id, n.missing, n.parent, n.childCount])).toEqual([
      [P2, true, WL, undefined],
      [WL, true, 'ns:shop', 1],
    ]);
    mirror.apply(d);
    expectConsistent(m.snapshot());
    m.clearEvents();
    d = m.drain();
    expect(summary(d)).toEqual({ added: [], updated: ['ns:shop'], removed: [P2, WL, `flow|pod:shop/frontend|${P2}|tcp/8080`] });
    mirror.apply(d).expectMatches(m.snapshot());
  });

  it('a pod seen in events before the cluster sync becomes the real pod, in place', () => {
    const m = new GraphModel();
    m.addEvents([dropEvent({ src: F, dst: '10.244.2.1', identities: { src: podIdent('shop', 'frontend'), dst: podIdent('shop', 'backend-7c9d8f6b5-x1') } })]);
    const mirror = new Mirror().apply(m.drain());
    expect(mirror.nodes.get(P1)).toMatchObject({ missing: true, parent: 'ns:shop' });
    m.syncCluster(cluster(...base()));
    const d = m.drain();
    expect(d.updated.nodes.find((n) => n.id === P1)).toMatchObject({ parent: WL, data: { ready: true } });
    expect(d.updated.nodes.find((n) => n.id === P1)?.missing).toBeUndefined();
    mirror.apply(d).expectMatches(m.snapshot());
  });

  it('hands out copies: changing a snapshot or a delta does not change the model', () => {
    const m = synced(base());
    const s = m.snapshot();
    (s.nodes[0]!.data as { name: string }).name = 'changed';
    s.nodes.pop();
    const d = m.drain();
    d.added.nodes[0]!.label = 'changed';
    expect(m.snapshot().nodes[0]).toMatchObject({ label: 'shop', data: { name: 'shop' } });
    const before = m.snapshot();
    m.addEvents([dropEvent({ src: F, dst: '10.244.2.1' })]);
    expect(before.edges).toEqual([]);
  });
});
