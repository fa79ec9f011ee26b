import type { Command } from 'commander';
import { toApiError } from '../../api/index.js';
import { printError } from '../output.js';

interface ProbeOpts {
  node: string;
  via: string;
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

/** One line a person can scan: time, what, where. */
function human(l: Record<string, unknown>): string {
  const t = typeof l.ts === 'number' ? new Date(l.ts / 1e6).toISOString().slice(11, 23) : '';
  const flow = `${l.src}:${l.sport} → ${l.dst}:${l.dport} ${l.proto} netns ${l.netns}`;
  switch (l.type) {
    case 'hello':
      return `${t} agent ${l.version} on ${l.node} (kernel ${l.kernel}): ${(l.probes as Array<{ name: string; state: string }>).map((p) => `${p.name} ${p.state}`).join(', ')}`;
    case 'drop':
      return `${t} DROP ${l.reason} at ${l.location}  ${flow}`;
    case 'tcp':
      return `${t} TCP  ${l.event}${l.errno ? ` (${l.errno})` : ''}  ${flow}`;
    case 'dns':
      return `${t} DNS  ${l.qr} ${l.qname} ${l.qtype}${l.rcode ? ` ${l.rcode}` : ''}${typeof l.latencyNs === 'number' ? ` ${(l.latencyNs / 1e6).toFixed(2)} ms` : ''}  ${flow}`;
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
    .requiredOption('--node <name>', 'node name or Host alias of the SSH config')
    .option('--via <transport>', 'how to reach the node: ssh', 'ssh')
    .option('--ssh-config <file>', 'OpenSSH client config (default ~/.ssh/config)')
    .option('--host <address>', 'address to use when the SSH config has no HostName for the node')
    .option('--duration <time>', 'how long to watch (e.g. 10s, 2m); Ctrl-C stops earlier', '10s')
    .option('--probes <list>', 'drops,dns,tcp (default all)')
    .option('--netns <list>', 'only these network namespaces (inode numbers or paths on the node)')
    .option('--cidr <list>', 'only these addresses/CIDRs (either end)')
    .option('--port <list>', 'only these ports (either end)')
    .option('--proto <list>', 'only these protocols (tcp, udp, …)')
    .option('--json', 'print the agent\'s NDJSON lines as they arrive')
    .action(async (opts: ProbeOpts) => {
      const fail = (error: Parameters<typeof printError>[0]) => {
        if (opts.json) process.stdout.write(JSON.stringify({ error }) + '\n');
        printError(error);
        process.exitCode = 2;
      };
      const ms = parseDuration(opts.duration);
      if (ms === undefined || ms <= 0) return fail({ code: 'invalid-request', message: `--duration ${opts.duration} is not a duration.`, hint: 'Use e.g. 10s, 2m or 1h.' });
      if (opts.via !== 'ssh') return fail({ code: 'invalid-request', message: `--via ${opts.via}: only the ssh transport is available in this version.`, hint: 'Use --via ssh (the pod transport is being built).' });
      const args = ['--ttl', `${Math.ceil(ms / 1000) + 30}s`];
      for (const k of ['probes', 'netns', 'cidr', 'port', 'proto'] as const) if (opts[k]) args.push(`--${k}`, opts[k]);
      const [{ startProbe }, { readSshConfig }, { agentDir }] = await Promise.all([
        import('../../backend/probes/ssh/transport.js'),
        import('../../backend/probes/ssh/config.js'),
        import('../../backend/probes/agentDir.js'),
      ]);
      try {
        const { text, file } = await readSshConfig({ file: opts.sshConfig });
        const run = await startProbe(
          {
            configText: text,
            configFile: file,
            node: opts.node,
            fallbackHostName: opts.host,
            agentDir: agentDir(),
            args,
            onProgress: (stage, detail) => process.stderr.write(`probe: ${stage}${detail ? `: ${detail}` : ''}\n`),
          },
          {
            line: (l) => {
              if (opts.json) process.stdout.write(JSON.stringify(l) + '\n');
              else {
                const s = human(l as Record<string, unknown>);
                if (s) process.stdout.write(s + '\n');
              }
            },
            bad: (e) => process.stderr.write(`probe: unreadable line from the agent (${e.code}): ${e.message}\n`),
          },
        );
        const timer = setTimeout(() => void run.stop(), ms);
        process.once('SIGINT', () => void run.stop());
        const exit = await run.done;
        clearTimeout(timer);
        if (exit.problem) return fail(exit.problem);
        if (exit.exitCode !== 0) process.exitCode = 2;
      } catch (err) {
        fail(toApiError(err));
      }
    });
}
