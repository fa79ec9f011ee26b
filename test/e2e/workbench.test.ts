/**
 * The workbench in a real browser against the real `pathlight serve`, without a cluster: the
 * server offers the lab's recorded scenarios (test/fixtures/diagnose) as fake clusters named
 * `fake-<scenario>` (PATHLIGHT_FAKE_CLUSTERS, a test-only switch), with the probe events the
 * lab's probes recorded. The same flow against the real lab is test/lab/tests/workbench.test.ts.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/paths.js';
import { dropReasons, fixtureNodes, fixturePod, labFixture, tableEvents } from '../helpers/diagnose.js';
import { fakeKubeconfig, launchChromium, pollingCalls, recordCalls, serve, type SentCalls, type Served } from './harness.js';
import { WorkbenchPage } from './pages/WorkbenchPage.js';
import { ConnectPage } from './pages/ConnectPage.js';
import { ReplayPage } from './pages/ReplayPage.js';

let browser: Browser;
let context: BrowserContext;
let wb: WorkbenchPage;
let served: Served | undefined;
let recordings: string;
let sent: SentCalls;
const errors: string[] = [];
// The fake clusters serve what the two-node lab recorded: A's node, and B's where kube-router rejects.
const fx = labFixture('deny-backend-ingress');
const [node1, node2] = fixtureNodes(fx) as [string, string];
const all = tableEvents(fx).length;
const onNode2 = tableEvents(fx, node2).length;
const netfilterOn2 = dropReasons(fx, node2).find((r) => r.reason === 'NETFILTER_DROP')!.count;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  recordings = mkdtempSync(path.join(tmpdir(), 'pathlight-e2e-recordings-'));
  served = await serve({
    KUBECONFIG: fakeKubeconfig(['deny-backend-ingress', 'wrong-namespace-dns', 'healthy']),
    PATHLIGHT_FAKE_CLUSTERS: fixture('diagnose'),
    PATHLIGHT_RECORDINGS_DIR: recordings,
  });
  context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  errors.length = 0;
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  wb = new WorkbenchPage(page);
  sent = recordCalls(page);
  await page.goto(served.url);
});
afterEach(async () => {
  await context?.close();
  await served?.stop();
});

describe('workbench (fake clusters from the lab fixtures)', () => {
  it('records the session with a question, a bookmark and a note; the saved file opens as a replay with them', async () => {
    await wb.openContext('fake-deny-backend-ingress');
    const page = wb.page;
    await page.getByTestId('record-start').click();
    await page.getByTestId('recording-badge').waitFor();
    expect(await page.getByTestId('recording-badge').innerText()).toMatch(/REC 00:0\d/);
    await wb.ask({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend:8080', probe: 'ssh' });
    expect(await wb.verdict()).toBe('unreachable');
    // The answer as a report file: one self-contained HTML page with the path drawn.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-html').click()]);
    expect(download.suggestedFilename()).toMatch(/^pathlight-report-fake-deny-backend-ingress-\d{8}-\d{6}\.html$/);
    const html = readFileSync((await download.path())!, 'utf8');
    expect(html).toContain('answered on the live cluster');
    expect(html).toContain('lab-deny-ingress/deploy/frontend');
    expect(html).toMatch(/<svg[^>]*>/);
    expect(html).toContain("default-src 'none'");
    // A bare bookmark from the keyboard (also File › Bookmark This Instant in the desktop app).
    await page.keyboard.press('Control+Alt+b');
    await expect.poll(() => page.getByTestId('note-add').innerText()).toBe('Bookmark (1)');
    await page.getByTestId('note-text').fill('backend denied since the new policy');
    await page.getByTestId('note-text').press('Enter');
    await expect.poll(() => page.getByTestId('note-add').innerText()).toBe('Bookmark (2)');
    expect(await page.getByTestId('note-text').inputValue()).toBe('');
    await wb.screenshot('workbench-recording');
    await page.getByTestId('record-stop').click();
    const saved = ((await page.getByTestId('recording-saved').textContent()) ?? '').replace(/\s+/g, ' ');
    expect(saved).toMatch(/^Saved fake-deny-backend-ingress-\d{8}-\d{6}\.pathlight \(\d+ kB, 1 question, 2 notes\)/);
    expect(readdirSync(recordings)).toHaveLength(1);
    await page.getByTestId('record-start').waitFor();

    await page.getByTestId('open-saved').click();
    const rp = new ReplayPage(page);
    await rp.waitForReplay();
    expect(await rp.recordedQuestions()).toEqual([expect.stringContaining('lab-deny-ingress/deploy/frontend → backend:8080')]);
    const notes = await page.getByTestId('recorded-note').allInnerTexts();
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(/bookmark \d\d:\d\d:\d\d/);
    expect(notes[1]).toContain('backend denied since the new policy');
    expect(await page.getByTestId('note-mark').count()).toBe(2);
    // Recorded with the lab's probe events: the replay has them, and the recorded answer.
    await expect.poll(async () => (await rp.eventCount()).total).toBe(all);
    await rp.showRecorded('lab-deny-ingress/deploy/frontend');
    expect((await rp.topFinding()).kind).toBe('policy-deny-ingress');
    await rp.screenshot('replay-of-a-workbench-recording');
    expect(errors).toEqual([]);
  });

  it('follows a question by what the engine pushes: no repeated graph, events or status requests while it runs, nor after the answer', async () => {
    await wb.openContext('fake-deny-backend-ingress');
    // The workbench's first events page (opening it, not following a push) is in before the clock starts.
    await wb.page.locator('[data-testid="events-table"][data-loaded]').waitFor();
    const asked = Date.now();
    await wb.ask({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend:8080', probe: 'ssh' });
    // The answer, the failing hop and every event arrived without the UI asking on a timer.
    expect(await wb.verdict()).toBe('unreachable');
    expect((await wb.failingHopOnGraph()).hop).toBe('policy-ingress');
    await expect.poll(() => wb.eventCount()).toEqual({ matched: all, total: all });
    // From the question on (typing it may page the events table once: a pull the user caused, not a poll).
    const askedAt = sent.calls.find((x) => x.method === 'why.ask' && x.at >= asked)!.at;
    const running = sent.since(askedAt, pollingCalls);
    // One why.status right after asking (the state to start from); the rest follow pushes.
    expect(running.filter((m) => m === 'why.status')).toHaveLength(1);
    // Every graph.changes and events.page pulled what a push announced.
    for (const c of sent.calls.filter((x) => x.at >= askedAt && (x.method === 'graph.changes' || x.method === 'events.page'))) {
      expect(sent.pushed.some((p) => p.at <= c.at && p.event === (c.method === 'graph.changes' ? 'graph.changed' : 'events.appended'))).toBe(true);
    }
    // The last pushes land; then idle with the answer shown, longer than any poll the UI had (the graph's was 5 s).
    await wb.page.waitForTimeout(1_000);
    const idle = Date.now();
    await wb.page.waitForTimeout(6_000);
    expect(sent.since(idle, pollingCalls)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("the Probes tab lists the question's runs; a manual probe feeds the events table and graph; a row filters the events to its node", async () => {
    await wb.openContext('fake-deny-backend-ingress');
    const page = wb.page;
    await wb.ask({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend:8080', probe: 'ssh' });
    await page.getByRole('tab', { name: 'Probes' }).click();
    // Not "No probes running": the question's own runs, one per node, with their figures and drop reasons.
    expect(await page.getByTestId('question-run').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-node')))).toEqual([node1, node2]);
    const qrun = page.locator(`[data-testid="question-run"][data-node="${node2}"]`);
    await qrun.waitFor();
    expect(await qrun.getAttribute('data-stage')).toBe('stopped');
    expect(await qrun.getByTestId('probe-counts').innerText()).toMatch(new RegExp(`^${onNode2} events · [\\d.]+/s · none lost$`));
    expect((await qrun.getByTestId('probe-reasons').innerText()).replace(/\s+/g, ' ')).toBe(
      `top drops: ${dropReasons(fx, node2)
        .map((r) => `${r.reason} ×${r.count}`)
        .join(' ')}`,
    );
    expect(await page.getByText(/No probes/).count()).toBe(0);
    await wb.screenshot('workbench-probes-question-runs');

    // A manual run on the node, started into this workbench (the fake cluster replays the lab's events there).
    await page.getByRole('tab', { name: 'Events' }).click();
    await page.getByTestId('filter-reason').selectOption('');
    await page.getByRole('tab', { name: 'Probes' }).click();
    const form = page.locator('form.probe-form');
    await form.getByLabel('Node', { exact: true }).fill(node2);
    await form.getByLabel('Seconds').fill('1');
    await page.getByRole('button', { name: 'Start probe' }).click();
    const run = page.locator(`[data-testid="probe-run"][data-node="${node2}"][data-stage="stopped"]`);
    await run.waitFor();
    const drops2 = tableEvents(fx, node2).filter((e) => e.type === 'drop').length;
    expect(await run.getByTestId('probe-counts').innerText()).toMatch(new RegExp(`^${drops2} drops · \\d+ DNS · \\d+ TCP · [\\d.]+/s$`));
    await run.scrollIntoViewIfNeeded();
    await wb.screenshot('workbench-probes-manual-run');
    // Its events joined the question's in the table; its row filters them to its node (the question's and its own there).
    await run.locator('strong').click();
    expect(await page.getByRole('tab', { name: 'Events' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByTestId('filter-node').innerText()).toContain(`node ${node2}`);
    await expect.poll(() => wb.eventCount()).toEqual({ matched: 2 * onNode2, total: all + onNode2 });
    await wb.screenshot('workbench-events-by-node');
    // A reason chip: that node's drops with that reason.
    await page.getByRole('tab', { name: 'Probes' }).click();
    await qrun.getByRole('button', { name: /NETFILTER_DROP/ }).click();
    await expect.poll(() => wb.eventCount()).toEqual({ matched: 2 * netfilterOn2, total: all + onNode2 });
    expect(new Set(await wb.eventReasons())).toEqual(new Set(['NETFILTER_DROP']));
    expect(errors).toEqual([]);
  });

  it('asks why for a denied backend: failing hop red on the graph, the policy finding on top, events filtered by reason', async () => {
    await wb.openContext('fake-deny-backend-ingress');
    expect(await wb.openContextName()).toBe('fake-deny-backend-ingress');
    expect(await wb.suggestionsFor('from', 'front')).toContain('workload lab-deny-ingress/deploy/frontend');
    await wb.screenshot('workbench-empty');
    await wb.ask({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend', pickTo: 'service lab-deny-ingress/svc/backend', probe: 'ssh' });
    expect(await wb.verdict()).toBe('unreachable');
    const top = await wb.topFinding();
    expect(top.kind).toBe('policy-deny-ingress');
    // The same sentence `pathlight why` prints for this answer (test/fixtures/diagnose/deny-backend-ingress.golden.txt).
    const [a, b] = [fixturePod(fx, 'lab-deny-ingress', 'frontend').name, fixturePod(fx, 'lab-deny-ingress', 'backend').name];
    expect(await wb.policyExplanation()).toContain(
      `ingress of lab-deny-ingress/${b}: TCP/8080 denied — isolated by NetworkPolicy lab-deny-ingress/deny-backend-ingress, no rule allows it from lab-deny-ingress/${a} (lab-deny-ingress/frontend)`,
    );
    const failing = await wb.failingHopOnGraph();
    expect(failing.hop).toBe('policy-ingress');
    expect(failing.count).toBeGreaterThan(0);
    expect(failing.colors).toEqual(['rgb(224,32,46)']);
    await expect.poll(() => wb.eventCount()).toEqual({ matched: all, total: all });
    await wb.screenshot('workbench-deny-backend-ingress');
    await wb.filterByReason('NETFILTER_DROP');
    const reasons = await wb.eventReasons();
    expect(reasons.length).toBeGreaterThan(0);
    expect(new Set(reasons)).toEqual(new Set(['NETFILTER_DROP']));
    expect((await wb.eventCount()).matched).toBe(reasons.length);
    await wb.screenshot('workbench-events-by-reason');
    expect(await wb.palette()).toContain('Ask why\nCtrl+Enter');
    expect(errors).toEqual([]);
  });

  it('survives a reload: the same cluster, question form and filters come back; dark theme', async () => {
    await wb.openContext('fake-wrong-namespace-dns');
    await wb.ask({ from: 'lab-wrong-ns/deploy/frontend', to: 'backend.lab-wrongns:8080', probe: 'ssh' });
    const before = await wb.topFinding();
    await wb.page.keyboard.press('Control+Shift+L');
    await wb.page.reload();
    await wb.page.getByTestId('workbench').waitFor();
    expect(await wb.openContextName()).toBe('fake-wrong-namespace-dns');
    expect(await wb.page.getByTestId('query-from').inputValue()).toBe('lab-wrong-ns/deploy/frontend');
    await wb.page.getByTestId('ask-why').click();
    await wb.page.getByTestId('answer').waitFor();
    await wb.page.waitForFunction(() => !document.querySelector('[data-testid="why-progress"]'));
    expect((await wb.topFinding()).kind).toBe(before.kind);
    await wb.screenshot('workbench-dark-wrong-namespace-dns');
    expect(errors).toEqual([]);
  });

  it('Connect keeps the SSH settings and the recent questions across a reload; the details panel lists the policies selecting a pod', async () => {
    const connect = new ConnectPage(wb.page);
    await connect.contextNames();
    await connect.fillSsh({ user: 'ubuntu', identityFile: '~/.ssh/lab_ed25519', jump: 'ops@bastion:2222 x', nodes: [['pathlight-lab-node', '192.0.2.7']] });
    expect((await connect.ssh()).errors).toEqual(['user@host:port (user and port optional)']);
    await connect.fillSsh({ jump: 'ops@bastion:2222' });
    await connect.screenshot('connect-ssh-settings');
    await wb.page.reload();
    await connect.contextNames();
    expect(await connect.ssh()).toEqual({
      configFile: '',
      user: 'ubuntu',
      identityFile: '~/.ssh/lab_ed25519',
      jump: 'ops@bastion:2222',
      nodes: [['pathlight-lab-node', '192.0.2.7']],
      errors: [],
    });

    await wb.openContext('fake-deny-backend-ingress');
    await wb.ask({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend', pickTo: 'service lab-deny-ingress/svc/backend', probe: 'ssh' });
    expect(await wb.verdict()).toBe('unreachable');
    // One SSH setting: the query bar states the Connect screen's, and has no field of its own.
    expect(await wb.page.getByTestId('query-bar').getByTestId('ssh-in-effect').locator('span').first().innerText()).toBe(
      'SSH: ~/.ssh/config, from settings · user ubuntu · key ~/.ssh/lab_ed25519 · via ops@bastion:2222 · 1 node address',
    );
    expect(
      await wb.page
        .getByTestId('query-bar')
        .getByRole('textbox', { name: /ssh config/i })
        .count(),
    ).toBe(0);
    await wb.screenshot('workbench-ssh-in-effect');
    await wb.clickNode('pod', 'backend-');
    expect(await wb.selectingPolicies()).toContainEqual({ policy: 'NetworkPolicy lab-deny-ingress/deny-backend-ingress', directions: 'ingress' });
    await wb.screenshot('workbench-details-policies');

    await wb.switchCluster();
    await wb.page.reload();
    expect(await connect.recentQuestions()).toEqual([
      { question: 'lab-deny-ingress/deploy/frontend → lab-deny-ingress/svc/backend', context: 'fake-deny-backend-ingress', verdict: 'unreachable' },
    ]);
    await connect.screenshot('connect-recent-questions');
    await connect.openRecentQuestion();
    expect(await wb.openContextName()).toBe('fake-deny-backend-ingress');
    expect(await wb.page.getByTestId('query-from').inputValue()).toBe('lab-deny-ingress/deploy/frontend');
    expect(await wb.page.getByTestId('query-to').inputValue()).toBe('lab-deny-ingress/svc/backend');
    expect(errors).toEqual([]);
  });
});
