/**
 * Derives `window.pathlight` from the contract: one function per call and one subscribe
 * function per event, each bound to its own channel. There is no generic send(channel, …),
 * so the page can reach nothing the contract does not list.
 */
import type { IpcRenderer, IpcRendererEvent } from 'electron';
import { callNames, eventNames, ipcCallChannel, ipcCancelChannel, ipcEventChannel } from '../api/index.js';

type IpcRendererLike = Pick<IpcRenderer, 'invoke' | 'send' | 'on' | 'removeListener'>;

export function buildBridge(ipc: IpcRendererLike) {
  const calls: Record<string, (id: string, payload: unknown) => Promise<unknown>> = {};
  for (const method of callNames) {
    const channel = ipcCallChannel(method);
    calls[method] = (id, payload) => ipc.invoke(channel, { id: String(id), payload });
  }
  const events: Record<string, (listener: (payload: unknown) => void) => () => void> = {};
  for (const name of eventNames) {
    const channel = ipcEventChannel(name);
    events[name] = (listener) => {
      // Never hand the IpcRendererEvent (and its sender) to the page.
      const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
      ipc.on(channel, wrapped);
      return () => void ipc.removeListener(channel, wrapped);
    };
  }
  return Object.freeze({
    shell: 'electron' as const,
    calls: Object.freeze(calls),
    events: Object.freeze(events),
    cancel: (id: string) => ipc.send(ipcCancelChannel, String(id)),
  });
}
