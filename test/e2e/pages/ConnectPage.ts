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

  async theme(): Promise<string | undefined> {
    return this.page.evaluate(() => document.documentElement.dataset.theme);
  }

  async screenshot(name: string): Promise<string> {
    const file = path.join(screenshotDir, `${name}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    return file;
  }
}
