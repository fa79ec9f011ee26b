/**
 * The engine seen from main: a child process (Electron's utility process in the app; any
 * process speaking the frames of src/api/wire.ts in tests) that serves every call. Main stays
 * thin: it forwards a window's calls with the window's client id, cancels, and the engine's
 * events back to the window they are for. Calls wait until the engine says it is ready; when it
 * dies, calls under way fail as `unavailable` and the next call starts a new one.
 */
import { engineOutSchema, fail, isEventName, type CancelSignal, type Engine, type EngineIn, type EventClient, type Result } from '../api/index.js';

/** What main needs of the engine's process: Electron's UtilityProcess has this shape. */
export interface EngineProcess {
  postMessage(message: EngineIn): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export interface RemoteEngine extends Engine {
  /** Asks the engine to close its recordings and exit (the app quits). */
  stop(): void;
}

export function remoteEngine(spawn: () => EngineProcess, log: (line: string) => void = () => {}): RemoteEngine {
  let proc: EngineProcess | undefined;
  let ready = false;
  let queue: EngineIn[] = [];
  let nextCall = 0;
  let nextClient = 0;
  const pending = new Map<string, (r: Result<unknown>) => void>();
  const clientIds = new WeakMap<EventClient, string>();
  const clients = new Map<string, EventClient>();

  const post = (frame: EngineIn) => {
    if (!proc) start();
    if (ready) proc!.postMessage(frame);
    else queue.push(frame);
  };

  function start() {
    const p = spawn();
    proc = p;
    ready = false;
    p.on('message', (raw) => {
      const parsed = engineOutSchema.safeParse(raw);
      if (!parsed.success) return log('engine: a malformed frame was dropped');
      const msg = parsed.data;
      if (msg.t === 'ready') {
        ready = true;
        for (const f of queue) p.postMessage(f);
        queue = [];
      } else if (msg.t === 'result') {
        pending.get(msg.id)?.(msg.result as Result<unknown>);
        pending.delete(msg.id);
      } else if (isEventName(msg.name)) {
        clients.get(msg.client)?.send(msg.name, msg.payload as never);
      }
    });
    p.on('exit', (code) => {
      if (proc !== p) return;
      log(`engine: exited (${code})`);
      proc = undefined;
      ready = false;
      queue = [];
      for (const done of pending.values())
        done(fail({ code: 'unavailable', message: `The Pathlight engine stopped (exit code ${code}).`, hint: 'Open the cluster or recording again.' }));
      pending.clear();
      // Its sessions died with it: the windows' subscriptions too.
      clients.clear();
    });
  }

  function idOf(client: EventClient): string {
    let id = clientIds.get(client);
    if (id && clients.has(id)) return id;
    id = `w${(nextClient++).toString(36)}`;
    clientIds.set(client, id);
    clients.set(id, client);
    const clientId = id;
    client.gone.addEventListener(
      'abort',
      () => {
        if (!clients.delete(clientId)) return;
        if (proc) post({ t: 'gone', client: clientId });
      },
      { once: true },
    );
    return id;
  }

  return {
    call(method: unknown, payload: unknown, signal: CancelSignal, client?: EventClient): Promise<Result<unknown>> {
      const id = `c${(nextCall++).toString(36)}`;
      return new Promise((resolve) => {
        const onAbort = () => post({ t: 'cancel', id });
        signal.addEventListener('abort', onAbort, { once: true });
        pending.set(id, (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        });
        // The engine checks the name and payload (dispatch); main only carries them.
        post({ t: 'call', id, method: String(method).slice(0, 128), payload, ...(client && !client.gone.aborted ? { client: idOf(client) } : {}) });
      });
    },
    stop() {
      if (proc && ready) proc.postMessage({ t: 'stop' });
      else proc?.kill();
    },
  };
}
