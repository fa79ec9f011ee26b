import type { Command } from 'commander';
import { toApiError, type ApiError } from '../../api/index.js';
import { failWith } from '../output.js';
import { parseDuration } from './probe.js';
import { diagnosisText } from '../../core/diagnose/text.js';
import type { Diagnosis } from '../../core/diagnose/index.js';
import type { WhyOptions } from '../../backend/diagnose/why.js';

export interface WhyOpts {
  kubeconfig?: string;
  context?: string;
  from: string;
  to: string;
  port?: string;
  proto: string;
  probe: string;
  sshConfig?: string;
  active?: boolean;
  duration: string;
  zone: string;
  httpSlow: string;
  probeNamespace: string;
  probeImage?: string;
  agentImage?: string;
  privileged?: boolean;
  json?: boolean;
}

/** The question and probe options `why` and `record` share. */
export function whyOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--from <A>', 'pod NS/NAME, workload NS/deploy/NAME (sts, ds, job…), or an IP')
    .requiredOption('--to <B>', 'pod, workload, Service NS/svc/NAME, DNS name host[:port] (backend, backend.shop:8080, example.com:443) or IP:port')
    .option('--port <port>', "port number or name (default: the :port of --to, or the Service's/pod's port)")
    .option('--proto <proto>', 'tcp or udp', 'tcp')
    .option('--kubeconfig <file>', 'kubeconfig (default $KUBECONFIG / ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: its current-context)')
    .option('--probe <via>', 'watch live traffic: none, ssh or pod', 'none')
    .option('--ssh-config <file>', 'OpenSSH client config for --probe ssh (default ~/.ssh/config)')
    .option('--active', "GENERATES TRAFFIC: have the agent on A's node look B up and connect to it from inside A")
    .option('--duration <time>', 'how long the probes watch (e.g. 10s, 1m)', '10s')
    .option('--zone <domain>', 'the cluster DNS domain', 'cluster.local')
    .option('--http-slow <time>', 'with probes: HTTP p99 latency above which B is reported slow (e.g. 500ms, 2s)', '1s')
    .option('--probe-namespace <ns>', 'namespace of probe pods (--probe pod)', 'kube-system')
    .option('--probe-image <image>', 'stock image the agent is streamed into (--probe pod)')
    .option('--agent-image <image>', 'image with the agent at /pathlight-probe (--probe pod)')
    .option('--privileged', 'run probe pods privileged (clusters that strip added capabilities)')
    .option('--json', 'print the answer as JSON: {verdict, findings, path, …}');
}

export type WhyArgs = Omit<WhyOptions, 'kc'>;

/** The options checked and turned into runWhy's input (without the cluster), or the problem. */
export function whyArgs(opts: WhyOpts, prefix: string): { ok: true; value: WhyArgs } | { ok: false; error: ApiError } {
  const bad = (message: string, hint?: string) => ({ ok: false as const, error: { code: 'invalid-request' as const, message, ...(hint ? { hint } : {}) } });
  const proto = opts.proto.toUpperCase();
  if (proto !== 'TCP' && proto !== 'UDP') return bad(`--proto ${opts.proto}: use tcp or udp.`);
  if (!['none', 'ssh', 'pod'].includes(opts.probe))
    return bad(`--probe ${opts.probe}: use none, ssh or pod.`, 'none checks the objects only; ssh and pod also watch the traffic on the nodes.');
  const ms = parseDuration(opts.duration);
  if (ms === undefined || ms <= 0) return bad(`--duration ${opts.duration} is not a duration.`, 'Use e.g. 10s or 1m.');
  const slowMs = parseDuration(opts.httpSlow);
  if (slowMs === undefined || slowMs <= 0) return bad(`--http-slow ${opts.httpSlow} is not a duration.`, 'Use e.g. 500ms or 2s.');
  if (opts.active && opts.probe === 'none')
    return bad("--active needs probes: the agent on A's node makes the test connection.", 'add --probe ssh or --probe pod');
  const port = opts.port === undefined ? undefined : /^\d+$/.test(opts.port) ? Number(opts.port) : opts.port;
  if (opts.active) process.stderr.write(`${prefix}: --active: the agent on A's node will send a DNS query and a connection attempt to B from inside A.\n`);
  return {
    ok: true,
    value: {
      from: opts.from,
      to: opts.to,
      ...(port !== undefined ? { port } : {}),
      protocol: proto,
      probe: opts.probe as 'none' | 'ssh' | 'pod',
      sshConfig: opts.sshConfig,
      active: !!opts.active,
      durationMs: ms,
      zone: opts.zone,
      httpSlowMs: slowMs,
      probeNamespace: opts.probeNamespace,
      probeImage: opts.probeImage,
      agentImage: opts.agentImage,
      privileged: opts.privileged,
      onProgress: (node, stage, detail) => process.stderr.write(`${prefix}: ${node}: ${stage}${detail ? `: ${detail}` : ''}\n`),
    },
  };
}

/**
 * Runs a question that Ctrl-C (SIGINT) or SIGTERM cancels: the signal stops every agent of the
 * question on the nodes before the command exits (a second Ctrl-C, half a second or more later, exits at once).
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  let first = 0;
  const onSignal = () => {
    if (abort.signal.aborted) {
      // One Ctrl-C can arrive twice at once: the terminal signals the whole process group, and
      // bin/pathlight.cjs, when it runs the pinned Node as a child, forwards its own copy.
      if (Date.now() - first < 500) return;
      process.exit(130);
    }
    first = Date.now();
    process.stderr.write('stopping the probes…\n');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(abort.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Set after the caller's own exit code (failWith's 2): an interrupted command exits 130.
    if (abort.signal.aborted) setImmediate(() => (process.exitCode = 130));
  }
}

/** Prints the answer (text or JSON) and sets the exit code: 0 reachable, 1 not. */
export function printAnswer(d: Diagnosis, json: boolean | undefined): void {
  process.stdout.write(json ? JSON.stringify(d) + '\n' : diagnosisText(d));
  process.exitCode = d.verdict === 'reachable' ? 0 : 1;
}

export function registerWhy(program: Command): void {
  whyOptions(
    program
      .command('why')
      .description(
        "Why can't A talk to B? Checks DNS, the Service, its endpoints, the backends and every policy tier, then (with --probe) watches the live traffic on the nodes; exit 0 reachable, 1 not, 2 error",
      ),
  ).action(async (opts: WhyOpts) => {
    const args = whyArgs(opts, 'why');
    if (!args.ok) return failWith(opts.json, args.error);
    try {
      const [{ loadKubeConfig }, { runWhy }] = await Promise.all([import('../../backend/cluster/kubeconfig.js'), import('../../backend/diagnose/why.js')]);
      const kc = await loadKubeConfig(opts.kubeconfig, opts.context);
      printAnswer((await withInterrupt((signal) => runWhy({ kc, ...args.value, signal }))).diagnosis, opts.json);
    } catch (err) {
      failWith(opts.json, toApiError(err));
    }
  });
}
