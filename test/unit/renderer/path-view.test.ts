/** The path view's cells (column = hop order, the path on the top row) and the elements it keeps, on the lab's deny scenario. */
import { describe, expect, it } from 'vitest';
import { graph, diagnose as d } from '../../../src/core/index.js';
import { toElements } from '../../../src/renderer/features/graph/elements.js';
import { pathView } from '../../../src/renderer/features/graph/pathView.js';
import { correlate, fixturePod, labFixture, labFixtures, view } from '../../helpers/diagnose.js';
import { httpEvent } from '../../helpers/graph.js';

const f = labFixtures().find((x) => x.scenario === 'deny-backend-ingress')!;
const [A, B, DNS] = [
  fixturePod(f, 'lab-deny-ingress', 'frontend'),
  fixturePod(f, 'lab-deny-ingress', 'backend'),
  fixturePod(f, 'kube-system', { 'k8s-app': 'kube-dns' }),
];
function snapshot() {
  const m = new graph.GraphModel();
  m.syncCluster(view(f.objects));
  m.addEvents(f.events as unknown as d.ProbeEvent[]);
  const r = d.diagnose(view(f.objects), f.query, { correlator: correlate(f.events) });
  if (!r.ok) throw new Error(r.error.message);
  m.setDiagnosis(r.value);
  return m.snapshot();
}

describe('pathView', () => {
  const snap = snapshot();
  const nodes = new Map(snap.nodes.map((n) => [n.id, n]));
  const v = pathView(nodes, snap.edges, snap.path)!;

  it('puts A, the name, the Service and B left to right on the top row, the DNS server under the name', () => {
    expect(Object.fromEntries(v.cells)).toEqual({
      [`pod:lab-deny-ingress/${A.name}`]: { col: 0, row: 0 },
      'dns:backend.lab-deny-ingress.svc.cluster.local': { col: 1, row: 0 },
      'svc:kube-system/kube-dns': { col: 1, row: 1 },
      [`pod:kube-system/${DNS.name}`]: { col: 1, row: 2 },
      'svc:lab-deny-ingress/backend': { col: 2, row: 0 },
      [`pod:lab-deny-ingress/${B.name}`]: { col: 3, row: 0 },
    });
    expect([v.cols, v.rows]).toEqual([4, 3]);
  });

  it('keeps only those nodes, flat, and the edges of the path and of the lookups; long edges arc', () => {
    const els = toElements(snap, new Set(['ns:lab-deny-ingress']), v);
    const ns = els.filter((e) => e.group === 'nodes');
    expect(ns.map((e) => e.data.id).sort()).toEqual([...v.cells.keys()].sort());
    for (const n of ns) expect(n.data.parent).toBeUndefined();
    // Each pod names the Kubernetes node it runs on: A and B on different nodes in the two-node lab.
    expect([A.node, B.node]).toEqual(['pathlight-lab-node', 'pathlight-lab-node-2']);
    expect(ns.find((n) => n.data.kind === 'pod' && n.data.id.includes('frontend'))!.data.label).toBe(`${A.name}\non ${A.node}`);
    expect(ns.find((n) => n.data.kind === 'pod' && n.data.id.includes('backend'))!.data.label).toBe(`${B.name}\non ${B.node}`);
    const es = els.filter((e) => e.group === 'edges');
    for (const e of es) expect(v.edges.has(e.data.id)).toBe(true);
    const policy = es.find((e) => e.data.kind === 'policy')!;
    expect(policy.classes).toEqual(expect.arrayContaining(['arc', 'failing']));
    expect(policy.data.bend).toBeLessThan(0);
    // One label per step: the traffic edges along the path stay quiet.
    for (const e of es) expect(e.classes.includes('quiet')).toBe(e.data.kind !== 'path' && e.data.kind !== 'policy');
  });

  it('no path, no path view', () => {
    expect(pathView(nodes, snap.edges, null)).toBeUndefined();
  });

  it("labels a step's traffic edge with its HTTP (rate, errors, p99): only that edge knows it", () => {
    const h = labFixture('healthy');
    const client = (h.events as unknown as d.ProbeEvent[]).find((e) => e.type === 'tcp' && e.event === 'established' && e.role === 'client')!;
    const m = new graph.GraphModel();
    m.syncCluster(view(h.objects));
    m.addEvents(h.events as unknown as d.ProbeEvent[]);
    // A's requests as A's socket saw them: to the Service's address; one in four answered 503.
    m.addEvents(
      Array.from({ length: 8 }, (_, i) =>
        httpEvent({
          src: client.src,
          dst: client.dst,
          sport: client.sport,
          dport: client.dport,
          ts: client.ts + i * 1e8,
          status: i % 4 ? 200 : 503,
          latencyMs: 5,
          identities: client.identities,
        }),
      ),
    );
    const r = d.diagnose(view(h.objects), h.query, { correlator: correlate(h.events) });
    if (!r.ok) throw new Error(r.error.message);
    m.setDiagnosis(r.value);
    const s = m.snapshot();
    const pv = pathView(new Map(s.nodes.map((n) => [n.id, n])), s.edges, s.path)!;
    const es = toElements(s, new Set(), pv).filter((e) => e.group === 'edges');
    const http = es.filter((e) => e.classes.includes('http'));
    expect(http).toHaveLength(1);
    expect(http[0]!.classes).toEqual(expect.arrayContaining(['path']));
    expect(http[0]!.classes).not.toContain('quiet');
    expect(http[0]!.data.label).toMatch(/^tcp\/8080 · HTTP .* · 25 % err · p99 5\.\d ms$/);
    // The other traffic edges along the path stay unlabelled.
    for (const e of es.filter((x) => x.data.kind === 'flow' && !x.classes.includes('http'))) expect(e.classes).toContain('quiet');
  });
});
