/**
 * HTTP in the workbench, in a real browser against `pathlight serve` with the lab's recorded
 * http-503 scenario (test/fixtures/probe-only, its http probe lines included: test/lab/capture-why.mjs) as a fake
 * cluster: the answer is B's 503s; the path view labels the step that carried the exchanges
 * with their rate, error share and p99; the events table's http chip lists them with their
 * status and request.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/paths.js';
import { readFileSync } from 'node:fs';
import type { LabFixture } from '../helpers/diagnose.js';
import { fakeKubeconfig, launchChromium, serve, type Served } from './harness.js';
import { WorkbenchPage } from './pages/WorkbenchPage.js';

const fx = JSON.parse(readFileSync(fixture('probe-only/http-503.json'), 'utf8')) as LabFixture;
const exchanges = fx.events.filter((e) => e.type === 'http' && !e.encrypted);

let browser: Browser;
let context: BrowserContext | undefined;
let served: Served | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await context?.close();
  await served?.stop();
});

describe('HTTP in the workbench (http-503)', () => {
  it.each([
    [1280, 800],
    [1600, 1000],
  ])('at %ix%i the answer is the 503s; the path step is labelled with rate, errors and p99; the http chip lists the exchanges', async (width, height) => {
    // The recorded scenario holds the exchanges the test reads: 503s, from A's socket and B's.
    expect(exchanges.length).toBeGreaterThan(0);
    expect(exchanges.every((e) => e.status === 503)).toBe(true);
    served = await serve({ KUBECONFIG: fakeKubeconfig(['http-503']), PATHLIGHT_FAKE_CLUSTERS: fixture('probe-only') });
    context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    await page.goto(served.url);
    const wb = new WorkbenchPage(page);
    await wb.openContext('fake-http-503');
    await wb.ask({ from: 'lab-http-503/deploy/frontend', to: 'backend:8080', probe: 'ssh' });
    expect(await wb.verdict()).toBe('unreachable');
    expect((await wb.topFinding()).kind).toBe('http-server-error');

    const flows = await wb.edgeLabels('flow');
    const http = flows.filter((e) => e.label.includes('HTTP'));
    // A's sockets saw the exchanges on the edge to the Service, B's on the edge to B after the DNAT: both carry them.
    expect(http.length).toBe(2);
    for (const e of http) expect(e.label).toMatch(/^tcp\/8080 · HTTP [\d.]+\/s · 100 % err · p99 [\d.]+ (ms|s)$/);
    // One label drawn, A's view (on the edge to the Service): the two would overlap. The other traffic edges stay unlabelled.
    expect(flows.filter((e) => e.drawn).map((e) => e.id)).toEqual(http.filter((e) => e.id.includes('|svc:')).map((e) => e.id));

    await wb.screenshot(`http-path-view-${width}x${height}`);
    await wb.filterByType('http');
    expect(new Set(await wb.eventReasons())).toEqual(new Set(['503']));
    const details = await page.getByTestId('event-detail').allTextContents();
    expect(details.every((d) => /^GET \/\S* .*· [\d.]+ ms · (client|server)'s socket$/.test(d))).toBe(true);
    await wb.screenshot(`http-events-${width}x${height}`);
  });
});
