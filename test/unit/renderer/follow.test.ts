/** The store follows the engine's pushes (in-process engine, events delivered like a transport does): no polling. */
import { describe, expect, it } from 'vitest';
import { createApiClient, dispatch, type CallName, type EventClient } from '../../../src/api/index.js';
import { createHandlers } from '../../../src/backend/handlers.js';
import { createAppStore, followEngine, memoryStorage } from '../../../src/renderer/store/index.js';
import { fixture } from '../../helpers/paths.js';
import { labFixture, tableEvents } from '../../helpers/diagnose.js';

function followingStore() {
  const handlers = createHandlers({ shell: 'server', env: {}, fakeClusters: fixture('diagnose') });
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const calls: CallName[] = [];
  const resumed = new Set<() => void>();
  const client: EventClient = { send: (event, payload) => listeners.get(event)?.forEach((l) => l(payload)), gone: new AbortController().signal };
  const api = createApiClient({
    call: (m, p) => {
      calls.push(m);
      return dispatch(handlers, m, p, new AbortController().signal, client);
    },
    subscribe: (event, l) => {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(l);
      return () => listeners.get(event)!.delete(l);
    },
    onResume: (l) => (resumed.add(l), () => resumed.delete(l)),
  });
  const store = createAppStore(api, memoryStorage());
  followEngine(api, store);
  return { store, calls, resume: () => resumed.forEach((l) => l()) };
}

describe('the store follows pushes', () => {
  it('a question with probes: progress, answer, graph path and events arrive with no status poll', async () => {
    const { store, calls } = followingStore();
    store.getState().selectContext('fake-deny-backend-ingress');
    await store.getState().openCluster();
    store.getState().setQuery({ from: 'lab-deny-ingress/deploy/frontend', to: 'backend', port: '8080', probe: 'ssh', durationSec: 1 });
    await store.getState().ask();
    await expect.poll(() => store.getState().question?.state, { timeout: 5000 }).toBe('done');
    expect(store.getState().question?.diagnosis?.findings[0]?.kind).toBe('policy-deny-ingress');
    await expect.poll(() => store.getState().graph.path?.hops[store.getState().graph.path!.failing!]?.hop, { timeout: 5000 }).toBe('policy-ingress');
    await expect.poll(() => store.getState().events?.total, { timeout: 5000 }).toBe(tableEvents(labFixture('deny-backend-ingress')).length);
    // The one why.status is the state to start from, right after asking.
    expect(calls.filter((c) => c === 'why.status')).toHaveLength(1);
    await store.getState().closeCluster();
  });

  it('after a lost link, asks for every state again', async () => {
    const { store, calls, resume } = followingStore();
    store.getState().selectContext('fake-deny-backend-ingress');
    await store.getState().openCluster();
    calls.length = 0;
    resume();
    await expect.poll(() => calls.includes('graph.snapshot') && calls.includes('events.page')).toBe(true);
    await store.getState().closeCluster();
  });
});
