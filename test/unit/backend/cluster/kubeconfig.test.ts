import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathlightError } from '../../../../src/api/index.js';
import { defaultKubeconfigPaths, listContexts, loadKubeConfig } from '../../../../src/backend/cluster/kubeconfig.js';
import { fixture } from '../../../helpers/paths.js';

async function errorOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    if (err instanceof PathlightError) return err.detail;
    throw err;
  }
  throw new Error('expected an error');
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pathlight-kc-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('listContexts', () => {
  it('lists every context of a file with server, user, auth and namespace', async () => {
    const list = await listContexts({ kind: 'path', path: fixture('kubeconfig/three-contexts.yaml') });
    expect(list.currentContext).toBe('staging');
    expect(list.contexts.map((c) => [c.name, c.server, c.user, c.auth.join('+'), c.namespace, c.current])).toEqual([
      ['prod-eu-admin', 'https://prod-eu.k8s.example.test:6443', 'eks-exec', 'exec', 'payments', false],
      ['staging', 'https://127.0.0.1:16443', 'ci-token', 'token', 'default', true],
      ['kind-lab', 'https://127.0.0.1:39211', 'alice-cert', 'client-certificate', 'shop', false],
    ]);
  });

  it('never returns credential values', async () => {
    const list = await listContexts({ kind: 'path', path: fixture('kubeconfig/three-contexts.yaml') });
    const text = JSON.stringify(list);
    for (const secret of ['fake-token-0123456789', 'ZmFrZS1jZXJ0', 'ZmFrZS1rZXk=']) expect(text).not.toContain(secret);
  });

  it('names the line and column of a YAML syntax error', async () => {
    const err = await errorOf(listContexts({ kind: 'path', path: fixture('kubeconfig/malformed-yaml.yaml') }));
    expect(err).toMatchObject({ code: 'kubeconfig-malformed', line: 7 });
    expect(err.message).toMatch(/not valid YAML at line 7/);
    expect(err.hint).toBeTruthy();
  });

  it('names the missing field, its entry and its line', async () => {
    const err = await errorOf(listContexts({ kind: 'path', path: fixture('kubeconfig/missing-server.yaml') }));
    expect(err).toMatchObject({ code: 'kubeconfig-invalid', field: 'clusters[1].cluster.server', line: 9 });
    expect(err.message).toContain('(entry "broken")');
  });

  it('says a missing file is missing, with the path and the next step', async () => {
    const missing = path.join(dir, 'nope.yaml');
    const err = await errorOf(listContexts({ kind: 'path', path: missing }));
    expect(err).toMatchObject({ code: 'kubeconfig-not-found', file: missing });
    expect(err.message).toContain(missing);
  });

  it('explains the default location when neither $KUBECONFIG nor ~/.kube/config exists', async () => {
    const err = await errorOf(listContexts({ kind: 'default' }, { HOME: dir, KUBECONFIG: '' }));
    expect(err.code).toBe('kubeconfig-not-found');
    expect(err.message).toContain(path.join(dir, '.kube', 'config'));
    expect(err.hint).toMatch(/KUBECONFIG/);
  });

  it('reads ~/.kube/config by default', async () => {
    await mkdir(path.join(dir, '.kube'), { recursive: true });
    await writeFile(path.join(dir, '.kube', 'config'), await readFile(fixture('kubeconfig/three-contexts.yaml')));
    const list = await listContexts({ kind: 'default' }, { HOME: dir });
    expect(list.files).toEqual([path.join(dir, '.kube', 'config')]);
    expect(list.contexts).toHaveLength(3);
  });

  it('merges a $KUBECONFIG list, skipping missing files like kubectl', async () => {
    const second = path.join(dir, 'second.yaml');
    await writeFile(
      second,
      'apiVersion: v1\nkind: Config\ncurrent-context: extra\nclusters: [{name: e, cluster: {server: "https://127.0.0.1:1"}}]\n' +
        'users: [{name: eu, user: {token: t}}]\ncontexts: [{name: extra, context: {cluster: e, user: eu}}, {name: staging, context: {cluster: e, user: eu}}]\n',
    );
    const env = { KUBECONFIG: [fixture('kubeconfig/three-contexts.yaml'), path.join(dir, 'missing'), second].join(path.delimiter) };
    expect(defaultKubeconfigPaths(env)).toHaveLength(3);
    const list = await listContexts({ kind: 'default' }, env);
    expect(list.files).toHaveLength(2);
    expect(list.currentContext).toBe('staging');
    expect(list.contexts.map((c) => c.name)).toEqual(['prod-eu-admin', 'staging', 'kind-lab', 'extra']);
    expect(list.contexts.find((c) => c.name === 'staging')?.server).toBe('https://127.0.0.1:16443');
  });

  it('rejects a YAML file that is not a kubeconfig', async () => {
    const file = path.join(dir, 'pod.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n');
    const err = await errorOf(listContexts({ kind: 'path', path: file }));
    expect(err).toMatchObject({ code: 'kubeconfig-invalid', field: 'kind', line: 2 });
  });

  it('rejects a section that is not a list', async () => {
    const file = path.join(dir, 'map.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: Config\nclusters:\n  a: b\n');
    const err = await errorOf(listContexts({ kind: 'path', path: file }));
    expect(err).toMatchObject({ code: 'kubeconfig-invalid', field: 'clusters', line: 4 });
  });

  it('names a user whose token-file cannot be read', async () => {
    const file = path.join(dir, 'tokenfile.yaml');
    await writeFile(
      file,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers:\n  - name: u\n    user:\n      token-file: /nonexistent/token\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n',
    );
    const err = await errorOf(listContexts({ kind: 'path', path: file }));
    expect(err).toMatchObject({ code: 'kubeconfig-invalid', field: 'users[0].user.token-file', line: 7 });
  });

  it('says a directory is not a kubeconfig file', async () => {
    const err = await errorOf(listContexts({ kind: 'path', path: dir }));
    expect(err.code).toBe('kubeconfig-unreadable');
  });

  it('reads a file picked in the browser from its text', async () => {
    const text = await readFile(fixture('kubeconfig/three-contexts.yaml'), 'utf8');
    const list = await listContexts({ kind: 'text', name: 'picked.yaml', text });
    expect(list.files).toEqual(['picked.yaml']);
    expect(list.contexts.map((c) => c.file)).toEqual(['picked.yaml', 'picked.yaml', 'picked.yaml']);
  });

  it('returns an empty list for a kubeconfig without contexts', async () => {
    const list = await listContexts({ kind: 'text', name: 'empty.yaml', text: 'apiVersion: v1\nkind: Config\n' });
    expect(list.contexts).toEqual([]);
  });
});

describe('loadKubeConfig', () => {
  it("opens a context of the files $KUBECONFIG names in the env it is given (not this process's own), merged as kubectl does", async () => {
    const second = path.join(dir, 'second.yaml');
    await writeFile(
      second,
      "apiVersion: v1\nkind: Config\nclusters:\n- name: extra\n  cluster: {server: 'https://127.0.0.1:7443'}\nusers:\n- name: extra\n  user: {token: t}\ncontexts:\n- name: extra\n  context: {cluster: extra, user: extra}\n",
    );
    const env = { KUBECONFIG: [fixture('kubeconfig/three-contexts.yaml'), path.join(dir, 'absent.yaml'), second].join(path.delimiter), HOME: dir };
    expect(process.env.KUBECONFIG ?? '').not.toContain('three-contexts');
    const kc = await loadKubeConfig(undefined, 'extra', env);
    expect(kc.getCurrentContext()).toBe('extra');
    expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:7443');
    expect(kc.getContexts().map((c) => c.name)).toEqual(['prod-eu-admin', 'staging', 'kind-lab', 'extra']);
    const err = await errorOf(loadKubeConfig(undefined, 'nope', env));
    expect(err.message).toMatch(/There is no context nope in .*three-contexts.yaml, .*second.yaml/);
  });
});
