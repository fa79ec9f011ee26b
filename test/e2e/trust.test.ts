/**
 * The places a new user stops trusting the workbench, in Chromium on fake clusters (the lab's
 * recorded scenarios): the connection's state with Reconnect, a typo's suggestion one click
 * away, the graph popover in words (chips, plurals, the answer's count, Escape), an old search
 * that stops dimming the next answer, the recent questions naming B, the dark theme's button.
 * The stale-cluster flow against the real lab is test/lab/tests/workbench-stale.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/paths.js';
import { launchChromium, serve, type Served } from './harness.js';
import { WorkbenchPage } from './pages/WorkbenchPage.js';
import { ConnectPage } from './pages/ConnectPage.js';

let browser: Browser;
let context: BrowserContext;
let wb: WorkbenchPage;
let served: Served | undefined;
const errors: string[] = [];

function fakeKubeconfig(scenarios: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pathlight-e2e-'));
  const file = path.join(dir, 'config');
  const ctx = scenarios.map((s) => `- name: fake-${s}\n  context: {cluster: fake, user: fake}`).join('\n');
  writeFileSync(
    file,
    `apiVersion: v1\nkind: Config\ncurrent-context: fake-${scenarios[0]}\nclusters:\n- name: fake\n  cluster: {server: 'https://127.0.0.1:9'}\nusers:\n- name: fake\n  user: {token: not-a-real-token}\ncontexts:\n${ctx}\n`,
  );
  return file;
}

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  served = await serve({ KUBECONFIG: fakeKubeconfig(['deny-backend-ingress', 'wrong-target-port']), PATHLIGHT_FAKE_CLUSTERS: fixture('diagnose') });
  context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  errors.length = 0;
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  wb = new WorkbenchPage(page);
  await page.goto(served.url);
});
afterEach(async () => {
  await context?.close();
  await served?.stop();
});

const from = 'lab-deny-ingress/deploy/frontend';

describe('what the workbench says, so it can be trusted', () => {
  it('shows the connection as live with Reconnect, which opens the cluster again keeping the question', async () => {
    await wb.openContext('fake-deny-backend-ingress');
    expect(await wb.health()).toEqual({ state: 'live', text: 'live' });
    await wb.page.getByTestId('query-from').fill(from);
    await wb.page.getByTestId('query-to').fill('backend:8080');
    await wb.screenshot('trust-health-live');
    await wb.reconnect();
    expect(await wb.openContextName()).toBe('fake-deny-backend-ingress');
    expect(await wb.health()).toEqual({ state: 'live', text: 'live' });
    expect(await wb.page.getByTestId('query-from').inputValue()).toBe(from);
    expect(await wb.page.getByTestId('query-to').inputValue()).toBe('backend:8080');
    await wb.ask({ from, to: 'backend:8080' });
    expect(await wb.verdict()).toBe('unreachable');
    expect(errors).toEqual([]);
  });

  it('a typo: the headline names the end to check, and "did you mean" is a click that keeps the kind and answers', async () => {
    await wb.openContext('fake-deny-backend-ingress');
    await wb.page.getByTestId('query-from').fill('lab-deny-ingress/deploy/frontnd');
    await wb.page.getByTestId('query-to').fill('backend:8080');
    await wb.page.getByTestId('ask-why').click();
    const panel = wb.page.getByTestId('why-panel').getByTestId('error-panel');
    await panel.waitFor();
    expect(await panel.locator('h2').innerText()).toBe('Check A (From)');
    expect(await panel.innerText()).not.toContain('Something went wrong');
    const meant = panel.getByTestId('did-you-mean');
    expect(await meant.allInnerTexts()).toEqual([from]);
    await wb.screenshot('trust-did-you-mean');
    await meant.click();
    await wb.page.getByTestId('answer').waitFor();
    expect(await wb.page.getByTestId('query-from').inputValue()).toBe(from);
    expect(await wb.verdict()).toBe('unreachable');
    expect(errors).toEqual([]);
  });

  it('graph popovers: chips for labels and IPs, no JSON or ids, plurals, the answer’s count on a path edge, Escape closes; a new answer ends an old search', async () => {
    await wb.openContext('fake-wrong-target-port');
    await wb.ask({ from: 'lab-target-port/deploy/frontend', to: 'backend:8080', probe: 'ssh' });
    expect(await wb.verdict()).toBe('unreachable');
    await wb.clickNode('pod', 'frontend-');
    const rows = await wb.detailRows();
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(byKey.IPs?.chips.length).toBeGreaterThan(0);
    expect(byKey.IPs?.chips.every((c: string) => /^[\d.:a-f]+$/.test(c))).toBe(true);
    expect(byKey.labels?.chips).toContain('app=frontend');
    expect(byKey.workload?.text).toBe('frontend');
    const popover = await wb.page.getByTestId('graph-details').innerText();
    expect(popover).not.toMatch(/[{[]"|wl:|pod:/);
    await wb.screenshot('trust-popover-pod');
    await wb.page.keyboard.press('Escape');
    await wb.page.getByTestId('graph-details').waitFor({ state: 'detached' });

    // The edge to the backend pod carries the drops; the refusals are on the edge to the Service.
    const edges = await wb.elementsWithClass('path');
    const toPod = edges.find((id) => id.startsWith('flow|pod:lab-target-port/frontend') && id.includes('|pod:lab-target-port/backend'));
    expect(toPod).toBeDefined();
    await wb.clickEdge(toPod!);
    const counts = await wb.page.getByTestId('edge-counts').innerText();
    expect(counts).toMatch(/\b2 connections\b/);
    expect(counts).not.toMatch(/\b1 connections\b/);
    const onPath = await wb.page.getByTestId('edge-path-counts').innerText();
    const answer = await wb.page.locator('.live-summary').innerText();
    const refused = /(\d+) refused/.exec(answer)?.[1];
    expect(refused).toBeDefined();
    expect(onPath).toContain(`${refused} refused`);
    await wb.screenshot('trust-popover-edge');
    await wb.page.keyboard.press('Escape');
    await wb.page.getByTestId('graph-details').waitFor({ state: 'detached' });

    // A search dims the rest; the next answer's path is not dimmed by it.
    await wb.searchGraph('coredns');
    expect((await wb.elementsWithClass('faded')).length).toBeGreaterThan(0);
    await wb.ask({ from: 'lab-target-port/deploy/frontend', to: 'backend:8080' });
    await expect.poll(() => wb.elementsWithClass('faded')).toEqual([]);
    expect(await wb.page.locator('#graph-search').inputValue()).toBe('');
    await wb.screenshot('trust-search-cleared');
    expect(errors).toEqual([]);
  });

  it('recent questions say B was unreachable; the dark theme’s primary button is readable', async () => {
    await wb.openContext('fake-deny-backend-ingress');
    await wb.ask({ from, to: 'backend:8080' });
    await wb.switchCluster();
    const connect = new ConnectPage(wb.page);
    const item = wb.page.getByTestId('recent-questions').locator('li').first();
    await item.waitFor();
    expect(await item.innerText()).toMatch(/B was\s+unreachable\s+from A/);
    expect(await connect.recentQuestions()).toEqual([{ question: `${from} → backend:8080`, context: 'fake-deny-backend-ingress', verdict: 'unreachable' }]);
    if ((await connect.theme()) !== 'dark') await wb.page.keyboard.press('Control+Shift+L');
    await expect.poll(() => connect.theme()).toBe('dark');
    const colors = await wb.page.getByTestId('open-workbench').evaluate((b) => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]);
    expect(colors[0]).not.toBe('rgb(255, 255, 255)');
    await connect.screenshot('trust-recent-questions-dark');
    expect(errors).toEqual([]);
  });
});
