/** Page object for the Connect screen: what a user sees and does there, nothing about the DOM leaks out. */
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { screenshotDir } from '../harness.js';

export class ConnectPage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.getByRole('heading', { name: 'Connect to a cluster' }).waitFor();
  }

  get rows(): Locator {
    return this.page.getByTestId('context-row');
  }

  /** Waits for the contexts table and returns the context names in order. */
  async contextNames(): Promise<string[]> {
    await this.page.getByTestId('contexts-table').waitFor();
    return this.rows.locator('.context-name').allTextContents();
  }

  /** Row cells as the user reads them: context, server, user, namespace. */
  async row(name: string): Promise<string[]> {
    return this.rowLocator(name).locator('td').allInnerTexts();
  }

  private rowLocator(name: string): Locator {
    return this.page.locator(`[data-testid="context-row"][data-context="${name}"]`);
  }

  async select(name: string): Promise<void> {
    await this.rowLocator(name).click();
  }

  async selectedContext(): Promise<string | null> {
    const heading = this.page.getByTestId('selected-context');
    return (await heading.count()) > 0 ? heading.textContent() : null;
  }

  async rowSelected(name: string): Promise<boolean> {
    return (await this.rowLocator(name).getAttribute('aria-selected')) === 'true';
  }

  /** The error panel's text, once it shows. */
  async error(): Promise<{ code: string | null; text: string }> {
    const panel = this.page.getByTestId('error-panel');
    await panel.waitFor();
    return { code: await panel.getAttribute('data-code'), text: await panel.innerText() };
  }

  async chooseKubeconfig(file: string): Promise<void> {
    await this.page.getByTestId('kubeconfig-file-input').setInputFiles(file);
  }

  /** Fills the SSH settings (opening the section first); `nodes` are added as new rows. */
  async fillSsh(o: { configFile?: string; user?: string; identityFile?: string; jump?: string; nodes?: Array<[string, string]> }): Promise<void> {
    const section = this.page.getByTestId('ssh-settings');
    if ((await section.getAttribute('open')) === null) await section.locator('summary').click();
    for (const key of ['configFile', 'user', 'identityFile', 'jump'] as const) {
      const v = o[key];
      if (v !== undefined) await this.page.getByTestId(`ssh-${key}`).fill(v);
    }
    for (const [node, address] of o.nodes ?? []) {
      await this.page.getByTestId('ssh-add-node').click();
      await this.page.getByTestId('ssh-node-name').last().fill(node);
      await this.page.getByTestId('ssh-node-address').last().fill(address);
    }
  }

  /** The SSH settings as shown, and the messages of the fields marked invalid. */
  async ssh(): Promise<{ configFile: string; user: string; identityFile: string; jump: string; nodes: Array<[string, string]>; errors: string[] }> {
    const value = (id: string) => this.page.getByTestId(id).inputValue();
    const names = await this.page.getByTestId('ssh-node-name').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    const addresses = await this.page.getByTestId('ssh-node-address').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    return {
      configFile: await value('ssh-configFile'),
      user: await value('ssh-user'),
      identityFile: await value('ssh-identityFile'),
      jump: await value('ssh-jump'),
      nodes: names.map((n, i) => [n, addresses[i] ?? '']),
      errors: await this.page.getByTestId('ssh-settings').locator('.field-error').allInnerTexts(),
    };
  }

  /** The recent questions as listed: the question, its context and verdict. */
  async recentQuestions(): Promise<Array<{ question: string; context: string | null; verdict: string }>> {
    const items = this.page.getByTestId('recent-question');
    await items.first().waitFor();
    const out = [];
    for (const item of await items.all()) {
      const li = item.locator('xpath=..');
      out.push({
        question: await item.innerText(),
        context: await item.getAttribute('data-context'),
        verdict: await li.getByTestId('recent-question-verdict').innerText(),
      });
    }
    return out;
  }

  async openRecentQuestion(index = 0): Promise<void> {
    await this.page.getByTestId('recent-question').nth(index).click();
    await this.page.getByTestId('workbench').waitFor();
  }

  async theme(): Promise<string | undefined> {
    return this.page.evaluate(() => document.documentElement.dataset.theme);
  }

  async screenshot(name: string): Promise<string> {
    const file = path.join(screenshotDir, `${name}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    return file;
  }
}
