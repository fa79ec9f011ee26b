/** Main's side of the engine link, with the engine's process stood in for in memory (no Electron here). */
import { describe, expect, it } from 'vitest';
import { createHandlers } from '../../../src/backend/handlers.js';
import { serveEngine } from '../../../src/backend/engine/serve.js';
import { remoteEngine, type EngineProcess } from '../../../src/main/engine.js';
import type { EngineIn, EventClient, EventName } from '../../../src/api/index.js';
import { fixture } from '../../helpers/paths.js';

/** A UtilityProcess stand-in running serveEngine over real handlers, with structured-clone-like copies. */
function fakeProcess(o: { readyAfterMs?: number } = {}) {
  const toMain = new Set<(m: unknown) => void>();
  const onExit = new Set<(code: number) => void>();
  let toEngine: ((m: unknown) => void) | undefined;
  const early: unknown[] = [];
  const seen: EngineIn[] = [];
  const copy = <T>(v: T): T => structuredClone(v);
  const proc: EngineProcess & { die(code: number): void; seen: EngineIn[] } = {
    seen,
    postMessage(m) {
      seen.push(copy(m));
      if (toEngine) toEngine(copy(m));
      else early.push(copy(m)); // a frame before the engine listens: the engine never sees it
    },
    on(event: 'message' | 'exit', l: (x: never) => void) {
      (event === 'message' ? toMain : onExit).add(l as never);
      // The engine starts once main listens (as a spawned process starts after fork returns).
      if (event === 'message')
        setTimeout(
          () => serveEngine({ post: (f) => toMain.forEach((m) => m(copy(f))), onMessage: (m) => (toEngine = m) }, handlers, () => proc.die(0)),
          o.readyAfterMs ?? 0,
        );
      return proc;
    },
    kill: () => true,
    die(code) {
      onExit.forEach((l) => l(code));
    },
  };
  const handlers = createHandlers({ shell: 'electron', env: {}, fakeClusters: fixture('diagnose') });
  return { proc, early };
}

function window() {
  const got: Array<{ event: EventName; payload: unknown }> = [];
  const gone = new AbortController();
  const client: EventClient = { send: (event, payload) => void got.push({ event, payload }), gone: gone.signal };
  return { client, got, close: () => gone.abort() };
}

const signal = () => new AbortController().signal;
const src = { source: { kind: 'default' }, context: 'fake-deny-backend-ingress' };

describe('remoteEngine', () => {
  it('holds calls until the engine is ready, then forwards them and their results', async () => {
    const made = fakeProcess({ readyAfterMs: 50 });
    const engine = remoteEngine(() => made.proc);
    const r = await engine.call('app.info', {}, signal());
    expect(r).toMatchObject({ ok: true, value: { shell: 'electron' } });
    expect(made.early).toEqual([]);
    // The engine validates: an unknown call is refused there, typed.
    expect(await engine.call('fs.read', {}, signal())).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
  });

  it("forwards the engine's events to the window they are for, and tells the engine when a window goes", async () => {
    const made = fakeProcess();
    const engine = remoteEngine(() => made.proc);
    const one = window();
    const two = window();
    const opened = (await engine.call('cluster.open', src, signal(), one.client)) as { ok: true; value: { session: string } };
    await engine.call('cluster.open', src, signal(), two.client);
    await engine.call(
      'why.ask',
      { session: opened.value.session, from: 'lab-deny-ingress/deploy/frontend', to: 'backend', port: 8080, probe: 'ssh', durationSec: 1 },
      signal(),
      one.client,
    );
    await expect.poll(() => one.got.some((g) => g.event === 'why.progress' && (g.payload as { state: string }).state === 'done'), { timeout: 5000 }).toBe(true);
    expect(one.got.some((g) => g.event === 'events.appended')).toBe(true);
    expect(two.got).toEqual([]);
    one.close();
    expect(made.proc.seen.at(-1)).toEqual({ t: 'gone', client: expect.any(String) });
  });

  it('cancels through the engine; a dead engine fails the calls under way and the next call starts a new one', async () => {
    const first = fakeProcess();
    const second = fakeProcess();
    const spawned = [first.proc, second.proc];
    const engine = remoteEngine(() => spawned.shift()!);
    await engine.call('app.info', {}, signal());
    const abort = new AbortController();
    const slow = engine.call('cluster.open', src, abort.signal);
    abort.abort();
    expect(first.proc.seen.some((f) => f.t === 'cancel')).toBe(true);
    await slow;
    const hanging = new Promise<unknown>((resolve) => {
      // A call the engine never answers: it dies first.
      first.proc.postMessage = () => {};
      void engine.call('app.info', {}, signal()).then(resolve);
    });
    first.proc.die(1);
    expect(await hanging).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await engine.call('app.info', {}, signal())).toMatchObject({ ok: true });
    expect(spawned).toEqual([]);
  });
});
