/** Page object for the workbench's policy panels: "Advise policies" and "What if…". */
import type { Page } from 'playwright-core';
import { ReplayPage } from './ReplayPage.js';

export class PolicyPage extends ReplayPage {
  constructor(page: Page) {
    super(page);
  }

  /** Opens the advice tab and waits for the advice (or its error). */
  async openAdvice(): Promise<void> {
    await this.page.getByTestId('tab-advice').click();
    await this.page.locator('[data-testid="advice-panel"]:has([data-testid="advice-verified"], [data-testid="error-panel"])').waitFor();
  }

  async adviceNamespaces(): Promise<string[]> {
    return (await this.page.getByTestId('advice-namespace').allInnerTexts()).map((t) => t.split(/\s/)[0]!);
  }

  async showNamespace(ns: string): Promise<void> {
    await this.page.getByTestId('advice-namespace').filter({ hasText: ns }).click();
    await this.page.waitForFunction((n) => document.querySelector('[data-testid="advice-yaml"]')?.textContent?.includes(`namespace ${n},`), ns);
  }

  async adviceYaml(): Promise<string> {
    return this.page.getByTestId('advice-yaml').innerText();
  }

  /** The flows an advised policy's rule keeps, as the panel lists them. */
  async keptFlows(policy: string, rule: string): Promise<string[]> {
    return this.page
      .locator(`[data-testid="advised-policy"][data-name="${policy}"] [data-testid="advised-rule"][data-rule="${rule}"] [data-testid="kept-flow"]`)
      .allInnerTexts();
  }

  /** Clicks Copy YAML and returns what the clipboard then holds. */
  async copyYaml(): Promise<string> {
    const button = this.page.getByTestId('advice-panel').getByRole('button', { name: 'Copy YAML' });
    await button.click();
    await this.page.getByTestId('advice-panel').getByRole('button', { name: 'Copy YAML' }).filter({ hasText: 'Copied' }).waitFor();
    return this.page.evaluate(() => navigator.clipboard.readText());
  }

  async openImpact(): Promise<void> {
    await this.page.getByTestId('tab-impact').click();
    await this.page.getByTestId('impact-panel').waitFor();
  }

  /** Pastes a policy change and checks its impact; waits for the result. */
  async checkImpact(text: string): Promise<void> {
    await this.page.getByTestId('impact-text').fill(text);
    await this.page.getByTestId('impact-check').click();
    await this.page.locator('[data-testid="impact-summary"], [data-testid="impact-problems"]').first().waitFor();
  }

  async newlyDenied(): Promise<string[]> {
    return this.page.getByTestId('impact-denied').allInnerTexts();
  }

  async newlyAllowed(): Promise<string[]> {
    return this.page.getByTestId('impact-allowed').allInnerTexts();
  }

  async noChange(): Promise<boolean> {
    return this.page.getByTestId('impact-none').isVisible();
  }

  async problems(): Promise<Array<{ line: string | null; text: string }>> {
    const items = this.page.getByTestId('impact-problem');
    const out: Array<{ line: string | null; text: string }> = [];
    for (let i = 0; i < (await items.count()); i++) out.push({ line: await items.nth(i).getAttribute('data-line'), text: await items.nth(i).innerText() });
    return out;
  }
}
