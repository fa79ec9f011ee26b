/**
 * The workbench never answers from a cluster that is gone without saying so (Chromium, server
 * mode, the lab's API server through a forwarder this test cuts; other tests keep their
 * cluster): the pill turns stale, a question then says its view is stale next to the verdict; a
 * pod created meanwhile shows on the graph and in the type-ahead once the forwarder is back,
 * without reopening, and a question uses it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, serve, type Served } from '../../e2e/harness.js';
import { WorkbenchPage } from '../../e2e/pages/WorkbenchPage.js';
import { lab } from '../../helpers/lab.js';
import { cuttableForward } from '../../helpers/net.js';
import { repoPath } from '../../helpers/paths.js';

const info = lab();
const kubectl = (...args: string[]) => execFileSync(repoPath('test/lab/kubectl'), args, { encoding: 'utf8' });
const ns = 'lab-deny-ingress';
const pod = `pathlight-wbstale-${process.pid}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-wbstale-'));
let browser: Browser;
let served: Served | undefined;
let fwd: Awaited<ReturnType<typeof cuttableForward>>;

beforeAll(async () => {
  fwd = await cuttableForward(Number(new URL(info.apiServer).port));
  const file = path.join(dir, 'kubeconfig');
  writeFileSync(file, readFileSync(info.adminKubeconfig, 'utf8').replace(info.apiServer, `https://127.0.0.1:${fwd.port}`), { mode: 0o600 });
  browser = await launchChromium();
  served = await serve({ KUBECONFIG: file });
});
afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await fwd?.close();
  try {
    kubectl('-n', ns, 'delete', 'pod', pod, '--wait=false');
  } catch {
    /* never created */
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('workbench on a lab that stops answering (forwarder cut)', () => {
  it('pill stale within ~15 s, a stale answer says so, the new pod arrives without reopening and a question uses it', async () => {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const wb = new WorkbenchPage(page);
    await page.goto(served!.url);
    await wb.openContext('pathlight-lab-admin@pathlight-lab');
    expect((await wb.health()).state).toBe('live');
    const q = { from: `${ns}/deploy/frontend`, to: 'backend:8080' };
    await wb.ask(q);
    expect(await wb.verdict()).toBe('unreachable');
    expect(await page.getByTestId('answer-stale').count()).toBe(0);

    await fwd.cut();
    const cutAt = Date.now();
    await expect.poll(async () => (await wb.health()).state, { timeout: 20_000, interval: 250 }).toBe('stale');
    const staleAfter = Date.now() - cutAt;
    expect(staleAfter).toBeLessThan(16_000);
    expect((await wb.health()).text).toMatch(/^stale since /);
    await wb.screenshot('lab-stale-pill');

    await wb.ask(q);
    const said = await page.getByTestId('answer-stale').innerText();
    expect(said).toMatch(/Stale view/);
    expect(said).toMatch(/ECONNREFUSED|ECONNRESET|fetch failed|socket/);
    await wb.screenshot('lab-stale-answer');

    // The cluster changes while this client cannot see it; then it is back.
    kubectl(
      '-n',
      ns,
      'run',
      pod,
      '--image=pathlight.local/busybox:lab',
      '--image-pull-policy=Never',
      '--restart=Never',
      '--labels=app=frontend-extra',
      '--command',
      '--',
      'sleep',
      '300',
    );
    await fwd.restore();
    await expect.poll(async () => (await wb.health()).state, { timeout: 45_000, interval: 500 }).toBe('live');
    // The graph and the type-ahead follow without reopening, once the pod has its IP (the
    // graph shows the question's path after an answer: the whole cluster holds the new pod).
    await wb.setWholeCluster(true);
    await expect.poll(() => kubectl('-n', ns, 'get', 'pod', pod, '-o', 'jsonpath={.status.podIP}').trim(), { timeout: 60_000, interval: 1000 }).not.toBe('');
    await expect
      .poll(
        () =>
          page.evaluate((id) => {
            const cy = (window as unknown as { __pathlightGraph: { cy: { getElementById(i: string): { empty(): boolean } } } }).__pathlightGraph.cy;
            return !cy.getElementById(id).empty();
          }, `pod:${ns}/${pod}`),
        { timeout: 30_000, interval: 500 },
      )
      .toBe(true);
    await expect.poll(() => wb.suggestionsFor('from', pod), { timeout: 10_000 }).toContain(`pod ${ns}/${pod}`);
    await wb.ask({ from: `${ns}/${pod}`, to: 'backend:8080' });
    expect(await page.getByTestId('answer-stale').count()).toBe(0);
    expect(await page.getByTestId('verdict').innerText()).toContain(`${ns}/${pod}`);
    await wb.screenshot('lab-back-new-pod');
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
