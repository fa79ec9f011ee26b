/**
 * The UI side of the contract: a typed client with one method per call, over any transport
 * (Electron IPC through preload, or WebSocket in server mode). Responses and events are
 * validated here too, so a UI never renders something the contract does not allow.
 */
import { z } from 'zod';
import { calls, events, type CallName, type CallRequest, type CallResponse, type EventName, type EventPayload } from './contract.js';
import { resultSchema, type Result } from './result.js';
import type { CancelSignal } from './cancel.js';

export interface Transport {
  call(method: CallName, payload: unknown, signal?: CancelSignal): Promise<unknown>;
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void;
  /** Calls `listener` when the link to the engine is back after a loss (events may have been missed). */
  onResume?(listener: () => void): () => void;
}

export interface CallOptions {
  signal?: CancelSignal;
}

export type ApiClient = {
  [N in CallName]: (request: CallRequest<N>, options?: CallOptions) => Promise<Result<CallResponse<N>>>;
} & {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** The link to the engine is back after a loss: pull what the pushes missed. */
  onResume(listener: () => void): () => void;
};

export function createApiClient(transport: Transport): ApiClient {
  const client: Record<string, unknown> = {};
  for (const name of Object.keys(calls) as CallName[]) {
    const schema = resultSchema(calls[name].response);
    client[name] = async (request: unknown, options?: CallOptions) => {
      let raw: unknown;
      try {
        raw = await transport.call(name, request, options?.signal);
      } catch (err) {
        return {
          ok: false,
          error: {
            code: 'unavailable',
            message: `Lost contact with the Pathlight engine: ${err instanceof Error ? err.message : String(err)}`,
            hint: 'Reload the window; if you use server mode, check that `pathlight serve` is still running.',
          },
        };
      }
      const parsed = schema.safeParse(raw);
      if (parsed.success) return parsed.data;
      return {
        ok: false,
        error: { code: 'internal', message: `The engine sent a malformed answer to ${name}: ${z.prettifyError(parsed.error)}` },
      };
    };
  }
  client.on = (event: EventName, listener: (payload: unknown) => void) =>
    transport.subscribe(event, (payload) => {
      const parsed = events[event].safeParse(payload);
      if (parsed.success) listener(parsed.data);
    });
  client.onResume = (listener: () => void) => transport.onResume?.(listener) ?? (() => {});
  return client as ApiClient;
}
