/**
 * One way to run the agent on a node for a while, whichever the transport: the CLI and the
 * API's probe runs both come through here. The agent's TTL and the pod's deadline follow the
 * duration, and the run stops itself when the duration is over.
 */
import { agentDir } from './agentDir.js';
import type { PodProbeOptions } from './pod/transport.js';
import type { SshProbeOptions } from './ssh/transport.js';
import { throwIfCancelled, type ProbeExit, type ProbeSink, type ProbeStage } from './stream.js';

export interface NodeProbeOptions {
  node: string;
  via: 'ssh' | 'pod';
  durationMs: number;
  /** Arguments of `pathlight-probe run` besides --ttl (probes, filters). */
  args: string[];
  /** The cluster the pod transport runs in. */
  kc?: PodProbeOptions['kc'] | undefined;
  sshConfig?: string | undefined;
  /** Address when the SSH config has no HostName (the node's InternalIP). */
  host?: string | undefined;
  passphrase?: SshProbeOptions['passphrase'];
  probeNamespace?: string | undefined;
  probeImage?: string | undefined;
  agentImage?: string | undefined;
  privileged?: boolean | undefined;
  /** The probe pod's activeDeadlineSeconds (default: duration + 60 s). */
  deadlineSeconds?: number | undefined;
  onProgress?: (stage: ProbeStage, detail?: string) => void;
  /** Stops the run (or its start: the SSH connection, the upload, the probe pod) when aborted. */
  signal?: AbortSignal | undefined;
}

export interface NodeProbeRun {
  /**
   * Writes one control line to the node's agent (JSON, one line): `{type:'filters',…}`,
   * `{type:'stop'}`, or an active test (`probe.TestRequest`), answered by `test` lines on the
   * sink. Ignored once the run has stopped.
   */
  send(control: object): void;
  stop(): Promise<ProbeExit>;
  done: Promise<ProbeExit>;
}

export async function startOnNode(o: NodeProbeOptions, sink: ProbeSink): Promise<NodeProbeRun> {
  throwIfCancelled(o.signal);
  const seconds = Math.ceil(o.durationMs / 1000);
  const args = ['--ttl', `${seconds + 30}s`, ...o.args];
  let run: NodeProbeRun;
  if (o.via === 'pod') {
    if (!o.kc) throw new Error('startOnNode: the pod transport needs a cluster');
    const { startPodProbe, defaultStockImage } = await import('./pod/transport.js');
    run = await startPodProbe(
      {
        kc: o.kc,
        node: o.node,
        namespace: o.probeNamespace,
        agentImage: o.agentImage,
        stockImage: o.probeImage ?? defaultStockImage,
        agentDir: agentDir(),
        args,
        deadlineSeconds: o.deadlineSeconds ?? seconds + 60,
        privileged: !!o.privileged,
        onProgress: o.onProgress,
        signal: o.signal,
      },
      sink,
    );
  } else {
    const [{ readSshConfig }, { startProbe }] = await Promise.all([import('./ssh/config.js'), import('./ssh/transport.js')]);
    const { text, file } = await readSshConfig({ file: o.sshConfig });
    run = await startProbe(
      {
        configText: text,
        configFile: file,
        node: o.node,
        fallbackHostName: o.host,
        agentDir: agentDir(),
        args,
        onProgress: o.onProgress,
        passphrase: o.passphrase,
        signal: o.signal,
      },
      sink,
    );
  }
  const stop = () => void run.stop();
  const timer = setTimeout(stop, o.durationMs);
  // A cancel between the start and now, or any time later, stops the agent at once.
  if (o.signal?.aborted) stop();
  else o.signal?.addEventListener('abort', stop, { once: true });
  void run.done.finally(() => {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', stop);
  });
  return run;
}
