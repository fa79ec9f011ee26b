/**
 * Picks how the UI reaches the engine: Electron's preload bridge when present, otherwise the
 * WebSocket of server mode. The rest of the UI only sees the typed ApiClient.
 */
import { createApiClient, tokenParam, wsPath, type ApiClient, type CallName, type CancelSignal, type EventName, type Transport } from '../../api/index.js';
import { serverFrameSchema } from '../../api/wire.js';

/** Shape of `window.pathlight` as src/preload exposes it. */
export interface PreloadBridge {
  shell: 'electron';
  calls: Record<string, (id: string, payload: unknown) => Promise<unknown>>;
  cancel(id: string): void;
  events: Record<string, (listener: (payload: unknown) => void) => () => void>;
}

declare global {
  interface Window {
    pathlight?: PreloadBridge;
  }
}

let nextId = 0;
const newId = () => `${Date.now().toString(36)}-${(nextId++).toString(36)}`;

function onAbort(signal: CancelSignal | undefined, fn: () => void): () => void {
  if (!signal) return () => {};
  signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}

export function ipcTransport(bridge: PreloadBridge): Transport {
  return {
    async call(method: CallName, payload: unknown, signal?: CancelSignal) {
      const fn = bridge.calls[method];
      if (!fn) throw new Error(`the shell does not offer ${method}`);
      const id = newId();
      const off = onAbort(signal, () => bridge.cancel(id));
      try {
        return await fn(id, payload);
      } finally {
        off();
      }
    },
    subscribe(event: EventName, listener) {
      return bridge.events[event]?.(listener) ?? (() => {});
    },
  };
}

/** The launch token: from the URL on first load, then from this tab's session storage. */
export function takeLaunchToken(loc: Location, storage: Storage, history: History): string | null {
  const params = new URLSearchParams(loc.search);
  const fromUrl = params.get(tokenParam);
  if (fromUrl) {
    storage.setItem('pathlight.token', fromUrl);
    params.delete(tokenParam);
    const rest = params.toString();
    // Keep the token out of the address bar, history and screenshots.
    history.replaceState(null, '', loc.pathname + (rest ? `?${rest}` : '') + loc.hash);
    return fromUrl;
  }
  return storage.getItem('pathlight.token');
}

/** Waits between attempts to reach the server again after the socket closed (ms). */
const reconnectDelays = [500, 1000, 2000, 5000, 10_000];

export function webSocketTransport(url: string): Transport {
  let socket: WebSocket | undefined;
  let opening: Promise<WebSocket> | undefined;
  const pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const resumed = new Set<() => void>();
  /** A socket was open once and closed since: the next open resumes (events were missed). */
  let lost = false;
  let attempts = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;

  // With subscribers, a lost socket is opened again by itself: the UI waits for pushes, not
  // for a call of its own to notice. (Calls open it on demand anyway.)
  function reconnectLater() {
    if (retry || ![...listeners.values()].some((set) => set.size > 0)) return;
    const delay = reconnectDelays[Math.min(attempts++, reconnectDelays.length - 1)]!;
    retry = setTimeout(() => {
      retry = undefined;
      void open().catch(() => reconnectLater());
    }, delay);
  }

  function open(): Promise<WebSocket> {
    if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket);
    opening ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        socket = ws;
        opening = undefined;
        attempts = 0;
        resolve(ws);
        if (lost) {
          lost = false;
          for (const l of resumed) l();
        }
      };
      ws.onerror = () => {
        opening = undefined;
        reject(new Error('cannot reach the Pathlight server (is `pathlight serve` running, and is the URL token right?)'));
      };
      ws.onclose = (ev) => {
        if (socket === ws) {
          socket = undefined;
          lost = true;
          reconnectLater();
        }
        for (const p of pending.values()) p.reject(new Error(`connection closed (${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`));
        pending.clear();
      };
      ws.onmessage = (ev) => {
        let frame;
        try {
          frame = serverFrameSchema.safeParse(JSON.parse(String(ev.data)));
        } catch {
          return;
        }
        if (!frame.success) return;
        const msg = frame.data;
        if (msg.t === 'result') {
          pending.get(msg.id)?.resolve(msg.result);
          pending.delete(msg.id);
        } else {
          for (const l of listeners.get(msg.name) ?? []) l(msg.payload);
        }
      };
    });
    return opening;
  }

  return {
    async call(method, payload, signal) {
      const ws = await open();
      const id = newId();
      return new Promise((resolve, reject) => {
        const off = onAbort(signal, () => ws.send(JSON.stringify({ t: 'cancel', id })));
        const done = (fn: () => void) => {
          off();
          fn();
        };
        pending.set(id, { resolve: (v) => done(() => resolve(v)), reject: (e) => done(() => reject(e)) });
        ws.send(JSON.stringify({ t: 'call', id, method, payload }));
      });
    },
    subscribe(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      void open().catch(() => {});
      return () => set.delete(listener);
    },
    onResume(listener) {
      resumed.add(listener);
      return () => resumed.delete(listener);
    },
  };
}

export function connectToEngine(): ApiClient {
  if (window.pathlight) return createApiClient(ipcTransport(window.pathlight));
  const token = takeLaunchToken(window.location, window.sessionStorage, window.history) ?? '';
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const url = `${scheme}://${window.location.host}${wsPath}?${tokenParam}=${encodeURIComponent(token)}`;
  return createApiClient(webSocketTransport(url));
}
