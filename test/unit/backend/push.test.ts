/** The engine's pushes: coalesced per topic, sent only to the clients of that topic, validated by the contract. */
import { describe, expect, it } from 'vitest';
import { dispatch, type EventClient, type EventName } from '../../../src/api/index.js';
import { createHandlers } from '../../../src/backend/handlers.js';
import { PushHub } from '../../../src/backend/push.js';
import { fixture } from '../../helpers/paths.js';
import { labFixture, tableEvents } from '../../helpers/diagnose.js';

function client() {
  // Loosely typed: the tests read fields of several events' payloads.
  const got: Array<{ event: EventName; payload: Record<string, unknown> & { diagnosis?: { verdict?: string } } }> = [];
  const gone = new AbortController();
  const c: EventClient = { send: (event, payload) => void got.push({ event, payload: payload as (typeof got)[number]['payload'] }), gone: gone.signal };
  return { c, got, leave: () => gone.abort() };
}

const session = '00000000-0000-4000-8000-000000000001';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PushHub', () => {
  it('sends the first change at once and then at most one per interval, the last state always', async () => {
    const hub = new PushHub({ 'graph.changed': 50 });
    const a = client();
    hub.subscribe(session, a.c);
    let pending = 100;
    for (let i = 0; i < 1000; i++) hub.notify(session, 'graph.changed', () => ({ session, pending: pending-- }));
    await sleep(10);
    expect(a.got).toHaveLength(1);
    pending = 0;
    hub.notify(session, 'graph.changed', () => ({ session, pending }));
    await sleep(120);
    expect(a.got.map((g) => g.payload.pending)).toEqual([100, 0]);
  });

  it('sends a topic only to its clients, and nothing after a client went', async () => {
    const hub = new PushHub({ 'graph.changed': 1 });
    const a = client();
    const b = client();
    const other = '00000000-0000-4000-8000-000000000002';
    hub.subscribe(session, a.c);
    hub.subscribe(other, b.c);
    hub.notify(session, 'graph.changed', () => ({ session }));
    await sleep(10);
    expect(a.got).toHaveLength(1);
    expect(b.got).toHaveLength(0);
    a.leave();
    expect(hub.audience(session)).toBe(0);
    hub.notify(session, 'graph.changed', () => ({ session, pending: 1 }));
    await sleep(10);
    expect(a.got).toHaveLength(1);
  });

  it('never sends what the contract does not allow', async () => {
    const hub = new PushHub();
    const a = client();
    hub.subscribe('x', a.c);
    const err = console.error;
    console.error = () => {};
    try {
      hub.notify('x', 'graph.changed', () => ({ session: 'not-a-uuid' }));
      await sleep(10);
    } finally {
      console.error = err;
    }
    expect(a.got).toEqual([]);
  });
});

describe('pushed events of the workbench', () => {
  it('a question pushes its progress and answer, the graph and the events, to the window that opened the session only', async () => {
    const handlers = createHandlers({ shell: 'server', env: {}, fakeClusters: fixture('diagnose') });
    const a = client();
    const b = client();
    const call = (c: EventClient, method: string, payload: unknown) =>
      dispatch(handlers, method, payload, new AbortController().signal, c) as Promise<{ ok: true; value: Record<string, unknown> }>;
    const src = { source: { kind: 'default' }, context: 'fake-deny-backend-ingress' };
    const opened = (await call(a.c, 'cluster.open', src)).value.session as string;
    await call(b.c, 'cluster.open', src);
    const asked = await call(a.c, 'why.ask', {
      session: opened,
      from: 'lab-deny-ingress/deploy/frontend',
      to: 'backend',
      port: 8080,
      probe: 'ssh',
      durationSec: 1,
    });
    const question = asked.value.question as string;
    await expect
      .poll(() => a.got.find((g) => g.event === 'why.progress' && g.payload.state === 'done')?.payload.diagnosis?.verdict, { timeout: 5000 })
      .toBe('unreachable');
    await sleep(500);
    expect(a.got.every((g) => g.payload.session === opened || g.payload.question === question)).toBe(true);
    expect(a.got.filter((g) => g.event === 'events.appended').at(-1)?.payload).toEqual({
      session: opened,
      total: tableEvents(labFixture('deny-backend-ingress')).length,
    });
    expect(a.got.some((g) => g.event === 'graph.changed')).toBe(true);
    expect(b.got).toEqual([]);
  });
});
