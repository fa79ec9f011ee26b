// UI benchmark: a graph of 2,000 nodes / 8,000 edges and an events table of 100,000
// rows, in Debian's Chromium through server mode. The cluster is a generated fake cluster
// (PATHLIGHT_FAKE_CLUSTERS, the test-only fixture source): 20 namespaces × 100 pods, and
// 100,000 TCP events over 8,000 distinct pod pairs, replayed by a question with probes on.
// Measures: the graph's render (mapping + cytoscape + fcose layout, performance.measure in the
// page), frame times while panning and zooming, frame times while scrolling the table.
// Usage: npm run build && node bench/ui/run.mjs   (figures printed and written to bench/results/ui.json)
/* global window, document, requestAnimationFrame -- the functions given to page.evaluate run in the page */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const NS = 20;
const PER_NS = 100;
const PAIRS_PER_POD = 4;
const EVENTS = 100_000;
const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-bench-ui-'));

const pods = [];
const objects = {
  Namespace: [],
  Pod: [],
  Node: [
    { metadata: { name: 'node-1' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.0.1' }], conditions: [{ type: 'Ready', status: 'True' }] } },
  ],
};
for (let n = 0; n < NS; n++) {
  objects.Namespace.push({ metadata: { name: `ns-${n}`, labels: { 'kubernetes.io/metadata.name': `ns-${n}` } } });
  for (let p = 0; p < PER_NS; p++) {
    const ip = `10.${n}.${Math.floor(p / 250)}.${(p % 250) + 1}`;
    const pod = {
      metadata: { name: `pod-${p}`, namespace: `ns-${n}`, labels: { app: `a${p % 10}` } },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] },
      status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] },
    };
    objects.Pod.push(pod);
    pods.push({ ns: `ns-${n}`, name: `pod-${p}`, ip });
  }
}
const events = [];
const t0 = Date.now() * 1e6;
for (let i = 0; i < EVENTS; i++) {
  const a = i % pods.length;
  const k = 1 + (Math.floor(i / pods.length) % PAIRS_PER_POD);
  const b = (a * 7 + k * 131) % pods.length;
  const A = pods[a];
  const B = pods[b === a ? (b + 1) % pods.length : b];
  const id = (p) => ({ kind: 'pod', namespace: p.ns, name: p.name, node: 'node-1' });
  events.push({
    v: 1,
    type: 'tcp',
    ts: t0 + i * 600_000,
    node: 'node-1',
    netns: 1,
    proto: 'tcp',
    src: A.ip,
    sport: 30000 + (i % 30000),
    dst: B.ip,
    dport: 80,
    family: 4,
    event: i % 5 === 0 ? 'refused' : 'established',
    state: 'SYN_SENT',
    identities: { src: id(A), dst: id(B) },
  });
}
writeFileSync(path.join(dir, 'big.json'), JSON.stringify({ scenario: 'big', objects, events }));
const kubeconfig = path.join(dir, 'config');
writeFileSync(
  kubeconfig,
  "apiVersion: v1\nkind: Config\ncurrent-context: fake-big\nclusters:\n- name: fake\n  cluster: {server: 'https://127.0.0.1:9'}\nusers:\n- name: fake\n  user: {}\ncontexts:\n- name: fake-big\n  context: {cluster: fake, user: fake}\n",
);

const { url, child } = await serve([], { KUBECONFIG: kubeconfig, PATHLIGHT_FAKE_CLUSTERS: dir, HOME: dir });

const browser = await chromium.launch({
  executablePath: process.env.PATHLIGHT_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
const figures = {};
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(url);
  await page.locator('[data-context="fake-big"]').click();
  await page.getByTestId('open-workbench').click();
  await page.getByTestId('workbench').waitFor();
  await page.getByTestId('query-from').fill('ns-0/pod-0');
  await page.getByTestId('query-to').fill('ns-1/pod-1:80');
  await page.getByTestId('query-probe').selectOption('ssh');
  await page.getByTestId('query-bar').evaluate((f) => f.requestSubmit());
  // Wait until the graph holds every flow edge.
  await page.waitForFunction(() => (window.__pathlightGraph?.cy.edges().length ?? 0) >= 8000, null, { timeout: 150_000, polling: 500 });
  await page.waitForTimeout(1500);
  const renders = await page.evaluate(() => performance.getEntriesByName('pathlight:graph-render').map((e) => ({ ms: e.duration, ...e.detail })));
  const big = renders.filter((r) => r.edges >= 8000);
  figures.graph = {
    nodes: big[0]?.nodes,
    edges: big[0]?.edges,
    firstFullRenderMs: Math.round(big[0]?.ms ?? NaN),
    renders: renders.map((r) => `${r.nodes}n/${r.edges}e ${Math.round(r.ms)} ms`),
  };

  const frames = async (fn, steps) =>
    page.evaluate(
      ([body, n]) =>
        new Promise((resolve) => {
          const step = new Function('i', body);
          const times = [];
          let last = performance.now();
          let i = 0;
          const tick = () => {
            const now = performance.now();
            if (i > 0) times.push(now - last);
            last = now;
            if (i++ >= n) {
              times.sort((a, b) => a - b);
              resolve({
                frames: times.length,
                medianMs: +times[Math.floor(times.length / 2)].toFixed(1),
                p95Ms: +times[Math.floor(times.length * 0.95)].toFixed(1),
                maxMs: +times[times.length - 1].toFixed(1),
              });
              return;
            }
            step(i);
            requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        }),
      [fn, steps],
    );
  await page.evaluate(() => window.__pathlightGraph.fit());
  // Panning through the API (cy.panBy: no gesture, so cytoscape redraws every frame in full), right
  // after the flows arrived (the question may still be streaming its events: graph deltas land meanwhile).
  figures.questionRunningDuringPan = await page.evaluate(() => !!document.querySelector('[data-testid="why-progress"]'));
  figures.panApi = await frames('window.__pathlightGraph.cy.panBy({ x: (i % 40 < 20 ? 12 : -12), y: (i % 60 < 30 ? 6 : -6) });', 120);
  await page.waitForTimeout(500);
  // Panning as a user does it: a mouse drag on the background (cytoscape then draws the
  // viewport from a texture, or without edges on large graphs, until the drag ends).
  await page.evaluate(() => {
    const box = window.__pathlightGraph.cy.container().getBoundingClientRect();
    window.__drag = { x: box.left + 20, y: box.top + box.height - 30 };
  });
  const dragStep = `const d = window.__drag, c = window.__pathlightGraph.cy.container();
    const canvas = c.querySelector('canvas');
    const ev = (type) => canvas.dispatchEvent(new MouseEvent(type, { clientX: d.x, clientY: d.y, button: 0, buttons: 1, bubbles: true, cancelable: true, view: window }));
    if (i === 1) ev('mousedown');
    d.x += 7; d.y += (i % 60 < 30 ? -3 : 3);
    ev('mousemove');
    if (i === 120) ev('mouseup');`;
  const panBefore = await page.evaluate(() => window.__pathlightGraph.cy.pan());
  figures.pan = await frames(dragStep, 120);
  const panAfter = await page.evaluate(() => window.__pathlightGraph.cy.pan());
  // The drag did pan (a check on the benchmark itself): the view moved with the mouse.
  figures.pan.movedPx = Math.round(Math.hypot(panAfter.x - panBefore.x, panAfter.y - panBefore.y));
  figures.zoom = await frames(
    'const cy = window.__pathlightGraph.cy; cy.zoom({ level: cy.zoom() * (i % 40 < 20 ? 1.04 : 1 / 1.04), renderedPosition: { x: 500, y: 350 } });',
    120,
  );

  await page.waitForFunction(() => Number(document.querySelector('[data-testid="events-table"]')?.getAttribute('data-total')) >= 100000, null, {
    timeout: 120_000,
  });
  figures.table = { rows: Number(await page.getByTestId('events-table').getAttribute('data-total')) };
  Object.assign(figures.table, await frames('const el = document.querySelector(\'[data-testid="events-table"]\'); el.scrollTop += 2600;', 200));
  figures.table.renderedRows = await page.getByTestId('event-row').count();
  await page.screenshot({ path: path.join(dir, 'bench-ui.png') });
  figures.screenshot = path.join(dir, 'bench-ui.png');
} finally {
  await browser.close();
  child.kill('SIGTERM');
}
figures.date = new Date().toISOString();
figures.machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, headless Chromium (software rendering)`;
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/ui.json', JSON.stringify(figures, null, 2));
console.log(JSON.stringify(figures, null, 2));
