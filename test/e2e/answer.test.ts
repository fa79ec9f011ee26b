/**
 * The answer at a glance, in a real browser against `pathlight serve` with the lab's recorded
 * deny scenario as a fake cluster (as in workbench.test.ts): after a question the graph shows
 * the path alone, left to right, with labels that do not overlap; the verdict, the failing
 * hop, the top finding and its fix fit a laptop's screen without scrolling.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixture, repoPath } from '../helpers/paths.js';
import { fakeKubeconfig, launchChromium, serve, type Served } from './harness.js';
import { ReplayPage } from './pages/ReplayPage.js';
import { WorkbenchPage } from './pages/WorkbenchPage.js';
import { fixturePod, labFixture, tableEvents } from '../helpers/diagnose.js';

const fx = labFixture('deny-backend-ingress');
const A = fixturePod(fx, 'lab-deny-ingress', 'frontend');
const B = fixturePod(fx, 'lab-deny-ingress', 'backend');

let browser: Browser;
let context: BrowserContext | undefined;
let served: Served | undefined;
const errors: string[] = [];

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

async function open(width: number, height: number): Promise<WorkbenchPage> {
  served = await serve({ KUBECONFIG: fakeKubeconfig(['deny-backend-ingress']), PATHLIGHT_FAKE_CLUSTERS: fixture('diagnose') });
  context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  errors.length = 0;
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(served.url);
  const wb = new WorkbenchPage(page);
  await wb.openContext('fake-deny-backend-ingress');
  await wb.ask({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend:8080', probe: 'ssh' });
  expect(await wb.verdict()).toBe('unreachable');
  return wb;
}

const intersect = (a: { x1: number; y1: number; x2: number; y2: number }, b: typeof a) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

describe('the answer at a glance (deny-backend-ingress)', () => {
  it('the graph opens on the path: A, its DNS server, the name, the Service and B, left to right; the toggle brings the cluster back', async () => {
    const wb = await open(1440, 900);
    const shown = await wb.graphShown();
    expect(shown.view).toBe('path');
    expect(shown.nodes.map((n) => n.id).sort()).toEqual(
      [
        `pod:lab-deny-ingress/${A.name}`,
        'svc:kube-system/kube-dns',
        `pod:kube-system/${fixturePod(fx, 'kube-system', { 'k8s-app': 'kube-dns' }).name}`,
        'dns:backend.lab-deny-ingress.svc.cluster.local',
        'svc:lab-deny-ingress/backend',
        `pod:lab-deny-ingress/${B.name}`,
      ].sort(),
    );
    // Each pod says which Kubernetes node it runs on.
    // Each pod says which node it runs on: A and B on different nodes of the two-node lab.
    expect(shown.nodes.find((n) => n.id === `pod:lab-deny-ingress/${A.name}`)?.label).toBe(`${A.name}\non ${A.node}`);
    expect(shown.nodes.find((n) => n.id === `pod:lab-deny-ingress/${B.name}`)?.label).toBe(`${B.name}\non ${B.node}`);
    expect(A.node).not.toBe(B.node);
    // No namespace boxes, nothing of the scenario's other workloads (db) or namespaces.
    expect(shown.nodes.some((n) => n.kind === 'namespace' || n.id.includes('/db'))).toBe(false);
    // Left to right in hop order: A, then DNS, then the Service, then B.
    const x = await wb.page.evaluate(
      (ids) => {
        const cy = (window as unknown as { __pathlightGraph: { cy: { getElementById(i: string): { renderedPosition(): { x: number } } } } }).__pathlightGraph
          .cy;
        return ids.map((id) => cy.getElementById(id).renderedPosition().x);
      },
      [`pod:lab-deny-ingress/${A.name}`, 'dns:backend.lab-deny-ingress.svc.cluster.local', 'svc:lab-deny-ingress/backend', `pod:lab-deny-ingress/${B.name}`],
    );
    expect([...x].sort((a, b) => a - b)).toEqual(x);
    expect(new Set(x).size).toBe(4);
    // Edge labels only on the path's edges; the failing hop still red.
    for (const e of shown.edges) if (e.labelled) expect(e.id).toMatch(/^(path|policy)\|/);
    expect(shown.edges.filter((e) => !e.labelled).map((e) => e.id)).toEqual(
      expect.arrayContaining([`flow|pod:lab-deny-ingress/${A.name}|svc:kube-system/kube-dns|udp/53`]),
    );
    // The others show theirs on hover.
    expect(await wb.hoverEdge(`flow|pod:lab-deny-ingress/${A.name}|svc:kube-system/kube-dns|udp/53`)).toBe('udp/53');
    await wb.page.mouse.move(1, 1);
    const failing = await wb.failingHopOnGraph();
    expect(failing.hop).toBe('policy-ingress');
    expect(failing.colors).toEqual(['rgb(224,32,46)']);
    // No two node labels overlap at the zoom the view opens at.
    const boxes = await wb.nodeLabelBoxes();
    expect(boxes).toHaveLength(6);
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++)
        expect([boxes[i]!.id, boxes[j]!.id, intersect(boxes[i]!, boxes[j]!)]).toEqual([boxes[i]!.id, boxes[j]!.id, false]);
    await wb.screenshot('answer-path-view-1440x900');

    await wb.setWholeCluster(true);
    const whole = await wb.graphShown();
    expect(whole.nodes.length).toBeGreaterThan(20);
    expect(whole.nodes.some((n) => n.kind === 'namespace')).toBe(true);
    expect(whole.nodes.some((n) => n.id === `pod:lab-deny-ingress/${fixturePod(fx, 'lab-deny-ingress', 'db').name}`)).toBe(true);
    // The path stays drawn over the cluster (its edges survive the namespace boxes coming back).
    expect(whole.edges.map((e) => e.id)).toEqual(expect.arrayContaining(shown.edges.map((e) => e.id)));
    await wb.screenshot('answer-whole-cluster-1440x900');
    await wb.setWholeCluster(false);
    expect((await wb.graphShown()).nodes).toHaveLength(6);
    expect(errors).toEqual([]);
  });

  it.each([
    [1280, 800],
    [1440, 900],
  ])('at %i×%i the verdict, the failing hop, the top finding and its fix are on screen without scrolling', async (width, height) => {
    const wb = await open(width, height);
    const inView = async (selector: string) => {
      const b = await wb.boxOf(selector);
      return { selector, inside: b.x >= 0 && b.y >= 0 && b.x + b.width <= b.vw && b.y + b.height <= b.vh && b.width > 0 && b.height > 0 };
    };
    const shot = await wb.screenshot(`answer-above-the-fold-${width}x${height}`);
    expect(shot).toMatch(/\.png$/);
    for (const sel of [
      '[data-testid="verdict"]',
      '[data-testid="hop"][data-verdict="fail"]',
      '[data-testid="finding"] .finding-head',
      '[data-testid="finding"] [data-testid="fix"] h4',
      '[data-testid="finding"] [data-testid="fix"] p',
    ])
      expect(await inView(sel)).toEqual({ selector: sel, inside: true });
    // The headline a colleague would write; the pods' full names in the details and the evidence.
    expect(await wb.page.getByTestId('finding-headline').first().innerText()).toBe('frontend → backend:8080 denied by lab-deny-ingress/deny-backend-ingress');
    // Nothing in the why panel scrolled to get there.
    expect(await wb.page.getByTestId('why-panel').evaluate((e) => e.scrollTop)).toBe(0);
    expect(errors).toEqual([]);
  });

  it('the events table starts filtered to the question, with a chip that clears it', async () => {
    const wb = await open(1440, 900);
    // Every event the lab's probes recorded for this question is about A (the agent was filtered to A's addresses).
    await expect.poll(() => wb.questionChip()).toBe('question only: 3 addresses, 1 DNS name ✕');
    const all = tableEvents(fx).length;
    await expect.poll(() => wb.eventCount()).toEqual({ matched: all, total: all });
    await wb.clearQuestionChip();
    await expect.poll(() => wb.eventCount()).toEqual({ matched: all, total: all });
    expect(errors).toEqual([]);
  });

  it('in a replay, a recorded question filters the events to its own (the demo holds nine questions)', async () => {
    served = await serve({}, ['--open', repoPath('assets/demo.pathlight')]);
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const rp = new ReplayPage(await context.newPage());
    await rp.page.goto(served.url);
    await rp.waitForReplay();
    expect(await rp.questionChip()).toBeNull();
    await rp.showRecorded('lab-deny-ingress/deploy/frontend');
    await expect.poll(() => rp.questionChip()).toBe('question only: 3 addresses, 1 DNS name ✕');
    expect(await rp.page.getByTestId('filter-question').getAttribute('title')).toMatch(/DNS lookups of backend\.lab-deny-ingress\.svc\.cluster\.local$/);
    await expect.poll(async () => (await rp.eventCount()).matched).toBeGreaterThan(0);
    const filtered = await rp.eventCount();
    expect(filtered.matched).toBeLessThan(filtered.total);
    // What is left is about the question (A's pod, the backend, lookups of its name), not the other scenarios' backends.
    const rows = await rp.page.getByTestId('event-row').allInnerTexts();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r).toMatch(/lab-deny-ingress/);
    await rp.screenshot('answer-replay-question-filter');
    await rp.clearQuestionChip();
    await expect.poll(() => rp.eventCount()).toEqual({ matched: filtered.total, total: filtered.total });
  });
});
