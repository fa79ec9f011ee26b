/**
 * The cytoscape instance and what can be done to it (STYLE.md: behaviours as small classes
 * bound to the instance). The island owns one; the toolbar and the command palette reach it
 * through `currentGraph()`. React never re-renders what lives here.
 */
import cytoscape, { type Core, type ElementDefinition, type StylesheetJson } from 'cytoscape';
import fcose from 'cytoscape-fcose';
import svg from 'cytoscape-svg';
import { diffElements, toElements, type Element, type GraphInput } from './elements.js';
import { pathView, type PathView } from './pathView.js';
import { graphStyle } from './style.js';

// The extensions ship without types cytoscape's `use` accepts.
cytoscape.use(fcose as unknown as cytoscape.Ext);
cytoscape.use(svg as unknown as cytoscape.Ext);

export interface GraphEvents {
  select(sel: { kind: 'node' | 'edge'; id: string } | undefined): void;
  toggleCollapsed(id: string): void;
}

/** Above this many nodes the layout runs in its fast draft quality. */
const draftAbove = 600;

export class GraphController {
  readonly cy: Core;
  private shown = new Map<string, Element>();
  private laidOut = false;
  private lastPath = '';
  /** The path view shown (undefined: the whole cluster). */
  private view: PathView | undefined;
  private lastCells = '';

  constructor(
    container: HTMLElement,
    theme: 'light' | 'dark',
    private readonly events: GraphEvents,
  ) {
    // Cytoscape adds a <style> for its container unless an element with this id exists; the
    // CSP (style-src 'self') refuses inline styles, and styles.css positions the container.
    if (!document.getElementById('__________cytoscape_stylesheet')) {
      const marker = document.createElement('meta');
      marker.id = '__________cytoscape_stylesheet';
      document.head.append(marker);
    }
    this.cy = cytoscape({
      container,
      // Our style sheet is tested code (styles.ts); cytoscape's StylesheetJson type does not take its mapper functions.
      style: graphStyle(theme) as unknown as StylesheetJson,
      wheelSensitivity: 0.3,
      minZoom: 0.05,
      maxZoom: 4,
      boxSelectionEnabled: false,
      textureOnViewport: true,
      hideEdgesOnViewport: false,
      pixelRatio: 1,
    });
    this.cy.on('tap', 'node', (e) => events.select({ kind: 'node', id: e.target.id() as string }));
    this.cy.on('tap', 'edge', (e) => events.select({ kind: 'edge', id: e.target.id() as string }));
    this.cy.on('tap', (e) => {
      if (e.target === this.cy) events.select(undefined);
    });
    this.cy.on('dbltap', 'node.namespace', (e) => events.toggleCollapsed(e.target.id() as string));
    // Labels off the path show while the pointer is on their edge.
    this.cy.on('mouseover', 'edge', (e) => void e.target.addClass('hover'));
    this.cy.on('mouseout', 'edge', (e) => void e.target.removeClass('hover'));
  }

  setTheme(theme: 'light' | 'dark'): void {
    this.cy.style(graphStyle(theme) as unknown as StylesheetJson); // see the constructor
  }

  /**
   * Brings the view to the model: adds, updates and removes in place; lays out what is new.
   * `whole`: the whole cluster even when there is a path (else the path view, see pathView.ts).
   */
  render(input: GraphInput, collapsed: ReadonlySet<string>, whole = true): void {
    const t0 = performance.now();
    const nodes = new Map([...input.nodes].map((n) => [n.id, n] as const));
    const edges = [...input.edges];
    const view = whole ? undefined : pathView(nodes, edges, input.path);
    const next = toElements({ nodes: nodes.values(), edges, path: input.path }, collapsed, view);
    const diff = diffElements(this.shown, next);
    const modeChanged = !!view !== !!this.view;
    const cells = view ? JSON.stringify([...view.cells]) : '';
    const cellsChanged = cells !== this.lastCells;
    this.view = view;
    this.lastCells = cells;
    if (diff.add.length + diff.remove.length + diff.update.length === 0 && !modeChanged) return;
    const cy = this.cy;
    cy.batch(() => {
      for (const id of diff.remove) {
        const el = cy.getElementById(id);
        if (el.nonempty()) el.remove();
      }
      // Parents before children (toElements keeps the model's order), nodes before edges.
      const defs: ElementDefinition[] = diff.add.map((el) => ({ group: el.group, data: { ...el.data }, classes: el.classes }));
      if (defs.length) cy.add(defs);
      for (const el of diff.update) {
        const cel = cy.getElementById(el.data.id);
        cel.data(el.data);
        cel.classes(el.classes);
      }
      // Removing a node takes its edges with it: a node re-added under another parent (the path
      // view drops the namespace boxes) needs its unchanged edges back.
      const lost: ElementDefinition[] = [];
      for (const el of next)
        if (el.group === 'edges' && cy.getElementById(el.data.id).empty()) lost.push({ group: 'edges', data: { ...el.data }, classes: el.classes });
      if (lost.length) cy.add(lost);
    });
    cy.container()?.setAttribute('data-view', view ? 'path' : 'cluster');
    this.shown = new Map(next.map((el) => [el.data.id, el]));
    const pathKey = JSON.stringify(input.path?.hops.map((h) => [h.nodes, h.verdict]) ?? null);
    const pathChanged = pathKey !== this.lastPath;
    this.lastPath = pathKey;
    // A new answer's path is what the user looks at now: an older search stops dimming the rest.
    if (pathChanged && input.path) cy.elements().removeClass('match faded');
    if (view) {
      if (modeChanged || cellsChanged || diff.add.some((el) => el.group === 'nodes')) this.layoutPath(view);
    } else if (modeChanged) this.layout(true);
    else if (!this.laidOut || diff.add.some((el) => el.group === 'nodes')) this.layout(!this.laidOut);
    else if (pathChanged) this.focusPath();
    // Read by bench/ui (element count in the detail): mapping, diff, cytoscape and layout.
    performance.measure('pathlight:graph-render', { start: t0, detail: { nodes: this.cy.nodes().length, edges: this.cy.edges().length } });
  }

  layout(fresh: boolean): void {
    const n = this.cy.nodes().length;
    if (n === 0) return;
    this.laidOut = true;
    const layout = this.cy.layout({
      name: 'fcose',
      quality: n > draftAbove ? 'draft' : 'default',
      randomize: fresh,
      animate: false,
      nodeDimensionsIncludeLabels: n <= draftAbove,
      packComponents: true,
      nodeRepulsion: 6000,
      idealEdgeLength: 70,
      numIter: n > draftAbove ? 600 : 2500,
      fit: true,
      padding: 30,
    } as cytoscape.LayoutOptions);
    layout.one('layoutstop', () => this.focusPath());
    layout.run();
  }

  /** The path view: cytoscape's grid, one column per hop, at a readable zoom. */
  private layoutPath(view: PathView): void {
    this.laidOut = false; // the whole cluster is laid out afresh when it comes back
    const layout = this.cy.layout({
      name: 'grid',
      rows: view.rows,
      cols: view.cols,
      // Cells of a set size (not the pane's): the view then fits at about 1:1 whatever the pane's shape.
      boundingBox: { x1: 0, y1: 0, w: view.cols * 180, h: view.rows * 72 },
      position: (n: cytoscape.NodeSingular) => ({ row: n.data('row') as number, col: n.data('col') as number }),
      avoidOverlap: true,
      avoidOverlapPadding: 16,
      nodeDimensionsIncludeLabels: true,
      condense: false,
      animate: false,
      fit: false,
    } as cytoscape.LayoutOptions);
    layout.one('layoutstop', () => this.fitPath());
    layout.run();
  }

  /** Fits the path view, never zoomed in past 1.25 (a few nodes on a big pane stay their size). */
  private fitPath(): void {
    const cy = this.cy;
    cy.fit(undefined, 40);
    if (cy.zoom() > 1.25) {
      cy.zoom(1.25);
      cy.center();
    }
  }

  /** Fits the A → B path (or everything when there is none). */
  focusPath(): void {
    if (this.view) return this.fitPath();
    const path = this.cy.elements('.path');
    if (path.nonempty()) this.cy.fit(path.union(path.connectedNodes()), 60);
  }

  fit(): void {
    this.cy.fit(undefined, 30);
  }

  /** Highlights nodes whose label or id contains the text and fits them; returns how many. */
  search(text: string): number {
    const cy = this.cy;
    const t = text.trim().toLowerCase();
    cy.elements().removeClass('match faded');
    if (!t) return 0;
    const hits = cy.nodes().filter((n) => String(n.data('label')).toLowerCase().includes(t) || n.id().toLowerCase().includes(t));
    if (hits.empty()) return 0;
    cy.batch(() => {
      cy.elements().not(hits).not(hits.ancestors()).addClass('faded');
      hits.addClass('match');
    });
    cy.fit(hits, 80);
    return hits.length;
  }

  focus(id: string): void {
    const el = this.cy.getElementById(id);
    if (el.empty()) return;
    this.cy.elements().unselect();
    el.select();
    this.cy.animate({ fit: { eles: el.closedNeighborhood(), padding: 80 }, duration: 200 });
  }

  png(): Blob {
    // With output 'blob' cytoscape returns a Blob; its types say string.
    return this.cy.png({ output: 'blob', full: true, scale: 2, bg: getComputedStyle(document.body).backgroundColor }) as unknown as Blob;
  }

  svg(): string {
    // cytoscape-svg adds cy.svg(), which cytoscape's types do not know.
    return (this.cy as unknown as { svg(o: object): string }).svg({ full: true, scale: 1, bg: getComputedStyle(document.body).backgroundColor });
  }

  destroy(): void {
    this.cy.destroy();
  }
}

let current: GraphController | undefined;
export const currentGraph = (): GraphController | undefined => current;
export const setCurrentGraph = (g: GraphController | undefined): void => {
  current = g;
};

/** Saves a blob through a temporary link (no network: a blob: URL of this page). */
export function download(name: string, data: Blob | string, type: string): void {
  const blob = typeof data === 'string' ? new Blob([data], { type }) : data;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
