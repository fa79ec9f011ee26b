/**
 * The engine's process entry (dist/backend/engine/main.js, what Electron's utility process
 * runs) forked by Node and driven by main's own side of the link (src/main/engine.ts): the
 * same frames, over a real process boundary. Needs `node scripts/build.mjs`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineIn, EventClient, EventName } from '../../../src/api/index.js';
import { remoteEngine, type EngineProcess } from '../../../src/main/engine.js';
import { fixture, repoPath } from '../../helpers/paths.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill();
});

/** child_process.fork in the shape of Electron's UtilityProcess. */
function forkEngine(args: string[] = []): EngineProcess & { child: ChildProcess } {
  const child = fork(repoPath('dist/backend/engine/main.js'), args, {
    env: { ...process.env, HOME: '/nonexistent-home', KUBECONFIG: '', PATHLIGHT_FAKE_CLUSTERS: fixture('diagnose') },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return {
    child,
    postMessage: (m: EngineIn) => void child.send(m),
    on: (event: 'message' | 'exit', l: (x: never) => void) => child.on(event, l as never),
    kill: () => child.kill(),
  } as EngineProcess & { child: ChildProcess };
}

const signal = () => new AbortController().signal;

describe('engine process', () => {
  it('answers calls, pushes a question to the window that asked, hands out --open, and exits cleanly on stop', async () => {
    const proc = forkEngine(['--open', fixture('diagnose')]);
    const engine = remoteEngine(() => proc);
    expect(await engine.call('app.info', {}, signal())).toMatchObject({ ok: true, value: { shell: 'electron' } });
    expect(await engine.call('recording.startup', {}, signal())).toMatchObject({ ok: true, value: { path: fixture('diagnose') } });

    const got: Array<{ event: EventName; payload: unknown }> = [];
    const client: EventClient = { send: (event, payload) => void got.push({ event, payload }), gone: new AbortController().signal };
    const opened = (await engine.call('cluster.open', { source: { kind: 'default' }, context: 'fake-deny-backend-ingress' }, signal(), client)) as {
      ok: true;
      value: { session: string };
    };
    expect(opened.ok).toBe(true);
    await engine.call(
      'why.ask',
      { session: opened.value.session, from: 'lab-deny-ingress/deploy/frontend', to: 'backend', port: 8080, probe: 'ssh', durationSec: 1 },
      signal(),
      client,
    );
    await expect
      .poll(
        () =>
          (
            got.find((g) => g.event === 'why.progress' && (g.payload as { state: string }).state === 'done')?.payload as
              { diagnosis?: { verdict: string } } | undefined
          )?.diagnosis?.verdict,
        { timeout: 10_000 },
      )
      .toBe('unreachable');

    const exited = new Promise<number | null>((resolve) => proc.child.once('exit', (code) => resolve(code)));
    engine.stop();
    expect(await exited).toBe(0);
  });
});
