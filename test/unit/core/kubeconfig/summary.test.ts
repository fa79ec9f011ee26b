import { describe, expect, it } from 'vitest';
import { authMethods, mergeContextLists, summarizeContexts, type ContextSummary } from '../../../../src/core/index.js';

describe('authMethods', () => {
  it.each([
    [{ name: 'u', certData: 'x', keyData: 'y' }, ['client-certificate']],
    [{ name: 'u', certFile: '/c', keyFile: '/k' }, ['client-certificate']],
    [{ name: 'u', token: 't' }, ['token']],
    [{ name: 'u', tokenFile: '/t' }, ['token-file']],
    [{ name: 'u', exec: { command: 'aws' } }, ['exec']],
    [{ name: 'u', authProvider: { name: 'oidc' } }, ['auth-provider']],
    [{ name: 'u', username: 'a', password: 'b' }, ['basic']],
    [{ name: 'u', certData: 'x', token: 't' }, ['client-certificate', 'token']],
    [{ name: 'u' }, ['none']],
    [undefined, []],
  ])('%j → %j', (user, expected) => {
    expect(authMethods(user)).toEqual(expected);
  });
});

describe('summarizeContexts', () => {
  const entries = {
    currentContext: 'b',
    clusters: [{ name: 'c1', server: 'https://10.0.0.1:6443' }],
    users: [{ name: 'u1', exec: { command: 'gke-gcloud-auth-plugin' } }],
    contexts: [
      { name: 'a', cluster: 'c1', user: 'u1', namespace: 'shop' },
      { name: 'b', cluster: 'gone', user: 'nobody' },
    ],
  };

  it('joins each context with its cluster server and user auth, never the secret', () => {
    const [a] = summarizeContexts(entries, '/k');
    expect(a).toMatchObject({
      name: 'a',
      server: 'https://10.0.0.1:6443',
      auth: ['exec'],
      execCommand: 'gke-gcloud-auth-plugin',
      namespace: 'shop',
      current: false,
      file: '/k',
      problems: [],
    });
  });

  it('names dangling cluster and user references as problems, defaults the namespace', () => {
    const [, b] = summarizeContexts(entries, '/k');
    expect(b?.current).toBe(true);
    expect(b?.namespace).toBe('default');
    expect(b?.server).toBeUndefined();
    expect(b?.problems).toEqual([
      expect.stringContaining('cluster "gone", which is not in clusters[]'),
      expect.stringContaining('user "nobody", which is not in users[]'),
    ]);
  });
});

describe('mergeContextLists', () => {
  const ctx = (name: string, file: string): ContextSummary => ({
    name,
    cluster: 'c',
    server: 's',
    user: 'u',
    auth: ['token'],
    execCommand: undefined,
    execArgs: undefined,
    insecureSkipTlsVerify: false,
    namespace: 'default',
    current: false,
    file,
    problems: [],
  });

  it('keeps the first definition of a name, as kubectl does for a KUBECONFIG list', () => {
    const merged = mergeContextLists(
      [
        [ctx('x', 'one'), ctx('y', 'one')],
        [ctx('x', 'two'), ctx('z', 'two')],
      ],
      'z',
    );
    expect(merged.map((c) => `${c.name}@${c.file}`)).toEqual(['x@one', 'y@one', 'z@two']);
    expect(merged.filter((c) => c.current).map((c) => c.name)).toEqual(['z']);
  });
});
