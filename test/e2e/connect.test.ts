/** The Connect screen in a real browser against the real `pathlight serve`. */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/paths.js';
import { launchChromium, recordCalls, serve, type Served } from './harness.js';
import { ConnectPage } from './pages/ConnectPage.js';

let browser: Browser;
let context: BrowserContext;
let connect: ConnectPage;
const servers: Served[] = [];

async function start(env: Record<string, string>): Promise<string> {
  const s = await serve(env);
  servers.push(s);
  return s.url;
}

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  connect = new ConnectPage(page);
  (connect as unknown as { consoleErrors: string[] }).consoleErrors = consoleErrors;
});
afterEach(async () => {
  await context?.close();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('Connect screen', () => {
  it('lists the three contexts of the kubeconfig, lets the user select one, and is screenshotted', async () => {
    await connect.open(await start({ KUBECONFIG: fixture('kubeconfig/three-contexts.yaml') }));
    expect(await connect.contextNames()).toEqual(['prod-eu-admin', 'staging', 'kind-lab']);
    expect(await connect.row('staging')).toEqual(['stagingcurrent', 'https://127.0.0.1:16443', 'ci-token · bearer token', 'default']);
    expect(await connect.row('prod-eu-admin')).toEqual(['prod-eu-admin', 'https://prod-eu.k8s.example.test:6443', 'eks-exec · exec plugin', 'payments']);

    await connect.select('kind-lab');
    expect(await connect.selectedContext()).toBe('kind-lab');
    expect(await connect.rowSelected('kind-lab')).toBe(true);
    expect(await connect.page.getByTestId('context-detail').innerText()).toContain('https://127.0.0.1:39211');
    // The launch token is taken out of the address bar once read.
    expect(connect.page.url()).not.toContain('token=');

    const shot = await connect.screenshot('connect-three-contexts');
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect((connect as unknown as { consoleErrors: string[] }).consoleErrors).toEqual([]);
  });

  it('flags the context whose cluster skips TLS verification, and says why it is risky', async () => {
    await connect.open(await start({ KUBECONFIG: fixture('kubeconfig/three-contexts.yaml') }));
    await connect.contextNames();
    const flagged = connect.page.getByTestId('insecure-tls');
    expect(await flagged.count()).toBe(1);
    expect(await connect.page.locator('[data-testid="context-row"][data-context="staging"] [data-testid="insecure-tls"]').getAttribute('aria-label')).toBe(
      'TLS not verified',
    );
    await connect.select('staging');
    expect(await connect.page.getByTestId('insecure-tls-detail').innerText()).toMatch(/insecure-skip-tls-verify: the API server's certificate is not checked/);
    await connect.select('kind-lab');
    expect(await connect.page.getByTestId('insecure-tls-detail').count()).toBe(0);
  });

  it('refuses a picked kubeconfig over the size one call may carry, sending nothing, and the server keeps answering', async () => {
    const sent = recordCalls(connect.page);
    await connect.open(await start({ KUBECONFIG: fixture('kubeconfig/three-contexts.yaml') }));
    await connect.contextNames();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-big-kc-'));
    try {
      const big = path.join(dir, 'huge-config');
      writeFileSync(big, 'x'.repeat(6 * 1024 * 1024));
      const from = Date.now();
      await connect.chooseKubeconfig(big);
      const err = await connect.error();
      expect(err.text).toMatch(/huge-config is 6\.0 MiB: more than the 4\.0 MiB a picked kubeconfig may be/);
      expect(err.text).toMatch(/--kubeconfig FILE/);
      expect(sent.since(from, ['kubeconfig.contexts'])).toEqual([]);
      // The connection is still up: a good file lists its contexts.
      await connect.chooseKubeconfig(fixture('kubeconfig/three-contexts.yaml'));
      expect(await connect.contextNames()).toEqual(['prod-eu-admin', 'staging', 'kind-lab']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("shows the exec plugin's command line and asks before it runs; Cancel runs nothing", async () => {
    const sent = recordCalls(connect.page);
    await connect.open(await start({ KUBECONFIG: fixture('kubeconfig/three-contexts.yaml') }));
    await connect.contextNames();
    await connect.select('prod-eu-admin');
    const from = Date.now();
    await connect.page.getByTestId('open-workbench').click();
    const prompt = connect.page.getByTestId('exec-prompt');
    await prompt.waitFor();
    expect(await connect.page.getByTestId('exec-command-line').innerText()).toBe('aws eks get-token --cluster-name prod-eu');
    await connect.screenshot('connect-exec-consent');
    expect(sent.since(from, ['cluster.open'])).toEqual([]);
    await connect.page.getByTestId('exec-decline').click();
    expect(await prompt.count()).toBe(0);
    expect(sent.since(from, ['cluster.open'])).toEqual([]);
    expect(await connect.selectedContext()).toBe('prod-eu-admin');
  });

  it('moves the selection with the keyboard', async () => {
    await connect.open(await start({ KUBECONFIG: fixture('kubeconfig/three-contexts.yaml') }));
    await connect.contextNames();
    await connect.rows.first().focus();
    await connect.page.keyboard.press('Enter');
    expect(await connect.selectedContext()).toBe('prod-eu-admin');
    await connect.page.keyboard.press('ArrowDown');
    await connect.page.keyboard.press('ArrowDown');
    expect(await connect.selectedContext()).toBe('kind-lab');
  });

  it('keeps the selected context and the theme across a reload', async () => {
    await connect.open(await start({ KUBECONFIG: fixture('kubeconfig/three-contexts.yaml') }));
    await connect.contextNames();
    await connect.select('staging');
    const before = await connect.theme();
    await connect.page.keyboard.press('Control+Shift+L');
    const toggled = await connect.theme();
    expect(toggled).not.toBe(before);
    await connect.page.reload();
    await connect.contextNames();
    expect(await connect.selectedContext()).toBe('staging');
    expect(await connect.theme()).toBe(toggled);
  });

  it('shows the line of a malformed kubeconfig and recovers when the user picks a good file', async () => {
    await connect.open(await start({ KUBECONFIG: fixture('kubeconfig/malformed-yaml.yaml') }));
    const err = await connect.error();
    expect(err.code).toBe('kubeconfig-malformed');
    expect(err.text).toContain('line 7');
    expect(err.text).toMatch(/Next step/i);
    await connect.screenshot('connect-malformed-kubeconfig');

    await connect.chooseKubeconfig(fixture('kubeconfig/three-contexts.yaml'));
    expect(await connect.contextNames()).toEqual(['prod-eu-admin', 'staging', 'kind-lab']);
    expect(await connect.page.getByTestId('kubeconfig-source').innerText()).toBe('three-contexts.yaml (picked file)');
  });

  it('still opens without any kubeconfig and says what to do', async () => {
    await connect.open(await start({}));
    const err = await connect.error();
    expect(err.code).toBe('kubeconfig-not-found');
    expect(err.text).toContain('/nonexistent-home/.kube/config');
    expect(err.text).toMatch(/Choose a kubeconfig file/);
  });

  it('refuses to work without the launch token', async () => {
    const url = new URL(await start({ KUBECONFIG: fixture('kubeconfig/three-contexts.yaml') }));
    url.search = '';
    await connect.open(url.toString());
    const err = await connect.error();
    expect(err.code).toBe('unavailable');
    expect(err.text).toMatch(/pathlight serve/);
  });
});
