/**
 * Never an answer from a cluster that is gone without saying so: the lab's API server reached
 * through a forwarder this test cuts (other tests keep their cluster). The snapshot turns
 * reconnecting, then stale; a question asked then is answered with the staleness next to the
 * verdict and low confidence; a pod created meanwhile arrives once the forwarder is back, and
 * the next answer is live again and uses it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterSnapshot, type SnapshotHealth } from '../../../src/backend/cluster/snapshot.js';
import { ask } from '../../../src/backend/diagnose/ask.js';
import { liveSource } from '../../../src/backend/diagnose/why.js';
import { lab } from '../../helpers/lab.js';
import { cuttableForward } from '../../helpers/net.js';
import { repoPath } from '../../helpers/paths.js';

const info = lab();
const kubectl = (...args: string[]) => execFileSync(repoPath('test/lab/kubectl'), args, { encoding: 'utf8' });
const ns = 'lab-deny-ingress';
const pod = `pathlight-stale-${process.pid}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-stale-'));
afterAll(() => {
  try {
    kubectl('-n', ns, 'delete', 'pod', pod, '--wait=false');
  } catch {
    /* never created */
  }
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a cluster that stops answering (lab, forwarder cut)', () => {
  it('turns reconnecting then stale, says so in the answer, and follows the cluster again once it is back', async () => {
    const fwd = await cuttableForward(Number(new URL(info.apiServer).port));
    const file = path.join(dir, 'kubeconfig');
    writeFileSync(file, readFileSync(info.adminKubeconfig, 'utf8').replace(info.apiServer, `https://127.0.0.1:${fwd.port}`), { mode: 0o600 });
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    const snap = await ClusterSnapshot.start(kc, { maxBackoffMs: 1000, staleAfterMs: 3000 });
    const states: SnapshotHealth['state'][] = [];
    snap.onHealth((h) => states.push(h.state));
    try {
      const q = { from: `${ns}/deploy/frontend`, to: 'backend:8080', probes: false };
      expect(snap.health()).toEqual({ state: 'live' });
      expect((await ask(liveSource(snap), q)).diagnosis.stale).toBeUndefined();

      await fwd.cut();
      await until('reconnecting', () => snap.health().state === 'reconnecting', 10_000);
      const cutAt = Date.now();
      await until('stale', () => snap.health().state === 'stale', 10_000);
      expect(Date.now() - cutAt).toBeLessThan(5000);
      const stale = (await ask(liveSource(snap), q)).diagnosis;
      expect(stale.stale).toMatchObject({ state: 'stale', error: expect.stringMatching(/ECONNREFUSED|ECONNRESET|fetch failed|socket/) });
      expect(stale.verdict).toBe('unreachable');
      expect(stale.findings.every((f) => f.confidence === 'low')).toBe(true);

      // The cluster changes while this client cannot see it.
      kubectl(
        '-n',
        ns,
        'run',
        pod,
        '--image=pathlight.local/busybox:lab',
        '--image-pull-policy=Never',
        '--restart=Never',
        '--labels=app=frontend-extra',
        '--command',
        '--',
        'sleep',
        '300',
      );
      await fwd.restore();
      await until('live again', () => snap.health().state === 'live', 20_000);
      await until(`pod ${pod} running in the snapshot`, () => (snap.get('Pod', pod, ns) as { status?: { podIP?: string } } | undefined)?.status?.podIP, 30_000);
      const back = (await ask(liveSource(snap), { ...q, from: `${ns}/${pod}` })).diagnosis;
      expect(back.stale).toBeUndefined();
      expect(back.query.from).toBe(`${ns}/${pod}`);
      expect(states).toEqual(['reconnecting', 'stale', 'live']);
    } finally {
      await snap.stop();
      await fwd.close();
    }
  }, 90_000);
});
