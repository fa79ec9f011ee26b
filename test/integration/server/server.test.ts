/**
 * Server mode over real sockets: the token, Origin and Host checks, static files with the
 * CSP, and the contract over WebSocket.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { contentSecurityPolicy } from '../../../src/api/index.js';
import { createHandlers } from '../../../src/backend/handlers.js';
import { startServer, type RunningServer } from '../../../src/server/server.js';
import { fixture, repoPath } from '../../helpers/paths.js';
import { serve, type Served } from '../../e2e/harness.js';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({
    handlers: createHandlers({ shell: 'server', env: { KUBECONFIG: fixture('kubeconfig/three-contexts.yaml') } }),
    staticDir: repoPath('dist/renderer'),
    port: 0,
  });
});
afterAll(() => server.close());

function get(path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path, headers, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a WebSocket; resolves with the socket, or with the HTTP status that refused it. */
function connect(opts: { token?: string; origin?: string; host?: string } = {}) {
  const token = opts.token ?? server.token;
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${encodeURIComponent(token)}`, {
    origin: opts.origin ?? server.origin,
    headers: opts.host ? { host: opts.host } : {},
  });
  return new Promise<{ ws: WebSocket } | { refused: number }>((resolve) => {
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ refused: res.statusCode ?? 0 }));
    ws.once('error', () => resolve({ refused: -1 }));
  });
}

function call(ws: WebSocket, method: string, payload: unknown, id = Math.random().toString(36).slice(2)) {
  return new Promise<unknown>((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data));
      if (frame.t === 'result' && frame.id === id) {
        ws.off('message', onMessage);
        resolve(frame.result);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ t: 'call', id, method, payload }));
  });
}

describe('server mode', () => {
  it('prints a loopback URL carrying the launch token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[A-Za-z0-9_-]{32}$`));
  });

  it('serves the renderer with a strict CSP and no-sniff', async () => {
    const res = await get('/', { host: `127.0.0.1:${server.port}` });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<div id="root">');
    expect(res.headers['content-security-policy']).toBe(contentSecurityPolicy('server'));
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it.each(['/../package.json', '/%2e%2e/%2e%2e/package.json', '/assets%2f..%2f..%2f..%2fpackage.json', '/assets/../../../etc/passwd', '/nope.js'])(
    'does not serve %s outside the renderer build',
    async (path) => {
      const res = await get(path, { host: `127.0.0.1:${server.port}` });
      expect([403, 404]).toContain(res.status);
      expect(res.body).not.toContain('"name": "pathlight"');
      expect(res.body).not.toContain('root:');
    },
  );

  it('refuses requests whose Host is not this server (DNS rebinding)', async () => {
    expect((await get('/', { host: `evil.example:${server.port}` })).status).toBe(421);
    expect(await connect({ host: `evil.example:${server.port}`, origin: `http://evil.example:${server.port}` })).toEqual({ refused: 421 });
  });

  it('refuses a WebSocket without the right token', async () => {
    expect(await connect({ token: 'wrong' })).toEqual({ refused: 401 });
    expect(await connect({ token: '' })).toEqual({ refused: 401 });
  });

  it('refuses a WebSocket from another origin even with the token', async () => {
    expect(await connect({ origin: 'https://evil.example' })).toEqual({ refused: 403 });
    expect(await connect({ origin: 'null' })).toEqual({ refused: 403 });
  });

  it('answers contract calls over the WebSocket', async () => {
    const c = await connect();
    if (!('ws' in c)) throw new Error(`refused ${c.refused}`);
    const result = await call(c.ws, 'kubeconfig.contexts', { source: { kind: 'default' } });
    expect(result).toMatchObject({ ok: true, value: { contexts: [{ name: 'prod-eu-admin' }, { name: 'staging' }, { name: 'kind-lab' }] } });
    expect(await call(c.ws, 'shell.exec', { cmd: 'id' })).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    expect(await call(c.ws, 'kubeconfig.contexts', { source: { kind: 'path' } })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    });
    c.ws.close();
  });

  it.each([
    ['not JSON', 'hello', 1007],
    ['a frame outside the protocol', JSON.stringify({ t: 'exec', cmd: 'id' }), 1008],
  ])('closes the socket on %s', async (_what, text, code) => {
    const c = await connect();
    if (!('ws' in c)) throw new Error(`refused ${c.refused}`);
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    c.ws.send(text);
    expect(await closed).toBe(code);
  });

  it('pushes events to connected UIs', async () => {
    const c = await connect();
    if (!('ws' in c)) throw new Error(`refused ${c.refused}`);
    const got = new Promise<unknown>((resolve) => c.ws.once('message', (d) => resolve(JSON.parse(String(d)))));
    server.broadcast('menu.command', { command: 'reload-contexts' });
    expect(await got).toEqual({ t: 'event', name: 'menu.command', payload: { command: 'reload-contexts' } });
    c.ws.close();
  });
});

describe('a frame the server refuses', () => {
  // The real `pathlight serve` process: an unhandled socket error would end it.
  let served: Served;
  beforeAll(async () => {
    served = await serve({ KUBECONFIG: fixture('kubeconfig/three-contexts.yaml') });
  }, 30_000);
  afterAll(() => served?.stop());

  function open(): Promise<WebSocket> {
    const url = new URL(served.url);
    const ws = new WebSocket(`ws://${url.host}/api?token=${url.searchParams.get('token')}`, { origin: url.origin });
    // Writing the rest of a frame the server already refused may fail on this side.
    ws.on('error', () => {});
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  it.each([
    ['a 6 MiB frame', () => 'x'.repeat(6 * 1024 * 1024), 1009],
    ['a text frame of invalid UTF-8', () => Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 1007],
  ])('%s closes that socket with a code; the others keep their answers', async (_what, frame, code) => {
    const bystander = await open();
    const sender = await open();
    const closed = new Promise<number | string>((resolve) => {
      sender.once('close', (c) => resolve(c));
      served.child.once('exit', (c) => resolve(`pathlight serve exited (${c})`));
    });
    sender.send(frame(), { binary: false });
    expect(await closed).toBe(code);
    expect(served.child.exitCode).toBeNull();
    expect(await call(bystander, 'kubeconfig.contexts', { source: { kind: 'default' } })).toMatchObject({
      ok: true,
      value: { contexts: [{ name: 'prod-eu-admin' }, { name: 'staging' }, { name: 'kind-lab' }] },
    });
    const fresh = await open();
    expect(await call(fresh, 'app.info', {})).toMatchObject({ ok: true });
    expect(served.child.exitCode).toBeNull();
    bystander.close();
    fresh.close();
  });
});

describe('server mode binding', () => {
  it('binds to loopback by default', async () => {
    const s = await startServer({ handlers: createHandlers({ shell: 'server' }), staticDir: repoPath('dist/renderer'), port: 0 });
    try {
      expect(s.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const other = await startServer({ handlers: createHandlers({ shell: 'server' }), staticDir: repoPath('dist/renderer'), port: 0 });
      expect(other.token).not.toBe(s.token);
      await other.close();
    } finally {
      await s.close();
    }
  });
});
