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
  async ask(o: { from: string; to: string; pickTo?: string; probe?: 'none' | 'ssh' | 'pod'; sshConfig?: string; seconds?: number }): Promise<void> {
    await this.page.getByTestId('query-from').fill(o.from);
    await this.page.getByTestId('query-to').fill(o.to);
    if (o.pickTo) await this.page.getByTestId('suggestions-to').getByRole('option', { name: o.pickTo }).click();
    await this.page.getByTestId('query-probe').selectOption(o.probe ?? 'none');
    if (o.sshConfig !== undefined) await this.page.getByTestId('query-ssh-config').fill(o.sshConfig);
    if (o.seconds !== undefined) await this.page.getByTestId('query-duration').fill(String(o.seconds));
    await this.page.getByTestId('ask-why').click();
    await this.page.locator('[data-testid="answer"]').waitFor();
    await this.page.waitForFunction(() => !document.querySelector('[data-testid="why-progress"]'));
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

  /** The failing hop as the graph draws it: hop kind, and the colour of its elements in cytoscape. */
  async failingHopOnGraph(): Promise<{ hop: string; colors: string[]; count: number }> {
    await this.page.waitForFunction(() => document.querySelector('[data-testid="graph-pane"]')?.getAttribute('data-failing-hop'));
    const hop = (await this.page.getByTestId('graph-pane').getAttribute('data-failing-hop')) ?? '';
    const { colors, count } = await this.page.evaluate(() => {
      const cy = (window as unknown as { __pathlightGraph: { cy: { elements(s: string): { map<T>(f: (e: { isEdge(): boolean; style(k: string): string }) => T): T[]; length: number } } } }).__pathlightGraph.cy;
      const failing = cy.elements('.failing, .path.hop-fail');
      return { colors: [...new Set(failing.map((e) => (e.isEdge() ? e.style('line-color') : e.style('border-color'))))], count: failing.length };
    });
    return { hop, colors, count };
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

  async screenshot(name: string): Promise<string> {
    const file = path.join(screenshotDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}
