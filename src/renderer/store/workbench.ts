/**
 * Workbench slices: the open cluster and its question (WorkbenchSlice), the graph as the
 * engine hands it out (GraphSlice: a snapshot, then deltas, applied into new Maps), the events
 * table and its filters (EventsSlice) and the layout the user arranged (LayoutSlice).
 */
import type { StateCreator } from 'zustand';
import type { ApiClient, ApiError, ClusterOpened, EventFilter, EventsPage, GraphDetails, WhyStatus, CallResponse } from '../../api/index.js';
import type { graph } from '../../core/index.js';
import type { AppState } from './index.js';
import { sshSettingsOf } from './settings.js';
import { execConsentKey, execOf } from './execConsent.js';

type Slice<T> = StateCreator<AppState, [['zustand/persist', unknown]], [], T>;

export interface QueryForm {
  from: string;
  to: string;
  /** Number or port name; empty = the port in `to` or the Service's only port. */
  port: string;
  protocol: 'TCP' | 'UDP';
  /** Over SSH, the Connect screen's SSH settings are the ones in effect (no field of its own). */
  probe: 'none' | 'ssh' | 'pod';
  active: boolean;
  durationSec: number;
}

export type ClusterState =
  | { status: 'closed' }
  | { status: 'opening'; context: string; recording?: boolean }
  | { status: 'open'; opened: ClusterOpened }
  | { status: 'failed'; context: string; error: ApiError };

export interface WorkbenchSlice {
  cluster: ClusterState;
  /** The workbench was open at the last reload: open the same context again. */
  workbenchWanted: boolean;
  query: QueryForm;
  question: WhyStatus | undefined;
  askError: ApiError | undefined;
  setQuery(q: Partial<QueryForm>): void;
  openCluster(): Promise<void>;
  closeCluster(): Promise<void>;
  ask(): Promise<void>;
  /** Asks for the question's status (after asking it, and to resync); pushes come through questionChanged. */
  refreshQuestion(): Promise<void>;
  /** A status of the question shown (pushed why.progress or pulled why.status); another question's is ignored. */
  questionChanged(status: WhyStatus): void;
  cancelQuestion(): Promise<void>;
  /** The open session's view changed health or names (pushed cluster.health / cluster.names, or pulled after a lost link). */
  clusterChanged(session: string, change: Partial<Pick<ClusterOpened, 'health' | 'names'>>): void;
  /** Asks for the open session's health and names (resync after a lost link). */
  refreshCluster(): Promise<void>;
  /** Opens the same context again (a fresh snapshot), keeping the question typed. */
  reconnectCluster(): Promise<void>;
}

export interface GraphState {
  version: number;
  nodes: ReadonlyMap<string, graph.GraphNode>;
  edges: ReadonlyMap<string, graph.GraphEdge>;
  path: graph.PathOverlay | null;
  /** A replay: events up to the instant shown that the engine has not counted on the graph yet. */
  pending?: number;
}

export interface GraphSlice {
  graph: GraphState;
  selected: { kind: 'node' | 'edge'; id: string } | undefined;
  /** What the engine adds about the selected pod or workload (the policies selecting it). */
  nodeDetails: { node: string; value?: GraphDetails; error?: ApiError } | undefined;
  /** Namespace ids shown collapsed. */
  collapsed: string[];
  /** The whole cluster on the graph even when a question's path is there (else only the path: the default after a question). */
  wholeCluster: boolean;
  setWholeCluster(whole: boolean): void;
  loadGraph(): Promise<void>;
  pollGraph(): Promise<void>;
  applyGraphDelta(delta: CallResponse<'graph.changes'>): void;
  select(sel: GraphSlice['selected']): void;
  toggleCollapsed(id: string): void;
  setCollapsed(ids: string[]): void;
}

export interface EventsSlice {
  eventFilter: EventFilter;
  events: EventsPage | undefined;
  eventsError: ApiError | undefined;
  /** Rows fetched so far for the current filter, by offset (the table asks for what it shows). */
  eventRows: ReadonlyMap<number, EventsPage['rows'][number]>;
  setEventFilter(f: Partial<EventFilter>): void;
  clearEventFilter(): void;
  loadEvents(offset?: number): Promise<void>;
}

export interface LayoutSlice {
  /** Width of the why panel (px), height of the bottom panel (px), and its tab. */
  panes: { why: number; bottom: number };
  bottomTab: 'events' | 'probes' | 'advice' | 'impact';
  paletteOpen: boolean;
  setPanes(p: Partial<LayoutSlice['panes']>): void;
  setBottomTab(t: LayoutSlice['bottomTab']): void;
  setPaletteOpen(open: boolean): void;
}

export const emptyGraph: GraphState = { version: -1, nodes: new Map(), edges: new Map(), path: null };
export const defaultQuery: QueryForm = { from: '', to: '', port: '', protocol: 'TCP', probe: 'none', active: false, durationSec: 10 };

const sessionOf = (s: AppState) => (s.cluster.status === 'open' ? s.cluster.opened.session : undefined);

export const workbenchSlice =
  (api: ApiClient): Slice<WorkbenchSlice> =>
  (set, get) => ({
    cluster: { status: 'closed' },
    workbenchWanted: false,
    query: defaultQuery,
    question: undefined,
    askError: undefined,
    setQuery: (q) => set((s) => ({ query: { ...s.query, ...q } })),
    async openCluster() {
      const context = get().selectedContext;
      if (!context) return;
      // A context that logs in with an exec plugin: asked first, once per command line.
      const contexts = get().contexts;
      const summary = contexts.status === 'loaded' ? contexts.list.contexts.find((c) => c.name === context) : undefined;
      const execConsent = execOf(summary);
      if (execConsent && summary && !get().execConsents.includes(execConsentKey(summary.file, context, execConsent))) {
        // The prompt is on the Connect screen: a failed open (Retry in the workbench) goes back there.
        set((s) => ({
          execPrompt: { context, file: summary.file, consent: execConsent },
          ...(s.cluster.status === 'failed' ? { cluster: { status: 'closed' as const } } : {}),
        }));
        return;
      }
      set({
        cluster: { status: 'opening', context },
        workbenchWanted: true,
        replayWanted: undefined,
        question: undefined,
        graph: emptyGraph,
        events: undefined,
        eventRows: new Map(),
      });
      const r = await api['cluster.open']({ source: get().source, context, ...(execConsent ? { execConsent } : {}) });
      if (!r.ok) {
        set({ cluster: { status: 'failed', context, error: r.error } });
        return;
      }
      set({ cluster: { status: 'open', opened: r.value } });
      await get().loadGraph();
      await get().loadEvents();
    },
    async closeCluster() {
      const session = sessionOf(get());
      // Closing the session ends its recording: saved as when stopped, and listed.
      if (get().liveRecording?.session === session) await get().stopRecording();
      set({
        cluster: { status: 'closed' },
        workbenchWanted: false,
        replayWanted: undefined,
        playing: false,
        replayAnswer: undefined,
        question: undefined,
        graph: emptyGraph,
        events: undefined,
        eventRows: new Map(),
        selected: undefined,
      });
      if (session) await api['cluster.close']({ session });
    },
    async ask() {
      const session = sessionOf(get());
      const q = get().query;
      if (!session) return;
      const port = q.port.trim();
      // A recording is read-only: asked without probes, on the state at the scrubber.
      const c = get().cluster;
      const replay = c.status === 'open' && c.opened.mode === 'replay';
      const probe = replay ? 'none' : q.probe;
      const ssh = sshSettingsOf(get().ssh);
      const r = await api['why.ask']({
        session,
        from: q.from.trim(),
        to: q.to.trim(),
        ...(port ? { port: /^\d+$/.test(port) ? Number(port) : port } : {}),
        protocol: q.protocol,
        probe,
        ...(probe === 'ssh' && ssh ? { ssh } : {}),
        ...(probe !== 'none' && q.active ? { active: true } : {}),
        durationSec: q.durationSec,
      });
      if (!r.ok) {
        set({ askError: r.error });
        return;
      }
      set({
        askError: undefined,
        wholeCluster: false, // a new question opens on its path
        question: { question: r.value.question, state: 'running', nodes: [], startedAt: new Date().toISOString() },
        replayAnswer: replay ? { kind: 'replayed', t: get().replayTime } : undefined,
        playing: false,
      });
      // Recorded questions have their own list; the Connect screen's is for clusters.
      if (c.status === 'open' && !replay)
        get().rememberQuestion({
          id: r.value.question,
          context: c.opened.context,
          from: q.from.trim(),
          to: q.to.trim(),
          port,
          protocol: q.protocol,
          at: new Date().toISOString(),
        });
      await get().refreshQuestion();
    },
    async refreshQuestion() {
      const q = get().question;
      if (!q) return;
      const r = await api['why.status']({ question: q.question });
      if (get().question?.question !== q.question) return;
      get().questionChanged(r.ok ? r.value : { ...q, state: 'failed', error: r.error });
    },
    questionChanged(status) {
      const q = get().question;
      if (q?.question !== status.question) return;
      // An answer never goes back to running (a late pull after the push of the answer).
      if (q.state !== 'running' && status.state === 'running') return;
      set({ question: status });
      if (status.state !== 'running') get().setRecentVerdict(status.question, status.diagnosis?.verdict ?? 'failed');
    },
    clusterChanged(session, change) {
      const c = get().cluster;
      if (c.status !== 'open' || c.opened.session !== session) return;
      set({ cluster: { status: 'open', opened: { ...c.opened, ...change } } });
    },
    async refreshCluster() {
      const session = sessionOf(get());
      if (!session) return;
      const r = await api['cluster.health']({ session });
      if (!r.ok) return;
      const { session: _s, names, ...health } = r.value;
      get().clusterChanged(session, { health, names });
    },
    async reconnectCluster() {
      const c = get().cluster;
      if (c.status !== 'open' || c.opened.mode === 'replay') return;
      const session = c.opened.session;
      if (get().liveRecording?.session === session) await get().stopRecording();
      // The old session goes (its watches stop) once the new one is asked for: the query stays.
      void api['cluster.close']({ session });
      set({ selectedContext: c.opened.context });
      await get().openCluster();
    },
    async cancelQuestion() {
      const q = get().question;
      if (!q) return;
      const r = await api['why.cancel']({ question: q.question });
      if (r.ok) set({ question: r.value });
    },
  });

export const graphSlice =
  (api: ApiClient): Slice<GraphSlice> =>
  (set, get) => ({
    graph: emptyGraph,
    selected: undefined,
    nodeDetails: undefined,
    collapsed: [],
    wholeCluster: false,
    setWholeCluster: (wholeCluster) => set({ wholeCluster }),
    async loadGraph() {
      const session = sessionOf(get());
      if (!session) return;
      const r = await api['graph.snapshot']({ session });
      if (!r.ok) return;
      // The API checked the fields the UI keys on; the rest is core's GraphSnapshot as the engine sent it.
      const g = r.value as unknown as graph.GraphSnapshot & { version: number };
      const pending = (r.value as { pending?: number }).pending;
      set({
        graph: {
          version: g.version,
          nodes: new Map(g.nodes.map((n) => [n.id, n])),
          edges: new Map(g.edges.map((e) => [e.id, e])),
          path: g.path,
          ...(pending ? { pending } : {}),
        },
      });
    },
    async pollGraph() {
      const session = sessionOf(get());
      if (!session || get().graph.version < 0) return;
      const r = await api['graph.changes']({ session, since: get().graph.version });
      if (!r.ok) return;
      if (r.value.resync) await get().loadGraph();
      else get().applyGraphDelta(r.value);
    },
    applyGraphDelta(raw) {
      if (raw.version === get().graph.version) {
        if (raw.pending !== get().graph.pending) set({ graph: { ...get().graph, ...(raw.pending ? { pending: raw.pending } : { pending: undefined }) } });
        return;
      }
      // As for the snapshot: core's GraphDelta, checked by the API where the UI keys on it.
      const delta = raw as unknown as graph.GraphDelta & { version: number };
      const g = get().graph;
      const nodes = new Map(g.nodes);
      const edges = new Map(g.edges);
      for (const id of delta.removed.edges) edges.delete(id);
      for (const id of delta.removed.nodes) nodes.delete(id);
      for (const n of [...delta.added.nodes, ...delta.updated.nodes]) nodes.set(n.id, n);
      for (const e of [...delta.added.edges, ...delta.updated.edges]) edges.set(e.id, e);
      const sel = get().selected;
      const gone = sel && !(sel.kind === 'node' ? nodes.has(sel.id) : edges.has(sel.id));
      set({
        graph: { version: delta.version, nodes, edges, path: delta.path === undefined ? g.path : delta.path, ...(raw.pending ? { pending: raw.pending } : {}) },
        ...(gone ? { selected: undefined } : {}),
      });
    },
    select(selected) {
      set({ selected, nodeDetails: undefined });
      const session = sessionOf(get());
      const node = selected?.kind === 'node' ? get().graph.nodes.get(selected.id) : undefined;
      if (!session || !node || (node.kind !== 'pod' && node.kind !== 'workload')) return;
      set({ nodeDetails: { node: node.id } });
      void api['graph.details']({ session, node: node.id }).then((r) => {
        if (get().nodeDetails?.node !== node.id) return; // another node was picked meanwhile
        set({ nodeDetails: r.ok ? { node: node.id, value: r.value } : { node: node.id, error: r.error } });
      });
    },
    toggleCollapsed: (id) => set((s) => ({ collapsed: s.collapsed.includes(id) ? s.collapsed.filter((c) => c !== id) : [...s.collapsed, id] })),
    setCollapsed: (collapsed) => set({ collapsed }),
  });

/** Rows fetched per request. */
export const eventPageSize = 200;

export const eventsSlice =
  (api: ApiClient): Slice<EventsSlice> =>
  (set, get) => ({
    eventFilter: {},
    events: undefined,
    eventsError: undefined,
    eventRows: new Map(),
    setEventFilter(f) {
      const next: EventFilter = { ...get().eventFilter, ...f };
      for (const k of Object.keys(next) as Array<keyof EventFilter>) {
        const v = next[k];
        if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) delete next[k];
      }
      set({ eventFilter: next, eventRows: new Map() });
      void get().loadEvents();
    },
    clearEventFilter() {
      set({ eventFilter: {}, eventRows: new Map() });
      void get().loadEvents();
    },
    async loadEvents(offset = 0) {
      const session = sessionOf(get());
      if (!session) return;
      const filter = get().eventFilter;
      const r = await api['events.page']({ session, filter, offset, limit: eventPageSize });
      if (get().eventFilter !== filter) return; // a newer filter won
      if (!r.ok) {
        set({ eventsError: r.error });
        return;
      }
      // A different total means new events arrived: what was fetched may have shifted.
      const stale = get().events?.matched !== r.value.matched;
      const rows = new Map(stale ? [] : get().eventRows);
      r.value.rows.forEach((row, i) => rows.set(offset + i, row));
      set({ events: r.value, eventRows: rows, eventsError: undefined });
    },
  });

export const layoutSlice: Slice<LayoutSlice> = (set) => ({
  panes: { why: 420, bottom: 280 },
  bottomTab: 'events',
  paletteOpen: false,
  setPanes: (p) => set((s) => ({ panes: { ...s.panes, ...p } })),
  setBottomTab: (bottomTab) => set({ bottomTab }),
  setPaletteOpen: (paletteOpen) => set({ paletteOpen }),
});
