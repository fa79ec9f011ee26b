import { describe, expect, it } from 'vitest';
import { callNames, ipcCallChannel, ipcCancelChannel, ipcEventChannel, type Handlers } from '../../../src/api/index.js';
import { createHandlers } from '../../../src/backend/handlers.js';
import { registerIpc } from '../../../src/main/ipc.js';
import { appEntryUrl } from '../../../src/main/security.js';
import { fixture } from '../../helpers/paths.js';

/** Stand-in for Electron's ipcMain: records handlers so the test can invoke them. */
class FakeIpcMain {
  handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  listeners = new Map<string, (event: unknown, ...args: unknown[]) => void>();
  handle(channel: string, fn: (event: unknown, ...args: unknown[]) => unknown) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  on(channel: string, fn: (event: unknown, ...args: unknown[]) => void) {
    this.listeners.set(channel, fn);
    return this;
  }
  removeListener(channel: string) {
    this.listeners.delete(channel);
    return this;
  }
  invoke(channel: string, frame: unknown, url = appEntryUrl, parent: unknown = null, sender?: FakeWindow) {
    const fn = this.handlers.get(channel);
    if (!fn) throw new Error(`no handler for ${channel}`);
    return fn({ senderFrame: { url, parent }, ...(sender ? { sender } : {}) }, frame);
  }
}

/** Stand-in for a window's WebContents: what it was sent, and its lifecycle events. */
class FakeWindow {
  sent: Array<{ channel: string; payload: unknown }> = [];
  destroyed = false;
  private handlers = new Map<string, () => void>();
  send(channel: string, payload: unknown) {
    this.sent.push({ channel, payload });
  }
  once(event: string, fn: () => void) {
    this.handlers.set(event, fn);
    return this;
  }
  isDestroyed() {
    return this.destroyed;
  }
  emit(event: string) {
    this.handlers.get(event)?.();
  }
}

const handlers = createHandlers({ shell: 'electron', env: { HOME: '/nonexistent' } });

describe('registerIpc', () => {
  it('registers exactly one channel per contract call, plus cancel', () => {
    const ipc = new FakeIpcMain();
    registerIpc(ipc as never, handlers);
    expect([...ipc.handlers.keys()].sort()).toEqual(callNames.map(ipcCallChannel).sort());
    expect([...ipc.listeners.keys()]).toEqual([ipcCancelChannel]);
  });

  it('serves a valid call from our window', async () => {
    const ipc = new FakeIpcMain();
    registerIpc(ipc as never, handlers);
    const r = await ipc.invoke(ipcCallChannel('kubeconfig.contexts'), {
      id: '1',
      payload: { source: { kind: 'path', path: fixture('kubeconfig/three-contexts.yaml') } },
    });
    expect(r).toMatchObject({ ok: true, value: { contexts: [{ name: 'prod-eu-admin' }, { name: 'staging' }, { name: 'kind-lab' }] } });
  });

  it.each([
    ['another origin', 'https://evil.example/', null],
    ['a subframe of our page', appEntryUrl, {}],
    ['a file:// page', 'file:///tmp/x.html', null],
  ])('refuses a call from %s without running the handler', async (_what, url, parent) => {
    const ipc = new FakeIpcMain();
    let ran = false;
    registerIpc(
      ipc as never,
      { ...handlers, 'app.info': async () => ((ran = true), handlers['app.info']({}, { signal: new AbortController().signal })) } as Handlers,
    );
    const r = await ipc.invoke(ipcCallChannel('app.info'), { id: '1', payload: {} }, url, parent);
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringContaining('Refused') } });
    expect(ran).toBe(false);
  });

  it.each([
    ['no frame', undefined],
    ['no id', { payload: {} }],
    ['an extra key', { id: '1', payload: {}, channel: 'x' }],
    ['a bad payload', { id: '1', payload: { source: { kind: 'path' } } }],
  ])('rejects %s as invalid-request', async (_what, frame) => {
    const ipc = new FakeIpcMain();
    registerIpc(ipc as never, handlers);
    expect(await ipc.invoke(ipcCallChannel('kubeconfig.contexts'), frame)).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
  });

  it('cancels an in-flight call by id', async () => {
    const ipc = new FakeIpcMain();
    let release: () => void = () => {};
    registerIpc(ipc as never, {
      ...handlers,
      'app.info': (_req, ctx) =>
        new Promise((resolve) => {
          release = () => resolve({ version: '0', shell: 'electron', platform: 'linux', defaultKubeconfig: '' });
          ctx.signal.addEventListener('abort', () => release());
        }),
    });
    const pending = ipc.invoke(ipcCallChannel('app.info'), { id: 'c1', payload: {} });
    ipc.listeners.get(ipcCancelChannel)?.({ senderFrame: { url: appEntryUrl, parent: null } }, 'c1');
    expect(await pending).toMatchObject({ ok: false, error: { code: 'cancelled' } });
  });

  it("pushes each window the events of what it opened, on the event's channel, until the window goes", async () => {
    const ipc = new FakeIpcMain();
    const h = createHandlers({ shell: 'electron', env: { HOME: '/nonexistent' }, fakeClusters: fixture('diagnose') });
    registerIpc(ipc as never, h);
    const one = new FakeWindow();
    const two = new FakeWindow();
    const src = { source: { kind: 'default' }, context: 'fake-deny-backend-ingress' };
    const opened = (await ipc.invoke(ipcCallChannel('cluster.open'), { id: '1', payload: src }, appEntryUrl, null, one)) as { value: { session: string } };
    await ipc.invoke(ipcCallChannel('cluster.open'), { id: '2', payload: src }, appEntryUrl, null, two);
    const session = opened.value.session;
    await ipc.invoke(
      ipcCallChannel('why.ask'),
      { id: '3', payload: { session, from: 'lab-deny-ingress/deploy/frontend', to: 'backend', port: 8080, probe: 'none', durationSec: 1 } },
      appEntryUrl,
      null,
      one,
    );
    await expect
      .poll(() => one.sent.some((m) => m.channel === ipcEventChannel('why.progress') && (m.payload as { state: string }).state === 'done'))
      .toBe(true);
    expect(one.sent.some((m) => m.channel === ipcEventChannel('graph.changed') && (m.payload as { session: string }).session === session)).toBe(true);
    expect(two.sent).toEqual([]);
    // A reload replaces the page: what the old page opened no longer reaches the window.
    one.emit('did-navigate');
    const before = one.sent.length;
    // The session changes again (a question asked from elsewhere: its answer lands on the graph).
    await ipc.invoke(ipcCallChannel('why.ask'), {
      id: '5',
      payload: { session, from: 'lab-deny-ingress/deploy/frontend', to: 'backend', port: 8080, probe: 'none', durationSec: 1 },
    });
    // Longer than the pushes' quiet interval (src/backend/push.ts).
    await new Promise((r) => setTimeout(r, 800));
    expect(one.sent.length).toBe(before);
  });

  it('unregisters everything it registered', () => {
    const ipc = new FakeIpcMain();
    registerIpc(ipc as never, handlers)();
    expect(ipc.handlers.size + ipc.listeners.size).toBe(0);
  });
});
