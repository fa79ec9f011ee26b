/**
 * Talking to a cluster that says no, for real: the lab's API server with a token it never
 * issued (401), without the CA that signed its certificate, and a loopback port with no
 * server. Each becomes a named error with the next step, through `pathlight probe`'s path.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { named } from '../../../src/backend/cluster/errors.js';
import { lab } from '../../helpers/lab.js';
import { unusedPort } from '../../helpers/net.js';

const info = lab();

function kubeconfig(server: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, ...cluster }],
    users: [{ name: 'u', ...user }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}
const firstCall = (kc: KubeConfig) =>
  named(kc, () => kc.makeApiClient(CoreV1Api).listNode({ limit: 1 })).then(
    () => undefined,
    (e: { detail?: unknown }) => e.detail ?? e,
  );

describe('cluster errors (lab API server)', () => {
  it('a token the API server never issued: 401, named as rejected credentials', async () => {
    const admin = new KubeConfig();
    admin.loadFromFile(info.adminKubeconfig);
    const ca = admin.getCurrentCluster()!.caData ?? admin.getCurrentCluster()!.caFile;
    const kc = kubeconfig(info.apiServer, { token: 'expired-or-never-issued' }, admin.getCurrentCluster()!.caData ? { caData: ca } : { caFile: ca });
    expect(await firstCall(kc)).toMatchObject({
      code: 'cluster-unauthorized',
      message: expect.stringMatching(/rejected the credentials of user u .*401/),
      hint: expect.stringMatching(/fresh token/),
    });
  });

  it("no CA for the API server's certificate: named as a certificate problem", async () => {
    const kc = kubeconfig(info.apiServer, { token: 'x' });
    expect(await firstCall(kc)).toMatchObject({
      code: 'cluster-bad-certificate',
      message: expect.stringContaining(info.apiServer),
      hint: expect.stringMatching(/certificate-authority/),
    });
  });

  it('nobody listening: named as unreachable', async () => {
    const port = await unusedPort();
    const kc = kubeconfig(`https://127.0.0.1:${port}`, { token: 'x' }, { skipTLSVerify: true });
    expect(await firstCall(kc)).toMatchObject({ code: 'cluster-unreachable', message: expect.stringMatching(/ECONNREFUSED/) });
  });
});
