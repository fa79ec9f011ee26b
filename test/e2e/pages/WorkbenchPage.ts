/** Page object for the workbench: the question, the graph, the why panel and the events, as a user sees them. */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { screenshotDir } from '../harness.js';

export class WorkbenchPage {
  constructor(readonly page: Page) {}

  /** From the Connect screen: select a context and open its workbench. */
  async openContext(name: string): Promise<void> {
    await this.page.locator(`[data-testid="context-row"][data-context="${name}"]`).click();
    await this.page.getByTestId('open-workbench').click();
    await this.page.getByTestId('workbench').waitFor();
  }

  async openContextName(): Promise<string | null> {
    return this.page.getByTestId('open-context').textContent();
  }

  /** Types A and B (picking B from the type-ahead when given), chooses probes, asks and waits for the answer. */
  async ask(o: { from: string; to: string; pickTo?: string; probe?: 'none' | 'ssh' | 'pod'; seconds?: number }): Promise<void> {
    await this.page.getByTestId('query-from').fill(o.from);
    await this.page.getByTestId('query-to').fill(o.to);
    if (o.pickTo) await this.page.getByTestId('suggestions-to').getByRole('option', { name: o.pickTo }).click();
    await this.page.getByTestId('query-probe').selectOption(o.probe ?? 'none');
    if (o.seconds !== undefined) await this.page.getByTestId('query-duration').fill(String(o.seconds));
    // The previous answer stays on screen until the new question is accepted: wait for this one's.
    const before = await this.page
      .locator('[data-testid="answer"]')
      .getAttribute('data-question', { timeout: 100 })
      .catch(() => null);
    await this.page.getByTestId('ask-why').click();
    await this.page.waitForFunction((prev) => {
      const a = document.querySelector('[data-testid="answer"]');
      return !!a && a.getAttribute('data-question') !== prev && !document.querySelector('[data-testid="why-progress"]');
    }, before);
  }

  async suggestionsFor(side: 'from' | 'to', text: string): Promise<string[]> {
    await this.page.getByTestId(`query-${side}`).fill(text);
    return this.page.getByTestId(`suggestions-${side}`).getByRole('option').allInnerTexts();
  }

  async verdict(): Promise<string | null> {
    return this.page.getByTestId('answer').getAttribute('data-verdict');
  }

  async topFinding(): Promise<{ kind: string | null; text: string }> {
    const f = this.page.getByTestId('finding').first();
    return { kind: await f.getAttribute('data-kind'), text: await f.innerText() };
  }

  /** The top finding's policy explanation, as the why panel lists it under "how the policies decide". */
  async policyExplanation(): Promise<string[]> {
    const f = this.page.getByTestId('finding').first();
    await f.getByRole('button', { name: 'how the policies decide' }).first().click();
    return f.locator('.policy-explain li').allInnerTexts();
  }

  /** The failing hop as the graph draws it: hop kind, and the colour of its elements in cytoscape. */
  async failingHopOnGraph(): Promise<{ hop: string; colors: string[]; count: number }> {
    await this.page.waitForFunction(() => document.querySelector('[data-testid="graph-pane"]')?.getAttribute('data-failing-hop'));
    const hop = (await this.page.getByTestId('graph-pane').getAttribute('data-failing-hop')) ?? '';
    const { colors, count } = await this.page.evaluate(() => {
      const cy = (
        window as unknown as {
          __pathlightGraph: { cy: { elements(s: string): { map<T>(f: (e: { isEdge(): boolean; style(k: string): string }) => T): T[]; length: number } } };
        }
      ).__pathlightGraph.cy;
      const failing = cy.elements('.failing, .path.hop-fail');
      return { colors: [...new Set(failing.map((e) => (e.isEdge() ? e.style('line-color') : e.style('border-color'))))], count: failing.length };
    });
    return { hop, colors, count };
  }

  /** Clicks a graph node (found by its label and kind) where cytoscape draws it; waits for the details panel. */
  async clickNode(kind: string, labelPrefix: string): Promise<void> {
    const pos = await this.page.evaluate(
      ({ kind, labelPrefix }) => {
        const cy = (
          window as unknown as {
            __pathlightGraph: { cy: { nodes(): Array<{ data(k: string): unknown; renderedPosition(): { x: number; y: number } }>; container(): HTMLElement } };
          }
        ).__pathlightGraph.cy;
        const n = cy.nodes().find((e) => e.data('kind') === kind && String(e.data('label')).startsWith(labelPrefix));
        if (!n) return undefined;
        const box = cy.container().getBoundingClientRect();
        const p = n.renderedPosition();
        return { x: box.left + p.x, y: box.top + p.y };
      },
      { kind, labelPrefix },
    );
    if (!pos) throw new Error(`no ${kind} node labelled ${labelPrefix}… on the graph`);
    await this.page.mouse.click(pos.x, pos.y);
    await this.page.getByTestId('graph-details').waitFor();
  }

  /** The "policies selecting it" list of the details panel: policy and directions. */
  async selectingPolicies(): Promise<Array<{ policy: string | null; directions: string | null }>> {
    const list = this.page.getByTestId('selecting-policies');
    await list.waitFor();
    const items = await list.getByTestId('selecting-policy').all();
    return Promise.all(items.map(async (i) => ({ policy: await i.getAttribute('data-policy'), directions: await i.getAttribute('data-directions') })));
  }

  /** The connection pill in the header: its state and words. */
  async health(): Promise<{ state: string | null; text: string }> {
    const pill = this.page.getByTestId('cluster-health');
    return { state: await pill.getAttribute('data-state'), text: (await pill.locator('.health-pill').innerText()).trim() };
  }

  async reconnect(): Promise<void> {
    await this.page.getByTestId('reconnect').click();
    await this.page.getByTestId('workbench').waitFor();
  }

  /** The rows of the node popover: key and its chips (or text). */
  async detailRows(): Promise<Array<{ key: string | null; chips: string[]; text: string }>> {
    const rows = await this.page.getByTestId('detail-row').all();
    return Promise.all(
      rows.map(async (r) => ({
        key: await r.getAttribute('data-key'),
        chips: await r.getByTestId('detail-chip').allInnerTexts(),
        text: await r.locator('dd').innerText(),
      })),
    );
  }

  /** Clicks a graph edge (by id) where cytoscape draws its middle; waits for the details panel. */
  async clickEdge(id: string): Promise<void> {
    const pos = await this.page.evaluate((id) => {
      const cy = (
        window as unknown as {
          __pathlightGraph: { cy: { getElementById(i: string): { empty(): boolean; renderedMidpoint(): { x: number; y: number } }; container(): HTMLElement } };
        }
      ).__pathlightGraph.cy;
      const e = cy.getElementById(id);
      if (e.empty()) return undefined;
      const box = cy.container().getBoundingClientRect();
      const p = e.renderedMidpoint();
      return { x: box.left + p.x, y: box.top + p.y };
    }, id);
    if (!pos) throw new Error(`no edge ${id} on the graph`);
    await this.page.mouse.click(pos.x, pos.y);
    await this.page.getByTestId('graph-details').waitFor();
  }

  /** Ids of the graph's elements with a class (e.g. `faded`, `path`). */
  async elementsWithClass(cls: string): Promise<string[]> {
    return this.page.evaluate((cls) => {
      const cy = (window as unknown as { __pathlightGraph: { cy: { elements(s: string): { map<T>(f: (e: { id(): string }) => T): T[] } } } }).__pathlightGraph
        .cy;
      return cy.elements(`.${cls}`).map((e) => e.id());
    }, cls);
  }

  async searchGraph(text: string): Promise<void> {
    await this.page.locator('#graph-search').fill(text);
    await this.page.locator('#graph-search').press('Enter');
  }

  /** Back to the Connect screen. */
  async switchCluster(): Promise<void> {
    await this.page.getByRole('button', { name: 'switch', exact: true }).click();
    await this.page.getByRole('heading', { name: 'Connect to a cluster' }).waitFor();
  }

  async eventCount(): Promise<{ matched: number; total: number }> {
    const t = this.page.getByTestId('events-table');
    return { matched: Number(await t.getAttribute('data-matched')), total: Number(await t.getAttribute('data-total')) };
  }

  async filterByReason(reason: string): Promise<void> {
    await this.page.getByTestId('filter-reason').selectOption(reason);
    await this.page.waitForFunction((r) => {
      const rows = Array.from(document.querySelectorAll('[data-testid="event-reason"]'));
      return rows.length > 0 && rows.every((e) => e.textContent === r);
    }, reason);
  }

  /** Ticks the events table's chip of one event type (drop, dns, tcp, http); waits for the rows to be of that type. */
  async filterByType(type: string): Promise<void> {
    await this.page.locator(`label.chip.t-${type} input`).check();
    await this.page.waitForFunction((t) => {
      const rows = Array.from(document.querySelectorAll('[data-testid="event-type"]'));
      return rows.length > 0 && rows.every((e) => e.textContent === t);
    }, type);
  }

  /** The label data of the graph's visible edges of a kind, and whether each is drawn. */
  async edgeLabels(kind: string): Promise<Array<{ id: string; label: string; drawn: boolean }>> {
    return this.page.evaluate((kind) => {
      type El = { id(): string; data(k: string): unknown; visible(): boolean; style(k: string): string };
      const cy = (window as unknown as { __pathlightGraph: { cy: { edges(): El[] } } }).__pathlightGraph.cy;
      return cy
        .edges()
        .filter((e) => e.visible() && e.data('kind') === kind)
        .map((e) => ({ id: e.id(), label: String(e.data('label')), drawn: e.style('label') !== '' }));
    }, kind);
  }

  async eventReasons(): Promise<string[]> {
    return this.page.getByTestId('event-reason').allTextContents();
  }

  async palette(): Promise<string[]> {
    await this.page.keyboard.press('Control+k');
    const p = this.page.getByTestId('command-palette');
    await p.waitFor();
    const items = await p.getByRole('option').allInnerTexts();
    await this.page.keyboard.press('Escape');
    return items;
  }

  /** What the graph draws now: which view, its visible nodes (id, kind, label) and edges (id, whether a label is drawn). */
  async graphShown(): Promise<{
    view: string | null;
    nodes: Array<{ id: string; kind: string; label: string }>;
    edges: Array<{ id: string; labelled: boolean }>;
  }> {
    const view = await this.page.getByTestId('graph-canvas').getAttribute('data-view');
    const shown = await this.page.evaluate(() => {
      type El = { id(): string; data(k: string): unknown; visible(): boolean; style(k: string): string };
      const cy = (window as unknown as { __pathlightGraph: { cy: { nodes(): El[]; edges(): El[] } } }).__pathlightGraph.cy;
      return {
        nodes: cy
          .nodes()
          .filter((n) => n.visible())
          .map((n) => ({ id: n.id(), kind: String(n.data('kind')), label: String(n.data('label')) })),
        edges: cy
          .edges()
          .filter((e) => e.visible())
          .map((e) => ({ id: e.id(), labelled: e.style('label') !== '' })),
      };
    });
    return { view, ...shown };
  }

  /** Moves the pointer onto an edge's middle; returns the label cytoscape then draws for it. */
  async hoverEdge(id: string): Promise<string> {
    const pos = await this.page.evaluate((id) => {
      const cy = (
        window as unknown as {
          __pathlightGraph: { cy: { getElementById(i: string): { renderedMidpoint(): { x: number; y: number } }; container(): HTMLElement } };
        }
      ).__pathlightGraph.cy;
      const box = cy.container().getBoundingClientRect();
      const p = cy.getElementById(id).renderedMidpoint();
      return { x: box.left + p.x, y: box.top + p.y };
    }, id);
    await this.page.mouse.move(pos.x, pos.y);
    return this.page.evaluate((id) => {
      const cy = (window as unknown as { __pathlightGraph: { cy: { getElementById(i: string): { style(k: string): string } } } }).__pathlightGraph.cy;
      return cy.getElementById(id).style('label');
    }, id);
  }

  /** The drawn node labels' boxes on the page (px), for the labels cytoscape draws at this zoom. */
  async nodeLabelBoxes(): Promise<Array<{ id: string; x1: number; y1: number; x2: number; y2: number }>> {
    return this.page.evaluate(() => {
      type Box = { x1: number; y1: number; x2: number; y2: number; w: number };
      type N = { id(): string; visible(): boolean; isParent(): boolean; style(k: string): string; renderedBoundingBox(o: object): Box };
      const cy = (window as unknown as { __pathlightGraph: { cy: { nodes(): N[]; zoom(): number } } }).__pathlightGraph.cy;
      const drawn = (n: N) =>
        n.visible() && n.style('label') !== '' && parseFloat(n.style('font-size')) * cy.zoom() >= parseFloat(n.style('min-zoomed-font-size'));
      return cy
        .nodes()
        .filter((n) => drawn(n) && !n.isParent())
        .map((n) => {
          const b = n.renderedBoundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false });
          return { id: n.id(), x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2 };
        });
    });
  }

  /** The events filter's "question only" chip: its words, or null when the table is not filtered to the question. */
  async questionChip(): Promise<string | null> {
    const chip = this.page.getByTestId('filter-question');
    return (await chip.count()) ? (await chip.innerText()).replace(/\s+/g, ' ').trim() : null;
  }

  async clearQuestionChip(): Promise<void> {
    await this.page.getByTestId('filter-question').getByRole('button').click();
    await this.page.getByTestId('filter-question').waitFor({ state: 'detached' });
  }

  async setWholeCluster(on: boolean): Promise<void> {
    await this.page.getByTestId('whole-cluster').setChecked(on);
    await this.page.waitForFunction((v) => document.querySelector('[data-testid="graph-canvas"]')?.getAttribute('data-view') === v, on ? 'cluster' : 'path');
  }

  /** The page box of the first element a test id (or selector) names, with the viewport's size. */
  async boxOf(selector: string): Promise<{ x: number; y: number; width: number; height: number; vw: number; vh: number }> {
    const el = this.page.locator(selector).first();
    await el.waitFor();
    const b = await el.boundingBox();
    if (!b) throw new Error(`${selector} is not drawn`);
    const vp = this.page.viewportSize()!;
    return { ...b, vw: vp.width, vh: vp.height };
  }

  async screenshot(name: string): Promise<string> {
    const file = path.join(screenshotDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}
