/**
 * The workbench calls through dispatch (validation included) on a fake cluster made of a lab
 * fixture: open, ask with the recorded probe events, the graph with the failing hop, events
 * filtered Hubble-style with the timeline.
 */
import { describe, expect, it } from 'vitest';
import { createHandlers } from '../../../src/backend/handlers.js';
import { apiOn } from '../../helpers/api.js';
import { fixture } from '../../helpers/paths.js';
import { dropReasons, fixtureNodes, labFixture, tableEvents } from '../../helpers/diagnose.js';

const handlers = createHandlers({ shell: 'server', env: {}, fakeClusters: fixture('diagnose') });
const { raw, call, answer } = apiOn(handlers, 50);
// The lab's two nodes recorded the scenario: A's node and B's.
const fx = labFixture('deny-backend-ingress');
const [node1, node2] = fixtureNodes(fx) as [string, string];

describe('workbench calls on a fake cluster', () => {
  it('opens, answers with the recorded events, and lays the failing hop over the graph', async () => {
    const open = await call('cluster.open', { source: { kind: 'default' }, context: 'fake-deny-backend-ingress' });
    expect(open.mode).toBe('fake');
    expect(open.names.workloads).toContain('lab-deny-ingress/deploy/frontend');
    expect(open.names.services).toContain('lab-deny-ingress/svc/backend');
    const g0 = await call('graph.snapshot', { session: open.session });
    expect(g0.nodes.some((n) => n.id === 'ns:lab-deny-ingress')).toBe(true);
    expect(g0.path).toBeNull();

    const { question } = await call('why.ask', {
      session: open.session,
      from: 'lab-deny-ingress/deploy/frontend',
      to: 'backend:8080',
      probe: 'ssh',
      durationSec: 1,
    });
    const st = await answer(question);
    expect(st.state).toBe('done');
    expect(st.diagnosis?.findings[0]?.kind).toBe('policy-deny-ingress');
    expect(st.nodes.map((n) => [n.node, n.stage])).toEqual([
      [node1, 'stopped'],
      [node2, 'stopped'],
    ]);

    const delta = await call('graph.changes', { session: open.session, since: g0.version });
    expect(delta.version).toBe(g0.version + 1);
    expect(delta.path?.failing).not.toBeNull();
    const failing = delta.path!.hops[delta.path!.failing!]!;
    expect(failing.hop).toBe('policy-ingress');
    expect(delta.added.edges.length).toBeGreaterThan(0);
    // A second window that did not see that drain is told to resync.
    expect((await call('graph.changes', { session: open.session, since: g0.version })).resync).toBe(true);

    const all = await call('events.page', { session: open.session, filter: {}, offset: 0, limit: 10 });
    expect(all.total).toBe(tableEvents(fx).length);
    expect(all.rows).toHaveLength(10);
    expect(all.facets.reasons).toContain('NETFILTER_DROP');
    expect(all.histogram.buckets.flat().reduce((a, b) => a + b, 0)).toBe(tableEvents(fx).length);
    const drops = await call('events.page', { session: open.session, filter: { reason: 'netfilter_drop' }, offset: 0, limit: 100 });
    expect(drops.matched).toBeGreaterThan(0);
    expect(drops.rows.every((r) => r.type === 'drop' && r.reason === 'NETFILTER_DROP' && r.port === 8080)).toBe(true);
    const dnsFront = await call('events.page', {
      session: open.session,
      filter: { type: ['dns'], pod: 'lab-deny-ingress/frontend', text: 'backend.lab' },
      offset: 0,
      limit: 100,
    });
    expect(dnsFront.matched).toBeGreaterThan(0);
    const t0 = all.histogram.start;
    const none = await call('events.page', { session: open.session, filter: { from: t0 - 2e9, to: t0 - 1e9 }, offset: 0, limit: 5 });
    expect(none.matched).toBe(0);
    expect(none.histogram.buckets.flat().reduce((a, b) => a + b, 0)).toBe(tableEvents(fx).length);
    await call('cluster.close', { session: open.session });
    await expect(call('graph.snapshot', { session: open.session })).rejects.toThrow(/closed/);
  });

  it('a question lists its own probe runs: per node the stage, events, events/s, lost and the top drop reasons', async () => {
    const open = await call('cluster.open', { source: { kind: 'default' }, context: 'fake-deny-backend-ingress' });
    const { question } = await call('why.ask', {
      session: open.session,
      from: 'lab-deny-ingress/deploy/frontend',
      to: 'backend:8080',
      probe: 'ssh',
      durationSec: 1,
    });
    const st = await answer(question);
    expect(st.nodes).toEqual(
      [node1, node2].map((node) => ({
        node,
        stage: 'stopped',
        events: tableEvents(fx, node).length,
        rate: expect.any(Number),
        lost: 0,
        reasons: dropReasons(fx, node),
      })),
    );
    // kube-router's reject is on B's node.
    expect(st.nodes[1]?.reasons?.[0]).toEqual({ reason: 'NETFILTER_DROP', count: expect.any(Number) });
    expect(st.nodes.every((n) => (n.rate ?? 0) > 0)).toBe(true);
    await call('cluster.close', { session: open.session });
  });

  it("a manual probe run started from the workbench feeds its events table and graph, named by the session's snapshot", async () => {
    const open = await call('cluster.open', { source: { kind: 'default' }, context: 'fake-deny-backend-ingress' });
    const g0 = await call('graph.snapshot', { session: open.session });
    expect((await call('events.page', { session: open.session, filter: {}, offset: 0, limit: 1 })).total).toBe(0);
    const { session: run } = await call('probes.start', { node: node2, via: 'ssh', durationSec: 1, workbench: open.session });
    let st = await call('probes.status', { session: run });
    for (let i = 0; i < 100 && st.stage !== 'stopped'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      st = await call('probes.status', { session: run });
    }
    expect(st).toMatchObject({ node: node2, stage: 'stopped', workbench: open.session, lost: 0, reasons: dropReasons(fx, node2) });
    expect(st.events.drop + st.events.dns + st.events.tcp).toBe(tableEvents(fx, node2).length);
    expect(st.error).toBeUndefined();

    const all = await call('events.page', { session: open.session, filter: {}, offset: 0, limit: 100 });
    expect(all.total).toBe(tableEvents(fx, node2).length);
    // The fixture's recorded identities were left out: these names come from the session's snapshot.
    const frontend = await call('events.page', { session: open.session, filter: { pod: 'lab-deny-ingress/frontend' }, offset: 0, limit: 100 });
    expect(frontend.matched).toBeGreaterThan(0);
    expect(frontend.rows.some((r) => r.src.startsWith('lab-deny-ingress/frontend-'))).toBe(true);
    // Filtered to the node the run was on, and to one it was not.
    expect((await call('events.page', { session: open.session, filter: { node: node2 }, offset: 0, limit: 1 })).matched).toBe(tableEvents(fx, node2).length);
    expect((await call('events.page', { session: open.session, filter: { node: node1 }, offset: 0, limit: 1 })).matched).toBe(0);
    expect((await call('events.page', { session: open.session, filter: { node: 'other-node' }, offset: 0, limit: 1 })).matched).toBe(0);
    // The graph counted the run's flows.
    const delta = await call('graph.changes', { session: open.session, since: g0.version });
    expect(delta.added.edges.length).toBeGreaterThan(0);
    await call('cluster.close', { session: open.session });
  });

  it('closing the workbench stops the probe runs started from it', async () => {
    const open = await call('cluster.open', { source: { kind: 'default' }, context: 'fake-deny-backend-ingress' });
    const { session: run } = await call('probes.start', { node: 'pathlight-lab-node', via: 'ssh', durationSec: 60, workbench: open.session });
    const other = await call('probes.start', { node: 'pathlight-lab-node', via: 'ssh', durationSec: 60 });
    await call('cluster.close', { session: open.session });
    expect((await call('probes.status', { session: run })).stage).toBe('stopped');
    // A run that no workbench started is not the closing session's.
    expect((await call('probes.status', { session: other.session })).stage).not.toBe('stopped');
    await call('probes.stop', { session: other.session });
  });

  it('a manual probe on a node the fake cluster never recorded says which nodes it has', async () => {
    const open = await call('cluster.open', { source: { kind: 'default' }, context: 'fake-deny-backend-ingress' });
    const { session: run } = await call('probes.start', { node: 'no-such-node', via: 'ssh', durationSec: 1, workbench: open.session });
    let st = await call('probes.status', { session: run });
    for (let i = 0; i < 100 && st.stage !== 'stopped'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      st = await call('probes.status', { session: run });
    }
    expect(st.error).toMatchObject({ code: 'probe-failed', hint: expect.stringContaining('pathlight-lab-node') });
    await call('cluster.close', { session: open.session });
  });

  it('refuses bad payloads and unknown fake contexts with a next step', async () => {
    const r = await raw('why.ask', { session: 'x', from: '', to: 'b', probe: 'bpf', durationSec: 0 });
    expect(r.ok === false && r.error.code).toBe('invalid-request');
    const f = await raw('cluster.open', { source: { kind: 'default' }, context: 'fake-nope' });
    expect(f.ok === false && f.error.hint).toMatch(/fake-deny-backend-ingress/);
  });
});

describe('graph.details', () => {
  it('lists the policies selecting a pod and a workload, per tier and direction', async () => {
    const open = await call('cluster.open', { source: { kind: 'default' }, context: 'fake-deny-backend-ingress' });
    const g = await call('graph.snapshot', { session: open.session });
    const backend = g.nodes.find((n) => n.kind === 'pod' && n.label.startsWith('backend-'))!;
    const d = await call('graph.details', { session: open.session, node: backend.id });
    expect(d.pod).toBe(`lab-deny-ingress/${backend.label}`);
    expect(d.policies).toContainEqual({
      kind: 'NetworkPolicy',
      namespace: 'lab-deny-ingress',
      name: 'deny-backend-ingress',
      tier: 'networkpolicy',
      directions: ['ingress'],
      isolates: { ingress: true, egress: false },
    });
    const frontend = g.nodes.find((n) => n.kind === 'workload' && n.label === 'frontend')!;
    const fd = await call('graph.details', { session: open.session, node: frontend.id });
    expect(fd.pod).toMatch(/^lab-deny-ingress\/frontend-/);
    expect(fd.policies.filter((p) => p.tier === 'networkpolicy')).toEqual([]);
    const ns = await call('graph.details', { session: open.session, node: 'ns:lab-deny-ingress' });
    expect(ns).toEqual({ node: 'ns:lab-deny-ingress', policies: [] });
    await call('cluster.close', { session: open.session });
  });

  it('refuses SSH settings that could inject config lines', async () => {
    const open = await call('cluster.open', { source: { kind: 'default' }, context: 'fake-deny-backend-ingress' });
    const bad = await raw('why.ask', {
      session: open.session,
      from: 'lab-deny-ingress/deploy/frontend',
      to: 'backend:8080',
      probe: 'ssh',
      durationSec: 1,
      ssh: { user: 'root\nProxyCommand evil' },
    });
    expect(bad.ok).toBe(false);
    await call('cluster.close', { session: open.session });
  });
});
