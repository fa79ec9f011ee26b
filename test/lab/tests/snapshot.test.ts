/**
 * The live snapshot against the lab's real API server: contents match kubectl, a pod created
 * later arrives through the watch with its IP in the identity index, optional policy CRDs are
 * detected, and a user who may not list cluster-wide gets named gaps instead of a crash.
 */
import { execFileSync } from 'node:child_process';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterSnapshot, type SnapshotChange } from '../../../src/backend/cluster/snapshot.js';
import { lab } from '../../helpers/lab.js';
import { repoPath } from '../../helpers/paths.js';

const info = lab();
const kubectl = (...args: string[]) => execFileSync(repoPath('test/lab/kubectl'), args, { encoding: 'utf8', maxBuffer: 512 * 2 ** 20 });
const load = (file: string) => {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
};
const ns = `pathlight-snap-${process.pid}`;
afterAll(() => {
  try {
    kubectl('delete', 'namespace', ns, '--wait=false');
  } catch {
    /* never created */
  }
});

describe('cluster snapshot (lab API server)', () => {
  it('matches kubectl, follows the watch, and indexes pod IPs by time', async () => {
    const snap = await ClusterSnapshot.start(load(info.adminKubeconfig));
    try {
      const pods = JSON.parse(kubectl('get', 'pods', '-A', '-o', 'json')) as {
        items: Array<{ metadata: { name: string; namespace: string }; spec: { nodeName?: string }; status: { podIP?: string } }>;
      };
      // The lab's own namespaces: other suites (and benchmarks) may be adding or deleting theirs meanwhile.
      const ours = (n?: string) => n === 'kube-system' || (n ?? '').startsWith('lab-');
      const names = (l: readonly { metadata?: { name?: string; namespace?: string } }[]) =>
        l
          .filter((o) => ours(o.metadata?.namespace))
          .map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`)
          .sort();
      expect(names(snap.list('Pod'))).toEqual(names(pods.items));
      const svcs = JSON.parse(kubectl('get', 'services', '-A', '-o', 'json')) as typeof pods;
      expect(names(snap.list('Service'))).toEqual(names(svcs.items));
      expect(snap.list('NetworkPolicy').length).toBeGreaterThan(0);
      expect(snap.list('AdminNetworkPolicy').map((o) => o.metadata?.name)).toContain('lab-anp-deny-backend');
      expect(snap.unavailable.map((u) => [u.kind, u.reason])).toEqual(
        expect.arrayContaining([
          ['CiliumNetworkPolicy', 'not-installed'],
          ['ClusterNetworkPolicy', 'not-installed'],
        ]),
      );
      const withIp = pods.items.find((p) => p.metadata.namespace === 'lab-healthy' && p.status.podIP)!;
      expect(snap.identities.at(withIp.status.podIP!, Date.now() * 1e6)).toMatchObject({
        kind: 'pod',
        namespace: 'lab-healthy',
        name: withIp.metadata.name,
        // The pod's own node (the lab has several; lab-healthy spans two).
        node: withIp.spec.nodeName,
      });
      expect(info.nodes.map((n) => n.name)).toContain(withIp.spec.nodeName);

      const changes: SnapshotChange[] = [];
      snap.onChange((c) => changes.push(c));
      const v0 = snap.version;
      kubectl('create', 'namespace', ns);
      kubectl(
        '-n',
        ns,
        'run',
        'late',
        '--image=pathlight.local/busybox:lab',
        '--image-pull-policy=Never',
        '--restart=Never',
        '--command',
        '--',
        'sleep',
        '300',
      );
      let ip: string | undefined;
      for (let i = 0; i < 300 && !ip; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ip = (snap.get('Pod', 'late', ns) as { status?: { podIP?: string } } | undefined)?.status?.podIP;
      }
      expect(ip, 'the new pod (with its IP) never arrived through the watch').toBeTruthy();
      expect(changes.some((c) => c.kind === 'Pod' && c.type === 'ADDED' && c.object.metadata?.name === 'late')).toBe(true);
      expect(changes.some((c) => c.kind === 'Namespace' && c.object.metadata?.name === ns)).toBe(true);
      expect(snap.version).toBeGreaterThan(v0);
      expect(snap.identities.at(ip!, Date.now() * 1e6)).toMatchObject({ namespace: ns, name: 'late' });
    } finally {
      await snap.stop();
    }
  });

  it('leaves out, and names, what the read-only user may not list cluster-wide', async () => {
    const snap = await ClusterSnapshot.start(load(info.restrictedKubeconfig));
    try {
      const forbidden = snap.unavailable.filter((u) => u.reason === 'forbidden').map((u) => u.kind);
      expect(forbidden).toEqual(expect.arrayContaining(['Pod', 'Service', 'Node', 'NetworkPolicy']));
      expect(snap.unavailable.find((u) => u.kind === 'Pod')?.message).toMatch(/listing Pod is forbidden for this user/);
      expect(snap.kinds()).not.toContain('Pod');
    } finally {
      await snap.stop();
    }
  });
});
