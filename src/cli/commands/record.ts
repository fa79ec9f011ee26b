import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { toApiError } from '../../api/index.js';
import { printError } from '../output.js';
import { parseDuration } from './probe.js';
import { renderDiagnosis } from './why.js';
import type { SessionRecorder } from '../../backend/store/session.js';

interface RecordOpts {
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
  probeNamespace: string;
  probeImage?: string;
  agentImage?: string;
  privileged?: boolean;
  out: string;
  note?: string;
  json?: boolean;
}

export function registerRecord(program: Command): void {
  program
    .command('record')
    .description('Ask why A cannot talk to B, as `pathlight why` does, and record the session into a .pathlight file: metadata, the cluster snapshot and its changes, every probe event with identities, the question and the answer; exit 0 reachable, 1 not, 2 error')
    .requiredOption('--from <A>', 'pod NS/NAME, workload NS/deploy/NAME (sts, ds, job…), or an IP')
    .requiredOption('--to <B>', 'pod, workload, Service NS/svc/NAME, DNS name host[:port] or IP:port')
    .requiredOption('--out <file>', 'the recording to write (never overwritten)')
    .option('--port <port>', 'port number or name')
    .option('--proto <proto>', 'tcp or udp', 'tcp')
    .option('--kubeconfig <file>', 'kubeconfig (default $KUBECONFIG / ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: its current-context)')
    .option('--probe <via>', 'watch live traffic: none, ssh or pod', 'none')
    .option('--ssh-config <file>', 'OpenSSH client config for --probe ssh (default ~/.ssh/config)')
    .option('--active', 'GENERATES TRAFFIC: have the agent on A\'s node look B up and connect to it from inside A')
    .option('--duration <time>', 'how long the probes watch (e.g. 10s, 1m)', '10s')
    .option('--zone <domain>', 'the cluster DNS domain', 'cluster.local')
    .option('--probe-namespace <ns>', 'namespace of probe pods (--probe pod)', 'kube-system')
    .option('--probe-image <image>', 'stock image the agent is streamed into (--probe pod)')
    .option('--agent-image <image>', 'image with the agent at /pathlight-probe (--probe pod)')
    .option('--privileged', 'run probe pods privileged (clusters that strip added capabilities)')
    .option('--note <text>', 'a note to keep in the recording (what you were looking for)')
    .option('--json', 'print the answer as JSON: {verdict, findings, path, …}')
    .action(async (opts: RecordOpts) => {
      const fail = (error: Parameters<typeof printError>[0]) => {
        if (opts.json) process.stdout.write(JSON.stringify({ error }) + '\n');
        printError(error);
        process.exitCode = 2;
      };
      const proto = opts.proto.toUpperCase();
      if (proto !== 'TCP' && proto !== 'UDP') return fail({ code: 'invalid-request', message: `--proto ${opts.proto}: use tcp or udp.` });
      if (!['none', 'ssh', 'pod'].includes(opts.probe)) return fail({ code: 'invalid-request', message: `--probe ${opts.probe}: use none, ssh or pod.`, hint: 'ssh and pod also record the traffic on the nodes; none records the objects only.' });
      const ms = parseDuration(opts.duration);
      if (ms === undefined || ms <= 0) return fail({ code: 'invalid-request', message: `--duration ${opts.duration} is not a duration.`, hint: 'Use e.g. 10s or 1m.' });
      if (opts.active && opts.probe === 'none') return fail({ code: 'invalid-request', message: '--active needs probes: the agent on A\'s node makes the test connection.', hint: 'add --probe ssh or --probe pod' });
      if (existsSync(opts.out)) return fail({ code: 'invalid-request', message: `${opts.out} exists; a recording is never overwritten.`, hint: 'choose another --out, or remove the file first', file: opts.out });
      const port = opts.port === undefined ? undefined : /^\d+$/.test(opts.port) ? Number(opts.port) : opts.port;
      let recorder: SessionRecorder | undefined;
      const interrupted = () => {
        // Close cleanly on Ctrl-C: the index is written and the file opens instantly.
        recorder?.close();
        process.stderr.write(`record: interrupted; what was recorded so far is in ${opts.out}\n`);
        process.exit(130);
      };
      try {
        const [{ loadKubeConfig }, { SessionRecorder, metaFromKubeConfig }, { recordWhy }] = await Promise.all([
          import('../../backend/cluster/kubeconfig.js'),
          import('../../backend/store/session.js'),
          import('../../backend/diagnose/record.js'),
        ]);
        const kc = await loadKubeConfig(opts.kubeconfig, opts.context);
        recorder = SessionRecorder.create(opts.out, { meta: { ...metaFromKubeConfig(kc), source: 'pathlight record' } });
        process.once('SIGINT', interrupted);
        if (opts.note) recorder.note(opts.note);
        if (opts.active) process.stderr.write('record: --active: the agent on A\'s node will send a DNS query and a connection attempt to B from inside A.\n');
        const r = await recordWhy(recorder, {
          kc,
          from: opts.from,
          to: opts.to,
          ...(port !== undefined ? { port } : {}),
          protocol: proto,
          probe: opts.probe as 'none' | 'ssh' | 'pod',
          sshConfig: opts.sshConfig,
          active: !!opts.active,
          durationMs: ms,
          zone: opts.zone,
          probeNamespace: opts.probeNamespace,
          probeImage: opts.probeImage,
          agentImage: opts.agentImage,
          privileged: opts.privileged,
          onProgress: (node, stage, detail) => process.stderr.write(`record: ${node}: ${stage}${detail ? `: ${detail}` : ''}\n`),
        });
        const d = r.diagnosis;
        process.stdout.write(opts.json ? JSON.stringify(d) + '\n' : renderDiagnosis(d));
        process.exitCode = d.verdict === 'reachable' ? 0 : 1;
      } catch (err) {
        fail(toApiError(err));
      } finally {
        process.removeListener('SIGINT', interrupted);
        if (recorder) {
          recorder.close();
          process.stderr.write(`record: wrote ${opts.out} (${statSync(opts.out).size.toLocaleString('en')} bytes); replay it with \`pathlight replay ${opts.out} --why\`\n`);
        }
      }
    });
}
