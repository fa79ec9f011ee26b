/** The Connect screen's consent before an exec credential plugin runs, against the real engine in-process. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallName } from '../../../src/api/index.js';
import { commandLine, memoryStorage } from '../../../src/renderer/store/index.js';
import { unusedPort } from '../../helpers/net.js';
import { storeOn } from '../../helpers/store.js';

let dir: string;
let kubeconfig: string;
let marker: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pathlight-exec-ui-'));
  marker = path.join(dir, 'plugin ran');
  kubeconfig = path.join(dir, 'config');
  const port = await unusedPort();
  const yaml = [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: c, cluster: {server: "https://127.0.0.1:' + port + '"}}]',
    `users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: /bin/sh, args: ["-c", "touch '${marker}'"]}}}]`,
    'contexts: [{name: cloud, context: {cluster: c, user: u}}, {name: plain, context: {cluster: c, user: nobody}}]',
    '',
  ];
  await writeFile(kubeconfig, yaml.join('\n'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const opens = (seen: Array<{ method: CallName; payload: unknown }>) => seen.filter((c) => c.method === 'cluster.open').map((c) => c.payload);

describe('exec plugin consent', () => {
  it('shows the exact command line and runs nothing until the user agrees; remembered in the saved preferences', async () => {
    const storage = memoryStorage();
    const seen: Array<{ method: CallName; payload: unknown }> = [];
    const store = storeOn({ storage, seen });
    await store.getState().loadContexts({ kind: 'path', path: kubeconfig });
    store.getState().selectContext('cloud');

    await store.getState().openCluster();
    const prompt = store.getState().execPrompt;
    expect(prompt).toEqual({ context: 'cloud', file: kubeconfig, consent: { command: '/bin/sh', args: ['-c', `touch '${marker}'`] } });
    expect(commandLine(prompt!.consent)).toBe(`/bin/sh -c 'touch '\\''${marker}'\\'''`);
    expect(opens(seen)).toEqual([]);
    expect(store.getState().cluster.status).toBe('closed');

    store.getState().declineExec();
    expect(store.getState().execPrompt).toBeUndefined();
    expect(opens(seen)).toEqual([]);
    expect(existsSync(marker)).toBe(false);

    await store.getState().openCluster();
    await store.getState().allowExec();
    expect(opens(seen)).toEqual([
      { source: { kind: 'path', path: kubeconfig }, context: 'cloud', execConsent: { command: '/bin/sh', args: ['-c', `touch '${marker}'`] } },
    ]);
    expect(existsSync(marker)).toBe(true);
    expect(storage.getItem('pathlight.ui')).toContain('/bin/sh');

    // The next window (same saved preferences) does not ask again for this command line.
    const seen2: Array<{ method: CallName; payload: unknown }> = [];
    const again = storeOn({ storage, seen: seen2 });
    await again.getState().loadContexts({ kind: 'path', path: kubeconfig });
    again.getState().selectContext('cloud');
    await again.getState().openCluster();
    expect(again.getState().execPrompt).toBeUndefined();
    expect(opens(seen2)).toHaveLength(1);
    expect(opens(seen2)[0]).toMatchObject({ execConsent: { command: '/bin/sh' } });

    // A probe pod on that context (the Probes panel) carries the same consent.
    again.getState().setProbeForm({ node: 'n1', via: 'pod' });
    await again.getState().startProbe();
    expect(seen2.find((c) => c.method === 'probes.start')?.payload).toMatchObject({
      context: 'cloud',
      execConsent: { command: '/bin/sh', args: ['-c', `touch '${marker}'`] },
    });
  });

  it('opens a context without an exec plugin without asking', async () => {
    const seen: Array<{ method: CallName; payload: unknown }> = [];
    const store = storeOn({ seen });
    await store.getState().loadContexts({ kind: 'path', path: kubeconfig });
    store.getState().selectContext('plain');
    await store.getState().openCluster();
    expect(store.getState().execPrompt).toBeUndefined();
    expect(opens(seen)).toEqual([{ source: { kind: 'path', path: kubeconfig }, context: 'plain' }]);
  });
});
