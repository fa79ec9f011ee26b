/** Calling the API's handlers through dispatch (validation included), as the UI does, and waiting for an answer. */
import { dispatch, type CallName, type CallResponse } from '../../src/api/index.js';
import type { createHandlers } from '../../src/backend/handlers.js';

export function apiOn(handlers: ReturnType<typeof createHandlers>, pollMs = 20) {
  const raw = (method: CallName, payload: unknown) => dispatch(handlers, method, payload, new AbortController().signal);
  async function call<N extends CallName>(method: N, payload: unknown): Promise<CallResponse<N>> {
    const r = await raw(method, payload);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value as CallResponse<N>;
  }
  /** Polls why.status until the question is no longer running. */
  async function answer(question: string) {
    for (let i = 0; i < 100; i++) {
      const st = await call('why.status', { question });
      if (st.state !== 'running') return st;
      await new Promise((r) => setTimeout(r, pollMs));
    }
    throw new Error('no answer');
  }
  return { raw, call, answer };
}
