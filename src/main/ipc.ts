/**
 * Bridges the contract onto Electron IPC: one `handle` per call, named from the contract.
 * Every call checks its sender (our page's main frame only) and its payload shape before it
 * reaches a handler; dispatch() then validates the request against the call's schema.
 */
import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import { z } from 'zod';
import {
  callIdSchema,
  callNames,
  dispatch,
  fail,
  ipcCallChannel,
  ipcCancelChannel,
  type Handlers,
  type Result,
} from '../api/index.js';
import { isTrustedEvent } from './security.js';

const ipcCallSchema = z.object({ id: callIdSchema, payload: z.unknown() }).strict();

type IpcLike = Pick<IpcMain, 'handle' | 'on' | 'removeHandler' | 'removeListener'>;

export function registerIpc(ipc: IpcLike, handlers: Handlers, trusted = isTrustedEvent): () => void {
  const inflight = new Map<string, AbortController>();
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
        return await dispatch(handlers, method, payload, controller.signal);
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
