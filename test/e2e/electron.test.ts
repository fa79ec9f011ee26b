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
});
