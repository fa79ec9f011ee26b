import { describe, expect, it } from 'vitest';
import { callNames, eventNames, ipcCallChannel, ipcCancelChannel, ipcEventChannel } from '../../../src/api/index.js';
import { buildBridge } from '../../../src/preload/bridge.js';

/** Stand-in for Electron's ipcRenderer that records what the bridge sends. */
function fakeIpcRenderer() {
  const sent: unknown[][] = [];
  const listeners = new Map<string, (e: unknown, p: unknown) => void>();
  return {
    sent,
    listeners,
    invoke: async (...args: unknown[]) => (sent.push(['invoke', ...args]), 'answer'),
    send: (...args: unknown[]) => void sent.push(['send', ...args]),
    on(channel: string, fn: (e: unknown, p: unknown) => void) {
      listeners.set(channel, fn);
      return this;
    },
    removeListener(channel: string) {
      listeners.delete(channel);
      return this;
    },
  };
}

describe('preload bridge', () => {
  it('exposes one function per contract call and per event, and no generic send', () => {
    const bridge = buildBridge(fakeIpcRenderer() as never);
    expect(Object.keys(bridge.calls).sort()).toEqual([...callNames].sort());
    expect(Object.keys(bridge.events).sort()).toEqual([...eventNames].sort());
    expect(Object.keys(bridge).sort()).toEqual(['calls', 'cancel', 'events', 'shell']);
    expect(Object.isFrozen(bridge.calls)).toBe(true);
  });

  it('sends each call on its own channel', async () => {
    const ipc = fakeIpcRenderer();
    const bridge = buildBridge(ipc as never);
    expect(await bridge.calls['app.info']?.('7', {})).toBe('answer');
    bridge.cancel('7');
    expect(ipc.sent).toEqual([
      ['invoke', ipcCallChannel('app.info'), { id: '7', payload: {} }],
      ['send', ipcCancelChannel, '7'],
    ]);
  });

  it('hands the page only the payload of an event, never the IPC event', () => {
    const ipc = fakeIpcRenderer();
    const bridge = buildBridge(ipc as never);
    const seen: unknown[] = [];
    const off = bridge.events['kubeconfig.chosen']?.((...args) => seen.push(args));
    ipc.listeners.get(ipcEventChannel('kubeconfig.chosen'))?.({ sender: 'secret' }, { path: '/k' });
    expect(seen).toEqual([[{ path: '/k' }]]);
    off?.();
    expect(ipc.listeners.size).toBe(0);
  });
});
