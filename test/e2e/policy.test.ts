/**
 * The workbench's policy panels in a real browser against `pathlight serve --open
 * assets/demo.pathlight` (the lab's nine scenarios, recorded with probes): "Advise policies"
 * shows the verified advice per namespace as YAML, the flows each rule keeps, and Copy puts the
 * YAML on the clipboard; "What if…" lists the DNS flow a change that forgets DNS egress would
 * deny, says that a change keeping every observed flow changes none, and names the line of
 * malformed YAML. Screenshots at 1280×800 in test-results/e2e/.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { fixture, repoPath } from '../helpers/paths.js';
import { fakeKubeconfig, launchChromium, recordCalls, serve, type SentCalls, type Served } from './harness.js';
import { PolicyPage } from './pages/PolicyPage.js';

const demo = repoPath('assets/demo.pathlight');
let browser: Browser;
let context: BrowserContext;
let pp: PolicyPage;
let served: Served | undefined;
let sent: SentCalls;
const errors: string[] = [];

/** lab-healthy's frontend may reach its backend only: DNS forgotten. */
const FORGETS_DNS = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: frontend-egress, namespace: lab-healthy}
spec:
  podSelector: {matchLabels: {app: frontend}}
  policyTypes: [Egress]
  egress:
    - to: [{podSelector: {matchLabels: {app: backend}}}]
      ports: [{port: 8080}]
`;
/** The same with DNS to CoreDNS kept: breaks nothing that was seen. */
const KEEPS_DNS = `${FORGETS_DNS}    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
      ports: [{port: 53, protocol: UDP}]
`;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
/** A browser page at 1280×800 (clipboard allowed) on a new `pathlight serve`. */
async function start(env: Record<string, string>, args: string[]): Promise<void> {
  served = await serve(env, args);
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(served.url).origin });
  const page = await context.newPage();
  errors.length = 0;
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  pp = new PolicyPage(page);
  sent = recordCalls(page);
  await page.goto(served.url);
}
afterEach(async () => {
  await context?.close();
  await served?.stop();
});

describe('policy panels on the demo recording', () => {
  beforeEach(async () => {
    await start({}, ['--open', demo]);
    await pp.waitForReplay();
  });

  it('Advise policies: verified advice per namespace, the flows each rule keeps, Copy YAML', async () => {
    await pp.openAdvice();
    expect(await pp.page.getByTestId('advice-verified').innerText()).toMatch(
      /^verified: (1 observed flow|([02-9]|\d\d+) observed flows) allowed, nothing else$/,
    );
    const namespaces = await pp.adviceNamespaces();
    expect(namespaces).toContain('lab-healthy');
    expect(namespaces.some((n) => n.startsWith('kube-'))).toBe(false);
    await pp.showNamespace('lab-healthy');
    const yaml = await pp.adviceYaml();
    const names = parseAllDocuments(yaml).map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name);
    expect(names).toEqual(['pathlight-default-deny', 'pathlight-backend', 'pathlight-frontend']);
    expect(yaml).not.toContain('pod-template-hash');
    expect(await pp.keptFlows('pathlight-frontend', 'spec.egress[0]')).toEqual(['lab-healthy/frontend → kube-system/coredns UDP/53 seen 4 times']);
    expect(await pp.keptFlows('pathlight-frontend', 'spec.egress[1]')).toEqual(['lab-healthy/frontend → lab-healthy/backend TCP/8080 seen 2 times']);
    await pp.screenshot('policy-advice');
    // Below the policies: what was left closed, and the engine's notes.
    await pp.page.getByTestId('advice-left-closed').locator('summary').click();
    await pp.page.getByTestId('advice-notes').locator('summary').click();
    expect(await pp.page.getByTestId('advice-left-closed').innerText()).toContain(
      'lab-deny-ingress/frontend → lab-deny-ingress/backend TCP/8080 tried 2 times',
    );
    await pp.page.getByTestId('advice-notes').scrollIntoViewIfNeeded();
    await pp.screenshot('policy-advice-notes');

    const copied = await pp.copyYaml();
    expect(copied).toBe(yaml.trimEnd() + '\n');
    expect(copied).toMatch(/^# NetworkPolicies for namespace lab-healthy, advised by pathlight from the traffic in demo\.pathlight/);

    // The namespaces advised are the user's choice.
    await pp.page.locator('.policy-namespaces summary').click();
    await pp.screenshot('policy-advice-namespaces');
    await pp.page.locator('.policy-ns-choices label').filter({ hasText: 'lab-anp' }).locator('input').uncheck();
    await expect.poll(() => pp.adviceNamespaces()).toEqual(namespaces.filter((n) => n !== 'lab-anp'));
    await pp.page.locator('.policy-namespaces summary').click();

    // Save hands the same YAML over as NS.yaml.
    const [download] = await Promise.all([pp.page.waitForEvent('download'), pp.page.getByTestId('advice-save').click()]);
    expect(download.suggestedFilename()).toBe('lab-healthy.yaml');
    expect(errors).toEqual([]);
  });

  it('What if…: a change that forgets DNS egress lists the DNS flow newly denied; one that keeps it changes nothing; malformed YAML names the line', async () => {
    await pp.openImpact();
    await pp.screenshot('policy-impact-empty');
    await pp.checkImpact(FORGETS_DNS);
    expect(await pp.page.getByTestId('impact-summary').innerText()).toMatch(/Adds NetworkPolicy lab-healthy\/frontend-egress\. 10 observed flows judged/);
    const denied = await pp.newlyDenied();
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatch(/^lab-healthy\/frontend → kube-system\/coredns UDP\/53 seen 4 times\n/);
    expect(denied[0]).toContain('egress isolated by NetworkPolicy lab-healthy/frontend-egress, no rule of which allows it');
    expect(await pp.noChange()).toBe(false);
    await pp.screenshot('policy-impact-dns-denied');

    await pp.checkImpact(KEEPS_DNS);
    expect(await pp.noChange()).toBe(true);
    expect(await pp.newlyDenied()).toEqual([]);
    expect(await pp.newlyAllowed()).toEqual([]);
    await pp.screenshot('policy-impact-no-change');

    // The pasted text survives a trip to another tab.
    await pp.page.getByRole('tab', { name: 'Events' }).click();
    await pp.openImpact();
    expect(await pp.page.getByTestId('impact-text').inputValue()).toBe(KEEPS_DNS);

    await pp.checkImpact('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: broken\n  namespace: [lab-healthy\nspec: {}\n');
    const problems = await pp.problems();
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toMatch(/^[56]$/);
    expect(problems[0]!.text).toMatch(/^pasted policy, line [56]/);
    expect(await pp.page.getByTestId('impact-summary').count()).toBe(0);
    // "show line N" selects that line in the text.
    await pp.page
      .getByTestId('impact-problem')
      .getByRole('button', { name: /^show line/ })
      .click();
    const selected = await pp.page.getByTestId('impact-text').evaluate((el: HTMLTextAreaElement) => el.value.slice(el.selectionStart, el.selectionEnd));
    expect(['  namespace: [lab-healthy', 'spec: {}']).toContain(selected);
    await pp.screenshot('policy-impact-malformed');
    expect(errors).toEqual([]);
  });
});

describe('policy panels on a live (fake) session', () => {
  it('says what to do before any probe ran; advises from what a question with probes saw', async () => {
    await start({ KUBECONFIG: fakeKubeconfig(['healthy']), PATHLIGHT_FAKE_CLUSTERS: fixture('diagnose') }, []);
    await pp.openContext('fake-healthy');
    await pp.openAdvice();
    expect(await pp.page.getByTestId('error-panel').innerText()).toMatch(/No traffic seen in this session yet[\s\S]*probes/);
    await pp.ask({ from: 'lab-healthy/deploy/frontend', to: 'backend:8080', probe: 'ssh', seconds: 1 });
    // The error's next step: Advise again, now on what the question's probes saw.
    await pp.page.getByTestId('advice-panel').getByRole('button', { name: 'Advise again' }).click();
    await pp.page.getByTestId('advice-verified').waitFor();
    // On another tab and back, the advice follows what the session has seen since (asked again by itself).
    await pp.page.getByRole('tab', { name: 'Events' }).click();
    const from = Date.now();
    await pp.openAdvice();
    await expect.poll(() => sent.since(from, ['policy.advise'])).toEqual(['policy.advise']);
    expect(await pp.page.getByTestId('policy-traffic-source').innerText()).toMatch(/^traffic this session's probes saw \(\d+ probe events\)$/);
    expect(await pp.adviceNamespaces()).toContain('lab-healthy');
    await pp.showNamespace('lab-healthy');
    expect(await pp.adviceYaml()).toMatch(/from the traffic seen in a live session/);
    await pp.screenshot('policy-advice-live');
    expect(errors).toEqual([]);
  });

  it('at 1280×800 the answer stays on screen with a policy tab open (verdict, failing hop, top finding and its fix)', async () => {
    await start({ KUBECONFIG: fakeKubeconfig(['deny-backend-ingress']), PATHLIGHT_FAKE_CLUSTERS: fixture('diagnose') }, []);
    await pp.openContext('fake-deny-backend-ingress');
    await pp.ask({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend:8080', probe: 'ssh' });
    expect(await pp.verdict()).toBe('unreachable');
    const answer = [
      '[data-testid="verdict"]',
      '[data-testid="hop"][data-verdict="fail"]',
      '[data-testid="finding"] .finding-head',
      '[data-testid="finding"] [data-testid="fix"] h4',
      '[data-testid="finding"] [data-testid="fix"] p',
    ];
    const where = async () => {
      const out: Array<{ selector: string; y: number; inside: boolean }> = [];
      for (const selector of answer) {
        const b = await pp.boxOf(selector);
        out.push({ selector, y: b.y, inside: b.x >= 0 && b.y >= 0 && b.x + b.width <= b.vw && b.y + b.height <= b.vh && b.width > 0 && b.height > 0 });
      }
      return out;
    };
    const before = await where();
    for (const b of before) expect(b).toEqual({ selector: b.selector, y: b.y, inside: true });
    await pp.openAdvice();
    await pp.page.getByTestId('advice-verified').waitFor();
    expect(await where()).toEqual(before);
    await pp.screenshot('policy-advice-beside-answer-1280x800');
    await pp.openImpact();
    await pp.checkImpact(FORGETS_DNS);
    expect(await where()).toEqual(before);
    await pp.screenshot('policy-impact-beside-answer-1280x800');
    expect(await pp.page.getByTestId('why-panel').evaluate((e) => e.scrollTop)).toBe(0);
    expect(errors).toEqual([]);
  });
});
