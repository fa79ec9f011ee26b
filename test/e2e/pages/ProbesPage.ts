/** Page object for the Probes panel: start a probe on a node, read its progress, decide on a host key. */
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { screenshotDir } from '../harness.js';
import { ConnectPage } from './ConnectPage.js';

export class ProbesPage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.getByRole('heading', { name: 'Probes' }).waitFor();
  }

  /** Starts a probe; `sshConfig` goes into the Connect screen's SSH settings, the one SSH setting. */
  async start(node: string, sshConfig?: string): Promise<void> {
    if (sshConfig !== undefined) await new ConnectPage(this.page).fillSsh({ configFile: sshConfig });
    // The probe form's own fields (the Connect screen has SSH settings with like names).
    const form = this.page.locator('form.probe-form');
    await form.getByLabel('Node', { exact: true }).fill(node);
    await this.page.getByRole('button', { name: 'Start probe' }).click();
  }

  run(node: string): Locator {
    return this.page.locator(`[data-testid="probe-run"][data-node="${node}"]`).first();
  }

  async waitForStage(node: string, stage: string, timeout = 30_000): Promise<void> {
    await this.page.locator(`[data-testid="probe-run"][data-node="${node}"][data-stage="${stage}"]`).first().waitFor({ timeout });
  }

  /** The fingerprint the host-key prompt asks the user to compare. */
  async hostKeyFingerprint(): Promise<string> {
    const prompt = this.page.getByTestId('host-key-prompt');
    await prompt.waitFor();
    return (await this.page.getByTestId('host-key-fingerprint').innerText()).trim();
  }

  async enterPassphrase(passphrase: string): Promise<void> {
    await this.page.getByTestId('passphrase-prompt').waitFor();
    await this.page.getByLabel('Key passphrase').fill(passphrase);
    await this.page.getByRole('button', { name: 'Unlock key' }).click();
  }

  async trustHostKey(): Promise<void> {
    await this.page.getByRole('button', { name: 'Trust this key and connect' }).click();
  }

  async counts(node: string): Promise<string> {
    return this.run(node).getByTestId('probe-counts').innerText();
  }

  async stop(node: string): Promise<void> {
    await this.run(node).getByRole('button', { name: 'Stop' }).click();
  }

  /** The SSH settings in effect as the panel states them, and a click on "Test SSH" with its outcome. */
  async sshInEffect(): Promise<string> {
    return this.page.locator('.probes').getByTestId('ssh-in-effect').locator('span').first().innerText();
  }

  async testSsh(): Promise<{ state: string | null; text: string }> {
    await this.page.locator('.probes').getByTestId('test-ssh').click();
    const out = this.page.locator('.probes [data-testid="ssh-test-result"]:not([data-state="running"])');
    await out.waitFor({ timeout: 20_000 });
    return { state: await out.getAttribute('data-state'), text: await out.innerText() };
  }

  async screenshot(name: string): Promise<string> {
    const file = path.join(screenshotDir, `${name}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    return file;
  }
}
