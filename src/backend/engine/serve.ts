/**
 * The engine's side of the main ↔ engine link (frames in src/api/wire.ts): every call goes
 * through dispatch() with the window it came from as its event client, results and pushed
 * events go back tagged with their call and window. Transport-free: the entry (./main.ts) hands
 * it Electron's parentPort or Node's IPC channel.
 */
import { dispatch, engineInSchema, type EngineOut, type EventClient, type Handlers } from '../../api/index.js';

export interface EnginePort {
  post(frame: EngineOut): void;
  onMessage(listener: (frame: unknown) => void): void;
}

export function serveEngine(port: EnginePort, handlers: Handlers, onStop: () => void): void {
  const inflight = new Map<string, AbortController>();
  const clients = new Map<string, { client: EventClient; gone: AbortController }>();
  const clientOf = (id: string): EventClient => {
    let c = clients.get(id);
    if (!c) {
      const gone = new AbortController();
      c = { gone, client: { send: (name, payload) => port.post({ t: 'event', client: id, name, payload }), gone: gone.signal } };
      clients.set(id, c);
    }
    return c.client;
  };
  port.onMessage((raw) => {
    const parsed = engineInSchema.safeParse(raw);
    if (!parsed.success) return; // main sends only what the schema allows
    const msg = parsed.data;
    if (msg.t === 'stop') return onStop();
    if (msg.t === 'cancel') return void inflight.get(msg.id)?.abort();
    if (msg.t === 'gone') {
      clients.get(msg.client)?.gone.abort();
      clients.delete(msg.client);
      return;
    }
    const controller = new AbortController();
    inflight.set(msg.id, controller);
    void dispatch(handlers, msg.method, msg.payload, controller.signal, msg.client ? clientOf(msg.client) : undefined).then((result) => {
      inflight.delete(msg.id);
      port.post({ t: 'result', id: msg.id, result });
    });
  });
  port.post({ t: 'ready' });
}
