/**
 * The graph pane: the cytoscape island (mounted once, fed from the store outside React's
 * render), a toolbar (search, fit, collapse, export) and the details of what was clicked.
 */
import { memo, useEffect, useRef, useState, type FormEvent } from 'react';
import type { graph } from '../../../core/index.js';
import { useApp, useAppStore } from '../../store/context.js';
import { currentGraph, download, GraphController, setCurrentGraph } from './controller.js';
import type { verdictColors } from './style.js';
import { flowText, nodeRows, pathCountsText } from './details.js';

/** Mounted once; React never re-renders it (props never change, memo says equal). */
const GraphIsland = memo(
  function GraphIsland() {
    const store = useAppStore();
    const ref = useRef<HTMLDivElement>(null);
    useEffect(() => {
      const el = ref.current;
      if (!el) return;
      const s = store.getState();
      const ctl = new GraphController(el, s.theme, {
        select: (sel) => store.getState().select(sel),
        toggleCollapsed: (id) => store.getState().toggleCollapsed(id),
      });
      setCurrentGraph(ctl);
      const draw = () => {
        const st = store.getState();
        ctl.render({ nodes: st.graph.nodes.values(), edges: st.graph.edges.values(), path: st.graph.path }, new Set(st.collapsed), st.wholeCluster);
      };
      draw();
      const off = store.subscribe((st, prev) => {
        if (st.theme !== prev.theme) ctl.setTheme(st.theme);
        if (st.graph !== prev.graph || st.collapsed !== prev.collapsed || st.wholeCluster !== prev.wholeCluster) draw();
      });
      const resize = new ResizeObserver(() => ctl.cy.resize());
      resize.observe(el);
      // The e2e tests' handle on the graph (page objects read positions and styles through it).
      (window as unknown as { __pathlightGraph?: GraphController }).__pathlightGraph = ctl;
      return () => {
        off();
        resize.disconnect();
        setCurrentGraph(undefined);
        ctl.destroy();
      };
    }, [store]);
    return <div ref={ref} className="graph-canvas" data-testid="graph-canvas" aria-label="Graph of the cluster and the A to B path" role="img" />;
  },
  () => true,
);

export function exportPng() {
  const g = currentGraph();
  if (g) download('pathlight-graph.png', g.png(), 'image/png');
}
export function exportSvg() {
  const g = currentGraph();
  if (g) download('pathlight-graph.svg', g.svg(), 'image/svg+xml');
}

function Toolbar() {
  const [text, setText] = useState('');
  const [hits, setHits] = useState<number | undefined>();
  const nodes = useApp((s) => s.graph.nodes);
  const setCollapsed = useApp((s) => s.setCollapsed);
  const path = useApp((s) => s.graph.path);
  // A new answer's path clears the search: the field here, the dimming on the graph.
  const [searchedPath, setSearchedPath] = useState(path);
  if (searchedPath !== path) {
    setSearchedPath(path);
    if (path) {
      setText('');
      setHits(undefined);
    }
  }
  useEffect(() => {
    if (path) currentGraph()?.search('');
  }, [path]);
  const search = (e: FormEvent) => {
    e.preventDefault();
    setHits(currentGraph()?.search(text));
  };
  const namespaces = () => [...nodes.values()].filter((n) => n.kind === 'namespace').map((n) => n.id);
  const whole = useApp((s) => s.wholeCluster);
  const setWhole = useApp((s) => s.setWholeCluster);
  const pathView = !!path && !whole;
  return (
    <div className="graph-toolbar">
      <form onSubmit={search} role="search">
        <input
          id="graph-search"
          type="search"
          placeholder="Find in graph…  (/)"
          aria-label="Find in graph"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            if (!e.target.value) setHits(currentGraph()?.search(''));
          }}
        />
      </form>
      {hits !== undefined && text && (
        <span className="muted" data-testid="graph-hits">
          {hits === 0 ? 'no match' : `${hits} found`}
        </span>
      )}
      <span className="spacer" />
      {path && (
        <label className="chip whole-cluster" title="The question's path alone, or every namespace around it">
          <input type="checkbox" data-testid="whole-cluster" checked={whole} onChange={(e) => setWhole(e.target.checked)} /> Show the whole cluster
        </label>
      )}
      <button type="button" onClick={() => currentGraph()?.fit()} title="Fit the whole graph (F)">
        Fit
      </button>
      <button type="button" onClick={() => currentGraph()?.focusPath()} title="Zoom to the A → B path (P)">
        Path
      </button>
      {!pathView && (
        <>
          <button type="button" onClick={() => setCollapsed(namespaces())} title="Collapse every namespace">
            Collapse
          </button>
          <button type="button" onClick={() => setCollapsed([])} title="Expand every namespace">
            Expand
          </button>
        </>
      )}
      <button type="button" onClick={exportPng} data-testid="export-png">
        PNG
      </button>
      <button type="button" onClick={exportSvg} data-testid="export-svg">
        SVG
      </button>
    </div>
  );
}

const legend: Array<[keyof typeof verdictColors, string]> = [
  ['forwarded', 'forwarded'],
  ['dropped', 'dropped'],
  ['dns-error', 'DNS error'],
  ['policy-denied', 'policy denied'],
];

function Legend() {
  return (
    <div className="graph-legend" aria-label="Edge colours">
      {legend.map(([v, text]) => (
        <span key={v}>
          <i className={`swatch v-${v}`} /> {text}
        </span>
      ))}
      <span>
        <i className="swatch path-fail" /> failing hop
      </span>
    </div>
  );
}

const tierNames = { admin: 'admin', networkpolicy: 'NetworkPolicy', baseline: 'baseline' } as const; // the badge names the tiers above and below NetworkPolicies

/** The policies selecting a pod (a workload: its pods), from the engine's policy index. */
function SelectingPolicies({ node }: { node: graph.GraphNode }) {
  const details = useApp((s) => (s.nodeDetails?.node === node.id ? s.nodeDetails : undefined));
  if (!details) return null;
  if (details.error) return <p className="muted">Policies selecting it: {details.error.message}</p>;
  const v = details.value;
  if (!v) return <p className="muted">Looking up the policies selecting it…</p>;
  return (
    <section className="selecting-policies" data-testid="selecting-policies" aria-label="Policies selecting it">
      <h4>Policies selecting {node.kind === 'workload' && v.pod ? `its pods (${v.pod.split('/')[1]})` : 'it'}</h4>
      {v.policies.length === 0 ? (
        <p className="muted">None: nothing restricts its traffic in either direction.</p>
      ) : (
        <ul>
          {v.policies.map((p) => (
            <li
              key={`${p.kind}/${p.namespace ?? ''}/${p.name}`}
              data-testid="selecting-policy"
              data-policy={`${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`}
              data-directions={p.directions.join(' ')}
            >
              {p.tier !== 'networkpolicy' && <span className="badge">{tierNames[p.tier]} tier</span>} {p.kind}{' '}
              <code>
                {p.namespace ? `${p.namespace}/` : ''}
                {p.name}
              </code>{' '}
              <span className="muted">
                {p.directions.join(' + ')}
                {p.tier === 'networkpolicy' &&
                  (p.isolates.ingress || p.isolates.egress) &&
                  ` · isolates ${[p.isolates.ingress && 'ingress', p.isolates.egress && 'egress'].filter(Boolean).join(' + ')}`}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function NodeDetails({ node }: { node: graph.GraphNode }) {
  const nodes = useApp((s) => s.graph.nodes);
  const setFilter = useApp((s) => s.setEventFilter);
  const setTab = useApp((s) => s.setBottomTab);
  const toggle = useApp((s) => s.toggleCollapsed);
  const collapsed = useApp((s) => s.collapsed.includes(node.id));
  const showEvents = () => {
    setTab('events');
    if (node.kind === 'pod') setFilter({ pod: `${node.data.namespace}/${node.data.name}` });
    else if (node.kind === 'namespace') setFilter({ namespace: node.data.name });
    else setFilter({ text: node.label });
  };
  return (
    <>
      <h3>
        <span className="badge">{node.kind}</span> {node.label} {node.missing && <span className="badge warn">not in the cluster now</span>}
      </h3>
      <dl>
        {nodeRows(node, (id) => nodes.get(id)?.label).map((row) => (
          <div key={row.key} className="kv" data-testid="detail-row" data-key={row.key}>
            <dt>{row.key}</dt>
            <dd>
              {'chips' in row ? (
                <span className="chips">
                  {row.chips.map((c) => (
                    <code key={c} className="chip" data-testid="detail-chip">
                      {c}
                    </code>
                  ))}
                </span>
              ) : (
                row.text
              )}
            </dd>
          </div>
        ))}
      </dl>
      <SelectingPolicies node={node} />
      <div className="actions">
        <button type="button" onClick={showEvents}>
          Recent events
        </button>
        {node.kind === 'namespace' && (
          <button type="button" onClick={() => toggle(node.id)}>
            {collapsed ? 'Expand' : 'Collapse'}
          </button>
        )}
      </div>
    </>
  );
}

function EdgeDetails({ edge }: { edge: graph.GraphEdge }) {
  const nodes = useApp((s) => s.graph.nodes);
  const onPath = useApp((s) => pathCountsText(edge.id, s.graph.path, (s.question?.diagnosis ?? s.question?.staticDiagnosis)?.live));
  const name = (id: string) => nodes.get(id)?.label ?? id;
  return (
    <>
      <h3>
        <span className="badge">{edge.kind}</span> {name(edge.source)} → {name(edge.target)}
      </h3>
      <p>
        <span className={`verdict-chip v-${edge.verdict}`}>{edge.verdict}</span> {edge.label}
      </p>
      {edge.kind === 'flow' || edge.kind === 'dns' ? (
        <>
          <p className="muted" data-testid="edge-counts">
            This edge: {flowText(edge.stats)}
            {Object.keys(edge.stats.dropReasons).length > 0 &&
              ` (${Object.entries(edge.stats.dropReasons)
                .map(([r, n]) => `${r} ×${n}`)
                .join(', ')})`}
            {Object.keys(edge.stats.dns.errors).length > 0 &&
              ` · DNS ${Object.entries(edge.stats.dns.errors)
                .map(([r, n]) => `${r} ×${n}`)
                .join(', ')}`}
          </p>
          {onPath && <p data-testid="edge-path-counts">{onPath}</p>}
        </>
      ) : edge.kind === 'policy' ? (
        <p>
          {edge.policy.allowed ? 'allowed' : `denied on ${edge.policy.direction ?? '?'}`}
          {edge.policy.decidedBy.length > 0 &&
            ` by ${edge.policy.decidedBy.map((p) => `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`).join(', ')}`}
        </p>
      ) : (
        <p className="muted">hop: {edge.hop}</p>
      )}
    </>
  );
}

function Details() {
  const selected = useApp((s) => s.selected);
  const node = useApp((s) => (s.selected?.kind === 'node' ? s.graph.nodes.get(s.selected.id) : undefined));
  const edge = useApp((s) => (s.selected?.kind === 'edge' ? s.graph.edges.get(s.selected.id) : undefined));
  const select = useApp((s) => s.select);
  const open = !!selected && !!(node || edge);
  useEffect(() => {
    if (!open) return;
    // Escape closes the popover (unless a field or a dialog has the key).
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
      select(undefined);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open, select]);
  if (!selected || (!node && !edge)) return null;
  return (
    <aside className="graph-details" data-testid="graph-details" aria-live="polite">
      <button type="button" className="icon close" aria-label="Close details" onClick={() => select(undefined)}>
        ×
      </button>
      {node ? <NodeDetails node={node} /> : edge ? <EdgeDetails edge={edge} /> : null}
    </aside>
  );
}

export function GraphView() {
  const empty = useApp((s) => s.graph.nodes.size === 0 && s.graph.version >= 0);
  const failing = useApp((s) => {
    const p = s.graph.path;
    return p && p.failing !== null ? p.hops[p.failing] : undefined;
  });
  return (
    <section
      className="graph-pane"
      aria-label="Graph"
      data-testid="graph-pane"
      data-failing-hop={failing?.hop ?? ''}
      data-failing-nodes={failing?.nodes.join(' ') ?? ''}
    >
      <Toolbar />
      <div className="graph-stage">
        <GraphIsland />
        {empty && (
          <p className="graph-empty empty-state">The cluster has no objects this user can list. Check the RBAC notes above, or connect with another context.</p>
        )}
        <Details />
        <Legend />
      </div>
    </section>
  );
}
