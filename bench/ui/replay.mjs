// Replay benchmark in the browser: a recording of 1,000,000 probe events between 300
// pods in 10 namespaces (~1,200 pod pairs), opened by `pathlight serve --open FILE` and shown in
// Debian's Chromium as a user sees it. Measures, from the page's navigation: the events table
// with its count and timeline, the graph with the cluster, the graph's flows all counted (the
// player's "counting flows" gone); the longest frame the page took meanwhile (is the UI
// responsive while the engine reads?); then a scrub to the middle: the table following, and the
// flows counted again. The engine's own figures: npm run bench:recording.
// Usage: npm run bench:replay-ui   (builds; figures printed and written to bench/results/replay-ui.json)
/* global window, document, requestAnimationFrame -- the functions given to page.evaluate run in the page */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';
import { RecordingWriter } from '../../dist/backend/store/container.js';

const N = Number(process.env.EVENTS ?? 1_000_000);
const NS = 10;
const PER_NS = 30;
const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-bench-replay-ui-'));
const file = path.join(dir, 'big.pathlight');
const t0 = 1_764_000_000_000_000_000;
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;

const pods = [];
const objects = {
  Namespace: [],
  Pod: [],
  Node: [
    { metadata: { name: 'node-1' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.0.1' }], conditions: [{ type: 'Ready', status: 'True' }] } },
  ],
};
for (let n = 0; n < NS; n++) {
  objects.Namespace.push({ metadata: { name: `ns-${n}` } });
  for (let p = 0; p < PER_NS; p++) {
    const ip = `10.${n}.0.${p + 1}`;
    objects.Pod.push({
      metadata: { name: `pod-${p}`, namespace: `ns-${n}`, uid: `u-${n}-${p}`, labels: { app: `a${p % 10}` } },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] },
      status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] },
    });
    pods.push({ ns: `ns-${n}`, name: `pod-${p}`, ip });
  }
}
let t = process.hrtime.bigint();
const w = new RecordingWriter(file, { flushMillis: 3_600_000 });
w.append({ ts: t0 - 2, kind: 'meta', data: { source: 'live', context: 'bench-cluster', cluster: { name: 'bench-cluster' } } });
w.append({ ts: t0 - 1, kind: 'snapshot', data: { objects } });
const who = (p) => ({ kind: 'pod', namespace: p.ns, name: p.name, node: 'node-1' });
for (let i = 0; i < N; i++) {
  // ~1,000 events/s over ~17 minutes: TCP outcomes and drops between pod pairs.
  const a = pods[i % pods.length];
  const b = pods[(i * 7 + 1 + (Math.floor(i / pods.length) % 4) * 31) % pods.length];
  const ts = t0 + i * 1_000_000;
  const base = {
    v: 1,
    ts,
    node: 'node-1',
    netns: 4026532001,
    proto: 'tcp',
    src: a.ip,
    sport: 32768 + (i % 28000),
    dst: b.ip,
    dport: 80,
    family: 4,
    ifindex: 2,
    identities: { src: who(a), dst: who(b) },
  };
  const data =
    i % 4 === 0
      ? { ...base, type: 'drop', reason: 'NETFILTER_DROP', reasonCode: 1, location: 'nft_do_chain' }
      : { ...base, type: 'tcp', event: i % 4 === 1 ? 'refused' : 'established', state: 'ESTABLISHED', role: 'client' };
  w.append({ ts, kind: 'probe', data });
}
w.close();
const figures = { events: N, pods: pods.length, fileBytes: statSync(file).size, writeMs: Math.round(ms(t)) };

t = process.hrtime.bigint();
const { url, child } = await serve(['--open', file], { HOME: dir });
figures.serveReadyMs = Math.round(ms(t));

const browser = await chromium.launch({
  executablePath: process.env.PATHLIGHT_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  // The longest gap between two frames the page drew, from now on (a frozen page shows here).
  await page.addInitScript(() => {
    window.__frames = { last: performance.now(), worst: 0 };
    const tick = () => {
      const now = performance.now();
      window.__frames.worst = Math.max(window.__frames.worst, now - window.__frames.last);
      window.__frames.last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const since = (from) => Math.round(performance.now() - from);
  const start = performance.now();
  await page.goto(url);
  const total = () => Number(document.querySelector('[data-testid="events-table"]')?.getAttribute('data-total'));
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="events-table"]')?.getAttribute('data-total')) === n, N, {
    timeout: 60_000,
    polling: 20,
  });
  figures.tableShownMs = since(start);
  await page.waitForFunction(() => (window.__pathlightGraph?.cy.nodes().length ?? 0) > 0, null, { timeout: 60_000, polling: 20 });
  figures.graphShownMs = since(start);
  await page.waitForFunction(() => document.querySelector('[data-testid="replay-reading"]') !== null, null, { timeout: 10_000, polling: 20 });
  await page.waitForFunction(() => document.querySelector('[data-testid="replay-reading"]') === null, null, { timeout: 300_000, polling: 100 });
  figures.flowsCountedMs = since(start);
  figures.flowEdges = await page.evaluate(() => window.__pathlightGraph.cy.edges('[kind = "flow"]').length);
  figures.longestFrameWhileOpeningMs = Math.round(await page.evaluate(() => window.__frames.worst));

  // Scrub to the middle, as a user clicks the scrubber.
  await page.evaluate(() => (window.__frames.worst = 0));
  const s = page.getByTestId('replay-scrubber');
  const box = await s.boundingBox();
  const seekStart = performance.now();
  await page.mouse.click(box.x + 8 + (box.width - 16) * 0.5, box.y + box.height / 2);
  await page.waitForFunction(
    (n) => {
      const v = Number(document.querySelector('[data-testid="events-table"]')?.getAttribute('data-total'));
      return v > 0 && v < n;
    },
    N,
    { timeout: 60_000, polling: 20 },
  );
  figures.seekTableMs = since(seekStart);
  figures.seekTotal = await page.evaluate(total);
  // The flows are counted again from the start (the player says so), then all there.
  await page.waitForFunction(() => document.querySelector('[data-testid="replay-reading"]') !== null, null, { timeout: 10_000, polling: 20 });
  await page.waitForFunction(() => document.querySelector('[data-testid="replay-reading"]') === null, null, { timeout: 300_000, polling: 100 });
  figures.seekFlowsCountedMs = since(seekStart);
  figures.longestFrameWhileSeekingMs = Math.round(await page.evaluate(() => window.__frames.worst));
  await page.screenshot({ path: path.join(dir, 'bench-replay-ui.png') });
} finally {
  await browser.close();
  child.kill('SIGTERM');
}
rmSync(file, { force: true });
figures.date = new Date().toISOString();
figures.machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, headless Chromium (software rendering), Node ${process.version}`;
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/replay-ui.json', JSON.stringify(figures, null, 2) + '\n');
console.log(
  `recording: ${N.toLocaleString('en')} events between ${pods.length} pods, ${(figures.fileBytes / 2 ** 20).toFixed(1)} MiB; pathlight serve --open ready after ${figures.serveReadyMs} ms`,
);
console.log(
  `from navigation: events table with its count and timeline ${figures.tableShownMs} ms, graph ${figures.graphShownMs} ms, flows counted ${figures.flowsCountedMs} ms (${figures.flowEdges} flow edges); longest frame meanwhile ${figures.longestFrameWhileOpeningMs} ms`,
);
console.log(
  `scrub to the middle: table follows after ${figures.seekTableMs} ms (${figures.seekTotal.toLocaleString('en')} events), flows counted again after ${figures.seekFlowsCountedMs} ms; longest frame meanwhile ${figures.longestFrameWhileSeekingMs} ms`,
);
console.log(`machine: ${figures.machine}`);
console.log('reproduce: npm run bench:replay-ui');
