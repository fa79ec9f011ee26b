/** Page object for a recording replayed in the workbench: the banner, the recorded questions, the player. */
import type { Page } from 'playwright-core';
import { WorkbenchPage } from './WorkbenchPage.js';

export class ReplayPage extends WorkbenchPage {
  constructor(page: Page) {
    super(page);
  }

  async waitForReplay(): Promise<void> {
    await this.page.getByTestId('replay-banner').waitFor();
    await this.page.getByTestId('graph-pane').waitFor();
  }

  async banner(): Promise<string> {
    return this.page.getByTestId('replay-banner').innerText();
  }

  async recordedQuestions(): Promise<string[]> {
    return this.page.getByTestId('recorded-question').allInnerTexts();
  }

  /** Clicks the recorded question from A and waits for its recorded answer. */
  async showRecorded(from: string): Promise<void> {
    await this.page.getByTestId('recorded-question').filter({ hasText: from }).click();
    await this.page.locator('[data-testid="answer-origin"][data-origin="recorded"]').waitFor();
    await this.page.waitForFunction((a) => document.querySelector('[data-testid="verdict"]')?.textContent?.includes(a), from);
  }

  /** Moves the scrubber to a fraction of the recording (0–1) as a user would, and waits for the events to follow. */
  async scrubTo(fraction: number): Promise<void> {
    const s = this.page.getByTestId('replay-scrubber');
    const box = (await s.boundingBox())!;
    const before = await this.page.getByTestId('replay-time').innerText();
    await this.page.mouse.click(box.x + 8 + (box.width - 16) * fraction, box.y + box.height / 2);
    await this.page.waitForFunction((b) => document.querySelector('[data-testid="replay-time"]')?.textContent !== b, before);
  }

  async time(): Promise<string> {
    return this.page.getByTestId('replay-time').innerText();
  }

  async probesControl(): Promise<{ disabled: boolean; text: string }> {
    const p = this.page.getByTestId('query-probe');
    return { disabled: await p.isDisabled(), text: await p.innerText() };
  }

  /** Ask why again, on the recording at the scrubber's time. */
  async askAgain(): Promise<void> {
    await this.page.getByTestId('ask-why').click();
    await this.page.locator('[data-testid="answer-origin"][data-origin="replayed"]').waitFor();
    await this.page.waitForFunction(() => !document.querySelector('[data-testid="why-progress"]'));
  }

  /** The flow edges the graph draws: source and target labels, and the verdict colouring the edge. */
  async flowEdges(): Promise<Array<[string, string, string]>> {
    return this.page.evaluate(() => {
      type El = { data(k: string): string; source(): El; target(): El };
      const cy = (window as unknown as { __pathlightGraph: { cy: { edges(s: string): { map<T>(f: (e: El) => T): T[] } } } }).__pathlightGraph.cy;
      return cy
        .edges('[kind = "flow"]')
        .map((e) => [e.source().data('label'), e.target().data('label'), e.data('verdict')] as [string, string, string])
        .sort();
    });
  }

  /** Whether the player says the graph's flows are still being counted. */
  async countingFlows(): Promise<boolean> {
    return this.page.getByTestId('replay-reading').isVisible();
  }
}
