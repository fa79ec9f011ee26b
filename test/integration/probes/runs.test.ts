/**
 * Probe runs through the API (the same dispatch the Electron IPC bridge and the WebSocket
 * server use), against a real sshd and the real agent: per-node progress, event counts, an
 * unknown host key shown with its fingerprint, trust on first use, stop.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch, type Result } from '../../../src/api/index.js';
import { createHandlers } from '../../../src/backend/handlers.js';
import { refusedConnection } from '../../helpers/net.js';
import { sshConfigFor, startProbeSshd, type TestSshd } from '../../helpers/sshd.js';

let sshd: TestSshd;
const handlers = createHandlers({ shell: 'server' });
const never = new AbortController().signal;
const call = async <T>(method: string, payload: unknown): Promise<T> => {
  const r = (await dispatch(handlers, method, payload, never)) as Result<T>;
  if (!r.ok) throw Object.assign(new Error(r.error.message), { error: r.error });
  return r.value;
};
type Status = {
  passphraseFor?: { file: string };
  stage: string;
  events: { tcp: number };
  error?: { code: string; message: string };
  hostKey?: { fingerprint: string; knownHostsFile: string; port: number };
};
const statusUntil = async (session: string, pred: (s: Status) => boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  for (;;) {
    const s = await call<Status>('probes.status', { session });
    if (pred(s)) return s;
    if (Date.now() > end) throw new Error(`status stayed ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

beforeAll(async () => {
  sshd = await startProbeSshd('the probe session tests');
}, 300_000);
afterAll(() => sshd?.stop());

describe('probe runs through the API (real sshd, real agent)', () => {
  it("shows an unknown host key, trusts it on the user's word, then streams and stops", async () => {
    const knownHosts = path.join(sshd.dir, 'tofu_known_hosts');
    writeFileSync(knownHosts, '');
    const config = path.join(sshd.dir, 'tofu_config');
    writeFileSync(config, sshConfigFor(sshd, { knownHosts }));
    const start = { node: 'node-1', via: 'ssh', sshConfig: config, probes: ['tcp'], durationSec: 60 };

    const first = await call<{ session: string }>('probes.start', start);
    const refused = await statusUntil(first.session, (s) => s.stage === 'stopped');
    expect(refused.error?.code).toBe('ssh-host-key-unknown');
    expect(refused.hostKey).toMatchObject({ port: sshd.port, knownHostsFile: knownHosts, fingerprint: expect.stringMatching(/^SHA256:/) });
    expect(readFileSync(knownHosts, 'utf8')).toBe('');
    // A fingerprint other than the one shown is not a decision about this key.
    await expect(call('ssh.trustHostKey', { session: first.session, fingerprint: 'SHA256:somethingelse' })).rejects.toMatchObject({
      error: { code: 'invalid-request' },
    });
    expect(await call('ssh.trustHostKey', { session: first.session, fingerprint: refused.hostKey!.fingerprint })).toEqual({ file: knownHosts });
    expect(readFileSync(knownHosts, 'utf8')).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 `));

    const second = await call<{ session: string }>('probes.start', start);
    await statusUntil(second.session, (s) => s.stage === 'streaming');
    // A refused connection on loopback is counted for this node.
    await refusedConnection();
    await statusUntil(second.session, (st) => st.events.tcp > 0);
    const stopped = await call<Status>('probes.stop', { session: second.session });
    expect(stopped.stage).toBe('stopped');
    expect(stopped.error).toBeUndefined();
  }, 90_000);

  it('waits for the passphrase of an encrypted key: a wrong one is named, the right one connects', async () => {
    const config = path.join(sshd.dir, 'encrypted_config');
    writeFileSync(config, sshConfigFor(sshd, { identity: sshd.encryptedKey }));
    const start = { node: 'node-1', via: 'ssh', sshConfig: config, probes: ['drops'], durationSec: 30 };
    const wrong = await call<{ session: string }>('probes.start', start);
    const asking = await statusUntil(wrong.session, (s) => s.passphraseFor !== undefined);
    expect(asking).toMatchObject({ stage: 'connecting', passphraseFor: { file: sshd.encryptedKey } });
    await call('ssh.passphrase', { session: wrong.session, passphrase: 'not-the-passphrase' });
    const refused = await statusUntil(wrong.session, (s) => s.stage === 'stopped');
    expect(refused.error).toMatchObject({ code: 'ssh-auth-failed', message: expect.stringContaining(sshd.encryptedKey) });
    expect(JSON.stringify(refused)).not.toContain('not-the-passphrase');

    const right = await call<{ session: string }>('probes.start', start);
    await statusUntil(right.session, (s) => s.passphraseFor !== undefined);
    await call('ssh.passphrase', { session: right.session, passphrase: sshd.passphrase });
    await statusUntil(right.session, (s) => s.stage === 'streaming');
    // Answering twice is refused: the question is gone.
    await expect(call('ssh.passphrase', { session: right.session, passphrase: 'x' })).rejects.toMatchObject({ error: { code: 'invalid-request' } });
    expect((await call<Status>('probes.stop', { session: right.session })).stage).toBe('stopped');
  }, 60_000);

  it('validates requests: bad node names, durations and unknown runs are refused by name', async () => {
    await expect(call('probes.start', { node: 'a;rm -rf /', via: 'ssh', durationSec: 10 })).rejects.toMatchObject({
      error: { code: 'invalid-request', message: expect.stringMatching(/node/) },
    });
    await expect(call('probes.start', { node: 'n', via: 'ssh', durationSec: 0 })).rejects.toMatchObject({ error: { code: 'invalid-request' } });
    await expect(call('probes.status', { session: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({
      error: { code: 'invalid-request', message: expect.stringMatching(/no probe run/) },
    });
  });
});
