import type { Command } from 'commander';
import { toApiError } from '../../api/index.js';
import { failWith, type printError } from '../output.js';
import type { ClusterSnapshot } from '../../backend/cluster/snapshot.js';
import { describeProcess, type EventIdentities } from '../../core/cluster/identity.js';

interface ProbeOpts {
  node: string;
  via: string;
  kubeconfig?: string;
  context?: string;
  probeNamespace: string;
  probeImage?: string;
  agentImage?: string;
  privileged?: boolean;
  deadline?: string;
  sshConfig?: string;
  host?: string;
  duration: string;
  probes?: string;
  netns?: string;
  cidr?: string;
  port?: string;
  proto?: string;
  json?: boolean;
}

/** `10s`, `2m`, `1h`, or plain seconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000);
}

type Who = { kind: string; namespace?: string; name: string } | undefined;
const nameOf = (w: Who) => (w ? `${w.kind} ${w.namespace ? `${w.namespace}/` : ''}${w.name}` : '?');

/** The process behind the socket (probe proc), when the agent knows it; its pod and container when the cluster does. */
const byProc = (l: Record<string, unknown>) => {
  const by = describeProcess(l.proc as Parameters<typeof describeProcess>[0], (l.identities as EventIdentities | undefined)?.proc);
  return by ? `  by ${by}` : '';
};

/** One line a person can scan: time, what, where, and which process when known. */
export function human(l: Record<string, unknown>): string {
  const t = typeof l.ts === 'number' ? new Date(l.ts / 1e6).toISOString().slice(11, 23) : '';
  const ids = l.identities as { src?: Who; dst?: Who } | undefined;
  const who = ids && (ids.src || ids.dst) ? `  (${nameOf(ids.src)} → ${nameOf(ids.dst)})` : '';
  const flow = `${l.src}:${l.sport} → ${l.dst}:${l.dport} ${l.proto} netns ${l.netns}${who}${byProc(l)}`;
  switch (l.type) {
    case 'hello':
      return `${t} agent ${l.version} on ${l.node} (kernel ${l.kernel}): ${(l.probes as Array<{ name: string; state: string }>).map((p) => `${p.name} ${p.state}`).join(', ')}`;
    case 'drop':
      return `${t} DROP ${l.reason} at ${l.location}  ${flow}`;
    case 'tcp':
      return `${t} TCP  ${l.event}${l.errno ? ` (${l.errno})` : ''}  ${flow}`;
    case 'dns':
      return `${t} DNS  ${l.qr} ${l.qname} ${l.qtype}${l.rcode ? ` ${l.rcode}` : ''}${typeof l.latencyNs === 'number' ? ` ${(l.latencyNs / 1e6).toFixed(2)} ms` : ''}  ${flow}`;
    case 'rule':
      return `${t} RULE ${String(l.verdict).toUpperCase()} by ${l.tableFamily} ${l.table}/${l.chain}${l.policy ? ' policy' : ` handle ${l.handle}`}${l.text ? `: ${l.text}` : ''}  ${flow}`;
    case 'error':
      return `${t} agent error (${l.code}): ${l.message}`;
    case 'bye':
      return `${t} agent stopped (${l.reason})`;
    default:
      return '';
  }
}

export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description("Run the eBPF probe agent on a node and stream what it sees: drops with the kernel's reason, DNS, TCP outcomes")
    .requiredOption('--node <name>', 'node name (or a Host alias of the SSH config)')
    .option('--via <transport>', 'how to reach the node: ssh or pod', 'ssh')
    .option(
      '--kubeconfig <file>',
      'cluster to attach pod/Service/node identities from (and to run the pod transport in); default $KUBECONFIG / ~/.kube/config for --via pod',
    )
    .option('--context <name>', 'kubeconfig context (default: its current-context)')
    .option('--probe-namespace <ns>', 'namespace of the probe pod (--via pod)', 'kube-system')
    .option('--probe-image <image>', 'stock image the agent is streamed into (--via pod; needs sh, head, sha256sum)')
    .option('--agent-image <image>', 'image with the agent at /pathlight-probe, instead of streaming it (--via pod)')
    .option('--deadline <time>', 'the probe pod ends by then whatever happens (--via pod; default: duration + 60s)')
    .option('--privileged', 'run the probe pod privileged (clusters that strip added capabilities)')
    .option('--ssh-config <file>', 'OpenSSH client config (default ~/.ssh/config)')
    .option('--host <address>', 'address to use when the SSH config has no HostName for the node')
    .option('--duration <time>', 'how long to watch (e.g. 10s, 2m); Ctrl-C stops earlier', '10s')
    .option('--probes <list>', 'drops,dns,tcp,proc (default all); rules (opt-in) names the nftables/iptables rule that dropped a packet')
    .option('--netns <list>', 'only these network namespaces (inode numbers or paths on the node)')
    .option('--cidr <list>', 'only these addresses/CIDRs (either end)')
    .option('--port <list>', 'only these ports (either end)')
    .option('--proto <list>', 'only these protocols (tcp, udp, …)')
    .option('--json', "print the agent's NDJSON lines as they arrive")
    .action(async (opts: ProbeOpts) => {
      const fail = (error: Parameters<typeof printError>[0]) => failWith(opts.json, error);
      const ms = parseDuration(opts.duration);
      if (ms === undefined || ms <= 0)
        return fail({ code: 'invalid-request', message: `--duration ${opts.duration} is not a duration.`, hint: 'Use e.g. 10s, 2m or 1h.' });
      if (opts.via !== 'ssh' && opts.via !== 'pod')
        return fail({
          code: 'invalid-request',
          message: `--via ${opts.via}: the transports are ssh and pod.`,
          hint: 'Use --via ssh (SSH to the node) or --via pod (a probe pod through the Kubernetes API).',
        });
      const deadlineMs = opts.deadline === undefined ? ms + 60_000 : parseDuration(opts.deadline);
      if (deadlineMs === undefined || deadlineMs < 1000)
        return fail({ code: 'invalid-request', message: `--deadline ${opts.deadline} is not a duration of a second or more.`, hint: 'Use e.g. 90s or 10m.' });
      const args: string[] = [];
      for (const k of ['probes', 'netns', 'cidr', 'port', 'proto'] as const) if (opts[k]) args.push(`--${k}`, opts[k]);
      const [{ startOnNode }, { loadKubeConfig }, { ClusterSnapshot }, { identify, nodeInternalIp }] = await Promise.all([
        import('../../backend/probes/start.js'),
        import('../../backend/cluster/kubeconfig.js'),
        import('../../backend/cluster/snapshot.js'),
        import('../../core/index.js'),
      ]);
      let snapshot: ClusterSnapshot | undefined;
      try {
        const onProgress = (stage: string, detail?: string) => process.stderr.write(`probe: ${stage}${detail ? `: ${detail}` : ''}\n`);
        const kc = opts.kubeconfig || opts.context || opts.via === 'pod' ? await loadKubeConfig(opts.kubeconfig, opts.context) : undefined;
        if (kc) {
          onProgress('connecting', `cluster ${kc.getCurrentCluster()?.server ?? ''} (context ${kc.getCurrentContext()})`);
          snapshot = await ClusterSnapshot.start(kc, { kinds: ['Node', 'Pod', 'Service'] });
        }
        const ids = snapshot?.identities;
        const sink = {
          line: (raw: { type: string }) => {
            const l = raw as Record<string, unknown>;
            if (ids) {
              const who = identify(ids, l, opts.node);
              if (who) l.identities = who;
            }
            if (opts.json) process.stdout.write(JSON.stringify(l) + '\n');
            else {
              const s = human(l);
              if (s) process.stdout.write(s + '\n');
            }
          },
          bad: (e: { code: string; message: string }) => process.stderr.write(`probe: unreadable line from the agent (${e.code}): ${e.message}\n`),
        };
        // The node's InternalIP when the SSH config has no HostName for it.
        const internalIp = nodeInternalIp(snapshot?.get('Node', opts.node));
        const run = await startOnNode(
          {
            node: opts.node,
            via: opts.via as 'ssh' | 'pod',
            durationMs: ms,
            args,
            kc,
            sshConfig: opts.sshConfig,
            host: opts.host ?? internalIp,
            probeNamespace: opts.probeNamespace,
            probeImage: opts.probeImage,
            agentImage: opts.agentImage,
            privileged: opts.privileged,
            deadlineSeconds: Math.ceil(deadlineMs / 1000),
            onProgress,
          },
          sink,
        );
        process.once('SIGINT', () => void run.stop());
        const exit = await run.done;
        if (exit.problem) return fail(exit.problem);
        if (exit.exitCode !== 0) process.exitCode = 2;
      } catch (err) {
        fail(toApiError(err));
      } finally {
        await snapshot?.stop();
      }
    });
}
