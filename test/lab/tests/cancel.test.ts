/**
 * Cancelling a question stops its agents on the node, whichever way it is cancelled and
 * whichever transport runs them: why.cancel (the UI's Cancel) with the agent over SSH and in a
 * probe pod, closing the workbench session, closing the browser tab (its WebSocket), and
 * Ctrl-C on `pathlight why`. Each question asks
 * for a long window (97 s), so an agent still there after 2 s is one the cancel did not stop.
 * The agents are found among the host's processes (the lab node shares the host's PID
 * namespace, and so do its pods' processes as seen from the host) by the TTL each run gives
 * its agent (duration + 30 s), unique to this file.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createHandlers } from '../../../src/backend/handlers.js';
import { startServer } from '../../../src/server/server.js';
import { labScenarios } from '../scenarios.mjs';
import { apiOn } from '../../helpers/api.js';
import { lab } from '../../helpers/lab.js';
import { repoPath } from '../../helpers/paths.js';

const info = lab();
const s = labScenarios.find((x) => x.name === 'deny-backend-ingress')!;
const context = 'pathlight-lab-admin@pathlight-lab';

/** The agents started with `--ttl <ttl>s` that are running now (their pids). */
function agents(ttl: number): number[] {
  try {
    return execFileSync('pgrep', ['-f', `pathlight-probe[^ ]* run --ttl ${ttl}s`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs: number, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits for the agent to run, cancels, and measures how long the agent outlives the cancel. */
async function cancelTimed(ttl: number, cancel: () => Promise<unknown> | void): Promise<number> {
  await until(`an agent with --ttl ${ttl}s running`, () => agents(ttl).length > 0, 60_000, 200);
  const t0 = Date.now();
  await cancel();
  await until(`the agent with --ttl ${ttl}s gone after the cancel (still: ${agents(ttl).join(', ')})`, () => agents(ttl).length === 0, 10_000);
  return Date.now() - t0;
}

describe('cancelling a question stops its agents (lab)', () => {
  const handlers = createHandlers({ shell: 'server', env: { KUBECONFIG: info.adminKubeconfig } });
  const { call } = apiOn(handlers, 100);

  it.each([
    ['ssh', 97, {}],
    ['pod', 98, { probeImage: info.images.busybox }],
  ] as const)(
    'why.cancel, probes over %s: the agent is gone from the node within 2 s and the question says cancelled',
    async (probe, durationSec, extra) => {
      const { session } = await call('cluster.open', { source: { kind: 'default' }, context });
      try {
        const { question } = await call('why.ask', { session, from: s.from, to: s.to, probe, sshConfig: info.sshConfig, durationSec, ...extra });
        const ms = await cancelTimed(durationSec + 30, () => call('why.cancel', { question }));
        expect(ms).toBeLessThanOrEqual(2000);
        const st = await call('why.status', { question });
        expect(st).toMatchObject({ state: 'failed', error: { code: 'cancelled' } });
      } finally {
        await call('cluster.close', { session });
      }
    },
    120_000,
  );

  it("closing the workbench session (the window) stops its question's agents within 2 s", async () => {
    const { session } = await call('cluster.open', { source: { kind: 'default' }, context });
    await call('why.ask', { session, from: s.from, to: s.to, probe: 'ssh', sshConfig: info.sshConfig, durationSec: 96 });
    const ms = await cancelTimed(126, () => call('cluster.close', { session }));
    expect(ms).toBeLessThanOrEqual(2000);
  }, 120_000);

  it("closing the browser tab (its WebSocket) stops the question's agents within 2 s", async () => {
    const server = await startServer({
      handlers: createHandlers({ shell: 'server', env: { KUBECONFIG: info.adminKubeconfig } }),
      staticDir: mkdtempSync(path.join(os.tmpdir(), 'pathlight-static-')),
    });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${encodeURIComponent(server.token)}`, { origin: server.origin });
      await new Promise((r, j) => ws.once('open', r).once('error', j));
      let n = 0;
      const rpc = (method: string, payload: unknown) =>
        new Promise<{ ok: boolean; value?: Record<string, string>; error?: unknown }>((resolve) => {
          const id = String(++n);
          const onMsg = (data: WebSocket.RawData) => {
            const f = JSON.parse(String(data)) as { t: string; id?: string; result?: { ok: boolean } };
            if (f.t === 'result' && f.id === id) {
              ws.off('message', onMsg);
              resolve(f.result as never);
            }
          };
          ws.on('message', onMsg);
          ws.send(JSON.stringify({ t: 'call', id, method, payload }));
        });
      const open = await rpc('cluster.open', { source: { kind: 'default' }, context });
      expect(open.ok, JSON.stringify(open.error)).toBe(true);
      const asked = await rpc('why.ask', { session: open.value!.session, from: s.from, to: s.to, probe: 'ssh', sshConfig: info.sshConfig, durationSec: 94 });
      expect(asked.ok, JSON.stringify(asked.error)).toBe(true);
      const ms = await cancelTimed(124, () => ws.close());
      expect(ms).toBeLessThanOrEqual(2000);
    } finally {
      await server.close();
    }
  }, 120_000);

  it('Ctrl-C on `pathlight why --probe pod` stops the agent within 2 s, and the command exits 130', async () => {
    const p = spawn(
      process.execPath,
      [
        repoPath('dist/cli/main.js'),
        'why',
        '--kubeconfig',
        info.adminKubeconfig,
        '--from',
        s.from,
        '--to',
        s.to,
        '--probe',
        'pod',
        '--probe-image',
        info.images.busybox,
        '--duration',
        '95s',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => p.on('close', (code) => r(code)));
    const ms = await cancelTimed(125, () => void p.kill('SIGINT'));
    expect(ms, stderr).toBeLessThanOrEqual(2000);
    expect(await exited, stderr).toBe(130);
    expect(stderr).toMatch(/stopping the probes/);
  }, 120_000);
});
