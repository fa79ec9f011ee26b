/**
 * Server mode: the renderer build and the contract over WebSocket on loopback, for browsers,
 * for machines where Electron cannot start, and for end-to-end tests.
 *
 * Protection: a random per-launch token (in the printed URL) is required on the WebSocket;
 * the Origin and Host headers must be this server's own (blocks other sites and DNS
 * rebinding); static files are served read-only from the renderer build with a strict CSP.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  clientFrameSchema,
  dispatch,
  maxFrameBytes,
  tokenParam,
  wsPath,
  type EventClient,
  type EventName,
  type EventPayload,
  type Handlers,
  type ServerFrame,
} from '../api/index.js';
import { contentSecurityPolicy } from '../api/csp.js';
import { lookupStatic, securityHeaders } from '../backend/static.js';

export interface ServerOptions {
  handlers: Handlers;
  /** Directory of the renderer build (index.html + assets). */
  staticDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed token, for tests; a random one otherwise. */
  token?: string;
  log?: (line: string) => void;
}

export interface RunningServer {
  /** URL to open, token included. */
  url: string;
  origin: string;
  port: number;
  token: string;
  /** Pushes an event to every connected UI. */
  broadcast<E extends EventName>(event: E, payload: EventPayload<E>): void;
  close(): Promise<void>;
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const log = options.log ?? (() => {});
  const staticRoot = path.resolve(options.staticDir);
  let allowedHosts = new Set<string>();

  const server = http.createServer((req, res) => {
    void serveStatic(req, res).catch((err: unknown) => {
      log(`server: ${req.method} ${req.url}: ${String(err)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function serveStatic(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!allowedHosts.has(req.headers.host ?? '')) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('Misdirected request: unknown Host header.\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const found = await lookupStatic(staticRoot, new URL(req.url ?? '/', 'http://x').pathname);
    if (found.status !== 200) {
      res.writeHead(found.status, { 'content-type': 'text/plain' }).end(found.status === 404 ? 'Not found\n' : '');
      return;
    }
    res.writeHead(200, {
      'content-type': found.contentType,
      'content-length': found.size,
      ...securityHeaders(contentSecurityPolicy('server')),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(found.file).pipe(res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes });
  const sockets = new Set<WebSocket>();

  server.on('upgrade', (req, socket, head) => {
    const reject = (status: number, why: string) => {
      log(`server: refused WebSocket (${why})`);
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== wsPath) return reject(404, 'wrong path');
    if (!allowedHosts.has(req.headers.host ?? '')) return reject(421, 'unknown Host header');
    const origin = req.headers.origin;
    if (!origin || !allowedHosts.has(originHost(origin))) return reject(403, `origin ${origin ?? '(none)'} is not allowed`);
    if (!tokenMatches(url.searchParams.get(tokenParam), token)) return reject(401, 'missing or wrong token');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    // A frame ws refuses (over maxFrameBytes: 1009, invalid UTF-8: 1007, a bad opcode: 1002)
    // is reported here after ws has sent that close code; without a listener the 'error'
    // event would be unhandled and take the whole server, and every other window, down.
    ws.on('error', (err: Error & { code?: string }) => {
      log(`server: closed a WebSocket (${err.code ?? 'error'}: ${err.message})`);
      if (ws.readyState === ws.OPEN) ws.close(1011, 'unexpected error');
    });
    const inflight = new Map<string, AbortController>();
    const send = (frame: ServerFrame) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    };
    // This socket's events: the engine pushes it those of what it opened, nobody else's.
    const gone = new AbortController();
    const client: EventClient = { send: (name, payload) => send({ t: 'event', name, payload }), gone: gone.signal };
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text frames only');
      let frame;
      try {
        frame = clientFrameSchema.safeParse(JSON.parse(String(data)));
      } catch {
        return ws.close(1007, 'malformed JSON');
      }
      if (!frame.success) return ws.close(1008, 'malformed frame');
      const msg = frame.data;
      if (msg.t === 'cancel') {
        inflight.get(msg.id)?.abort();
        return;
      }
      if (inflight.has(msg.id)) return ws.close(1008, 'duplicate call id');
      const controller = new AbortController();
      inflight.set(msg.id, controller);
      void dispatch(options.handlers, msg.method, msg.payload, controller.signal, client).then((result) => {
        inflight.delete(msg.id);
        send({ t: 'result', id: msg.id, result });
      });
    });
    ws.on('close', () => {
      sockets.delete(ws);
      for (const c of inflight.values()) c.abort();
      gone.abort();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${urlHost}:${port}`;
  allowedHosts = new Set([`${urlHost}:${port}`]);
  if (isLoopbackHost(host)) {
    for (const h of ['127.0.0.1', 'localhost', '[::1]']) allowedHosts.add(`${h}:${port}`);
  }
  return {
    url: `${origin}/?${tokenParam}=${token}`,
    origin,
    port,
    token,
    broadcast(event, payload) {
      const text = JSON.stringify({ t: 'event', name: event, payload } satisfies ServerFrame);
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function originHost(origin: string): string {
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' ? u.host : '';
  } catch {
    return '';
  }
}

function tokenMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
