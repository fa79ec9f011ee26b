/** The renderer's store wired to the real engine in-process (dispatch, validation included), for slice tests. */
import { expect } from 'vitest';
import { createApiClient, dispatch, type CallName } from '../../src/api/index.js';
import { createHandlers } from '../../src/backend/handlers.js';
import { createAppStore, memoryStorage } from '../../src/renderer/store/index.js';

export function storeOn(o: { fakeClusters?: string; storage?: ReturnType<typeof memoryStorage>; seen?: Array<{ method: CallName; payload: unknown }> } = {}) {
  const handlers = createHandlers({ shell: 'server', env: {}, ...(o.fakeClusters ? { fakeClusters: o.fakeClusters } : {}) });
  const api = createApiClient({
    call: (m, p) => {
      o.seen?.push({ method: m, payload: p });
      return dispatch(handlers, m, p, new AbortController().signal);
    },
    subscribe: () => () => {},
  });
  return createAppStore(api, o.storage ?? memoryStorage());
}

/** Asks the question in the form and waits until its answer is in. */
export async function askAndWait(store: ReturnType<typeof storeOn>): Promise<void> {
  await store.getState().ask();
  await expect
    .poll(async () => {
      await store.getState().refreshQuestion();
      return store.getState().question?.state;
    })
    .toBe('done');
}
