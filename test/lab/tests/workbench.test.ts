/**
 * The workbench against the real lab, in Chromium through server mode: pick the lab's context,
 * ask why for a broken scenario with probes over SSH, see the failing hop red on the graph
 * and the right top finding, and filter the live events by the kernel's drop reason.
 * (test/e2e/workbench.test.ts runs the same flow on fake clusters made from lab recordings.)
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, serve, type Served } from '../../e2e/harness.js';
import { WorkbenchPage } from '../../e2e/pages/WorkbenchPage.js';
import { ConnectPage } from '../../e2e/pages/ConnectPage.js';
import { lab } from '../../helpers/lab.js';

const info = lab();
let browser: Browser;
let served: Served;

beforeAll(async () => {
  browser = await launchChromium();
  served = await serve({ KUBECONFIG: info.adminKubeconfig });
});
afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

describe('workbench on the lab (Chromium, server mode, probes over SSH)', () => {
  it('deny-backend-ingress: the ingress policy hop red, policy-deny-ingress on top, drops filtered by NETFILTER_DROP', async () => {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const wb = new WorkbenchPage(page);
    await page.goto(served.url);
    await wb.openContext('pathlight-lab-admin@pathlight-lab');
    expect(await wb.suggestionsFor('from', 'lab-deny-ingress/deploy/front')).toContain('workload lab-deny-ingress/deploy/frontend');
    await wb.ask({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend:8080', probe: 'ssh', sshConfig: info.sshConfig, seconds: 12 });
    expect(await wb.verdict()).toBe('unreachable');
    expect((await wb.topFinding()).kind).toBe('policy-deny-ingress');
    const failing = await wb.failingHopOnGraph();
    expect(failing.hop).toBe('policy-ingress');
    expect(failing.count).toBeGreaterThan(0);
    expect(failing.colors).toEqual(['rgb(224,32,46)']);
    await expect.poll(async () => (await wb.eventCount()).total, { timeout: 10_000 }).toBeGreaterThan(0);
    await wb.screenshot('lab-workbench-deny-backend-ingress');
    await wb.filterByReason('NETFILTER_DROP');
    const reasons = await wb.eventReasons();
    expect(reasons.length).toBeGreaterThan(0);
    expect(new Set(reasons)).toEqual(new Set(['NETFILTER_DROP']));
    await wb.screenshot('lab-workbench-events-by-reason');
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('SSH settings from the Connect screen (config file, user, key, node address) reach the lab node: the probes stream', async () => {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    const connect = new ConnectPage(page);
    await page.goto(served.url);
    await connect.fillSsh({
      configFile: info.sshConfig,
      user: 'root',
      identityFile: info.sshConfig.replace(/ssh_config$/, 'ssh/id_ed25519'),
      nodes: [[info.node.name, '127.0.0.1']],
    });
    expect((await connect.ssh()).errors).toEqual([]);
    const wb = new WorkbenchPage(page);
    await wb.openContext('pathlight-lab-admin@pathlight-lab');
    await wb.ask({ from: 'lab-target-port/deploy/frontend', to: 'backend:8080', probe: 'ssh', seconds: 11 });
    const top = await wb.topFinding();
    expect(top.kind).toBe('target-port-not-listening');
    expect(top.text).toContain('objects + probes');
    await expect.poll(async () => (await wb.eventCount()).total, { timeout: 10_000 }).toBeGreaterThan(0);
    await wb.screenshot('lab-workbench-ssh-settings');
    await context.close();
  }, 90_000);
});
