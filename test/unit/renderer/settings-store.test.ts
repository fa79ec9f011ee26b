/** The Connect screen's SSH settings and recent questions slices, against the real engine on a fake cluster. */
import { describe, expect, it } from 'vitest';
import type { CallName } from '../../../src/api/index.js';
import {
  emptySshForm,
  maxRecentQuestions,
  memoryStorage,
  recentOutcome,
  sshFormErrors,
  sshSettingsOf,
  type RecentQuestion,
} from '../../../src/renderer/store/index.js';
import { fixture } from '../../helpers/paths.js';
import { storeOn } from '../../helpers/store.js';

function makeStore(storage = memoryStorage(), seen: Array<{ method: CallName; payload: unknown }> = []) {
  return storeOn({ fakeClusters: fixture('diagnose'), storage, seen });
}

const question = (n: number, over: Partial<RecentQuestion> = {}): RecentQuestion => ({
  id: `q${n}`,
  context: 'fake-healthy',
  from: `ns/a${n}`,
  to: 'b',
  port: '',
  protocol: 'TCP',
  at: new Date(n * 1000).toISOString(),
  ...over,
});

describe('SSH settings slice', () => {
  it('turns the form into API settings: trimmed, empty fields and rows left out', () => {
    expect(sshSettingsOf(emptySshForm)).toBeUndefined();
    expect(
      sshSettingsOf({
        ...emptySshForm,
        user: ' ubuntu ',
        nodes: [
          { node: 'w1', address: ' 10.0.0.5' },
          { node: '', address: '' },
        ],
      }),
    ).toEqual({ user: 'ubuntu', nodes: [{ node: 'w1', address: '10.0.0.5' }] });
  });

  it('says what is wrong with each field', () => {
    const e = sshFormErrors({
      configFile: '/my config',
      user: 'root x',
      identityFile: '',
      jump: 'a@b@c',
      nodes: [
        { node: 'w1', address: '10.0.0.5:22' },
        { node: 'w2', address: 'ok' },
        { node: 'w2', address: 'ok' },
      ],
    });
    expect(Object.keys(e).sort()).toEqual(['configFile', 'jump', 'rows', 'user']);
    expect(e.rows).toEqual({ 0: 'a host name or an IP address, without a port', 2: 'w2 is listed twice' });
    expect(sshFormErrors({ ...emptySshForm, jump: 'ops@bastion:2222' })).toEqual({});
  });

  it('persists across a reload (paths and names only) and goes with a question asked with SSH probes', async () => {
    const storage = memoryStorage();
    const seen: Array<{ method: CallName; payload: unknown }> = [];
    const store = makeStore(storage, seen);
    store.getState().setSsh({ user: 'ubuntu', identityFile: '~/.ssh/lab', nodes: [{ node: 'pathlight-lab-node', address: '192.0.2.7' }] });
    expect(makeStore(storage).getState().ssh).toEqual({
      ...emptySshForm,
      user: 'ubuntu',
      identityFile: '~/.ssh/lab',
      nodes: [{ node: 'pathlight-lab-node', address: '192.0.2.7' }],
    });

    store.getState().selectContext('fake-deny-backend-ingress');
    await store.getState().openCluster();
    store.getState().setQuery({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend', port: '8080', probe: 'ssh', durationSec: 1 });
    await store.getState().ask();
    const asked = seen.find((c) => c.method === 'why.ask')?.payload as { ssh?: unknown };
    expect(asked.ssh).toEqual({ user: 'ubuntu', identityFile: '~/.ssh/lab', nodes: [{ node: 'pathlight-lab-node', address: '192.0.2.7' }] });
    expect(store.getState().askError).toBeUndefined();
  });
});

describe('one SSH setting', () => {
  it('a saved query bar or Probes panel "SSH config" from before is dropped: the Connect screen\'s file is the one sent', async () => {
    const storage = memoryStorage();
    storage.setItem(
      'pathlight.ui',
      JSON.stringify({
        version: 1,
        state: {
          query: { from: '', to: '', port: '', protocol: 'TCP', probe: 'ssh', sshConfig: '/old/query_config', active: false, durationSec: 1 },
          probeForm: { node: 'n1', via: 'ssh', sshConfig: '/old/probe_config', durationSec: 5 },
          ssh: { ...emptySshForm, configFile: '/lab/ssh_config' },
        },
      }),
    );
    const seen: Array<{ method: CallName; payload: unknown }> = [];
    const store = makeStore(storage, seen);
    expect(store.getState().query).not.toHaveProperty('sshConfig');
    expect(store.getState().probeForm).not.toHaveProperty('sshConfig');
    store.getState().selectContext('fake-deny-backend-ingress');
    await store.getState().openCluster();
    store.getState().setQuery({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend', port: '8080' });
    await store.getState().ask();
    const asked = seen.find((c) => c.method === 'why.ask')?.payload as { sshConfig?: string; ssh?: { configFile?: string } };
    expect(asked.sshConfig).toBeUndefined();
    expect(asked.ssh?.configFile).toBe('/lab/ssh_config');
    await store.getState().startProbe();
    const started = seen.find((c) => c.method === 'probes.start')?.payload as { sshConfig?: string; ssh?: { configFile?: string } };
    expect(started.sshConfig).toBeUndefined();
    expect(started.ssh?.configFile).toBe('/lab/ssh_config');
    await store.getState().closeCluster();
  });

  it('"Test SSH" connects with the settings in effect and names the problem (here: refused)', async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { default: ssh2 } = await import('ssh2');
    const dir = mkdtempSync('/tmp/pathlight-sshtest-');
    writeFileSync(`${dir}/key`, ssh2.utils.generateKeyPairSync('ed25519').private, { mode: 0o600 });
    writeFileSync(`${dir}/known_hosts`, '');
    // Port 1 on loopback: nothing listens there.
    writeFileSync(`${dir}/config`, `Host n1\n  HostName 127.0.0.1\n  Port 1\n  User root\n  UserKnownHostsFile ${dir}/known_hosts\n`);
    const store = makeStore();
    store.getState().setSsh({ configFile: `${dir}/config`, identityFile: `${dir}/key` });
    await store.getState().testSsh('n1');
    expect(store.getState().sshTest).toMatchObject({
      node: 'n1',
      running: false,
      result: {
        node: 'n1',
        ok: false,
        config: `${dir}/config`,
        problem: 'refused',
        error: { code: 'ssh-unreachable', message: expect.stringContaining('refused') },
      },
    });
    expect(readFileSync(`${dir}/known_hosts`, 'utf8')).toBe('');
    // Changing a setting clears the outcome: it was about the old settings.
    store.getState().setSsh({ user: 'admin' });
    expect(store.getState().sshTest).toBeUndefined();
  });
});

describe('recent questions slice', () => {
  it('keeps the last few, newest first, one entry per question', () => {
    const store = makeStore();
    for (let i = 0; i < maxRecentQuestions + 3; i++) store.getState().rememberQuestion(question(i));
    store.getState().rememberQuestion(question(99, { from: 'ns/a10' }));
    const list = store.getState().recentQuestions;
    expect(list).toHaveLength(maxRecentQuestions);
    expect(list[0]?.id).toBe('q99');
    expect(list.filter((q) => q.from === 'ns/a10')).toHaveLength(1);
    store.getState().forgetRecentQuestions();
    expect(store.getState().recentQuestions).toEqual([]);
  });

  it('records a question asked in the workbench with its verdict, survives a reload, and reopens it filled in', async () => {
    const storage = memoryStorage();
    const store = makeStore(storage);
    store.getState().selectContext('fake-deny-backend-ingress');
    await store.getState().openCluster();
    store.getState().setQuery({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend', port: '8080', probe: 'none' });
    await store.getState().ask();
    await expect
      .poll(async () => {
        await store.getState().refreshQuestion();
        return store.getState().recentQuestions[0]?.verdict;
      })
      .toBe('unreachable');
    expect(store.getState().recentQuestions[0]).toMatchObject({
      context: 'fake-deny-backend-ingress',
      from: 'lab-deny-ingress/deploy/frontend',
      to: 'backend',
      port: '8080',
      protocol: 'TCP',
    });
    await store.getState().closeCluster();

    const again = makeStore(storage);
    const recent = again.getState().recentQuestions[0]!;
    again.getState().selectContext('fake-healthy');
    again.getState().setQuery({ from: 'x', to: 'y', port: '' });
    await again.getState().openRecentQuestion(recent);
    const st = again.getState();
    expect(st.cluster.status === 'open' && st.cluster.opened.context).toBe('fake-deny-backend-ingress');
    expect(st.query).toMatchObject({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend', port: '8080' });
    expect(st.question).toBeUndefined();
    await again.getState().closeCluster();
  });
});

describe('graph details', () => {
  it('looks up the policies selecting a clicked pod; another kind asks nothing', async () => {
    const store = makeStore();
    store.getState().selectContext('fake-deny-backend-ingress');
    await store.getState().openCluster();
    const backend = [...store.getState().graph.nodes.values()].find((n) => n.kind === 'pod' && n.label.startsWith('backend-'))!;
    store.getState().select({ kind: 'node', id: backend.id });
    await expect.poll(() => store.getState().nodeDetails?.value?.policies.map((p) => p.name)).toContain('deny-backend-ingress');
    store.getState().select({ kind: 'node', id: 'ns:lab-deny-ingress' });
    expect(store.getState().nodeDetails).toBeUndefined();
    await store.getState().closeCluster();
  });
});

describe('recent questions say what was unreachable', () => {
  const q = { from: 'lab-deny-ingress/deploy/frontend', to: 'backend', port: '8080' };
  it('names B (and A) with the verdict, never a bare "unreachable"', () => {
    expect(recentOutcome({ ...q, verdict: 'unreachable' })).toEqual({
      verdict: 'unreachable',
      sentence: 'B (backend:8080) was unreachable from A (lab-deny-ingress/deploy/frontend)',
    });
    expect(recentOutcome({ ...q, verdict: 'reachable' }).sentence).toBe('B (backend:8080) was reachable from A (lab-deny-ingress/deploy/frontend)');
    expect(recentOutcome({ ...q, verdict: 'failed' }).verdict).toBe('no answer');
    expect(recentOutcome({ ...q }).verdict).toBe('asked');
  });
});
