/**
 * `pathlight observe`: the probe events of a recording, of a Hubble flows file, or live from the
 * agent on nodes, with the identities of both ends, filtered with `hubble observe`'s flag names
 * (src/core/observe: the filters, the formats). Exit 0 — also when no event matches, which is
 * said on stderr with what each filter let through, as `hubble observe` exits 0 on an empty
 * result; 2 on a usage error (unknown flag, bad value: the accepted values are named) or a
 * source that cannot be read; 130 after Ctrl-C (live: the agents are stopped first).
 */
import { open, readFile } from 'node:fs/promises';
import { Option, type Command, type CommanderError } from 'commander';
import { toApiError, type ApiError } from '../../api/index.js';
import type { observe as core, IdentityIndex } from '../../core/index.js';
import { failWith, printError, table } from '../output.js';
import { openForCli } from '../recording.js';
import { parseDuration } from './probe.js';
import { withInterrupt } from './why.js';

type ListOpts = { [K in CamelFlag]?: string[] };
type CamelFlag =
  | 'fromPod'
  | 'toPod'
  | 'pod'
  | 'fromService'
  | 'toService'
  | 'service'
  | 'namespace'
  | 'fromNamespace'
  | 'toNamespace'
  | 'fromIp'
  | 'toIp'
  | 'ip'
  | 'port'
  | 'fromPort'
  | 'toPort'
  | 'protocol'
  | 'verdict'
  | 'type'
  | 'dropReason'
  | 'dropReasonDesc'
  | 'dnsRcode'
  | 'nodeName';

interface ObserveOpts extends ListOpts {
  since?: string;
  until?: string;
  last?: string;
  output: 'compact' | 'json' | 'table';
  json?: boolean;
  color: 'auto' | 'always' | 'never';
  printNodeName?: boolean;
  follow?: boolean;
  node?: string[];
  via: 'ssh' | 'pod';
  kubeconfig?: string;
  context?: string;
  sshConfig?: string;
  host?: string;
  probeNamespace: string;
  probeImage?: string;
  agentImage?: string;
  privileged?: boolean;
  duration?: string;
  hubble?: string;
}

/** A live `--follow` run stops by itself after this long unless --duration says otherwise (the agent's TTL and the probe pod's deadline follow it). */
const followCeilingMs = 3_600_000;

const collect = (v: string, prev: string[] = []) => [...prev, v];
const camel = (flag: string) => flag.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase()) as CamelFlag;

function exitOnUsageError(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? 0 : 2);
}

export function registerObserve(program: Command): void {
  const cmd = program
    .command('observe')
    .description(
      'List probe events (drops, DNS, TCP, …) with the pods/Services at both ends, from a recording, a Hubble flows file, or live from the agent on nodes; filters named as in `hubble observe`',
    )
    .argument('[file]', '.pathlight recording, or `hubble observe -o jsonpb` flows (- for standard input); omit with --node for a live run')
    .option('--from-pod <[ns/]pod>', 'source pod (name prefix; namespace: the one --namespace, else default)', collect)
    .option('--to-pod <[ns/]pod>', 'destination pod', collect)
    .option('--pod <[ns/]pod>', 'pod at either end', collect)
    .option('--from-service <[ns/]svc>', 'source Service', collect)
    .option('--to-service <[ns/]svc>', 'destination Service (the address a client dialled)', collect)
    .option('--service <[ns/]svc>', 'Service at either end', collect)
    .option('-n, --namespace <ns>', 'namespace of either end', collect)
    .option('--from-namespace <ns>', 'namespace of the source', collect)
    .option('--to-namespace <ns>', 'namespace of the destination', collect)
    .option('--from-ip <ip|cidr>', 'source address', collect)
    .option('--to-ip <ip|cidr>', 'destination address', collect)
    .option('--ip <ip|cidr>', 'address of either end', collect)
    .option('--port <port>', 'port of either end', collect)
    .option('--from-port <port>', 'source port', collect)
    .option('--to-port <port>', 'destination port', collect)
    .option('--protocol <proto>', 'tcp, udp, sctp, icmp, dns, http', collect)
    .option('--verdict <verdict>', 'FORWARDED, DROPPED, ERROR (AUDIT, REDIRECTED, TRACED, TRANSLATED from Hubble)', collect)
    .option('-t, --type <type>', 'drop, dns, tcp, rule, http, proc, flow, test', collect)
    .option('--drop-reason <reason>', 'drop reason: NETFILTER_DROP, NO_SOCKET, … (Hubble: POLICY_DENIED, …)', collect)
    .addOption(new Option('--drop-reason-desc <reason>', "Hubble's name for --drop-reason").argParser(collect).hideHelp())
    .option('--dns-rcode <rcode>', 'DNS response code: NOERROR, NXDOMAIN, SERVFAIL, REFUSED, …', collect)
    .option('--node-name <node>', 'events seen on this node (* matches any characters)', collect)
    .option('--since <time>', 'events from then on: RFC 3339, a duration before the end (5m; live: before now), +30s after the start, or ns')
    .option('--until <time>', 'events up to then (same forms as --since)')
    .option('--last <n>', 'only the last N matching events')
    .addOption(
      new Option('-o, --output <format>', 'compact (one line per event), json (one object per line), table')
        .choices(['compact', 'json', 'table'])
        .default('compact'),
    )
    .option('--json', 'the same as -o json')
    .addOption(
      new Option('--color <when>', 'colour the compact output: auto (a terminal without NO_COLOR), always, never')
        .choices(['auto', 'always', 'never'])
        .default('auto'),
    )
    .option('--print-node-name', 'print the node of each event (compact output)')
    .option(
      '--hubble <target>',
      "Cilium's own flows from a Hubble observer over gRPC: relay (the cluster's Hubble Relay, every node, through a port-forward by the API server: --kubeconfig/--context), ssh://NODE (the node's Hubble socket over SSH, with --ssh-config; ssh://NODE/PATH for another socket), unix:///var/run/cilium/hubble.sock (on the node itself), or HOST:PORT of Hubble Relay; --since sets the window (default 5m)",
    )
    .option('--node <name>', 'live: run the agent on this node (repeat, or a,b for several)', collect)
    .option('-f, --follow', 'live: keep streaming until Ctrl-C (at most --duration, default 1h)')
    .addOption(new Option('--via <transport>', 'live: reach the nodes over ssh or a probe pod').choices(['ssh', 'pod']).default('ssh'))
    .option('--duration <time>', 'live: how long to watch (default 10s; with --follow the ceiling, default 1h)')
    .option('--kubeconfig <file>', 'live: cluster for the identities of both ends (and the pod transport); default $KUBECONFIG / ~/.kube/config')
    .option('--context <name>', 'live: kubeconfig context')
    .option('--ssh-config <file>', 'live: OpenSSH client config (default ~/.ssh/config)')
    .option('--host <address>', 'live: address when the SSH config has no HostName for the node')
    .option('--probe-namespace <ns>', 'live, --via pod: namespace of the probe pod', 'kube-system')
    .option('--probe-image <image>', 'live, --via pod: stock image the agent is streamed into')
    .option('--agent-image <image>', 'live, --via pod: image with the agent at /pathlight-probe')
    .option('--privileged', 'live, --via pod: run the probe pod privileged')
    .exitOverride(exitOnUsageError)
    .action(async (file: string | undefined, opts: ObserveOpts) => {
      // `| head` closing the pipe ends the listing, not with a stack trace (a live run: Ctrl-C's path, the agents stopped).
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
        if (process.listenerCount('SIGINT') > 0) process.kill(process.pid, 'SIGINT');
        else process.exit(0);
      });
      try {
        await observe(file, opts);
      } catch (err) {
        failWith(false, toApiError(err));
      }
    });
  return void cmd;
}

const usage = (message: string, hint?: string): ApiError => ({ code: 'invalid-request', message, ...(hint ? { hint } : {}) });

interface PrinterOptions {
  format: 'compact' | 'json' | 'table';
  paint: core.Paint;
  /** Print each event's node (compact). */
  node: boolean;
  /** Print a table row by row as events arrive (live), rather than once at the end. */
  streaming: boolean;
}

/** Prints events as they pass, in the chosen format; a table is printed at the end (its widths need every row) unless streaming. */
class Printer {
  private rows: string[][] = [];
  printed = 0;
  constructor(
    private readonly o: PrinterOptions,
    private readonly fmt: typeof core,
  ) {}

  event(ev: core.ObservedEvent): void {
    this.printed++;
    const f = this.fmt;
    if (this.o.format === 'json') process.stdout.write(f.jsonLine(ev) + '\n');
    else if (this.o.format === 'compact') process.stdout.write(f.compactLine(ev, { paint: this.o.paint, node: this.o.node }) + '\n');
    else if (this.o.streaming) {
      if (this.printed === 1) process.stdout.write(streamRow(f.tableHeader) + '\n');
      process.stdout.write(streamRow(f.tableRow(ev)) + '\n');
    } else this.rows.push(f.tableRow(ev));
  }

  end(): void {
    if (this.o.format === 'table' && !this.o.streaming && this.rows.length > 0) process.stdout.write(table(this.fmt.tableHeader, this.rows));
  }
}

/** A table row with fixed column widths, for a table printed as the events arrive. */
/**
 * The flows Hubble holds for the window `--since` … `--until` (default: the last 5 minutes), as
 * `hubble observe -o jsonpb` lines. A plain address among --ip/--from-ip/--to-ip narrows the
 * query on the server (the filters still decide what is printed).
 */
async function hubbleWindow(target: string, opts: ObserveOpts, input: core.FilterInput, o: typeof core): Promise<string[]> {
  // ssh://NODE: the node's socket through SSH, as a probe connects (config, jump hosts, known_hosts strictly);
  // relay: the cluster's Hubble Relay through a port-forward (the kubeconfig's cluster).
  const { hubbleLines } = await import('../../backend/hubble/ssh.js');
  const now = Date.now() * 1e6;
  const ref = { start: now - 3_600e9, end: now };
  const sinceNs = opts.since !== undefined ? (o.parseTime(opts.since, ref) ?? now - 300e9) : now - 300e9;
  const untilNs = opts.until !== undefined ? o.parseTime(opts.until, ref) : undefined;
  const ips = [...(input.ip ?? []), ...(input['from-ip'] ?? []), ...(input['to-ip'] ?? [])].flatMap((v) => v.split(',')).filter((v) => !v.includes('/'));
  const window = { sinceNs, ...(untilNs !== undefined ? { untilNs } : {}), ...(ips.length ? { ips } : {}) };
  if (target === 'relay') {
    const [{ loadKubeConfig }, { findRelayInCluster, relayLines }] = await Promise.all([
      import('../../backend/cluster/kubeconfig.js'),
      import('../../backend/hubble/relay.js'),
    ]);
    const kc = await loadKubeConfig(opts.kubeconfig, opts.context);
    return relayLines(kc, await findRelayInCluster(kc), window);
  }
  return hubbleLines({ target, sshConfig: opts.sshConfig, host: opts.host, ...window });
}

function streamRow(cells: string[]): string {
  const widths = [24, 18, 44, 44, 14, 9];
  return cells
    .map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c))
    .join('  ')
    .trimEnd();
}

async function observe(file: string | undefined, opts: ObserveOpts): Promise<void> {
  const fail = (e: ApiError) => failWith(false, e);
  const { observe: o, importHubbleFlows } = await import('../../core/index.js');
  const nodes = (opts.node ?? []).flatMap((n) => n.split(',')).filter(Boolean);
  if (opts.hubble !== undefined && (file !== undefined || nodes.length > 0))
    return fail(usage('give a FILE, --node or --hubble: one source.', 'pathlight observe --hubble unix:///var/run/cilium/hubble.sock --since 5m'));
  if (file !== undefined && nodes.length > 0)
    return fail(usage('give a FILE or --node, not both.', 'pathlight observe FILE … (a recording), or pathlight observe --node N … (live)'));
  if (file === undefined && nodes.length === 0 && opts.hubble === undefined)
    return fail(
      usage(
        'nothing to observe: give a recording (or Hubble flows file), or --node for a live run.',
        'pathlight observe assets/demo.pathlight, or pathlight observe --kubeconfig K --node N --follow',
      ),
    );
  if (file !== undefined || opts.hubble !== undefined) {
    const sshHubble = opts.hubble?.startsWith('ssh://');
    const relayHubble = opts.hubble === 'relay';
    const live = (
      [
        'follow',
        'duration',
        ...(relayHubble ? [] : (['kubeconfig', 'context'] as const)),
        ...(sshHubble ? [] : (['sshConfig', 'host'] as const)),
        'probeImage',
        'agentImage',
        'privileged',
      ] as const
    ).find((k) => opts[k] !== undefined);
    if (live)
      return fail(
        usage(
          `--${live.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is for a live run (--node); ${opts.hubble !== undefined ? "Hubble's window" : 'a file'} is read to its end.`,
        ),
      );
  }
  let last: number | undefined;
  if (opts.last !== undefined) {
    last = o.parseCount(opts.last);
    if (last === undefined) return fail(usage(`--last "${opts.last}" is not a count.`, 'accepted: a whole number of 1 or more'));
    if (opts.follow)
      return fail(
        usage(
          '--last and --follow: a live run has no earlier events to take the last of.',
          'drop --last, or run without --follow (the last N of the --duration window)',
        ),
      );
  }
  const input: core.FilterInput = { since: opts.since, until: opts.until };
  for (const flag of o.listFlags) input[flag] = opts[camel(flag)];
  if (opts.dropReasonDesc) input['drop-reason'] = [...(input['drop-reason'] ?? []), ...opts.dropReasonDesc];
  const format = opts.json ? 'json' : opts.output;
  const colour = opts.color === 'always' || (opts.color === 'auto' && process.stdout.isTTY === true && !process.env.NO_COLOR);
  const printerOptions = { format, paint: o.painter(colour && format === 'compact'), node: !!opts.printNodeName };
  const parse = (ref: core.TimeRef) => {
    const r = o.parseFilters(input, ref);
    if (!r.ok) fail(usage(`${r.error.flag}: ${r.error.message}.`, `accepted: ${r.error.accepted}`));
    return r.ok ? r.value : undefined;
  };
  // Every value checked before a source is read (the times again once the source's start and end are known).
  if (!parse({ start: 0, end: 0 })) return;
  if (file === undefined && opts.hubble === undefined)
    return observeLive(nodes, opts, parse, new Sieve(last, new Printer({ ...printerOptions, streaming: true }, o), o));

  const source = opts.hubble !== undefined ? `Hubble at ${opts.hubble}` : file === '-' ? 'standard input' : file!;
  const sieve = new Sieve(last, new Printer({ ...printerOptions, streaming: false }, o), o);
  let lost = 0;
  if (opts.hubble !== undefined || file === '-' || (await startsWithJson(file!))) {
    let text: string;
    if (opts.hubble !== undefined) {
      const lines = await hubbleWindow(opts.hubble, opts, input, o).catch((e: unknown) => {
        fail(toApiError(e));
        return undefined;
      });
      if (!lines) return;
      if (lines.length === 0) {
        process.stderr.write(`${source} has no flows in the window${opts.since ? ` since ${opts.since}` : ' (the last 5 minutes)'}.\n`);
        return;
      }
      text = lines.join('\n');
    } else {
      try {
        text = file === '-' ? await readStdin() : await readFile(file!, 'utf8');
      } catch (err) {
        return fail(usage(`Cannot read ${file}: ${(err as Error).message}.`, 'Pass a .pathlight recording or a file written by `hubble observe -o jsonpb`.'));
      }
    }
    const imported = importHubbleFlows(text);
    for (const p of imported.problems.slice(0, 20)) process.stderr.write(`warning: ${source}:${p.line}: ${p.message}\n`);
    if (imported.problems.length > 20) process.stderr.write(`warning: … and ${imported.problems.length - 20} more lines not read\n`);
    if (imported.records.length === 0)
      return fail(usage(`No Hubble flows found in ${source}.`, 'Capture them with `hubble observe -o jsonpb > flows.json`, or pass a .pathlight recording.'));
    const criteria = parse({ start: imported.records[0]?.ts, end: imported.records.at(-1)?.ts ?? 0 });
    if (!criteria) return;
    lost = imported.lostEvents;
    for (const r of imported.records) {
      const ev = o.observedEvent(r.data as Record<string, unknown>, r.ts);
      if (ev) sieve.take(ev, criteria);
    }
  } else {
    const rec = await openForCli(file!, fail);
    if (!rec) return;
    const criteria = parse({ start: rec.start, end: rec.end ?? 0 });
    if (!criteria) return;
    const ids: IdentityIndex | undefined = rec.end === undefined ? undefined : rec.frameAt(rec.end).identities;
    for (let i = 0; i < rec.probeColumns.ts.length; i++) {
      const { ts, line } = rec.probeAt(i);
      lost += lostIn(line);
      const ev = o.observedEvent(line, ts, ids);
      if (ev) sieve.take(ev, criteria);
    }
  }
  if (lost > 0) process.stderr.write(`warning: ${lost} events were lost at the source (${source}): the list is incomplete.\n`);
  sieve.end(source, `${source} holds no probe events.`);
}

/**
 * Passes each event through the filters to the printer — with --last, into a window of the last
 * N, printed at the end — and keeps the events that did not pass while none has (up to a bound),
 * to say at the end why nothing matched.
 */
class Sieve {
  private total = 0;
  private matched = 0;
  private rejected: core.ObservedEvent[] = [];
  private criteria: readonly core.Criterion[] = [];
  private readonly window: core.ObservedEvent[] = [];
  private static readonly keep = 100_000;

  constructor(
    private readonly last: number | undefined,
    private readonly printer: Printer,
    private readonly o: typeof core,
  ) {}

  take(ev: core.ObservedEvent, criteria: readonly core.Criterion[]): void {
    this.total++;
    this.criteria = criteria;
    if (!this.o.matches(criteria, ev)) {
      if (this.matched === 0 && this.rejected.length < Sieve.keep) this.rejected.push(ev);
      return;
    }
    if (this.matched++ === 0) this.rejected = [];
    if (this.last === undefined) return this.printer.event(ev);
    this.window.push(ev);
    if (this.window.length > this.last) this.window.shift();
  }

  /** Prints what is left to print; says so on stderr when nothing matched. */
  end(source: string, empty: string): void {
    for (const e of this.window) this.printer.event(e);
    this.printer.end();
    if (this.matched > 0) return;
    if (this.total === 0) return void process.stderr.write(`observe: ${empty}\n`);
    // What each filter lets through is counted on the events kept (all of them up to the bound).
    const n = { ...this.o.explainNoMatch(this.criteria, this.rejected), events: this.total };
    for (const l of this.o.noMatchText(n, source)) process.stderr.write(`observe: ${l}\n`);
  }
}

/** Events lost as a source reported them: a Hubble import's lost-events line, an agent's final counts. */
function lostIn(line: Record<string, unknown>): number {
  if (line.type === 'stats' && typeof line.lost === 'number') return line.lost;
  if (line.type !== 'bye' || !line.probes || typeof line.probes !== 'object') return 0;
  let n = 0;
  for (const p of Object.values(line.probes as Record<string, { lost?: unknown; lostUser?: unknown }>))
    n += (typeof p.lost === 'number' ? p.lost : 0) + (typeof p.lostUser === 'number' ? p.lostUser : 0);
  return n;
}

/** Hubble's `-o jsonpb` is JSON lines; a recording starts with its binary signature. */
async function startsWithJson(file: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(file, 'r');
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(64), 0, 64, 0);
    return /^\s*\{/.test(buffer.subarray(0, bytesRead).toString('latin1'));
  } catch {
    return false; // the recording reader names the problem
  } finally {
    await fh?.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The agent's own filters for a live run: a superset of what the flags let through (the flags
 * are ANDed, so every event that passes has an end in the union of the addresses given, and of
 * the ports given), so a busy node does not stream what would be dropped here anyway.
 */
function agentArgs(input: core.FilterInput, split: (v?: readonly string[]) => string[]): string[] {
  const args: string[] = [];
  const ips = split([...(input.ip ?? []), ...(input['from-ip'] ?? []), ...(input['to-ip'] ?? [])]);
  if (ips.length > 0) args.push('--cidr', ips.join(','));
  const ports = split([...(input.port ?? []), ...(input['from-port'] ?? []), ...(input['to-port'] ?? [])]);
  if (ports.length > 0) args.push('--port', ports.join(','));
  const protos = split(input.protocol).map((p) => p.toLowerCase());
  if (protos.length > 0 && protos.every((p) => p === 'tcp' || p === 'udp')) args.push('--proto', protos.join(','));
  const probes: Record<string, string> = { drop: 'drops', dns: 'dns', tcp: 'tcp', http: 'http' };
  const types = split(input.type).map((t) => t.toLowerCase());
  if (types.length > 0 && types.every((t) => probes[t])) args.push('--probes', [...new Set(types.map((t) => probes[t]!))].join(','));
  return args;
}

async function observeLive(nodes: string[], opts: ObserveOpts, parse: (ref: core.TimeRef) => core.Criterion[] | undefined, sieve: Sieve): Promise<void> {
  const fail = (e: ApiError) => failWith(false, e);
  const now = Date.now() * 1e6;
  const criteria = parse({ start: now, end: now });
  if (!criteria) return;
  const durationText = opts.duration ?? (opts.follow ? undefined : '10s');
  const ms = durationText === undefined ? followCeilingMs : parseDuration(durationText);
  if (ms === undefined || ms <= 0) return fail(usage(`--duration "${durationText}" is not a duration.`, 'accepted: e.g. 10s, 2m or 1h'));
  if (opts.host !== undefined && nodes.length > 1)
    return fail(usage('--host names the address of one node; several --node were given.', 'put the nodes in the SSH config instead'));
  const byName = criteria.some((c) => /pod|service|namespace/.test(c.flag));
  const [{ startOnNode }, { loadKubeConfig }, { ClusterSnapshot }, { identify, nodeInternalIp, observe: o }] = await Promise.all([
    import('../../backend/probes/start.js'),
    import('../../backend/cluster/kubeconfig.js'),
    import('../../backend/cluster/snapshot.js'),
    import('../../core/index.js'),
  ]);
  const onProgress = (node: string) => (stage: string, detail?: string) => process.stderr.write(`observe: ${node}: ${stage}${detail ? `: ${detail}` : ''}\n`);
  // Identities need the cluster: asked for by name, or through the pod transport, or given.
  const wantCluster = !!(opts.kubeconfig || opts.context || opts.via === 'pod' || byName);
  const kc = wantCluster ? await loadKubeConfig(opts.kubeconfig, opts.context) : undefined;
  if (!kc) process.stderr.write('observe: no --kubeconfig: the ends are shown as addresses, not pods or Services.\n');
  let snapshot: Awaited<ReturnType<typeof ClusterSnapshot.start>> | undefined;
  let lost = 0;
  try {
    if (kc) {
      process.stderr.write(`observe: connecting to ${kc.getCurrentCluster()?.server ?? ''} (context ${kc.getCurrentContext()})\n`);
      snapshot = await ClusterSnapshot.start(kc, { kinds: ['Node', 'Pod', 'Service'] });
    }
    const ids = snapshot?.identities;
    const take = (l: Record<string, unknown>, node: string) => {
      if (ids) {
        const who = identify(ids, l, node);
        if (who) l.identities = who;
      }
      const ev = o.observedEvent(l, typeof l.ts === 'number' ? l.ts : Date.now() * 1e6);
      if (ev) sieve.take(ev, criteria);
    };
    const sink = (node: string) => ({
      line: (raw: { type: string }) => {
        const l = raw as unknown as Record<string, unknown>;
        if (l.type === 'hello') {
          const probes = (l.probes as Array<{ name: string; state: string }> | undefined) ?? [];
          process.stderr.write(
            `observe: ${node}: agent ${String(l.version)} (kernel ${String(l.kernel)}): ${probes.map((p) => `${p.name} ${p.state}`).join(', ')}\n`,
          );
        } else if (l.type === 'error') process.stderr.write(`observe: ${node}: agent error (${String(l.code)}): ${String(l.message)}\n`);
        else if (l.type === 'bye') {
          lost += lostIn(l);
          process.stderr.write(`observe: ${node}: agent stopped (${String(l.reason)})\n`);
        } else take(l, node);
      },
      bad: (e: { code: string; message: string }, raw?: unknown) => {
        // A kind this decoder does not know yet (a newer agent) is still an event: listed as it came.
        const l = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : undefined;
        if (l && typeof l.type === 'string' && typeof l.ts === 'number' && !o.agentLineTypes.has(l.type)) take(l, node);
        else process.stderr.write(`observe: ${node}: unreadable line from the agent (${e.code}): ${e.message}\n`);
      },
    });
    const split = (v?: readonly string[]) =>
      (v ?? [])
        .flatMap((x) => x.split(','))
        .map((x) => x.trim())
        .filter(Boolean);
    const input: core.FilterInput = {};
    for (const c of criteria) if ((o.listFlags as readonly string[]).includes(c.flag.slice(2))) input[c.flag.slice(2) as core.ListFlag] = c.values;
    const args = agentArgs(input, split);
    const exits = await withInterrupt(async (signal) => {
      const started = await Promise.allSettled(
        nodes.map((node) => {
          const internalIp = nodeInternalIp(snapshot?.get('Node', node));
          return startOnNode(
            {
              node,
              via: opts.via,
              durationMs: ms,
              args,
              kc,
              sshConfig: opts.sshConfig,
              host: opts.host ?? internalIp,
              probeNamespace: opts.probeNamespace,
              probeImage: opts.probeImage,
              agentImage: opts.agentImage,
              privileged: opts.privileged,
              deadlineSeconds: Math.ceil(ms / 1000) + 60,
              onProgress: onProgress(node),
              signal,
            },
            sink(node),
          );
        }),
      );
      const runs = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) {
        // One node that cannot be started stops the others: a partial view would pass for the whole.
        await Promise.all(runs.map((r) => r.stop()));
        throw failed.reason;
      }
      return Promise.all(runs.map((r) => r.done));
    });
    if (lost > 0) process.stderr.write(`warning: the agents lost ${lost} events: the list is incomplete.\n`);
    sieve.end(`the live run on ${nodes.join(', ')}`, 'no probe event was seen on the nodes while the agents ran.');
    const problem = exits.find((x) => x.problem)?.problem;
    if (problem) return fail(problem);
    if (exits.some((x) => x.exitCode !== 0 && x.exitCode !== null)) process.exitCode = 2;
  } catch (err) {
    const e = toApiError(err);
    if (e.code === 'cancelled') return;
    printError(e);
    process.exitCode = 2;
  } finally {
    await snapshot?.stop();
  }
}
