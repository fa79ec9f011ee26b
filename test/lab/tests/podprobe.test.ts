/**
 * The pod probe transport against the lab: a real probe pod on the real kubelet, the agent
 * streamed into the stock image (or run from the agent image) through exec, real events from
 * the node's kernel; cleanup after stop, after SIGKILL of Pathlight, and by the sweeper.
 */
import { execFileSync, spawn } from 'node:child_process';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { probePodLabels, probePodManifest, startPodProbe, sweepProbePods } from '../../../src/backend/probes/pod/transport.js';
import type { probe } from '../../../src/core/index.js';
import { agentDir } from '../../../src/backend/probes/agentDir.js';
import { lab } from '../../helpers/lab.js';
import { repoPath } from '../../helpers/paths.js';

const info = lab();
const kc = new KubeConfig();
kc.loadFromFile(info.adminKubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const namespace = `pathlight-test-probe-${process.pid}`;

const gone = async (name: string, ns = namespace) => {
  try {
    await core.readNamespacedPod({ name, namespace: ns });
    return false;
  } catch (err) {
    return (err as { code?: number }).code === 404;
  }
};
const until = async (what: string, ms: number, ok: () => Promise<boolean> | boolean) => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};
/** Agents running on this machine (the lab node shares its PID namespace with hostPID pods). */
const agents = () => {
  try {
    return execFileSync('pgrep', ['-af', 'pathlight-probe run'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};

async function collect(agentImage: string | undefined) {
  const lines: probe.ProbeLine[] = [];
  const bad: string[] = [];
  const stages: string[] = [];
  const run = await startPodProbe(
    {
      kc,
      node: info.node.name,
      namespace,
      agentImage,
      stockImage: info.images.busybox,
      agentDir: agentDir(),
      args: ['--probes', 'drops', '--ttl', '60s'],
      deadlineSeconds: 90,
      onProgress: (s) => stages.push(s),
    },
    { line: (l) => lines.push(l), bad: (e) => bad.push(e.message) },
  );
  // Node 1's scenario pods retry every 5 s into kube-router's rules there (the egress-dns
  // frontend's DNS queries; in a one-node lab also the deny-ingress frontend's calls).
  await until('a NETFILTER_DROP from the node', 20_000, () => lines.some((l) => l.type === 'drop' && l.reason === 'NETFILTER_DROP'));
  const exit = await run.stop();
  return { run, lines, bad, stages, exit };
}

describe('pod probe transport (lab kubelet)', () => {
  it('creates the probe pod, streams the agent into the stock image, sees the policy drop, removes the pod', async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const { run, lines, bad, stages, exit } = await collect(undefined);
    expect(stages).toEqual(['creating', 'uploading', 'starting', 'streaming', 'stopped']);
    expect(exit.exitCode).toBe(0);
    expect(lines[0]).toMatchObject({ type: 'hello', node: info.node.name });
    expect(lines.at(-1)).toMatchObject({ type: 'bye', reason: 'stdin-closed' });
    expect(bad).toEqual([]);
    await until(`pod ${run.pod} deleted`, 15_000, () => gone(run.pod));
  }, 90_000);

  it('runs the agent from an agent image without uploading it', async () => {
    const { stages, exit, run } = await collect(info.images.probe);
    expect(stages).not.toContain('uploading');
    expect(exit.exitCode).toBe(0);
    await until(`pod ${run.pod} deleted`, 15_000, () => gone(run.pod));
  }, 90_000);

  it('a pod that cannot start is reported with the reason and removed', async () => {
    const stages: string[] = [];
    const err = await startPodProbe(
      {
        kc,
        node: info.node.name,
        namespace,
        stockImage: 'pathlight.local/no-such-image:lab',
        agentDir: agentDir(),
        args: [],
        deadlineSeconds: 30,
        startTimeoutMs: 30_000,
        onProgress: (s) => stages.push(s),
      },
      { line: () => undefined, bad: () => undefined },
    ).catch((e: unknown) => e as { detail?: { code: string; message: string; hint: string } });
    expect(err).toMatchObject({ detail: { code: 'probe-failed' } });
    const e = err as { detail: { message: string; hint: string } };
    expect(e.detail.message).toMatch(/did not start: (ErrImagePull|ImagePullBackOff)/);
    expect(e.detail.hint).toMatch(/cannot pull pathlight.local\/no-such-image:lab/);
    const left = await core.listNamespacedPod({
      namespace,
      labelSelector: Object.entries(probePodLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    });
    expect(left.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name)).toEqual([]);
  }, 60_000);

  it('the sweeper removes expired and ended probe pods, and only those', async () => {
    const now = new Date();
    const make = (name: string, deadlineSeconds: number, created: Date): V1Pod => {
      const pod = probePodManifest({
        name,
        namespace,
        node: info.node.name,
        image: info.images.busybox,
        command: ['sleep', '600'],
        deadlineSeconds,
        privileged: false,
        now: created,
      });
      // Never scheduled: the sweeper decides from labels and the expiry, not from the kubelet.
      pod.spec!.nodeName = undefined;
      pod.spec!.schedulingGates = [{ name: 'pathlight.dev/test-never' }];
      return pod;
    };
    await core.createNamespacedPod({ namespace, body: make('orphan-expired', 60, new Date(now.getTime() - 120_000)) });
    await core.createNamespacedPod({ namespace, body: make('probe-in-use', 600, now) });
    const other = make('not-a-probe', 60, new Date(now.getTime() - 120_000));
    other.metadata!.labels = { app: 'other' };
    await core.createNamespacedPod({ namespace, body: other });
    expect(await sweepProbePods(kc, namespace, now)).toEqual(['orphan-expired']);
    await until('orphan-expired deleted', 15_000, () => gone('orphan-expired'));
    expect(await gone('probe-in-use')).toBe(false);
    expect(await gone('not-a-probe')).toBe(false);
  }, 60_000);

  it('SIGKILL of `pathlight probe --via pod`: the agent stops, the pod ends by its deadline; events carry pod identities', async () => {
    const cli = spawn(
      process.execPath,
      [
        repoPath('bin/pathlight.cjs'),
        'probe',
        '--via',
        'pod',
        '--kubeconfig',
        info.adminKubeconfig,
        '--node',
        info.node.name,
        '--probe-namespace',
        namespace,
        '--probe-image',
        info.images.busybox,
        '--probes',
        'drops,tcp',
        '--duration',
        '5m',
        '--deadline',
        '25s',
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const drops = () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { type: string; reason?: string; identities?: { src?: { kind: string; namespace?: string } } })
        .filter((l) => l.type === 'drop' && l.reason === 'NETFILTER_DROP');
    try {
      // The node also drops other nodes' packets (the transit scenario's, SNATed to node 2's address): wait for a pod's.
      await until(`a NETFILTER_DROP line from a pod (stderr: ${err})`, 40_000, () => drops().some((d) => d.identities?.src?.kind === 'pod'));
    } finally {
      cli.kill('SIGKILL');
    }
    // A scenario's frontend is the source, named from its pod IP at that instant.
    expect(drops().map((d) => d.identities?.src)).toContainEqual(expect.objectContaining({ kind: 'pod', namespace: expect.stringMatching(/^lab-/) }));
    // Network namespaces are named too, once a TCP socket of the pod has shown its address there.
    const withNetns = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { identities?: { netns?: { kind: string; namespace?: string } } })
      .filter((l) => l.identities?.netns);
    expect(withNetns.length).toBeGreaterThan(0);
    expect(withNetns.every((l) => l.identities!.netns!.kind === 'pod')).toBe(true);
    const pod = /pod (\S+)\/(\S+) on/.exec(err)?.[2];
    expect(pod, err).toBeDefined();
    // Pathlight's exec connection is gone: the agent sees EOF on stdin and exits.
    await until('no agent process left', 15_000, () => agents() === '');
    // Nobody deletes the pod; the kubelet ends it at activeDeadlineSeconds.
    await until(`pod ${pod} ended by its deadline`, 60_000, async () => {
      const p = await core.readNamespacedPod({ name: pod!, namespace }).catch(() => undefined);
      return !p || (p.status?.phase === 'Failed' && p.status.reason === 'DeadlineExceeded');
    });
    // And the next start sweeps it.
    expect(await sweepProbePods(kc, namespace)).toContain(pod);
  }, 150_000);
});

afterAll(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
});
