/**
 * The engine side of the contract: validates a call's name and payload, runs its handler,
 * checks the response against the contract and turns every failure into a typed error.
 * Used by the Electron IPC bridge and the WebSocket server alike.
 */
import { z } from 'zod';
import { calls, isCallName, type CallName, type CallRequest, type CallResponse, type EventName, type EventPayload } from './contract.js';
import { fail, ok, toApiError, type Result } from './result.js';
import type { CancelSignal } from './cancel.js';

/**
 * One UI the engine pushes events to: a window (Electron) or a WebSocket (server mode). The
 * engine sends a client only the events of what it opened, so windows never see each other's.
 */
export interface EventClient {
  send<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** Aborted when the client goes (window closed, socket closed): its subscriptions end. */
  readonly gone: CancelSignal;
}

export interface CallContext {
  /** Aborted when the caller cancels or disconnects. */
  signal: CancelSignal;
  /** Who called, for the events of what the call opens; absent for in-process callers (CLI, tests). */
  client?: EventClient;
}

export type Handlers = {
  [N in CallName]: (request: CallRequest<N>, ctx: CallContext) => Promise<CallResponse<N>>;
};

export async function dispatch(handlers: Handlers, method: unknown, payload: unknown, signal: CancelSignal, client?: EventClient): Promise<Result<unknown>> {
  if (!isCallName(method)) {
    return fail({
      code: 'unknown-method',
      message: `Unknown call ${JSON.stringify(String(method)).slice(0, 80)}.`,
      hint: 'The UI and the engine are from different versions; restart Pathlight.',
    });
  }
  const spec = calls[method];
  const parsed = spec.request.safeParse(payload);
  if (!parsed.success) {
    return fail({
      code: 'invalid-request',
      message: `Invalid request for ${method}: ${z.prettifyError(parsed.error)}`,
    });
  }
  try {
    const handler = handlers[method] as (req: unknown, ctx: CallContext) => Promise<unknown>;
    const value = await handler(parsed.data, client ? { signal, client } : { signal });
    if (signal.aborted) return fail({ code: 'cancelled', message: 'The request was cancelled.' });
    return ok(spec.response.parse(value));
  } catch (err) {
    return fail(toApiError(err));
  }
}

/** What serves calls: the handlers in this process, or an engine in another one (src/main/engine.ts). */
export interface Engine {
  call(method: unknown, payload: unknown, signal: CancelSignal, client?: EventClient): Promise<Result<unknown>>;
}

/** The handlers of this process as an Engine. */
export function localEngine(handlers: Handlers): Engine {
  return { call: (method, payload, signal, client) => dispatch(handlers, method, payload, signal, client) };
}
