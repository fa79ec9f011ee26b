/**
 * The Probes panel in a real browser against the real `pathlight serve`, a real sshd and the
 * real agent: an unknown host key is shown with its fingerprint and trusted only on the
 * user's click; then the run streams, counts events and stops.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/backend/probes/ssh/knownHosts.js';
import { refusedConnection } from '../helpers/net.js';
import { sshConfigFor, startProbeSshd, type TestSshd } from '../helpers/sshd.js';
import { launchChromium, pollingCalls, recordCalls, serve, type Served } from './harness.js';
import { ProbesPage } from './pages/ProbesPage.js';

let browser: Browser;
let sshd: TestSshd;
let served: Served;

beforeAll(async () => {
  sshd = await startProbeSshd('the probes e2e tests');
  browser = await launchChromium();
  served = await serve({});
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await served?.stop();
  sshd?.stop();
});

describe('Probes panel', () => {
  it('asks before trusting an unknown host key, then streams and stops', async () => {
    const knownHosts = path.join(sshd.dir, 'e2e_known_hosts');
    writeFileSync(knownHosts, '');
    const config = path.join(sshd.dir, 'e2e_config');
    writeFileSync(config, sshConfigFor(sshd, { knownHosts }));
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    const probes = new ProbesPage(page);
    const sent = recordCalls(page);
    await probes.open(served.url);
    await probes.start('node-1', config);
    expect(await probes.sshInEffect()).toBe(`SSH: ${config}, from settings`);

    // The server's real key, as ssh-keygen -lf would print it.
    const hostKey = Buffer.from(readFileSync(sshd.hostKeyPub, 'utf8').split(' ')[1]!, 'base64');
    expect(await probes.hostKeyFingerprint()).toBe(fingerprint(hostKey));
    expect(readFileSync(knownHosts, 'utf8')).toBe(''); // nothing trusted before the click
    expect(statSync(await probes.screenshot('probes-host-key-prompt')).size).toBeGreaterThan(10_000);

    // Test SSH names the same problem and key, and leaves known_hosts alone.
    expect(await probes.testSsh()).toMatchObject({ state: 'host-key-unknown', text: expect.stringContaining(fingerprint(hostKey)) });
    expect(readFileSync(knownHosts, 'utf8')).toBe('');
    expect(statSync(await probes.screenshot('probes-test-ssh-unknown-key')).size).toBeGreaterThan(10_000);

    await probes.trustHostKey();
    await probes.waitForStage('node-1', 'streaming');
    const streaming = Date.now();
    expect(readFileSync(knownHosts, 'utf8')).toContain(hostKey.toString('base64'));
    expect(await probes.testSsh()).toMatchObject({ state: 'ok', text: expect.stringContaining(`root@127.0.0.1:${sshd.port}`) });

    await refusedConnection();
    await expect.poll(() => probes.counts('node-1'), { timeout: 15_000 }).not.toMatch(/ 0 TCP/);
    // The stage and the counts came pushed (probes.progress): the page never asked on a timer.
    await page.waitForTimeout(2_000);
    expect(sent.since(streaming, pollingCalls)).toEqual([]);
    expect(statSync(await probes.screenshot('probes-streaming')).size).toBeGreaterThan(10_000);

    await probes.stop('node-1');
    await probes.waitForStage('node-1', 'stopped');
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('asks for the passphrase of an encrypted key in the page, and connects with it', async () => {
    const config = path.join(sshd.dir, 'e2e_encrypted_config');
    writeFileSync(config, sshConfigFor(sshd, { identity: sshd.encryptedKey }));
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const probes = new ProbesPage(page);
    await probes.open(served.url);
    await probes.start('node-1', config);
    await probes.enterPassphrase(sshd.passphrase);
    await probes.waitForStage('node-1', 'streaming');
    // Nothing of it stays in the page's persisted state.
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(sshd.passphrase);
    await probes.stop('node-1');
    await probes.waitForStage('node-1', 'stopped');
    await context.close();
  }, 60_000);
});
