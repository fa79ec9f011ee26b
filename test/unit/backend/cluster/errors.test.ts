/** Failures of a first request to a cluster, named without a cluster: what fetch refuses before connecting. */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { named } from '../../../../src/backend/cluster/errors.js';

function kubeconfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'x' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}

describe('cluster errors', () => {
  it.each(['https://127.0.0.1:1', 'https://127.0.0.1:6000'])(
    'a server on a port fetch refuses (%s): unreachable, with the port and the fix',
    async (server) => {
      const kc = kubeconfig(server);
      const got = await named(kc, () => kc.makeApiClient(CoreV1Api).listNode({ limit: 1 })).then(
        () => undefined,
        (e: { detail?: unknown }) => e.detail ?? e,
      );
      expect(got).toMatchObject({
        code: 'cluster-unreachable',
        message: expect.stringContaining(`${server} of context ctx uses port ${new URL(server).port}`),
        hint: expect.stringMatching(/server: field .* 6443/),
      });
    },
  );
});
