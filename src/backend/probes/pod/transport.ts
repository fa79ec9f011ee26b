/**
 * The pod probe transport: a short-lived pod pinned to the node (`nodeName`), hostNetwork +
 * hostPID, only the capabilities the agent needs (CAP_BPF, CAP_PERFMON, CAP_SYSLOG; privileged
 * only when asked), `activeDeadlineSeconds`, tolerating every taint, labelled for the sweeper.
 * The agent comes from an agent image (`/pathlight-probe` inside it) or is streamed into a stock
 * image (busybox) through exec with a checksum; it runs through exec, so its stdin is
 * Pathlight's connection: stop = end stdin; Pathlight gone = connection gone = agent stops,
 * and the pod ends by its deadline whatever happens.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { CoreV1Api, Exec, type KubeConfig, type V1Pod, type V1Status } from '@kubernetes/client-node';
import { PathlightError, type ApiError } from '../../../api/index.js';
import { httpStatusOf, named } from '../../cluster/errors.js';
import { readAgent } from '../agentDir.js';
import { cancellableDelay, controlLine, lineFeeder, throwIfCancelled, type ProbeExit, type ProbeSink, type ProbeStage } from '../stream.js';

export const probePodLabels = { 'app.kubernetes.io/managed-by': 'pathlight', 'pathlight.dev/probe': 'agent' } as const;
export const probePodSelector = Object.entries(probePodLabels)
  .map(([k, v]) => `${k}=${v}`)
  .join(',');
const expiresAnnotation = 'pathlight.dev/expires-at';
/** Stock image the agent is streamed into when no agent image is configured. */
export const defaultStockImage = 'docker.io/library/busybox:1.37';
const container = 'agent';

export interface PodProbeOptions {
  kc: KubeConfig;
  node: string;
  /** Where probe pods live (default kube-system). */
  namespace?: string;
  /** An image with the agent at /pathlight-probe; without it the agent is streamed into `stockImage`. */
  agentImage?: string | undefined;
  stockImage?: string | undefined;
  /** Directory holding linux-<arch>/pathlight-probe (stock image only). */
  agentDir: string;
  /** Arguments after `pathlight-probe run`. */
  args: string[];
  /** The pod's activeDeadlineSeconds: it ends then, whatever happens to Pathlight. */
  deadlineSeconds: number;
  /** For clusters whose policy refuses added capabilities (or kernels before 5.8). */
  privileged?: boolean;
  /** How long to wait for the pod to run (image pull included). */
  startTimeoutMs?: number;
  onProgress?: (stage: ProbeStage, detail?: string) => void;
  /** Aborts the start (waiting for the pod, streaming the agent in); the probe pod is then deleted. */
  signal?: AbortSignal | undefined;
}

export interface PodProbeRun {
  namespace: string;
  pod: string;
  arch: string;
  /** Writes one control line to the agent's stdin (a filters, test or stop line); ignored once the run has stopped. */
  send(control: object): void;
  stop(): Promise<ProbeExit>;
  done: Promise<ProbeExit>;
}

/** A pod name from the node's: lower-case DNS label, unique. */
function podName(node: string): string {
  const base = node
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `pathlight-probe-${base || 'node'}-${randomBytes(3).toString('hex')}`;
}

export function probePodManifest(o: {
  name: string;
  namespace: string;
  node: string;
  image: string;
  command: string[];
  deadlineSeconds: number;
  privileged: boolean;
  now: Date;
}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.name,
      namespace: o.namespace,
      labels: { ...probePodLabels, 'pathlight.dev/node': o.node.slice(0, 63) },
      annotations: { [expiresAnnotation]: new Date(o.now.getTime() + o.deadlineSeconds * 1000).toISOString() },
    },
    spec: {
      nodeName: o.node,
      hostNetwork: true,
      hostPID: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
      restartPolicy: 'Never',
      activeDeadlineSeconds: o.deadlineSeconds,
      terminationGracePeriodSeconds: 2,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      tolerations: [{ operator: 'Exists' }],
      containers: [
        {
          name: container,
          image: o.image,
          imagePullPolicy: 'IfNotPresent',
          command: o.command,
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
          securityContext: o.privileged
            ? { privileged: true }
            : {
                privileged: false,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: false,
                capabilities: { drop: ['ALL'], add: ['BPF', 'PERFMON', 'SYSLOG'] },
              },
        },
      ],
    },
  };
}

/**
 * Deletes probe pods left by an earlier Pathlight (killed before it could clean up): every pod
 * with Pathlight's probe labels that has ended or is past its expiry annotation.
 */
export async function sweepProbePods(kc: KubeConfig, namespace = 'kube-system', now = new Date()): Promise<string[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const pods = await core.listNamespacedPod({ namespace, labelSelector: probePodSelector });
  const gone: string[] = [];
  for (const p of pods.items) {
    const name = p.metadata?.name;
    if (!name) continue;
    const expires = Date.parse(p.metadata?.annotations?.[expiresAnnotation] ?? '');
    const ended = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
    if (!ended && !(expires <= now.getTime())) continue;
    try {
      await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
      gone.push(name);
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw err;
    }
  }
  return gone;
}

/** Why a pod is not running yet, when it never will be without the user's help. */
function stuck(pod: V1Pod): string | undefined {
  const cs = pod.status?.containerStatuses?.[0];
  const waiting = cs?.state?.waiting;
  if (
    waiting &&
    /ErrImagePull|ImagePullBackOff|InvalidImageName|CreateContainerError|CreateContainerConfigError|RunContainerError/.test(waiting.reason ?? '')
  ) {
    return `${waiting.reason}: ${waiting.message ?? ''}`.trim();
  }
  const term = cs?.state?.terminated;
  if (term) return `the container exited (${term.reason ?? term.exitCode}) ${term.message ?? ''}`.trim();
  if (pod.status?.phase === 'Failed') return `${pod.status.reason ?? 'Failed'}: ${pod.status.message ?? ''}`.trim();
  return undefined;
}

/** A command in the probe container: its stdout goes to `onStdout`, the tail of stderr is kept;
 * `exited` has the exec status, or undefined when the connection closed without one. */
async function execIn(kc: KubeConfig, ns: string, pod: string, command: string[], onStdout: (chunk: Buffer) => void, stdin: Readable | null) {
  let stderr = '';
  const out = new Writable({ write: (c: Buffer, _e, cb) => (onStdout(c), cb()) });
  const err = new Writable({ write: (c: Buffer, _e, cb) => ((stderr = (stderr + c.toString()).slice(-8192)), cb()) });
  let finish!: (s: V1Status | undefined) => void;
  const exited = new Promise<V1Status | undefined>((r) => (finish = r));
  const ws = await new Exec(kc).exec(ns, pod, container, command, out, err, stdin, false, (st) => finish(st));
  ws.on('close', () => setTimeout(() => finish(undefined), 50)); // the status, when sent, comes first
  return { ws, exited, stderr: () => stderr };
}

const exitCodeOf = (s: V1Status): number | null =>
  s.status === 'Success' ? 0 : Number(s.details?.causes?.find((c) => c.reason === 'ExitCode')?.message ?? NaN) || null;

/** Creates the probe pod on the node, delivers the agent, runs it; events go to `sink`.
 * API failures (unreachable, certificate, credentials, RBAC) come out named. */
export function startPodProbe(opts: PodProbeOptions, sink: ProbeSink): Promise<PodProbeRun> {
  return named(opts.kc, () => podProbe(opts, sink));
}

async function podProbe(opts: PodProbeOptions, sink: ProbeSink): Promise<PodProbeRun> {
  const { kc, node } = opts;
  const namespace = opts.namespace ?? 'kube-system';
  const core = kc.makeApiClient(CoreV1Api);
  await sweepProbePods(kc, namespace);
  let arch = 'amd64';
  try {
    const n = await core.readNode({ name: node });
    arch = n.status?.nodeInfo?.architecture ?? arch;
  } catch (err) {
    if (httpStatusOf(err) === 404)
      throw new PathlightError({ code: 'probe-failed', message: `There is no node ${node} in this cluster.`, hint: 'kubectl get nodes lists the node names.' });
    throw err;
  }
  if (arch !== 'amd64' && arch !== 'arm64') {
    throw new PathlightError({
      code: 'probe-unsupported-arch',
      message: `Node ${node} is ${arch}; the probe agent is built for amd64 and arm64.`,
      hint: 'Probe a node of a supported architecture.',
    });
  }
  const agentFile = opts.agentImage ? undefined : await readAgent(opts.agentDir, arch, ', or give an agent image');
  const name = podName(node);
  const image = opts.agentImage ?? opts.stockImage ?? defaultStockImage;
  const hold = opts.agentImage ? ['/pathlight-probe', 'hold', `${opts.deadlineSeconds}s`] : ['sleep', String(opts.deadlineSeconds)];
  throwIfCancelled(opts.signal);
  opts.onProgress?.('creating', `pod ${namespace}/${name} on ${node} (${image}, deadline ${opts.deadlineSeconds}s)`);
  await core.createNamespacedPod({
    namespace,
    body: probePodManifest({
      name,
      namespace,
      node,
      image,
      command: hold,
      deadlineSeconds: opts.deadlineSeconds,
      privileged: !!opts.privileged,
      now: new Date(),
    }),
  });
  const remove = () =>
    core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).then(
      () => undefined,
      () => undefined,
    );
  try {
    const until = Date.now() + (opts.startTimeoutMs ?? 90_000);
    for (;;) {
      const pod = await core.readNamespacedPod({ name, namespace });
      if (pod.status?.phase === 'Running') break;
      const why = stuck(pod);
      if (why || Date.now() > until) {
        throw new PathlightError({
          code: 'probe-failed',
          message: `The probe pod ${namespace}/${name} on ${node} did not start: ${why ?? `still ${pod.status?.phase ?? 'Pending'} after ${Math.round((opts.startTimeoutMs ?? 90_000) / 1000)} s`}.`,
          hint: why?.includes('Image')
            ? `The node cannot pull ${image}: give an image it can pull (--probe-image / --agent-image) or preload it.`
            : `kubectl -n ${namespace} describe pod ${name} shows why; a policy refusing capabilities BPF/PERFMON/SYSLOG needs --privileged or an exemption for ${namespace}.`,
        });
      }
      await cancellableDelay(300, opts.signal);
    }
    let agent = '/pathlight-probe';
    if (agentFile) {
      const { binary, sha256: sum } = agentFile;
      agent = '/tmp/pathlight-probe';
      opts.onProgress?.('uploading', `${binary.length} bytes into ${name}:${agent}`);
      // `head -c` needs no end-of-stdin, which older exec protocols cannot send.
      let stdout = '';
      const up = await execIn(
        kc,
        namespace,
        name,
        ['sh', '-c', `head -c ${binary.length} > ${agent}.part && chmod 700 ${agent}.part && mv ${agent}.part ${agent} && sha256sum ${agent}`],
        (c) => (stdout += c.toString()),
        Readable.from([binary]),
      );
      await up.exited;
      if (!stdout.startsWith(sum)) {
        throw new PathlightError({
          code: 'probe-upload-failed',
          message:
            `Streaming the agent into ${namespace}/${name} failed: checksum ${stdout.split(' ')[0] || '(none)'}, expected ${sum}. ${up.stderr().trim()}`.trim(),
          hint: `The stock image ${image} needs sh, head, chmod, mv and sha256sum (busybox has them); or use an agent image.`,
        });
      }
    }
    throwIfCancelled(opts.signal);
    opts.onProgress?.('starting', `${agent} run ${opts.args.join(' ')}`);
    const stdin = new PassThrough();
    const lines = lineFeeder(sink, (hello) => opts.onProgress?.('streaming', `agent ${hello.version} on ${hello.kernel}`));
    const { ws, exited, stderr: tail } = await execIn(kc, namespace, name, [agent, 'run', ...opts.args], (c) => lines.push(c), stdin);
    const done: Promise<ProbeExit> = exited.then(async (status) => {
      stdin.end();
      const stderr = tail();
      lines.end();
      await remove();
      const exitCode = status ? exitCodeOf(status) : null;
      opts.onProgress?.('stopped', exitCode === 0 ? undefined : `exit ${exitCode ?? 'unknown'}`);
      const problem: ApiError | undefined =
        exitCode !== 0 && !lines.streaming
          ? {
              code: 'probe-failed',
              message: `The agent in ${namespace}/${name} exited with ${exitCode ?? 'an unknown status'} before streaming: ${stderr.trim().split('\n').at(-1) ?? status?.message ?? ''}`,
              hint: 'Its error line is above; run the pod with --privileged if the cluster strips capabilities.',
            }
          : undefined;
      return { exitCode, stderr, problem };
    });
    return {
      namespace,
      pod: name,
      arch,
      done,
      send: (control) => {
        if (!stdin.writableEnded) stdin.write(controlLine(control));
      },
      stop: () => {
        stdin.end(); // EOF on the agent's stdin (v5 exec protocol) or the connection closes (v4)
        const t = setTimeout(() => ws.close(), 5000);
        return done.finally(() => clearTimeout(t));
      },
    };
  } catch (err) {
    await remove();
    throw err;
  }
}
