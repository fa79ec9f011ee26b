/**
 * cluster.open on a context whose user logs in with an exec credential plugin: the plugin runs
 * only with the user's consent to its exact command line (the UI asks; the CLI never does).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../../src/api/index.js';
import { createHandlers } from '../../../src/backend/handlers.js';
import { unusedPort } from '../../helpers/net.js';

let dir: string;
let kubeconfig: string;
let marker: string;
const handlers = createHandlers({ shell: 'server', env: {} });
const open = (payload: unknown) => dispatch(handlers, 'cluster.open', payload, new AbortController().signal);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pathlight-exec-'));
  marker = path.join(dir, 'plugin-ran');
  kubeconfig = path.join(dir, 'config');
  const port = await unusedPort();
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: cloud',
      'clusters:',
      '- name: c',
      '  cluster:',
      `    server: https://127.0.0.1:${port}`,
      'users:',
      '- name: u',
      '  user:',
      '    exec:',
      '      apiVersion: client.authentication.k8s.io/v1beta1',
      '      command: /bin/sh',
      `      args: ["-c", "touch ${marker}"]`,
      'contexts:',
      '- name: cloud',
      '  context: {cluster: c, user: u}',
      '',
    ].join('\n'),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('cluster.open with an exec credential plugin', () => {
  it('refuses without consent, naming the command line, and runs nothing', async () => {
    const r = await open({ source: { kind: 'path', path: kubeconfig }, context: 'cloud' });
    expect(r).toMatchObject({
      ok: false,
      error: {
        code: 'cluster-exec-consent-needed',
        message: expect.stringContaining(`\`/bin/sh -c 'touch ${marker}'\``),
        hint: expect.stringMatching(/Run it and open/),
      },
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a consent to another command line', async () => {
    const r = await open({ source: { kind: 'path', path: kubeconfig }, context: 'cloud', execConsent: { command: '/bin/sh', args: ['-c', 'true'] } });
    expect(r).toMatchObject({ ok: false, error: { code: 'cluster-exec-consent-needed', message: expect.stringMatching(/now names another command/) } });
    expect(existsSync(marker)).toBe(false);
  });

  it('validates the consent field', async () => {
    const r = await open({ source: { kind: 'path', path: kubeconfig }, context: 'cloud', execConsent: { command: '/bin/sh', args: 'x' } });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
  });

  it('a probe run in a pod on that context (the Probes panel) asks the same, and runs nothing without it', async () => {
    const signal = new AbortController().signal;
    const started = await dispatch(handlers, 'probes.start', { node: 'n1', via: 'pod', kubeconfig, context: 'cloud', durationSec: 5 }, signal);
    if (!started.ok) throw new Error(started.error.message);
    await expect
      .poll(async () => {
        const st = await dispatch(handlers, 'probes.status', started.value, signal);
        return st.ok ? st.value : undefined;
      })
      .toMatchObject({ stage: 'stopped', error: { code: 'cluster-exec-consent-needed' } });
    expect(existsSync(marker)).toBe(false);
  });

  it('runs the plugin once the user agreed to that exact command line', async () => {
    const r = await open({
      source: { kind: 'path', path: kubeconfig },
      context: 'cloud',
      execConsent: { command: '/bin/sh', args: ['-c', `touch ${marker}`] },
    });
    // Nobody listens at the server: the open fails after the plugin ran.
    expect(r).toMatchObject({ ok: false });
    expect(r.ok || r.error.code).not.toBe('cluster-exec-consent-needed');
    expect(existsSync(marker)).toBe(true);
  });
});
