/**
 * Watches resume after a disconnect: the connections of this test's snapshot to the lab's API
 * server are cut (their socat forwarders killed, nothing else's), and objects created after
 * that still arrive through the watch. Also: `pathlight contexts` lists the lab's contexts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterSnapshot } from '../../../src/backend/cluster/snapshot.js';
import { lab } from '../../helpers/lab.js';
import { repoPath } from '../../helpers/paths.js';

const info = lab();
const kubectl = (...args: string[]) => execFileSync(repoPath('test/lab/kubectl'), args, { encoding: 'utf8' });
const ns = `pathlight-resume-${process.pid}`;
afterAll(() => {
  try {
    kubectl('delete', 'namespace', ns, '--wait=false');
  } catch {
    /* never created */
  }
});

/** Kills the socat forwarders serving this process's connections to the API port; returns how many. */
function cutOwnConnections(apiPort: number): number {
  const ours = execFileSync('ss', ['-Htnp', 'state', 'established', 'dport', `= :${apiPort}`], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(`pid=${process.pid},`))
    .map((l) => Number(/127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:\d+/.exec(l)?.[1]))
    .filter((p) => p > 0);
  const pids = new Set<number>();
  for (const port of ours) {
    const peer = execFileSync('ss', ['-Htnp', 'state', 'established', 'sport', `= :${apiPort}`, 'dport', `= :${port}`], { encoding: 'utf8' });
    for (const m of peer.matchAll(/pid=(\d+)/g)) pids.add(Number(m[1]));
  }
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  return pids.size;
}

describe('live snapshot across a disconnect (lab)', () => {
  it('resumes its watches after its connections are cut, and later changes arrive', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(info.adminKubeconfig);
    const snap = await ClusterSnapshot.start(kc, { kinds: ['Namespace', 'Pod'], maxBackoffMs: 1000 });
    try {
      const port = Number(new URL(info.apiServer).port);
      expect(cutOwnConnections(port), 'no watch connection of this process found to cut').toBeGreaterThan(0);
      kubectl('create', 'namespace', ns);
      kubectl(
        '-n',
        ns,
        'run',
        'after-cut',
        '--image=pathlight.local/busybox:lab',
        '--image-pull-policy=Never',
        '--restart=Never',
        '--command',
        '--',
        'sleep',
        '300',
      );
      let seen = false;
      for (let i = 0; i < 300 && !seen; i++) {
        await new Promise((r) => setTimeout(r, 100));
        seen = snap.get('Pod', 'after-cut', ns) !== undefined && snap.get('Namespace', ns) !== undefined;
      }
      expect(seen, 'objects created after the cut never arrived').toBe(true);
      // The cut was seen (both watches ended) and each was started again.
      expect(snap.errors.map((e) => e.kind).sort()).toEqual(expect.arrayContaining(['Namespace', 'Pod']));
    } finally {
      await snap.stop();
    }
  }, 60_000);

  it("pathlight contexts lists the lab kubeconfig's context and server", () => {
    const r = spawnSync(process.execPath, [repoPath('dist/cli/main.js'), 'contexts', '--kubeconfig', info.adminKubeconfig, '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { contexts: Array<{ name: string; server?: string; auth: string[] }> };
    const kc = readFileSync(info.adminKubeconfig, 'utf8');
    expect(out.contexts.length).toBeGreaterThan(0);
    expect(out.contexts[0]!.server).toBe(info.apiServer);
    expect(kc).toContain(out.contexts[0]!.name);
    expect(out.contexts[0]!.auth).toContain('client-certificate');
  });
});
