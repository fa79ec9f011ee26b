/** The Connect screen in a real browser against the real `pathlight serve`. */
import { statSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/paths.js';
import { launchChromium, serve, type Served } from './harness.js';
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
