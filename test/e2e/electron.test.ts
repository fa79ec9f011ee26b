/**
 * The same Connect check in the Electron window, through Playwright's Electron driver. It runs
 * where an Electron binary exists; elsewhere it reports that it did not run and why.
 */
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { electronBinary } from '../../scripts/electron.mjs';
import { fixture, repoPath } from '../helpers/paths.js';
import { screenshotDir } from './harness.js';
import { ConnectPage } from './pages/ConnectPage.js';
import { WorkbenchPage } from './pages/WorkbenchPage.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const found = electronBinary();

describe('Electron window', () => {
  it('lists the three contexts in the desktop app', async (ctx) => {
    if (!found.ok) {
      ctx.skip(`not run: ${found.why}; the same screen is tested in Chromium through server mode`);
      return;
    }
    const app = await electron.launch({
      executablePath: found.binary,
      args: [repoPath('.')],
      env: { ...process.env, KUBECONFIG: fixture('kubeconfig/three-contexts.yaml') },
    });
    try {
      const page = new ConnectPage(await app.firstWindow());
      await page.page.getByRole('heading', { name: 'Connect to a cluster' }).waitFor();
      expect(await page.contextNames()).toEqual(['prod-eu-admin', 'staging', 'kind-lab']);
      await page.select('kind-lab');
      expect(await page.selectedContext()).toBe('kind-lab');
      await page.page.screenshot({ path: `${screenshotDir}/electron-connect.png` });
      // Isolation and no Node integration, as the page itself sees them.
      const globals = await page.page.evaluate(() => ({
        require: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
        bridge: Object.keys((window as unknown as { pathlight: object }).pathlight).sort(),
      }));
      expect(globals).toEqual({ require: 'undefined', process: 'undefined', bridge: ['calls', 'cancel', 'events', 'shell'] });
    } finally {
      await app.close();
    }
  });

  it('asks why on a fake cluster from the lab recordings: failing hop red, top finding, events by reason', async (ctx) => {
    if (!found.ok) {
      ctx.skip(
        `not run: ${found.why}; the same flow is tested in Chromium through server mode (workbench.test.ts, and against the lab in test/lab/tests/workbench.test.ts)`,
      );
      return;
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'pathlight-electron-'));
    const kubeconfig = path.join(dir, 'config');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\ncurrent-context: fake-deny-backend-ingress\nclusters:\n- name: fake\n  cluster: {server: 'https://127.0.0.1:9'}\nusers:\n- name: fake\n  user: {token: not-a-real-token}\ncontexts:\n- name: fake-deny-backend-ingress\n  context: {cluster: fake, user: fake}\n`,
    );
    const app = await electron.launch({
      executablePath: found.binary,
      args: [repoPath('.')],
      env: { ...process.env, KUBECONFIG: kubeconfig, PATHLIGHT_FAKE_CLUSTERS: fixture('diagnose') },
    });
    try {
      const wb = new WorkbenchPage(await app.firstWindow());
      await wb.openContext('fake-deny-backend-ingress');
      await wb.ask({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend:8080', probe: 'ssh' });
      expect((await wb.topFinding()).kind).toBe('policy-deny-ingress');
      expect((await wb.failingHopOnGraph()).hop).toBe('policy-ingress');
      await wb.filterByReason('NETFILTER_DROP');
      expect(new Set(await wb.eventReasons())).toEqual(new Set(['NETFILTER_DROP']));
      await wb.page.screenshot({ path: `${screenshotDir}/electron-workbench.png` });
    } finally {
      await app.close();
    }
  });
});
