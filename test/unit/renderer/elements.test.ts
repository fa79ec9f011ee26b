/** model → elements: kinds and verdicts as classes, the path hop by hop with the failing hop, collapsed namespaces, diffs. */
import { describe, expect, it } from 'vitest';
import { graph, diagnose as d } from '../../../src/core/index.js';
import { diffElements, edgeWidth, toElements, type Element } from '../../../src/renderer/features/graph/elements.js';
import { failColor, graphStyle, verdictColors } from '../../../src/renderer/features/graph/style.js';
import { correlate, labFixtures, view } from '../../helpers/diagnose.js';

const f = labFixtures().find((x) => x.scenario === 'deny-backend-ingress')!;
function model() {
  const m = new graph.GraphModel();
  m.syncCluster(view(f.objects));
  m.addEvents(f.events as unknown as d.ProbeEvent[]);
  const r = d.diagnose(view(f.objects), f.query, { correlator: correlate(f.events) });
  if (!r.ok) throw new Error(r.error.message);
  m.setDiagnosis(r.value);
  return m.snapshot();
}
const byId = (els: Element[]) => new Map(els.map((e) => [e.data.id, e]));

describe('toElements', () => {
  const snap = model();
  const els = toElements(snap);

  it('maps every node and edge, parents kept, kinds and verdicts as classes', () => {
    expect(els.filter((e) => e.group === 'nodes')).toHaveLength(snap.nodes.length);
    expect(els.filter((e) => e.group === 'edges')).toHaveLength(snap.edges.length);
    const m = byId(els);
    const pod = snap.nodes.find((n) => n.kind === 'pod')!;
    expect(m.get(pod.id)!.data.parent).toBe(pod.parent);
    expect(m.get(pod.id)!.classes).toContain('pod');
    for (const e of snap.edges) expect(m.get(e.id)!.classes).toContain(`v-${e.verdict}`);
  });

  it('marks the path hop by hop and the failing hop', () => {
    const path = snap.path!;
    const failing = path.hops[path.failing!]!;
    expect(failing.hop).toBe('policy-ingress');
    const m = byId(els);
    for (const id of failing.edges) expect(m.get(id)!.classes).toEqual(expect.arrayContaining(['failing', 'path']));
    for (const [id, v] of Object.entries(path.nodes)) expect(m.get(id)!.classes).toContain(`hop-${v}`);
    const okEdge = Object.entries(path.edges).find(([, v]) => v === 'ok');
    if (okEdge) expect(m.get(okEdge[0])!.classes).not.toContain('failing');
  });

  it('folds a collapsed namespace: children hidden, edges re-attached and merged, path marks carried', () => {
    const ns = 'ns:lab-deny-ingress';
    const folded = toElements(snap, new Set([ns]));
    const m = byId(folded);
    const inside = snap.nodes.filter((n) => n.id !== ns && (n.parent === ns || snap.nodes.find((p) => p.id === n.parent)?.parent === ns));
    for (const n of inside) expect(m.has(n.id)).toBe(false);
    const nsEl = m.get(ns)!;
    expect(nsEl.classes).toEqual(expect.arrayContaining(['collapsed', 'path', 'failing']));
    expect(nsEl.data.folded).toBe(inside.length);
    expect(nsEl.data.label).toBe(`lab-deny-ingress (${inside.length})`);
    const ids = new Set(folded.map((e) => e.data.id));
    for (const e of folded.filter((x) => x.group === 'edges')) {
      expect(ids.has(e.data.source!)).toBe(true);
      expect(ids.has(e.data.target!)).toBe(true);
      expect(e.data.source).not.toBe(e.data.target);
    }
  });

  it('widths grow with volume and stay within 1.5–8 px', () => {
    for (const e of snap.edges) {
      const w = edgeWidth(e);
      expect(w).toBeGreaterThanOrEqual(1.5);
      expect(w).toBeLessThanOrEqual(8);
    }
  });
});

describe('diffElements', () => {
  const a: Element = { group: 'nodes', data: { id: 'a', label: 'a', kind: 'pod' }, classes: ['pod'] };
  const b: Element = { group: 'nodes', data: { id: 'b', label: 'b', kind: 'pod', parent: 'ns:x' }, classes: ['pod'] };
  it('adds, updates, re-adds a moved node and removes what is gone', () => {
    const prev = byId([a, b]);
    const next: Element[] = [
      { ...a, classes: ['pod', 'path'] },
      { ...b, data: { ...b.data, parent: 'ns:y' } },
      { group: 'nodes', data: { id: 'c', label: 'c', kind: 'dns' }, classes: ['dns'] },
    ];
    const diff = diffElements(prev, next);
    expect(diff.update.map((e) => e.data.id)).toEqual(['a']);
    expect(diff.remove).toEqual(['b']);
    expect(diff.add.map((e) => e.data.id)).toEqual(['b', 'c']);
    expect(diffElements(byId(next), next)).toEqual({ add: [], remove: [], update: [] });
  });
});

describe('graphStyle', () => {
  it.each(['light', 'dark'] as const)('%s: one colour per verdict, the failing hop red', (theme) => {
    const style = graphStyle(theme);
    for (const [v, c] of Object.entries(verdictColors)) expect(style.find((r) => r.selector === `edge.v-${v}`)?.style['line-color']).toBe(c);
    expect(style.find((r) => r.selector === 'edge.path.hop-fail, edge.failing')?.style['line-color']).toBe(failColor);
    expect(style.find((r) => r.selector === 'node.path.hop-fail, node.failing')?.style['border-color']).toBe(failColor);
  });
});
