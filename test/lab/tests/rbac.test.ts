/** RBAC preflight against the lab's real API server: admin has everything, the restricted user's gaps are named. */
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { describePermission, preflight } from '../../../src/backend/cluster/rbac.js';
import { lab } from '../../helpers/lab.js';

const info = lab();
const load = (file: string) => {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
};

describe('RBAC preflight (lab API server)', () => {
  it('finds nothing missing for cluster-admin', async () => {
    const r = await preflight(load(info.adminKubeconfig));
    expect(r.missing.map(describePermission)).toEqual([]);
    expect(r.checks.length).toBeGreaterThan(10);
  });

  it('names what the read-only user lacks and what it disables', async () => {
    const r = await preflight(load(info.restrictedKubeconfig));
    const missing = r.missing.map(describePermission);
    expect(missing).toEqual(
      expect.arrayContaining([
        'list pods (all namespaces)',
        'watch networkpolicies.networking.k8s.io (all namespaces)',
        'create pods in kube-system',
        'create pods/exec in kube-system',
      ]),
    );
    expect(r.missing.find((m) => m.resource === 'pods' && m.verb === 'list')?.feature).toMatch(/IP → pod identities/);
    // Granted nowhere cluster-wide, so every check fails for this user: nothing is assumed.
    expect(r.checks.every((c) => !c.allowed)).toBe(true);
  });

  it('says when the API server cannot be reached', async () => {
    const kc = load(info.adminKubeconfig);
    const cluster = kc.getCurrentCluster()!;
    kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, server: 'https://127.0.0.1:9' } : c));
    await expect(preflight(kc)).rejects.toMatchObject({ detail: { code: 'unavailable', message: expect.stringContaining('did not answer') } });
  });
});
