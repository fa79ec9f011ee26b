/**
 * Replay in a real browser against the real `pathlight serve --open assets/demo.pathlight` (the
 * lab's nine scenarios, recorded): the app opens the recording by itself, says it is one, lists
 * the recorded questions, shows a recorded answer with its failing hop, scrubs the events back in
 * time, asks why again on the recorded state; and a file dropped on the window opens too.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RecordingWriter } from '../../src/backend/store/container.js';
import { eventsIn } from '../helpers/recording.js';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoPath } from '../helpers/paths.js';
import { launchChromium, pollingCalls, recordCalls, serve, type Served } from './harness.js';
import { ReplayPage } from './pages/ReplayPage.js';

const demo = repoPath('assets/demo.pathlight');
let browser: Browser;
let context: BrowserContext;
let rp: ReplayPage;
let served: Served | undefined;
const errors: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  served = await serve({}, ['--open', demo]);
  context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  errors.length = 0;
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  rp = new ReplayPage(page);
  await page.goto(served.url);
});
afterEach(async () => {
  await context?.close();
  await served?.stop();
});

describe('replay (serve --open assets/demo.pathlight)', () => {
  it('opens the startup recording: banner, nine questions, a recorded answer, the scrubber, ask why again', async () => {
    await rp.waitForReplay();
    const banner = await rp.banner();
    expect(banner).toContain('recording · read-only');
    expect(banner).toContain('demo.pathlight');
    expect(banner).toMatch(/9 questions/);
    const questions = await rp.recordedQuestions();
    expect(questions).toHaveLength(9);
    expect(questions.join('\n')).toContain('lab-deny-ingress/deploy/frontend → backend:8080');
    expect(await rp.probesControl()).toEqual({ disabled: true, text: 'recorded' });
    const events = await eventsIn(demo);
    expect(events).toBeGreaterThan(300);
    await expect.poll(() => rp.eventCount()).toEqual({ matched: events, total: events });
    await rp.screenshot('replay-opened');

    await rp.showRecorded('lab-deny-ingress/deploy/frontend');
    expect(await rp.verdict()).toBe('unreachable');
    const [download] = await Promise.all([rp.page.waitForEvent('download'), rp.page.getByTestId('report-md').click()]);
    expect(download.suggestedFilename()).toMatch(/^pathlight-report-demo-\d{8}-\d{6}\.md$/);
    const md = readFileSync((await download.path())!, 'utf8');
    expect(md).toMatch(/^# Pathlight session report/);
    expect(md).toContain('the answer given then');
    expect(md).toContain('lab-deny-ingress/deploy/frontend');
    expect((await rp.topFinding()).kind).toBe('policy-deny-ingress');
    const failing = await rp.failingHopOnGraph();
    expect(failing.hop).toBe('policy-ingress');
    expect(failing.colors).toEqual(['rgb(224,32,46)']);
    const atAnswer = await rp.eventCount();
    expect(atAnswer.total).toBeGreaterThan(0);
    expect(atAnswer.total).toBeLessThan(events);
    await rp.screenshot('replay-recorded-answer');

    await rp.scrubTo(0.05);
    await expect.poll(async () => (await rp.eventCount()).total).toBeLessThan(atAnswer.total);
    await rp.scrubTo(0.95);
    await expect.poll(async () => (await rp.eventCount()).total).toBeGreaterThan(atAnswer.total);
    await rp.screenshot('replay-scrubbed');

    await rp.showRecorded('lab-wrong-ns/deploy/frontend');
    expect((await rp.topFinding()).kind).toBe('dns-nxdomain');
    await rp.askAgain();
    expect((await rp.topFinding()).kind).toBe('dns-nxdomain');
    expect(await rp.page.getByTestId('answer-origin').innerText()).toMatch(/Re-run on the recording/);
    await rp.screenshot('replay-asked-again');
    expect(errors).toEqual([]);
  });

  it('plays, survives a reload, closes to Connect with the recent list; a dropped file opens as a recording', async () => {
    await rp.waitForReplay();
    await rp.scrubTo(0);
    const t0 = await rp.time();
    await rp.page.getByTestId('replay-speed').selectOption('100');
    await rp.page.getByTestId('replay-play').click();
    await rp.page.waitForFunction((t) => document.querySelector('[data-testid="replay-time"]')?.textContent !== t, t0);
    await rp.page.getByTestId('replay-play').click();
    await rp.page.reload();
    await rp.waitForReplay();
    await rp.page.getByTestId('close-recording').click();
    await rp.page.getByTestId('recordings').waitFor();
    expect(await rp.page.getByTestId('recent-recording').allInnerTexts()).toEqual(['demo.pathlight']);
    await rp.screenshot('replay-connect-recent');

    // Drop the demo's bytes on the window, as a user drags the file from their file manager.
    const b64 = readFileSync(demo).toString('base64');
    await rp.page.evaluate(async (data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'dropped.pathlight'));
      window.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, cancelable: true }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true }));
    }, b64);
    await rp.waitForReplay();
    expect(await rp.page.getByTestId('replay-file').innerText()).toBe('dropped.pathlight');
    expect(await rp.recordedQuestions()).toHaveLength(9);

    // Not a recording: said so on the Connect screen with the next step.
    await rp.page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['apiVersion: v1'], 'config.yaml'));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true }));
    });
    await rp.page.getByText('config.yaml is not a Pathlight recording.').waitFor();
    await rp.screenshot('replay-drop-not-a-recording');
    expect(errors).toEqual([]);
  });
});

/**
 * A recording of 400,000 events between three pods, written here: the first view (table,
 * timeline, cluster) comes at once, the graph's flows are counted in the background with the
 * player saying so, and a filter and a seek back work on all of them.
 */
describe('replay of a large recording', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pathlight-e2e-big-'));
  const file = path.join(dir, 'big.pathlight');
  const n = 400_000;
  const t0 = 1_764_000_000_000_000_000;
  beforeAll(() => {
    const w = new RecordingWriter(file, { flushMillis: 3_600_000 });
    const pod = (namespace: string, name: string, ip: string) => ({
      metadata: { namespace, name, uid: name, labels: { app: name.replace(/-0$/, '') } },
      spec: { nodeName: 'node-a', containers: [{ name: 'main' }] },
      status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] },
    });
    const pods = [pod('shop', 'frontend-0', '10.244.0.10'), pod('shop', 'backend-0', '10.244.0.20'), pod('data', 'db-0', '10.244.0.30')];
    w.append({ ts: t0 - 1, kind: 'meta', data: { context: 'big-cluster', cluster: { name: 'big-cluster' } } });
    w.append({ ts: t0, kind: 'snapshot', data: { objects: { Namespace: [{ metadata: { name: 'shop' } }, { metadata: { name: 'data' } }], Pod: pods } } });
    const who = (p: (typeof pods)[number]) => ({ kind: 'pod', namespace: p.metadata.namespace, name: p.metadata.name });
    for (let i = 0; i < n; i++) {
      const ts = t0 + 1 + i * 250_000; // 4,000 events/s over 100 s
      const base = { v: 1, ts, node: 'node-a', netns: 4026532001, proto: 'tcp', src: '10.244.0.10', sport: 32768 + (i % 28000), family: 4, ifindex: 2 };
      const data =
        i % 2 === 0
          ? {
              ...base,
              type: 'drop',
              dst: '10.244.0.20',
              dport: 8080,
              reason: 'NETFILTER_DROP',
              reasonCode: 1,
              location: 'nft_do_chain',
              identities: { src: who(pods[0]!), dst: who(pods[1]!) },
            }
          : {
              ...base,
              type: 'tcp',
              dst: '10.244.0.30',
              dport: 5432,
              event: 'established',
              state: 'ESTABLISHED',
              role: 'client',
              identities: { src: who(pods[0]!), dst: who(pods[2]!) },
            };
      w.append({ ts, kind: 'probe', data });
    }
    w.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows the table at once, counts the flows in the background, filters and seeks on all of them', async () => {
    await served?.stop();
    served = await serve({}, ['--open', file]);
    const sent = recordCalls(rp.page);
    await rp.page.goto(served.url);
    // What the page said while its first server (the demo's) was going away is not this test's.
    errors.length = 0;
    await rp.waitForReplay();
    await expect.poll(() => rp.eventCount()).toEqual({ matched: n, total: n });
    // The graph's flows are still being counted: the player says so, then they are all there.
    await expect.poll(() => rp.countingFlows()).toBe(true);
    await rp.screenshot('replay-large-counting');
    await expect.poll(() => rp.countingFlows(), { timeout: 60_000 }).toBe(false);
    expect(await rp.flowEdges()).toEqual([
      ['frontend-0', 'backend-0', 'dropped'],
      ['frontend-0', 'db-0', 'forwarded'],
    ]);
    await rp.filterByReason('NETFILTER_DROP');
    await expect.poll(() => rp.eventCount()).toEqual({ matched: n / 2, total: n });
    await rp.scrubTo(0.25);
    await expect.poll(async () => (await rp.eventCount()).total).toBeLessThan(n / 2);
    const early = await rp.eventCount();
    expect(early.matched).toBe(Math.ceil(early.total / 2));
    // Back in time: the flows are counted again from the start.
    await expect.poll(() => rp.countingFlows()).toBe(true);
    await expect.poll(() => rp.countingFlows(), { timeout: 60_000 }).toBe(false);
    expect((await rp.flowEdges()).map((e) => e[2])).toEqual(['dropped', 'forwarded']);
    await rp.screenshot('replay-large-scrubbed');
    // The counting was followed by the engine's graph.changed pushes: one pull for each at most
    // (and one for the scrub), never a pull on a timer — nor any once all is counted.
    const pulls = sent.calls.filter((c) => c.method === 'graph.changes').length;
    expect(pulls).toBeLessThanOrEqual(sent.pushed.filter((p) => p.event === 'graph.changed').length + 1);
    await rp.page.waitForTimeout(1_000);
    const idle = Date.now();
    await rp.page.waitForTimeout(6_000);
    expect(sent.since(idle, pollingCalls)).toEqual([]);
    expect(errors).toEqual([]);
  }, 120_000);
});
