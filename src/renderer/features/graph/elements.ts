/**
 * The graph model → cytoscape elements, as a pure function (no cytoscape here): node and edge
 * data, the classes the stylesheet keys on (kind, verdict, the A → B path hop by hop with the
 * failing hop), and collapsed namespaces (their contents folded into the namespace node, their
 * edges re-attached to it and merged). `diffElements` tells the island what to add, update and
 * remove, so the view changes in place instead of being laid out again.
 */
import type { graph } from '../../../core/index.js';
import type { PathView } from './pathView.js';

export interface ElementData {
  id: string;
  label: string;
  kind: string;
  parent?: string;
  source?: string;
  target?: string;
  verdict?: string;
  /** Edge width in px (from the connections seen). */
  width?: number;
  /** Collapsed namespace: nodes folded inside. */
  folded?: number;
  /** Path view: the node's cell (column = hop order) for the grid layout. */
  col?: number;
  row?: number;
  /** Path view: how far (px) an edge that skips columns arcs above the nodes between its ends. */
  bend?: number;
}

export interface Element {
  group: 'nodes' | 'edges';
  data: ElementData;
  classes: string[];
}

export interface GraphInput {
  nodes: Iterable<graph.GraphNode>;
  edges: Iterable<graph.GraphEdge>;
  path: graph.PathOverlay | null;
}

const edgeRank: Record<graph.EdgeVerdict, number> = { 'policy-denied': 5, dropped: 4, 'dns-error': 3, mixed: 2, unknown: 1, forwarded: 0 };
const hopRank: Record<string, number> = { fail: 4, warn: 3, unknown: 2, ok: 1, skipped: 0 };

export function worseEdge(a: graph.EdgeVerdict, b: graph.EdgeVerdict): graph.EdgeVerdict {
  return edgeRank[a] >= edgeRank[b] ? a : b;
}

/** Width by volume: 1.5 px for one connection, growing with the logarithm, at most 8. */
export function edgeWidth(e: graph.GraphEdge): number {
  const volume = e.kind === 'flow' || e.kind === 'dns' ? Math.max(e.stats.volume, e.stats.events > 0 ? 1 : 0) : 0;
  if (e.kind === 'path' || e.kind === 'policy') return 2.5;
  return Math.min(8, 1.5 + Math.log2(1 + volume));
}

/**
 * `view`: the path view (see pathView.ts) — only its nodes, flat (no namespace boxes, nothing
 * collapsed), each with its cell, and only its edges.
 */
export function toElements(input: GraphInput, collapsed: ReadonlySet<string> = new Set(), view?: PathView): Element[] {
  const nodes = new Map<string, graph.GraphNode>();
  for (const n of input.nodes) {
    if (!view) nodes.set(n.id, n);
    else if (view.cells.has(n.id)) {
      const flat = { ...n };
      delete flat.parent;
      nodes.set(n.id, flat);
    }
  }
  if (view) collapsed = new Set();
  const path = input.path;
  const failingHop = path && path.failing !== null ? path.hops[path.failing] : undefined;
  const failingNodes = new Set(failingHop?.nodes ?? []);
  const failingEdges = new Set(failingHop?.edges ?? []);

  // Where each node shows: itself, or the outermost collapsed namespace above it.
  const shownAs = new Map<string, string>();
  const visibleId = (id: string): string => {
    const known = shownAs.get(id);
    if (known) return known;
    let shown = id;
    for (let cur = nodes.get(id), guard = 0; cur && guard < 8; cur = cur.parent ? nodes.get(cur.parent) : undefined, guard++) {
      if (cur.id !== id && collapsed.has(cur.id)) shown = cur.id;
    }
    shownAs.set(id, shown);
    return shown;
  };

  const out: Element[] = [];
  const folded = new Map<string, number>();
  const nodeHop = new Map<string, string>();
  const failingShown = new Set<string>();
  for (const [id, v] of Object.entries(path?.nodes ?? {})) {
    const shown = visibleId(id);
    const prev = nodeHop.get(shown);
    if (!prev || hopRank[v]! > hopRank[prev]!) nodeHop.set(shown, v);
    if (failingNodes.has(id)) failingShown.add(shown);
  }
  for (const n of nodes.values()) {
    const shown = visibleId(n.id);
    if (shown !== n.id) {
      folded.set(shown, (folded.get(shown) ?? 0) + 1);
      continue;
    }
  }
  // The path's HTTP is labelled once: on the edges A's own sockets saw (to the Service's address), else on
  // those the server's sockets saw (after the DNAT) — one exchange shows on both, and their labels would overlap.
  let httpBy: 'client' | 'server' = 'server';
  for (const e of input.edges) if (e.kind === 'flow' && e.stats.http?.client && path?.edges[e.id]) httpBy = 'client';
  // Edges: re-attached to what shows, merged when several land on the same pair and kind.
  const merged = new Map<string, { data: ElementData; classes: Set<string>; hop?: string; members: number }>();
  for (const e of input.edges) {
    if (!nodes.has(e.source) || !nodes.has(e.target)) continue;
    if (view && !view.edges.has(e.id)) continue;
    const source = visibleId(e.source);
    const target = visibleId(e.target);
    if (source === target && (source !== e.source || target !== e.target)) {
      // Folded inside one namespace: the namespace carries the edge's path marks.
      const hop = path?.edges[e.id];
      if (hop) {
        const prev = nodeHop.get(source);
        if (!prev || hopRank[hop]! > hopRank[prev]!) nodeHop.set(source, hop);
      }
      if (failingEdges.has(e.id)) failingShown.add(source);
      continue;
    }
    const rerouted = source !== e.source || target !== e.target;
    const id = rerouted ? `fold|${e.kind}|${source}|${target}` : e.id;
    const hop = path?.edges[e.id];
    let m = merged.get(id);
    if (!m) {
      m = { data: { id, source, target, label: e.label, kind: e.kind, verdict: e.verdict, width: edgeWidth(e) }, classes: new Set([e.kind]), members: 0 };
      merged.set(id, m);
    } else {
      m.data.verdict = worseEdge(m.data.verdict as graph.EdgeVerdict, e.verdict);
      m.data.width = Math.min(8, Math.max(m.data.width ?? 1, edgeWidth(e)) + 0.5);
    }
    m.members++;
    if (e.kind === 'flow' && e.stats.http) m.classes.add('http');
    if (e.kind === 'flow' && e.stats.http?.[httpBy]) m.classes.add('http-label');
    if (rerouted) m.data.label = m.members > 1 ? `${m.members} flows` : e.label;
    if (hop && (!m.hop || hopRank[hop]! > hopRank[m.hop]!)) m.hop = hop;
    if (failingEdges.has(e.id)) m.classes.add('failing');
  }
  for (const n of nodes.values()) {
    if (visibleId(n.id) !== n.id) continue;
    const classes: string[] = [n.kind];
    if (n.missing) classes.push('missing');
    if (n.kind === 'pod' && !n.data.ready) classes.push('not-ready');
    const hop = nodeHop.get(n.id);
    if (hop) classes.push('path', `hop-${hop}`);
    if (failingShown.has(n.id)) classes.push('failing');
    const isCollapsed = collapsed.has(n.id) && n.kind === 'namespace';
    if (isCollapsed) classes.push('collapsed');
    if (view) classes.push('pv');
    // The path view names the Kubernetes node each pod runs on, under its name.
    const onNode = view && n.kind === 'pod' && n.data.node ? `\non ${n.data.node}` : '';
    const data: ElementData = {
      id: n.id,
      label: isCollapsed ? `${n.label} (${folded.get(n.id) ?? 0})` : `${n.label}${onNode}`,
      kind: n.kind,
      ...(n.parent ? { parent: n.parent } : {}),
      ...(isCollapsed ? { folded: folded.get(n.id) ?? 0 } : {}),
      ...(view?.cells.get(n.id) ?? {}),
    };
    out.push({ group: 'nodes', data, classes });
  }

  const arcs = new Map<string, number>();
  for (const m of merged.values()) {
    const classes = [...m.classes, `v-${m.data.verdict}`];
    if (m.hop) classes.push('path', `hop-${m.hop}`);
    if (view) {
      classes.push('pv');
      // One label per step: the hop's own edge and the policy verdict say it; the traffic edges along them stay unlabelled,
      // except a step's HTTP (rate, errors, p99), which only its traffic edge knows.
      if (m.data.kind !== 'path' && m.data.kind !== 'policy' && !(m.hop && m.classes.has('http-label'))) classes.push('quiet');
      // An edge that skips a column would cross the nodes between: it arcs over them, each of a pair higher.
      const from = view.cells.get(m.data.source!);
      const to = view.cells.get(m.data.target!);
      if (from && to && Math.abs(to.col - from.col) > 1) {
        const pair = [m.data.source, m.data.target].sort().join('|');
        const n = arcs.get(pair) ?? 0;
        arcs.set(pair, n + 1);
        classes.push('arc');
        m.data.bend = (to.col > from.col ? -1 : 1) * (60 + 28 * n);
      }
    }
    out.push({ group: 'edges', data: m.data, classes });
  }
  return out;
}

export interface ElementDiff {
  add: Element[];
  remove: string[];
  /** Elements whose data or classes changed (same id, same group). */
  update: Element[];
}

const sameData = (a: ElementData, b: ElementData) => JSON.stringify(a) === JSON.stringify(b);
const sameClasses = (a: string[], b: string[]) => a.length === b.length && a.every((c, i) => c === b[i]);

/**
 * What turns `prev` into `next`. A node whose parent changed is removed and added again
 * (cytoscape moves compound children only that way); an edge whose ends changed likewise.
 */
export function diffElements(prev: ReadonlyMap<string, Element>, next: readonly Element[]): ElementDiff {
  const diff: ElementDiff = { add: [], remove: [], update: [] };
  const seen = new Set<string>();
  for (const el of next) {
    seen.add(el.data.id);
    const old = prev.get(el.data.id);
    if (!old) diff.add.push(el);
    else if (old.group !== el.group || old.data.parent !== el.data.parent || old.data.source !== el.data.source || old.data.target !== el.data.target) {
      diff.remove.push(el.data.id);
      diff.add.push(el);
    } else if (!sameData(old.data, el.data) || !sameClasses(old.classes, el.classes)) diff.update.push(el);
  }
  for (const id of prev.keys()) if (!seen.has(id)) diff.remove.push(id);
  return diff;
}
