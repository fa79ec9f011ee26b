import { describe, expect, it } from 'vitest';
import { createApiClient, dispatch, PathlightError, type Handlers, type Transport } from '../../../src/api/index.js';
import { fixture } from '../../helpers/paths.js';
import { createHandlers } from '../../../src/backend/handlers.js';

const real = createHandlers({ shell: 'server', env: { HOME: '/nonexistent-home' } });

function handlersWith(overrides: Partial<Handlers>): Handlers {
  return { ...real, ...overrides };
}

describe('dispatch', () => {
  const signal = new AbortController().signal;

  it('refuses a call the contract does not list', async () => {
    const r = await dispatch(real, 'fs.readFile', {}, signal);
    expect(r).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
  });

  it.each([
    ['a missing field', {}],
    ['a wrong type', { source: { kind: 'path', path: 42 } }],
    ['an unknown source kind', { source: { kind: 'url', url: 'http://x' } }],
    ['an extra field', { source: { kind: 'default' }, evil: true }],
    ['a non-object', 'contexts please'],
  ])('rejects %s with invalid-request before the handler runs', async (_what, payload) => {
    let ran = false;
    const h = handlersWith({
      'kubeconfig.contexts': async () => {
        ran = true;
        return { files: [], contexts: [] };
      },
    });
    const r = await dispatch(h, 'kubeconfig.contexts', payload, signal);
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(ran).toBe(false);
  });

  it('keeps the code, hint and position of a PathlightError', async () => {
    const r = await dispatch(real, 'kubeconfig.contexts', { source: { kind: 'path', path: fixture('kubeconfig/malformed-yaml.yaml') } }, signal);
    expect(r).toMatchObject({ ok: false, error: { code: 'kubeconfig-malformed', line: 7 } });
  });

  it('turns an unexpected exception into an internal error that says it is a bug', async () => {
    const h = handlersWith({
      'app.info': async () => {
        throw new TypeError('boom');
      },
    });
    const r = await dispatch(h, 'app.info', {}, signal);
    expect(r).toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringContaining('boom') } });
  });

  it('refuses to send a response that breaks the contract', async () => {
    const h = handlersWith({ 'app.info': async () => ({ version: 1 }) as never });
    const r = await dispatch(h, 'app.info', {}, signal);
    expect(r).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('reports a call cancelled while it ran as cancelled', async () => {
    const controller = new AbortController();
    const h = handlersWith({
      'app.info': async (_req, ctx) => {
        controller.abort();
        expect(ctx.signal.aborted).toBe(true);
        return real['app.info']({}, ctx);
      },
    });
    const r = await dispatch(h, 'app.info', {}, controller.signal);
    expect(r).toMatchObject({ ok: false, error: { code: 'cancelled' } });
  });

  it('passes a thrown PathlightError through unchanged', async () => {
    const h = handlersWith({
      'app.info': async () => {
        throw new PathlightError({ code: 'unavailable', message: 'x', hint: 'y' });
      },
    });
    expect(await dispatch(h, 'app.info', {}, signal)).toEqual({ ok: false, error: { code: 'unavailable', message: 'x', hint: 'y' } });
  });
});

describe('createApiClient', () => {
  /** An in-process transport straight into dispatch(), as both shells wire it. */
  const loopback = (h: Handlers, mangle?: (r: unknown) => unknown): Transport => ({
    call: async (method, payload) => {
      const r = await dispatch(h, method, payload, new AbortController().signal);
      return mangle ? mangle(r) : r;
    },
    subscribe: () => () => {},
  });

  it('has one typed method per call and returns the engine result', async () => {
    const api = createApiClient(loopback(real));
    const info = await api['app.info']({});
    expect(info).toMatchObject({ ok: true, value: { shell: 'server', version: expect.any(String) } });
    const list = await api['kubeconfig.contexts']({ source: { kind: 'path', path: fixture('kubeconfig/three-contexts.yaml') } });
    expect(list.ok && list.value.contexts.length).toBe(3);
  });

  it('turns a transport failure into an unavailable error with a next step', async () => {
    const api = createApiClient({
      call: async () => {
        throw new Error('socket closed');
      },
      subscribe: () => () => {},
    });
    const r = await api['app.info']({});
    expect(r).toMatchObject({ ok: false, error: { code: 'unavailable', hint: expect.any(String) } });
  });

  it('rejects an answer that does not match the contract', async () => {
    const api = createApiClient(loopback(real, () => ({ ok: true, value: { nonsense: 1 } })));
    expect(await api['app.info']({})).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('drops events whose payload does not match the contract', () => {
    let emit: (p: unknown) => void = () => {};
    const api = createApiClient({
      call: async () => undefined,
      subscribe: (_e, l) => {
        emit = l;
        return () => {};
      },
    });
    const seen: unknown[] = [];
    api.on('kubeconfig.chosen', (p) => seen.push(p));
    emit({ path: '/home/me/.kube/other' });
    emit({ path: 42 });
    emit({ path: '/x', extra: true });
    expect(seen).toEqual([{ path: '/home/me/.kube/other' }]);
  });
});
