/**
 * The graph's stylesheet as data (tested): one colour per edge verdict, kinds told apart by
 * shape, the A → B path drawn thick in the accent colour, its failing hop red and dashed.
 * Plain objects in cytoscape's stylesheet JSON shape; the island passes them through.
 */
export interface Palette {
  text: string;
  muted: string;
  panel: string;
  border: string;
  accent: string;
  nsFill: string;
}

export const palettes: Record<'light' | 'dark', Palette> = {
  light: { text: '#1c2330', muted: '#5b6678', panel: '#ffffff', border: '#c3cad6', accent: '#2f6fed', nsFill: '#eef1f6' },
  dark: { text: '#e3e8f0', muted: '#9aa5b6', panel: '#1a2029', border: '#3a4556', accent: '#6ea1ff', nsFill: '#202835' },
};

/** Edge colours by verdict (the legend reads this too). */
export const verdictColors = {
  forwarded: '#1f8a4c',
  dropped: '#d6333f',
  'dns-error': '#e08a00',
  'policy-denied': '#a03fbf',
  mixed: '#c7731a',
  unknown: '#8a94a6',
} as const;

export const failColor = '#e0202e';

export interface StyleRule {
  selector: string;
  style: Record<string, string | number>;
}

export function graphStyle(theme: 'light' | 'dark'): StyleRule[] {
  const p = palettes[theme];
  return [
    {
      selector: 'node',
      style: {
        label: 'data(label)',
        'font-size': 10,
        color: p.text,
        'text-valign': 'bottom',
        'text-margin-y': 3,
        'text-max-width': '110px',
        'text-wrap': 'ellipsis',
        width: 22,
        height: 22,
        'background-color': p.muted,
        'border-width': 1,
        'border-color': p.border,
        'min-zoomed-font-size': 7,
      },
    },
    {
      selector: ':parent',
      style: {
        'background-color': p.nsFill,
        'background-opacity': 0.6,
        'border-color': p.border,
        'border-width': 1,
        shape: 'round-rectangle',
        'text-valign': 'top',
        'text-halign': 'center',
        'text-margin-y': -3,
        'font-weight': 'bold',
        padding: '12px',
      },
    },
    { selector: 'node.namespace', style: { 'font-size': 11, color: p.muted } },
    { selector: 'node.workload:parent', style: { 'border-style': 'dashed', 'background-opacity': 0.25 } },
    {
      selector: 'node.namespace.collapsed',
      style: { shape: 'round-rectangle', width: 80, height: 36, 'background-color': p.nsFill, 'text-valign': 'center', 'border-width': 2 },
    },
    { selector: 'node.pod', style: { shape: 'ellipse', 'background-color': '#4f8bd6' } },
    { selector: 'node.pod.not-ready', style: { 'background-color': '#d9a300' } },
    { selector: 'node.workload', style: { shape: 'round-rectangle', 'background-color': '#6b7fa8' } },
    { selector: 'node.service', style: { shape: 'hexagon', 'background-color': '#2aa198', width: 26, height: 24 } },
    { selector: 'node.dns', style: { shape: 'tag', 'background-color': '#8d6cc4' } },
    { selector: 'node.external', style: { shape: 'diamond', 'background-color': '#7d8899' } },
    { selector: 'node.node', style: { shape: 'rectangle', 'background-color': '#556070' } },
    { selector: 'node.missing', style: { 'background-opacity': 0.35, 'border-style': 'dashed' } },
    {
      selector: 'edge',
      style: {
        width: 'data(width)',
        'curve-style': 'bezier',
        'target-arrow-shape': 'triangle',
        'arrow-scale': 0.8,
        'line-color': verdictColors.unknown,
        'target-arrow-color': verdictColors.unknown,
        opacity: 0.85,
      },
    },
    ...Object.entries(verdictColors).map(([v, c]) => ({ selector: `edge.v-${v}`, style: { 'line-color': c, 'target-arrow-color': c } })),
    { selector: 'edge.dns', style: { 'line-style': 'dotted' } },
    { selector: 'edge.policy', style: { 'line-style': 'dashed', 'curve-style': 'unbundled-bezier' } },
    { selector: 'edge.path', style: { 'line-color': p.accent, 'target-arrow-color': p.accent, width: 4, opacity: 1, 'z-index': 10 } },
    { selector: 'edge.path.hop-warn', style: { 'line-color': '#e08a00', 'target-arrow-color': '#e08a00' } },
    {
      selector: 'edge.path.hop-fail, edge.failing',
      style: { 'line-color': failColor, 'target-arrow-color': failColor, width: 5, 'line-style': 'dashed', 'z-index': 11 },
    },
    { selector: 'node.path', style: { 'border-width': 3, 'border-color': p.accent } },
    { selector: 'node.path.hop-warn', style: { 'border-color': '#e08a00' } },
    { selector: 'node.path.hop-fail, node.failing', style: { 'border-width': 4, 'border-color': failColor } },
    {
      selector: 'edge[label]',
      style: {
        'font-size': 8,
        color: p.muted,
        'text-rotation': 'autorotate',
        'text-background-color': p.panel,
        'text-background-opacity': 0.8,
        'text-background-padding': '1px',
      },
    },
    { selector: 'edge.path', style: { label: 'data(label)' } },
    // The path view: whole names (wrapped, not cut), arcs over the hops an edge skips.
    {
      selector: 'node.pv',
      style: {
        'text-wrap': 'wrap',
        'text-max-width': '180px',
        'text-overflow-wrap': 'anywhere',
        'font-size': 11,
        // Readable where an edge to the DNS server passes under the name.
        'text-background-color': p.panel,
        'text-background-opacity': 0.85,
        'text-background-padding': '1px',
      },
    },
    { selector: 'edge.pv', style: { 'text-wrap': 'ellipsis', 'text-max-width': '140px', 'font-size': 10, 'text-margin-y': -8 } },
    { selector: 'edge.pv.quiet', style: { label: '' } },
    {
      selector: 'edge.pv.arc',
      style: { 'curve-style': 'unbundled-bezier', 'control-point-distances': 'data(bend)', 'control-point-weights': 0.5, 'text-max-width': '320px' },
    },
    { selector: 'edge.hover', style: { label: 'data(label)', 'z-index': 20 } },
    { selector: ':selected', style: { 'overlay-color': p.accent, 'overlay-opacity': 0.18, 'overlay-padding': 6 } },
    { selector: '.faded', style: { opacity: 0.15 } },
    { selector: '.match', style: { 'overlay-color': '#ffcc00', 'overlay-opacity': 0.35, 'overlay-padding': 8 } },
  ];
}
