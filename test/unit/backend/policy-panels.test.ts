/**
 * The workbench's policy calls through dispatch (validation included): `policy.advise` and
 * `policy.impact` on the bundled demo recording opened as a replay — the same advice and impact
 * as `pathlight policy advise|impact --recording` (test/integration/cli/policyTraffic.test.ts),
 * with the rule that keeps each flow, problems of a pasted proposal by line, and a live (fake)
 * session whose traffic is what its question's probes saw.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingWriter } from '../../../src/backend/store/container.js';
import { parseAllDocuments } from 'yaml';
import { createHandlers } from '../../../src/backend/handlers.js';
import { apiOn } from '../../helpers/api.js';
import { fixture, repoPath } from '../../helpers/paths.js';
import { advisePolicies } from '../../../src/core/policy/advise.js';
import { recordingTraffic } from '../../../src/backend/policy/traffic.js';
import { openRecording } from '../../../src/backend/store/open.js';

const demo = repoPath('assets/demo.pathlight');
const handlers = createHandlers({ shell: 'server', env: {}, fakeClusters: fixture('diagnose') });
const { raw, call, answer } = apiOn(handlers);

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

/** lab-healthy's frontend to its backend and to DNS, as seen: nothing changes. */
const KEEPS_ALL = `${FORGETS_DNS}    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
      ports: [{port: 53, protocol: UDP}]
`;

let session = '';
beforeAll(async () => {
  session = (await call('recording.open', { source: { kind: 'path', path: demo } })).session;
});
afterAll(async () => {
  await call('cluster.close', { session });
});

describe('policy.advise on a replay', () => {
  it('advises what the CLI advises, per namespace as YAML, with the rule keeping each flow', async () => {
    const a = await call('policy.advise', { session });
    expect(a.mode).toBe('replay');
    expect(a.events).toBeGreaterThan(300);
    expect(a.seenNamespaces).toContain('lab-healthy');
    expect(a.seenNamespaces).toContain('kube-system');
    // Only tried, never through: choosable all the same.
    expect(a.seenNamespaces).toContain('lab-egress-dns');
    expect(a.notes).toContain('not advised, though the advised namespaces talk with them: kube-system — choose them under Namespaces to include them');
    // Same core call as the CLI on the same recording: the same policies.
    const seen = (await recordingTraffic(await openRecording(demo)))!;
    const cli = advisePolicies(seen.cluster.policy, seen.traffic);
    expect(a.namespaces.map((n) => n.namespace)).toEqual(cli.namespaces.map((n) => n.namespace));
    expect(a.namespaces.map((n) => n.policies.length)).toEqual(cli.namespaces.map((n) => n.policies.length));
    expect(a.verification).toEqual(cli.verification);
    expect(a.namespaces.some((n) => n.namespace.startsWith('kube-'))).toBe(false);

    const healthy = a.namespaces.find((n) => n.namespace === 'lab-healthy')!;
    expect(healthy.yaml).toMatch(/^# NetworkPolicies for namespace lab-healthy, advised by pathlight from the traffic in demo\.pathlight/);
    expect(parseAllDocuments(healthy.yaml).map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name)).toEqual([
      'pathlight-default-deny',
      'pathlight-backend',
      'pathlight-frontend',
    ]);
    expect(healthy.replaces).toEqual(['allow-backend-to-db', 'allow-frontend-to-backend']);
    const frontend = healthy.policies.find((p) => p.name === 'pathlight-frontend')!;
    const dns = frontend.rules.find((r) => r.rule === 'spec.egress[0]')!;
    expect(dns.direction).toBe('egress');
    expect(dns.flows).toEqual([
      expect.objectContaining({
        from: expect.objectContaining({ workload: 'lab-healthy/frontend' }),
        to: expect.objectContaining({ workload: 'kube-system/coredns' }),
        protocol: 'UDP',
        port: 53,
        count: 4,
      }),
    ]);
    // The default deny keeps nothing open; the backend's ingress rule keeps the frontend's connection.
    expect(healthy.policies.find((p) => p.name === 'pathlight-default-deny')!.rules).toEqual([]);
    const backendIn = healthy.policies.find((p) => p.name === 'pathlight-backend')!.rules.find((r) => r.direction === 'ingress')!;
    expect(backendIn.flows.map((f) => `${f.from.kind === 'pod' ? f.from.workload : ''} ${f.protocol}/${f.port}`)).toEqual(['lab-healthy/frontend TCP/8080']);
  });

  it('advises the namespaces asked for; refuses a bad namespace name', async () => {
    const a = await call('policy.advise', { session, namespaces: ['lab-egress-dns'] });
    expect(a.namespaces.map((n) => n.namespace)).toEqual(['lab-egress-dns']);
    expect(a.namespaces[0]!.policies.map((p) => p.name)).toEqual(['pathlight-default-deny']);
    expect(a.attempts).toEqual([expect.objectContaining({ protocol: 'UDP', port: 53, count: 8 })]);
    expect(a.notes).toContain('no traffic was seen in namespace lab-egress-dns: its default deny blocks everything there');
    const bad = await raw('policy.advise', { session, namespaces: ['Not A Namespace'] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('invalid-request');
  });
});

describe('policy.impact on a replay', () => {
  it('a change that forgets DNS egress: the DNS flow newly denied, with its ends, count and what denies it', async () => {
    const r = await call('policy.impact', { session, text: FORGETS_DNS });
    expect(r.diagnostics).toEqual([]);
    expect(r.impact?.added).toEqual(['NetworkPolicy lab-healthy/frontend-egress']);
    expect(r.impact?.flows).toBe(10);
    expect(r.impact?.newlyDenied).toEqual([
      expect.objectContaining({
        from: { kind: 'pod', workload: 'lab-healthy/frontend', pod: expect.stringMatching(/^lab-healthy\/frontend-/) },
        to: expect.objectContaining({ kind: 'pod', workload: 'kube-system/coredns' }),
        protocol: 'UDP',
        port: 53,
        count: 4,
        deniedBy: ['egress isolated by NetworkPolicy lab-healthy/frontend-egress, no rule of which allows it'],
      }),
    ]);
    expect(r.impact?.newlyAllowed).toEqual([]);
  });

  it('a change that keeps every observed flow: nothing newly denied or allowed', async () => {
    const r = await call('policy.impact', { session, text: KEEPS_ALL, name: 'frontend.yaml' });
    expect(r.diagnostics).toEqual([]);
    expect(r.impact).toMatchObject({ added: ['NetworkPolicy lab-healthy/frontend-egress'], newlyDenied: [], newlyAllowed: [] });
  });

  it('malformed YAML: the problem with its line, and no impact', async () => {
    const text = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: lab-healthy\nspec: {}\n';
    const r = await call('policy.impact', { session, text, name: 'broken.yaml' });
    expect(r.impact).toBeUndefined();
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'error', file: 'broken.yaml', line: expect.any(Number) })]);
    expect(r.diagnostics[0]!.line).toBeGreaterThanOrEqual(3);
  });

  it('no policy in the text: said so, no impact', async () => {
    const r = await call('policy.impact', { session, text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' });
    expect(r.impact).toBeUndefined();
    expect(r.diagnostics.map((d) => d.message).join()).toMatch(/no policy among the documents/);
    const empty = await call('policy.impact', { session, text: '' });
    expect(empty.diagnostics.map((d) => d.message).join()).toMatch(/no document/);
  });
});

describe('policy panels on a live (fake) session', () => {
  it('no traffic before any probe: the next step; after a question with probes, advice from what it saw', async () => {
    const open = await call('cluster.open', { source: { kind: 'default' }, context: 'fake-healthy' });
    const before = await raw('policy.advise', { session: open.session });
    expect(before.ok).toBe(false);
    if (!before.ok) expect(before.error.hint).toMatch(/probes/);
    const { question } = await call('why.ask', {
      session: open.session,
      from: 'lab-healthy/deploy/frontend',
      to: 'backend:8080',
      probe: 'ssh',
      durationSec: 1,
    });
    expect((await answer(question)).state).toBe('done');
    const a = await call('policy.advise', { session: open.session });
    expect(a.mode).toBe('fake');
    expect(a.events).toBeGreaterThan(0);
    expect(a.flows.length).toBeGreaterThan(0);
    expect(a.namespaces.map((n) => n.namespace)).toContain('lab-healthy');
    expect(a.namespaces[0]!.yaml).toMatch(/from the traffic seen in a live session/);
    const r = await call('policy.impact', { session: open.session, text: FORGETS_DNS });
    expect(r.impact?.newlyDenied.map((c) => `${c.protocol}/${c.port}`)).toContain('UDP/53');
    await call('cluster.close', { session: open.session });
  });
});

describe('a long recording', () => {
  it('is read in slices: the engine answers other calls while the advice is worked out, and the flows are all counted', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pathlight-advise-big-'));
    const file = path.join(dir, 'big.pathlight');
    const w = new RecordingWriter(file, { flushMillis: 3_600_000 });
    const t0 = 1_764_000_000_000_000_000;
    const pod = (namespace: string, name: string, ip: string) => ({
      metadata: { namespace, name, uid: name, labels: { app: name.replace(/-0$/, '') } },
      spec: { nodeName: 'node-a', containers: [{ name: 'main' }] },
      status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] },
    });
    const pods = [pod('shop', 'frontend-0', '10.244.0.10'), pod('data', 'db-0', '10.244.0.30')];
    w.append({ ts: t0, kind: 'snapshot', data: { objects: { Namespace: [{ metadata: { name: 'shop' } }, { metadata: { name: 'data' } }], Pod: pods } } });
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      const ts = t0 + 1 + i * 1_000_000;
      const data = { v: 1, ts, node: 'node-a', netns: 1, proto: 'tcp', src: '10.244.0.10', sport: 32768 + (i % 28000), dst: '10.244.0.30', dport: 5432 };
      w.append({ ts, kind: 'probe', data: { ...data, type: 'tcp', event: 'established', state: 'ESTABLISHED', role: 'client' } });
    }
    w.close();
    try {
      const open = await call('recording.open', { source: { kind: 'path', path: file } });
      const order: string[] = [];
      const advised = call('policy.advise', { session: open.session }).then((a) => (order.push('advise'), a));
      await new Promise((r) => setTimeout(r, 5));
      await call('app.info', {}).then(() => order.push('app.info'));
      const a = await advised;
      expect(order).toEqual(['app.info', 'advise']);
      expect(a.flows).toEqual([expect.objectContaining({ protocol: 'TCP', port: 5432, count: n })]);
      await call('cluster.close', { session: open.session });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
