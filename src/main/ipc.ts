/**
 * Bridges the contract onto Electron IPC: one `handle` per call, named from the contract.
 * Every call checks its sender (our page's main frame only) and its payload shape before it
 * reaches a handler; dispatch() then validates the request against the call's schema. The
 * window that made a call is the client the engine pushes that call's events to (see
 * src/backend/push.ts): each window gets the events of what it opened, never another's.
 */
import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import { z } from 'zod';
import {
  callIdSchema,
  callNames,
  fail,
  localEngine,
  ipcCallChannel,
  ipcCancelChannel,
  ipcEventChannel,
  type Engine,
  type EventClient,
  type Handlers,
  type Result,
} from '../api/index.js';
import { isTrustedEvent } from './security.js';

const ipcCallSchema = z.object({ id: callIdSchema, payload: z.unknown() }).strict();

type IpcLike = Pick<IpcMain, 'handle' | 'on' | 'removeHandler' | 'removeListener'>;
/** What a window's client needs of its WebContents. */
export type SenderLike = Pick<WebContents, 'send' | 'once' | 'isDestroyed'>;

/**
 * One event client per window: events go to its page on their contract channel. It ends when
 * the window goes or its page is replaced (a reload starts a new page, which opens afresh).
 */
export function windowClients(): (sender: SenderLike) => EventClient {
  const clients = new WeakMap<SenderLike, EventClient>();
  return (sender) => {
    let client = clients.get(sender);
    if (client) return client;
    const gone = new AbortController();
    const end = () => {
      clients.delete(sender);
      gone.abort();
    };
    sender.once('destroyed', end);
    sender.once('did-navigate', end);
    client = {
      send: (event, payload) => {
        if (!sender.isDestroyed()) sender.send(ipcEventChannel(event), payload);
      },
      gone: gone.signal,
    };
    clients.set(sender, client);
    return client;
  };
}

/** `engine`: the utility process in the app (./engine.ts), or handlers in this process (tests). */
export function registerIpc(ipc: IpcLike, engine: Engine | Handlers, trusted = isTrustedEvent): () => void {
  const serve = 'call' in engine ? (engine as Engine) : localEngine(engine as Handlers);
  const inflight = new Map<string, AbortController>();
  const clientOf = windowClients();
  for (const method of callNames) {
    ipc.handle(ipcCallChannel(method), async (event: IpcMainInvokeEvent, frame: unknown): Promise<Result<unknown>> => {
      if (!trusted(event)) {
        return fail({ code: 'invalid-request', message: 'Refused: the call did not come from the Pathlight window.' });
      }
      const parsed = ipcCallSchema.safeParse(frame);
      if (!parsed.success) return fail({ code: 'invalid-request', message: `Malformed IPC frame for ${method}.` });
      const { id, payload } = parsed.data;
      const controller = new AbortController();
      inflight.set(id, controller);
      try {
        return await serve.call(method, payload, controller.signal, event.sender ? clientOf(event.sender) : undefined);
      } finally {
        inflight.delete(id);
      }
    });
  }
  const onCancel = (event: IpcMainEvent, id: unknown) => {
    if (!trusted(event)) return;
    const parsed = callIdSchema.safeParse(id);
    if (parsed.success) inflight.get(parsed.data)?.abort();
  };
  ipc.on(ipcCancelChannel, onCancel);
  return () => {
    for (const method of callNames) ipc.removeHandler(ipcCallChannel(method));
    ipc.removeListener(ipcCancelChannel, onCancel);
  };
}
