/**
 * The graph, kept up to date from three sources — cluster syncs, probe events as they arrive,
 * and the current diagnosis — and handed to the UI as deltas, so the view updates in place
 * instead of laying everything out again.
 *
 * A node exists while the cluster has it, while an edge or the diagnosis refers to it, or
 * (compound nodes) while something sits inside it. So a deleted pod with recorded drops stays,
 * marked `missing`, carrying its evidence; a deleted pod with nothing attached disappears.
 * Every edge's ends and every node's parent exist.
 *
 * Cost: an event is O(1) amortised (hash lookups, no rebuild); a sync is O(cluster) plus the
 * nodes that changed; a drain is O(what changed).
 */
import type { Identity } from '../cluster/identity.js';
import type { ClusterView } from '../cluster/view.js';
import type { Diagnosis, HopVerdict, ObjectRef, ProbeEvent } from '../diagnose/types.js';
import { clusterNodes, type ClusterNodes } from './cluster.js';
import { diagnosisLayer, worse, type DiagnosisLayer, type NodeResolver } from './diagnosis.js';
import { copyStats, countEvent, countLookup, emptyStats, eventKey, httpLabel, httpView, orient, statsVerdict } from './flows.js';
import { SeenSet } from '../hash.js';
import { canonicalIp, dnsEdgeId, dnsId, dnsName, externalId, flowEdgeId, kubeNodeId, nsId, podId, rangeOf, svcId, workloadId, worldId } from './ids.js';
import type { FlowStats, GraphDelta, GraphEdge, GraphNode, GraphSnapshot, PathHopOverlay, PathOverlay } from './types.js';

export interface GraphModelOptions {
  /** External addresses: one node per /24 (IPv4) or /64 (IPv6) — the default — or one `world` node. */
  external?: 'range' | 'world';
  /** Longest address lists in node and edge data (default 50); the counts stay exact. */
  maxListed?: number;
}

/** Kinds that stand for a cluster object (and so can be `missing`). */
const clusterKinds = new Set<GraphNode['kind']>(['namespace', 'workload', 'pod', 'service', 'node']);
const compoundKinds = new Set<GraphNode['kind']>(['namespace', 'workload']);

/** A flow or lookup edge with its running counts. */
interface Aggregate {
  kind: 'flow' | 'dns';
  id: string;
  source: string;
  target: string;
  protocol: string;
  port: number;
  stats: FlowStats;
  /** Lookups: the addresses answered. */
  answers?: Set<string>;
}

const emptyCluster = (): ClusterNodes => ({ nodes: new Map(), byIp: new Map(), sliceService: new Map(), owners: new Map() });

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export class GraphModel {
  private readonly external: 'range' | 'world';
  private readonly maxListed: number;

  // ---- sources
  private cluster = emptyCluster();
  private clusterSig = new Map<string, string>();
  /** Cluster nodes that left the cluster, kept as the base of their `missing` node while referred to. */
  private lastKnown = new Map<string, GraphNode>();
  /** Bases for referred-to nodes the cluster never had (from an event's identity, a diagnosis ref, an address). */
  private hints = new Map<string, GraphNode>();
  private refs = new Map<string, number>();
  private extAddresses = new Map<string, Set<string>>();
  private aggregates = new Map<string, Aggregate>();
  /** `source|target` → flow/lookup edge ids, to find the flows on a diagnosed path. */
  private byPair = new Map<string, Set<string>>();
  /** Client → its lookup edges, to find a diagnosed name's search-list expansions. */
  private lookupsBy = new Map<string, Set<string>>();
  private seen = new SeenSet();
  private canon = new Map<string, string>();
  /** An address as an external end: its canonical form, its range's node id and the node's hint (a pure function of the address). */
  private externals = new Map<string, { ip: string; id: string; node: GraphNode }>();
  private diagnosis: Diagnosis | null = null;
  private layer: DiagnosisLayer | null = null;

  // ---- the resolved graph
  private nodes = new Map<string, GraphNode>();
  private nodeSig = new Map<string, string>();
  private children = new Map<string, Set<string>>();
  private overlay: PathOverlay | null = null;
  private overlayStale = false;
  private pathNodes = new Set<string>();

  // ---- what the consumer has
  private emittedNodes = new Set<string>();
  private emittedEdges = new Set<string>();
  private emittedPath = 'null';
  private dirtyNodes = new Set<string>();
  private dirtyEdges = new Set<string>();

  constructor(options: GraphModelOptions = {}) {
    this.external = options.external ?? 'range';
    this.maxListed = options.maxListed ?? 50;
  }

  // ================================================================ inputs

  /** Takes the cluster as it is now; only the nodes that differ from the last sync change. */
  syncCluster(view: ClusterView): void {
    const prev = this.cluster;
    const next = clusterNodes(view);
    this.cluster = next;
    const sigs = new Map<string, string>();
    const changed: string[] = [];
    for (const [id, node] of next.nodes) {
      const sig = JSON.stringify(node);
      sigs.set(id, sig);
      this.lastKnown.delete(id);
      if (this.clusterSig.get(id) !== sig) changed.push(id);
    }
    for (const [id, node] of prev.nodes) {
      if (next.nodes.has(id)) continue;
      this.lastKnown.set(id, node);
      changed.push(id);
    }
    this.clusterSig = sigs;
    for (const id of changed) this.touch(id);
    // Refs (EndpointSlices, ReplicaSets) and addresses may map to other nodes now.
    if (this.diagnosis) this.applyDiagnosis();
  }

  /** Adds probe events, in any order, duplicates included: an event already counted counts nothing. */
  addEvents(events: Iterable<ProbeEvent>): void {
    for (const ev of events) this.addEvent(ev);
  }

  /** The diagnosis whose path is laid over the graph (null: none). */
  setDiagnosis(d: Diagnosis | null): void {
    this.diagnosis = d;
    this.applyDiagnosis();
  }

  /** Forgets every event (a new time window); cluster and diagnosis stay. */
  clearEvents(): void {
    for (const agg of [...this.aggregates.values()]) {
      this.aggregates.delete(agg.id);
      this.dirtyEdges.add(agg.id);
      this.unref(agg.source);
      this.unref(agg.target);
    }
    this.byPair.clear();
    this.lookupsBy.clear();
    this.seen.clear();
    for (const id of [...this.extAddresses.keys()]) {
      this.extAddresses.delete(id);
      if (this.nodes.has(id)) this.touch(id);
    }
    this.overlayStale = true;
    // The diagnosis's own external addresses were among those just forgotten.
    if (this.diagnosis) this.applyDiagnosis();
  }

  // ================================================================ outputs

  /** What changed since the last drain, without marking it delivered. */
  changes(): GraphDelta {
    const delta: GraphDelta = { added: { nodes: [], edges: [] }, updated: { nodes: [], edges: [] }, removed: { nodes: [], edges: [] } };
    for (const id of this.dirtyNodes) {
      const node = this.nodes.get(id);
      if (node) (this.emittedNodes.has(id) ? delta.updated.nodes : delta.added.nodes).push(clone(node));
      else if (this.emittedNodes.has(id)) delta.removed.nodes.push(id);
    }
    for (const id of this.dirtyEdges) {
      const edge = this.edge(id);
      if (edge) (this.emittedEdges.has(id) ? delta.updated.edges : delta.added.edges).push(edge);
      else if (this.emittedEdges.has(id)) delta.removed.edges.push(id);
    }
    delta.added.nodes = this.parentsFirst(delta.added.nodes);
    delta.removed.nodes.sort((a, b) => this.depthOfRemoved(b) - this.depthOfRemoved(a) || cmp(a, b));
    delta.updated.nodes.sort(byId);
    delta.added.edges.sort(byId);
    delta.updated.edges.sort(byId);
    delta.removed.edges.sort(cmp);
    const path = this.path();
    if (JSON.stringify(path) !== this.emittedPath) delta.path = path && clone(path);
    return delta;
  }

  /** What changed since the last drain; the next delta starts from here. */
  drain(): GraphDelta {
    const delta = this.changes();
    for (const n of [...delta.added.nodes, ...delta.updated.nodes]) this.emittedNodes.add(n.id);
    for (const id of delta.removed.nodes) this.emittedNodes.delete(id);
    for (const e of [...delta.added.edges, ...delta.updated.edges]) this.emittedEdges.add(e.id);
    for (const id of delta.removed.edges) this.emittedEdges.delete(id);
    if (delta.path !== undefined) this.emittedPath = JSON.stringify(delta.path);
    this.dirtyNodes.clear();
    this.dirtyEdges.clear();
    return delta;
  }

  /** The whole graph as plain JSON (independent of the model: later changes do not show in it). */
  snapshot(): GraphSnapshot {
    const nodes = this.parentsFirst([...this.nodes.values()].map((n) => clone(n)));
    const ids = [...this.aggregates.keys(), ...(this.layer?.edges.keys() ?? [])].sort(cmp);
    const edges = ids.map((id) => this.edge(id)).filter((e): e is GraphEdge => e !== undefined);
    const path = this.path();
    return { nodes, edges, path: path && clone(path) };
  }

  /** The current path overlay (null without a diagnosis). */
  path(): PathOverlay | null {
    if (this.overlayStale) {
      this.overlay = this.computeOverlay();
      this.overlayStale = false;
    }
    return this.overlay;
  }

  // ================================================================ nodes

  /** The node `id` should be now, from the sources; undefined when it should not exist. */
  private resolve(id: string): GraphNode | undefined {
    const kids = this.children.get(id)?.size ?? 0;
    const inCluster = this.cluster.nodes.get(id);
    if (inCluster) return compoundKinds.has(inCluster.kind) ? { ...inCluster, childCount: kids } : inCluster;
    if ((this.refs.get(id) ?? 0) === 0 && kids === 0) return undefined;
    const base = this.lastKnown.get(id) ?? this.hints.get(id) ?? impliedNamespace(id);
    if (!base) return undefined;
    const node = { ...base } as GraphNode;
    if (clusterKinds.has(node.kind)) node.missing = true;
    if (compoundKinds.has(node.kind)) node.childCount = kids;
    if (node.parent && !this.canExist(node.parent)) {
      const ns = 'namespace' in node.data ? node.data.namespace : undefined;
      if (ns && node.kind !== 'namespace') node.parent = nsId(ns);
      else delete node.parent;
    }
    if (node.kind === 'external') {
      const all = sortIps(this.extAddresses.get(id) ?? []);
      node.data = { ...node.data, addresses: all.slice(0, this.maxListed), addressCount: all.length };
    }
    return node;
  }

  private canExist(id: string): boolean {
    return this.cluster.nodes.has(id) || this.lastKnown.has(id) || this.hints.has(id) || id.startsWith('ns:');
  }

  /** Brings node `id` up to date and records the change. */
  private touch(id: string): void {
    const next = this.resolve(id);
    const prev = this.nodes.get(id);
    if (!next) {
      this.lastKnown.delete(id);
      this.hints.delete(id);
      if (!prev) return;
      this.nodes.delete(id);
      this.nodeSig.delete(id);
      this.pathNodes.delete(id);
      this.dirtyNodes.add(id);
      if (prev.parent) this.unlink(prev.parent, id);
      return;
    }
    const sig = JSON.stringify(next);
    if (prev && this.nodeSig.get(id) === sig) return;
    this.nodes.set(id, next);
    this.nodeSig.set(id, sig);
    this.dirtyNodes.add(id);
    if (prev?.parent !== next.parent) {
      if (next.parent) this.link(next.parent, id);
      if (prev?.parent) this.unlink(prev.parent, id);
    }
  }

  private link(parent: string, child: string): void {
    const set = this.children.get(parent) ?? new Set<string>();
    set.add(child);
    this.children.set(parent, set);
    this.touch(parent);
  }

  private unlink(parent: string, child: string): void {
    const set = this.children.get(parent);
    if (!set) return;
    set.delete(child);
    if (set.size === 0) this.children.delete(parent);
    this.touch(parent);
  }

  private ref(id: string): void {
    const n = (this.refs.get(id) ?? 0) + 1;
    this.refs.set(id, n);
    if (n === 1) this.touch(id);
  }

  private unref(id: string): void {
    const n = (this.refs.get(id) ?? 0) - 1;
    if (n > 0) {
      this.refs.set(id, n);
      return;
    }
    this.refs.delete(id);
    this.touch(id);
  }

  private hint(id: string, node: GraphNode | undefined): void {
    if (node && !this.cluster.nodes.has(id) && !this.lastKnown.has(id) && !this.hints.has(id)) this.hints.set(id, node);
  }

  // ================================================================ events

  private addEvent(ev: ProbeEvent): void {
    if (ev.type !== 'drop' && ev.type !== 'dns' && ev.type !== 'tcp' && ev.type !== 'http') return;
    if (typeof ev.src !== 'string' || typeof ev.dst !== 'string') return;
    if (!this.seen.once(eventKey(ev))) return;
    const o = orient(ev);
    const ids = ev.identities;
    const client = this.endpoint(o.clientIp, ids ? (o.flipped ? ids.dst : ids.src) : undefined, ids !== undefined);
    const server = this.endpoint(o.serverIp, ids ? (o.flipped ? ids.src : ids.dst) : undefined, ids !== undefined);
    const protocol = ev.proto.toLowerCase();
    const flow = this.aggregate('flow', flowEdgeId(client, server, protocol, o.serverPort), client, server, protocol, o.serverPort);
    countEvent(flow.stats, flow.id, ev, o, (k) => this.seen.once(k));
    this.dirtyEdges.add(flow.id);
    if (ev.type !== 'dns' || ev.qname === '') return;
    const name = dnsName(ev.qname);
    const target = dnsId(name);
    this.hint(target, { id: target, kind: 'dns', label: name, data: { name } });
    const lookup = this.aggregate('dns', dnsEdgeId(client, name), client, target, 'dns', 0);
    countLookup(lookup.stats, lookup.id, ev, o, (k) => this.seen.once(k));
    for (const a of ev.answers ?? []) if (a.type === 'A' || a.type === 'AAAA') lookup.answers!.add(this.canonical(a.data));
    this.dirtyEdges.add(lookup.id);
  }

  private aggregate(kind: 'flow' | 'dns', id: string, source: string, target: string, protocol: string, port: number): Aggregate {
    let agg = this.aggregates.get(id);
    if (agg) return agg;
    agg = { kind, id, source, target, protocol, port, stats: emptyStats(), ...(kind === 'dns' ? { answers: new Set<string>() } : {}) };
    this.aggregates.set(id, agg);
    const pair = `${source}|${target}`;
    const set = this.byPair.get(pair) ?? new Set<string>();
    set.add(id);
    this.byPair.set(pair, set);
    this.ref(source);
    this.ref(target);
    if (kind === 'dns') {
      const out = this.lookupsBy.get(source) ?? new Set<string>();
      out.add(id);
      this.lookupsBy.set(source, out);
    }
    if (this.pathNodes.has(source) && (kind === 'dns' || this.pathNodes.has(target))) this.overlayStale = true;
    return agg;
  }

  private canonical(ip: string): string {
    let c = this.canon.get(ip);
    if (c === undefined) {
      c = canonicalIp(ip);
      this.canon.set(ip, c);
    }
    return c;
  }

  /**
   * The node of one end of an event. The event's identities decide (the holder of the address
   * at the event's time); an event without identities is matched against the cluster as it is
   * now; an address nobody holds goes to its external range.
   */
  private endpoint(ip: string, who: Identity | undefined, hasIdentities: boolean): string {
    if (who) {
      const r = identityNode(who, ip);
      if (r) {
        this.hint(r.id, r.hint);
        return r.id;
      }
    }
    if (!hasIdentities) {
      const id = this.cluster.byIp.get(this.canonical(ip));
      if (id) return id;
    }
    return this.externalNode(ip);
  }

  private externalNode(raw: string): string {
    let ext = this.externals.get(raw);
    if (!ext) {
      const ip = this.canonical(raw);
      const cidr = this.external === 'world' ? undefined : rangeOf(ip);
      const id = cidr ? externalId(cidr) : worldId;
      const node: GraphNode = {
        id,
        kind: 'external',
        label: cidr ?? 'world',
        data: { cidr: cidr ?? (ip.includes(':') ? '::/0' : '0.0.0.0/0'), world: !cidr, addresses: [], addressCount: 0 },
      };
      ext = { ip, id, node };
      this.externals.set(raw, ext);
    }
    this.hint(ext.id, ext.node);
    const set = this.extAddresses.get(ext.id) ?? new Set<string>();
    if (!set.has(ext.ip)) {
      set.add(ext.ip);
      this.extAddresses.set(ext.id, set);
      if (this.nodes.has(ext.id)) this.touch(ext.id);
    }
    return ext.id;
  }

  // ================================================================ edges

  private edge(id: string): GraphEdge | undefined {
    const agg = this.aggregates.get(id);
    if (agg) return this.aggregateEdge(agg);
    const e = this.layer?.edges.get(id);
    return e && clone(e);
  }

  private aggregateEdge(agg: Aggregate): GraphEdge {
    const stats = copyStats(agg.stats);
    const base = { id: agg.id, source: agg.source, target: agg.target, verdict: statsVerdict(stats) };
    if (agg.kind === 'dns') {
      const answers = sortIps(agg.answers ?? []).slice(0, this.maxListed);
      return { ...base, kind: 'dns', label: this.nodes.get(agg.target)?.label ?? agg.target, stats, answers };
    }
    const http = httpView(stats);
    const label = `${agg.protocol}/${agg.port}${http ? ` · ${httpLabel(http)}` : ''}`;
    return { ...base, kind: 'flow', label, protocol: agg.protocol, port: agg.port, stats };
  }

  // ================================================================ diagnosis

  private readonly resolver: NodeResolver = {
    ref: (r) => this.refNode(r),
    ip: (ip) => {
      const id = this.cluster.byIp.get(this.canonical(ip));
      return { id: id ?? this.externalNode(ip) };
    },
  };

  private refNode(r: ObjectRef): { id: string; hint?: GraphNode } | undefined {
    const ns = r.namespace;
    switch (r.kind) {
      case 'Pod':
        return ns ? identityNode({ kind: 'pod', namespace: ns, name: r.name }, undefined) : undefined;
      case 'Service':
        return ns ? identityNode({ kind: 'service', namespace: ns, name: r.name }, undefined) : undefined;
      case 'Node':
        return identityNode({ kind: 'node', name: r.name }, undefined);
      case 'Namespace':
        return { id: nsId(r.name) };
      case 'EndpointSlice': {
        const id = ns ? this.cluster.sliceService.get(`${ns}/${r.name}`) : undefined;
        return id ? { id } : undefined;
      }
      default: {
        if (!ns || !/^(Deployment|StatefulSet|DaemonSet|ReplicaSet|Job|CronJob|ReplicationController)$/.test(r.kind)) return undefined;
        const id = this.cluster.owners.get(`${ns}/${r.kind}/${r.name}`) ?? workloadId(ns, r.kind, r.name);
        return {
          id,
          hint: { id, kind: 'workload', label: r.name, parent: nsId(ns), data: { namespace: ns, workloadKind: r.kind, name: r.name, pods: 0, readyPods: 0 } },
        };
      }
    }
  }

  /** Re-derives the diagnosis layer and swaps it in, changing only what differs. */
  private applyDiagnosis(): void {
    const old = this.layer;
    const next = this.diagnosis ? diagnosisLayer(this.diagnosis, this.resolver) : null;
    for (const [id, hint] of next?.nodes ?? []) this.hint(id, hint);
    // Refer to the new nodes before releasing the old, so a node in both never flickers.
    for (const id of next?.nodes.keys() ?? []) this.ref(id);
    this.layer = next;
    for (const id of old?.nodes.keys() ?? []) this.unref(id);
    const ids = new Set([...(old?.edges.keys() ?? []), ...(next?.edges.keys() ?? [])]);
    for (const id of ids) {
      const a = old?.edges.get(id);
      const b = next?.edges.get(id);
      if (JSON.stringify(a) !== JSON.stringify(b)) this.dirtyEdges.add(id);
    }
    this.pathNodes = new Set(next?.hops.flatMap((h) => h.nodes) ?? []);
    this.overlayStale = true;
  }

  private computeOverlay(): PathOverlay | null {
    const d = this.diagnosis;
    const layer = this.layer;
    if (!d || !layer) return null;
    const hops: PathHopOverlay[] = layer.hops.map((h) => ({
      hop: h.hop.hop,
      label: h.hop.label,
      verdict: h.hop.verdict,
      findings: [...h.hop.findings],
      nodes: [...h.nodes],
      edges: [...h.edges],
      failing: false,
    }));
    this.observedOnPath(layer, hops);
    const failing = hops.findIndex((h) => h.verdict === 'fail');
    if (failing >= 0) hops[failing]!.failing = true;
    const nodes: Record<string, HopVerdict> = {};
    const edges: Record<string, HopVerdict> = {};
    for (const h of hops) {
      for (const id of h.nodes) nodes[id] = nodes[id] ? worse(nodes[id], h.verdict) : h.verdict;
      for (const id of h.edges) edges[id] = edges[id] ? worse(edges[id], h.verdict) : h.verdict;
    }
    return { verdict: d.verdict, query: { ...d.query }, hops, nodes, edges, failing: failing >= 0 ? failing : null };
  }

  /**
   * Observed edges that belong to the path. A's lookups of the name, and of its search-list
   * expansions (`backend.shop` → `backend.shop.shop.svc.cluster.local`…), go to the DNS hop
   * with their name nodes; A's flows (of the asked protocol) to the Service or the backends
   * go to the network hop, or to the hop they reach when the path has no network hop.
   */
  private observedOnPath(layer: DiagnosisLayer, hops: PathHopOverlay[]): void {
    const protocol = this.diagnosis!.query.protocol.toLowerCase();
    const source = layer.hops.find((h) => h.hop.hop === 'source');
    const network = hops.find((h) => h.hop === 'network');
    if (!source) return;
    const addTo = (hop: PathHopOverlay, list: 'nodes' | 'edges', id: string) => {
      if (!hop[list].includes(id)) hop[list].push(id);
    };
    layer.hops.forEach((h, i) => {
      const hop = hops[i]!;
      if (h.hop.hop === 'dns') {
        const names = h.anchors.filter((id) => id.startsWith('dns:'));
        for (const a of source.nodes)
          for (const id of this.lookupsBy.get(a) ?? []) {
            const target = this.aggregates.get(id)!.target;
            if (!names.some((n) => target === n || target.startsWith(`${n}.`))) continue;
            addTo(hop, 'edges', id);
            addTo(hop, 'nodes', target);
          }
        return;
      }
      if (!['service', 'endpoints', 'backend'].includes(h.hop.hop)) return;
      for (const a of source.nodes)
        for (const b of h.nodes)
          for (const id of this.byPair.get(`${a}|${b}`) ?? []) {
            const agg = this.aggregates.get(id)!;
            if (agg.kind !== 'flow' || agg.protocol !== protocol) continue;
            addTo(network ?? hop, 'edges', id);
          }
    });
    for (const h of hops) h.edges.sort(cmp);
  }

  // ================================================================ ordering

  private depth(node: GraphNode, nodes: ReadonlyMap<string, GraphNode>): number {
    let d = 0;
    for (let p = node.parent; p !== undefined && d < 8; p = nodes.get(p)?.parent) d++;
    return d;
  }

  private depthOfRemoved(id: string): number {
    return id.startsWith('ns:') ? 0 : id.startsWith('wl:') ? 1 : 2;
  }

  /** Parents before their children (what a view adding compound nodes needs), then by id. */
  private parentsFirst(list: GraphNode[]): GraphNode[] {
    const depth = new Map(list.map((n) => [n.id, this.depth(n, this.nodes)]));
    return list.sort((a, b) => depth.get(a.id)! - depth.get(b.id)! || cmp(a.id, b.id));
  }
}

/** Code-unit order: the same on every machine, whatever its locale. */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byId = (a: { id: string }, b: { id: string }) => cmp(a.id, b.id);

/** Addresses in numeric order within a family, IPv4 first (a plain text order would put 10.0.0.10 before 10.0.0.9). */
/** Addresses in numeric order (IPv4 first); each one's sort key made once, not per comparison. */
function sortIps(ips: Iterable<string>): string[] {
  const keyed = Array.from(ips, (ip) => [ipSortKey(ip), ip] as const);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return keyed.map((k) => k[1]);
}

function ipSortKey(ip: string): string {
  if (ip.includes(':')) {
    const [head = '', tail = ''] = ip.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
    return `6${groups.map((g) => g.padStart(4, '0')).join('')}`;
  }
  return `4${ip
    .split('.')
    .map((o) => o.padStart(3, '0'))
    .join('')}`;
}

function impliedNamespace(id: string): GraphNode | undefined {
  if (!id.startsWith('ns:')) return undefined;
  const name = id.slice(3);
  return { id, kind: 'namespace', label: name, data: { name, labels: {} } };
}

/** The node of an identity, with the placeholder to show while the cluster lacks it. */
function identityNode(who: Identity, ip: string | undefined): { id: string; hint: GraphNode } | undefined {
  const ips = ip ? [ip] : [];
  if (who.kind === 'node') {
    const id = kubeNodeId(who.name);
    return { id, hint: { id, kind: 'node', label: who.name, data: { name: who.name, labels: {}, ips, ready: false, roles: [] } } };
  }
  const ns = who.namespace;
  if (!ns) return undefined;
  if (who.kind === 'service') {
    const id = svcId(ns, who.name);
    const data = {
      namespace: ns,
      name: who.name,
      labels: {},
      type: 'ClusterIP',
      clusterIPs: ips,
      ports: [],
      selector: {},
      endpoints: { ready: 0, notReady: 0 },
    };
    return { id, hint: { id, kind: 'service', label: who.name, parent: nsId(ns), data } };
  }
  const id = podId(ns, who.name);
  const data = { namespace: ns, name: who.name, labels: {}, ips, ...(who.node ? { node: who.node } : {}), ready: false, hostNetwork: false, ports: [] };
  return { id, hint: { id, kind: 'pod', label: who.name, parent: nsId(ns), data } };
}
