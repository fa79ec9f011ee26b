/**
 * The path view: what the graph shows after a question unless the user asks for the whole
 * cluster — A, the DNS server it asked, the name, the Service, the endpoints and B, each
 * placed in the column of the hop it stands for (left to right in hop order) and stacked in
 * rows within a column (a pod's label names the Kubernetes node it runs on). Pure (no cytoscape): the controller hands the cells to cytoscape's
 * grid layout.
 */
import type { graph } from '../../../core/index.js';

/** Hops that stand for things on the way, in the order the traffic meets them. */
const entityHops = ['source', 'dns', 'service', 'endpoints', 'backend'] as const;

export interface PathCell {
  col: number;
  row: number;
}

export interface PathView {
  /** Node id → its cell. Only these nodes are shown. */
  cells: Map<string, PathCell>;
  /** Edges shown: the path's own and A's traffic to its DNS server. */
  edges: Set<string>;
  cols: number;
  rows: number;
}

const isDnsPort = (e: graph.GraphEdge) => e.kind === 'flow' && e.port === 53;

/**
 * The cells of the path view, or undefined when there is no path to show (no question yet, or
 * a diagnosis that named nothing on the graph).
 */
export function pathView(nodes: ReadonlyMap<string, graph.GraphNode>, edges: Iterable<graph.GraphEdge>, path: graph.PathOverlay | null): PathView | undefined {
  if (!path) return undefined;
  // A node sits in the column of the last hop that lists it: a Service named by the DNS hop
  // (the answer) and by the endpoints hop stands where the traffic reaches it.
  const hopOf = new Map<string, number>();
  path.hops.forEach((h, i) => {
    if (!(entityHops as readonly string[]).includes(h.hop)) return;
    for (const id of h.nodes) if (nodes.has(id)) hopOf.set(id, i);
  });
  if (hopOf.size === 0) return undefined;
  const sources = new Set(path.hops.find((h) => h.hop === 'source')?.nodes ?? []);
  const dnsHop = path.hops.findIndex((h) => h.hop === 'dns');
  const sourceHop = path.hops.findIndex((h) => h.hop === 'source');
  const shownEdges = new Set<string>();
  const all = [...edges];
  // A's DNS server: where its lookups went (port 53), in the DNS hop's column (or just after A).
  const dnsColumn = dnsHop >= 0 ? dnsHop : sourceHop + 0.5;
  for (const e of all) {
    if (!sources.has(e.source) || !isDnsPort(e) || !nodes.has(e.target) || sources.has(e.target)) continue;
    if (!hopOf.has(e.target)) hopOf.set(e.target, dnsColumn);
    shownEdges.add(e.id);
  }
  // The path's edges; a lookup edge beside the path's own edge to the same name would only double it.
  const pathPairs = new Set(all.filter((e) => e.kind === 'path').map((e) => `${e.source}|${e.target}`));
  for (const e of all) {
    if (!path.edges[e.id] || !hopOf.has(e.source) || !hopOf.has(e.target)) continue;
    if (e.kind === 'dns' && pathPairs.has(`${e.source}|${e.target}`)) continue;
    shownEdges.add(e.id);
  }

  // Columns: the hops that hold something, in hop order, numbered from 0.
  const columns = [...new Set(hopOf.values())].sort((a, b) => a - b);
  const byColumn = new Map<number, string[]>();
  for (const [id, h] of hopOf) {
    const col = columns.indexOf(h);
    byColumn.set(col, [...(byColumn.get(col) ?? []), id]);
  }
  const rows = Math.max(...[...byColumn.values()].map((ids) => ids.length));
  const cells = new Map<string, PathCell>();
  // The path itself on the top row (the edges that skip a column arc above it, into free space);
  // below it in its column, the rest: the other endpoints, then A's DNS server.
  const onPath = (id: string) => (path.nodes[id] ? 0 : 1);
  const kind = (id: string) => (nodes.get(id)?.kind === 'dns' ? 0 : nodes.get(id)?.kind === 'service' ? 1 : 2);
  for (const [col, ids] of byColumn) {
    ids.sort((a, b) => onPath(a) - onPath(b) || kind(a) - kind(b) || a.localeCompare(b));
    ids.forEach((id, i) => cells.set(id, { col, row: i }));
  }
  return { cells, edges: shownEdges, cols: columns.length, rows };
}
