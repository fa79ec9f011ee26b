/** The workbench slices against the real engine (in-process), on a fake cluster from a lab fixture. */
import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../../src/renderer/store/index.js';
import { fixture } from '../../helpers/paths.js';
import { askAndWait, storeOn } from '../../helpers/store.js';
import { dropReasons, fixtureNodes, labFixture, tableEvents } from '../../helpers/diagnose.js';

// The lab's two nodes recorded the scenario: A's node, and B's where kube-router rejects.
const fx = labFixture('deny-backend-ingress');
const [node1, node2] = fixtureNodes(fx) as [string, string];
const dropsOn = (node: string, reason: string) => tableEvents(fx, node).filter((e) => e.type === 'drop' && e.reason === reason).length;

function makeStore(storage = memoryStorage()) {
  return storeOn({ fakeClusters: fixture('diagnose'), storage });
}

describe('probes in the workbench', () => {
  it("a probe started in the workbench feeds its events table; a run's row filters the table to its node", async () => {
    const store = makeStore();
    store.getState().selectContext('fake-deny-backend-ingress');
    await store.getState().openCluster();
    expect(store.getState().events?.total).toBe(0);
    store.getState().setBottomTab('probes');
    store.getState().setProbeForm({ node: node2, via: 'ssh', durationSec: 1 });
    await store.getState().startProbe();
    expect(store.getState().probeError).toBeUndefined();
    await expect
      .poll(async () => {
        await store.getState().refreshProbes();
        return store.getState().runs[0]?.stage;
      })
      .toBe('stopped');
    expect(store.getState().runs[0]).toMatchObject({ workbench: expect.any(String), reasons: dropReasons(fx, node2) });
    await store.getState().loadEvents();
    expect(store.getState().events?.total).toBe(tableEvents(fx, node2).length);

    expect(dropsOn(node2, 'NETFILTER_DROP')).toBeGreaterThan(0);
    store.getState().showNodeEvents(node2, 'NETFILTER_DROP');
    expect(store.getState().bottomTab).toBe('events');
    expect(store.getState().eventFilter).toEqual({ node: node2, reason: 'NETFILTER_DROP' });
    await expect.poll(() => store.getState().events?.matched).toBe(dropsOn(node2, 'NETFILTER_DROP'));
    store.getState().showNodeEvents(node2);
    expect(store.getState().eventFilter).toEqual({ node: node2 });
    await expect.poll(() => store.getState().events?.matched).toBe(tableEvents(fx, node2).length);
    await store.getState().closeCluster();
  });

  it('a question with probes lists its runs per node with events/s, lost and drop reasons', async () => {
    const store = makeStore();
    store.getState().selectContext('fake-deny-backend-ingress');
    await store.getState().openCluster();
    store.getState().setQuery({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend', port: '8080', probe: 'ssh', durationSec: 1 });
    await askAndWait(store);
    expect(store.getState().question?.nodes).toEqual(
      [node1, node2].map((node) => ({
        node,
        stage: 'stopped',
        events: tableEvents(fx, node).length,
        rate: expect.any(Number),
        lost: 0,
        reasons: dropReasons(fx, node),
      })),
    );
    await store.getState().closeCluster();
  });
});

describe('workbench store', () => {
  it('opens a cluster, asks, follows the graph by deltas and pages events through filters', async () => {
    const store = makeStore();
    store.getState().selectContext('fake-deny-backend-ingress');
    await store.getState().openCluster();
    const st = store.getState();
    expect(st.cluster.status).toBe('open');
    expect(st.graph.version).toBeGreaterThanOrEqual(0);
    expect(st.graph.nodes.has('ns:lab-deny-ingress')).toBe(true);
    expect(st.events?.total).toBe(0);

    st.setQuery({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend', port: '8080', probe: 'ssh', durationSec: 1 });
    await askAndWait(store);
    expect(store.getState().question?.diagnosis?.findings[0]?.kind).toBe('policy-deny-ingress');
    const before = store.getState().graph;
    await store.getState().pollGraph();
    const after = store.getState().graph;
    expect(after).not.toBe(before);
    expect(after.nodes).not.toBe(before.nodes); // new Maps on update
    expect(after.path?.hops[after.path.failing!]?.hop).toBe('policy-ingress');

    await store.getState().loadEvents();
    expect(store.getState().events?.total).toBe(tableEvents(fx).length);
    store.getState().setEventFilter({ reason: 'NETFILTER_DROP' });
    await expect.poll(() => store.getState().events?.matched).toBe(dropsOn(node1, 'NETFILTER_DROP') + dropsOn(node2, 'NETFILTER_DROP'));
    expect([...store.getState().eventRows.values()].every((r) => r.reason === 'NETFILTER_DROP')).toBe(true);
    store.getState().setEventFilter({ reason: undefined, type: [] });
    expect(store.getState().eventFilter).toEqual({});

    await store.getState().closeCluster();
    expect(store.getState().cluster.status).toBe('closed');
    expect(store.getState().graph.nodes.size).toBe(0);
  });

  it('a failed open keeps the error with its next step; collapse and panes persist', async () => {
    const storage = memoryStorage();
    const store = makeStore(storage);
    store.getState().selectContext('fake-nope');
    await store.getState().openCluster();
    const c = store.getState().cluster;
    expect(c.status === 'failed' && c.error.hint).toMatch(/fake-healthy/);
    store.getState().toggleCollapsed('ns:kube-system');
    store.getState().setPanes({ why: 500 });
    const again = makeStore(storage);
    expect(again.getState().collapsed).toEqual(['ns:kube-system']);
    expect(again.getState().panes).toEqual({ why: 500, bottom: 280 });
    again.getState().toggleCollapsed('ns:kube-system');
    expect(again.getState().collapsed).toEqual([]);
  });
});

describe('the connection and the question kept', () => {
  it('opens with a live health, reconnects to the same context keeping the question, and pulls health and names', async () => {
    const store = makeStore();
    store.getState().selectContext('fake-deny-backend-ingress');
    await store.getState().openCluster();
    const first = store.getState().cluster;
    expect(first.status === 'open' && first.opened.health).toEqual({ state: 'live' });
    store.getState().setQuery({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend:8080' });
    store.getState().selectContext('fake-healthy'); // the Connect screen's pick moved meanwhile
    await store.getState().reconnectCluster();
    const again = store.getState().cluster;
    expect(again.status).toBe('open');
    if (again.status !== 'open' || first.status !== 'open') return;
    expect(again.opened.context).toBe('fake-deny-backend-ingress');
    expect(again.opened.session).not.toBe(first.opened.session);
    expect(store.getState().query).toMatchObject({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend:8080' });
    expect(store.getState().graph.nodes.has('ns:lab-deny-ingress')).toBe(true);
    // A pushed change of health lands on the session shown; another session's is ignored.
    store.getState().clusterChanged(again.opened.session, { health: { state: 'stale', since: 1e18, error: 'connect ECONNREFUSED' } });
    store.getState().clusterChanged(first.opened.session, { health: { state: 'live' } });
    const st = store.getState().cluster;
    expect(st.status === 'open' && st.opened.health?.state).toBe('stale');
    await store.getState().refreshCluster();
    const pulled = store.getState().cluster;
    expect(pulled.status === 'open' && pulled.opened.health).toEqual({ state: 'live' });
    expect(pulled.status === 'open' && pulled.opened.names.workloads).toContain('lab-deny-ingress/deploy/frontend');
    await store.getState().closeCluster();
  });

  it('a typo is answered with the name meant, for the field it goes in, kind kept', async () => {
    const store = makeStore();
    store.getState().selectContext('fake-deny-backend-ingress');
    await store.getState().openCluster();
    store.getState().setQuery({ from: 'lab-deny-ingress/deploy/frontnd', to: 'backend:8080', probe: 'none' });
    await store.getState().ask();
    await expect
      .poll(async () => {
        await store.getState().refreshQuestion();
        return store.getState().question?.state;
      })
      .toBe('failed');
    expect(store.getState().question?.error?.suggestions).toEqual([{ field: 'from', value: 'lab-deny-ingress/deploy/frontend' }]);
    await store.getState().closeCluster();
  });
});
