/**
 * Schemas of the probe agent's NDJSON lines (docs/architecture.md §3): one JSON object per
 * line, each with `v`, `type`, `ts` and `node`, and the fields of its type. The line types are
 * the table `lineSchemas` at the end: a new one is one schema here and one entry in that table
 * (the decoder, `lineTypes`, `LineType` and `ProbeLine` follow from it).
 *
 * Keep aligned with native/internal/protocol/protocol.go: the Go test regenerates
 * test/fixtures/probe/protocol.ndjson from its examples, and
 * test/unit/core/probe/protocol.test.ts decodes that file with these schemas and checks that
 * every enum value appears on both sides.
 *
 * Go wire facts the schemas encode:
 * - Fields without `omitempty` are always written, so they are required here; `omitempty`
 *   fields are optional.
 * - A Go slice or map without `omitempty` is written as `null` when nil; it decodes as `[]`
 *   or `{}` so callers never see the difference.
 * - Unknown extra fields are accepted and dropped (a newer agent may add fields). Unknown
 *   enum values and line types are rejected: a new Go enum value needs a TypeScript update,
 *   and the agreement test says so.
 * - `ts` (and every other int64/uint64) is a plain JSON number, so `JSON.parse` keeps it to
 *   double precision: `ts` is nanoseconds since the Unix epoch, about 1.8e18 near 2026, where
 *   doubles are 256 ns apart. Two events less than 256 ns apart can carry the same `ts`; keep
 *   line order as the tie-break.
 */
import { z } from 'zod';

/** The protocol version this decoder reads; every line carries it as `v`. */
export const protocolVersion = 1;

// ---- Enums (Go constants of the same meaning in protocol.go) --------------------------------

/** TCP outcome kinds (Go `TCPEvents`). */
export const tcpEvents = ['established', 'refused', 'timeout', 'unreachable', 'reset', 'retransmit'] as const;
export type TcpEvent = (typeof tcpEvents)[number];

/** Direction of a TCP reset. */
export const tcpResetDirs = ['received', 'sent'] as const;
export type TcpResetDir = (typeof tcpResetDirs)[number];

/** Role of the socket: active open (client) or passive open (server). */
export const tcpRoles = ['client', 'server'] as const;
export type TcpRole = (typeof tcpRoles)[number];

/** Codes of the agent's `error` lines (Go `ErrorCodes`). */
export const errorCodes = ['no-btf', 'no-bpf', 'permission', 'attach', 'bad-args', 'bad-control', 'internal'] as const;
export type ErrorCode = (typeof errorCodes)[number];

/** Why the agent stopped (Go `ByeReasons`). */
export const byeReasons = ['stdin-closed', 'ttl', 'signal', 'stop', 'error'] as const;
export type ByeReason = (typeof byeReasons)[number];

/** How a requested probe came up (Go `Probe*` constants). */
export const probeStates = ['attached', 'degraded', 'unavailable'] as const;
export type ProbeState = (typeof probeStates)[number];

/** DNS message kind (Go `QR*` constants). */
export const dnsQrs = ['query', 'response'] as const;
export type DnsQr = (typeof dnsQrs)[number];

/** DNS direction, from the view of the netns. */
export const dnsDirs = ['egress', 'ingress'] as const;
export type DnsDir = (typeof dnsDirs)[number];

/** Steps of an active test, in order; every test ends with one `done` (Go `TestPhases`). */
export const testPhases = ['netns', 'dns', 'connect', 'done'] as const;
export type TestPhase = (typeof testPhases)[number];

/**
 * Outcomes of an active test (Go `TestOutcomes`): a `connect` line has one of the connection
 * outcomes, a `done` line `ok`, `failed` (the path is broken) or `error` (the test could not be
 * carried out); `error` on a `netns` line means the namespace was not found or not entered.
 */
export const testOutcomes = ['established', 'refused', 'timeout', 'unreachable', 'replied', 'no-reply', 'ok', 'failed', 'error'] as const;
export type TestOutcome = (typeof testOutcomes)[number];

/** How a rule line's packet was stopped (Go `RuleVerdicts`): `reject` also answers it. */
export const ruleVerdicts = ['drop', 'reject'] as const;
export type RuleVerdict = (typeof ruleVerdicts)[number];

/** Transport protocols an active test connects with. */
export const testProtos = ['tcp', 'udp'] as const;
export type TestProto = (typeof testProtos)[number];

// ---- Number and Go-container helpers ---------------------------------------------------------

const uint = (max: number) => z.number().int().min(0).max(max);
const u16 = uint(0xffff);
const u32 = uint(0xffffffff);
/**
 * int64/uint64 values (ns, counters). zod's `.int()` only accepts safe integers, and `ts` is
 * already past 2^53, so these only ask for a whole non-negative number.
 */
const u64 = z.number().nonnegative().refine(Number.isInteger, { message: 'Invalid input: expected an integer' });

/** A Go slice without `omitempty`: nil is written as `null`. */
const goSlice = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullable()
    .transform((v): z.output<T>[] => v ?? []);

/** A Go map without `omitempty`: nil is written as `null`. */
const goMap = <T extends z.ZodType>(value: T) =>
  z
    .record(z.string(), value)
    .nullable()
    .transform((v): Record<string, z.output<T>> => v ?? {});

/** The part every line shares; `type` is the line's key in `lineSchemas`. */
const header = <T extends string>(type: T) => ({
  v: z.literal(protocolVersion),
  type: z.literal(type),
  /** Nanoseconds since the Unix epoch, to double precision (see the module comment). */
  ts: u64,
  /** Node the agent runs on. */
  node: z.string(),
});

// ---- Shared objects --------------------------------------------------------------------------

/** Facts about the running kernel, detected (never inferred from uname). */
export const featuresSchema = z.object({
  /** /sys/kernel/btf/vmlinux: CO-RE possible. */
  btf: z.boolean(),
  /** BTF-typed tracepoints (5.5+). */
  tpBtf: z.boolean(),
  /** kfree_skb carries enum skb_drop_reason (5.17+, or backported). */
  dropReasons: z.boolean(),
  /** BPF ring buffer (5.8+). */
  ringbuf: z.boolean(),
  /** Per-program run time: the agent ran with `--stats` on a 5.8+ kernel. */
  bpfStats: z.boolean(),
  /** Drop locations can be named. */
  kallsyms: z.boolean(),
  /** Why the rules probe cannot name every rule, e.g. "rule attribution unavailable: legacy
   * iptables …" (iptables-legacy rules are not nftables and cannot be traced). */
  rules: z.string().optional(),
});
export type Features = z.infer<typeof featuresSchema>;

/** How one requested probe came up. */
export const probeStatusSchema = z.object({
  name: z.string(),
  state: z.enum(probeStates),
  /** e.g. `tp_btf/kfree_skb`. */
  attach: z.string().optional(),
  /** Why the probe is degraded or unavailable. */
  detail: z.string().optional(),
});
export type ProbeStatus = z.infer<typeof probeStatusSchema>;

/** The in-kernel filters in force; an empty list matches everything. */
export const filtersSchema = z.object({
  netns: goSlice(u32),
  cidr: goSlice(z.string()),
  port: goSlice(u16),
  proto: goSlice(z.string()),
  /** Report NOT_SPECIFIED drops (noisy). */
  notSpecified: z.boolean(),
});
export type Filters = z.infer<typeof filtersSchema>;

/** The 5-tuple every packet/socket event carries. */
const endpointsShape = {
  netns: u32,
  /** tcp, udp, sctp, icmp, icmpv6, or the protocol number as text. */
  proto: z.string(),
  /** Plain IPv4 or IPv6 text (IPv4 never v4-mapped). */
  src: z.string(),
  sport: u16,
  dst: z.string(),
  dport: u16,
  family: z.literal([4, 6]),
};
export const endpointsSchema = z.object(endpointsShape);
export type Endpoints = z.infer<typeof endpointsSchema>;

/** One A, AAAA or CNAME record of a DNS response. */
export const dnsAnswerSchema = z.object({
  name: z.string(),
  /** A | AAAA | CNAME. */
  type: z.string(),
  ttl: u32,
  /** Address or canonical name. */
  data: z.string(),
});
export type DnsAnswer = z.infer<typeof dnsAnswerSchema>;

/**
 * The process behind the socket of an event (probe `proc`): the one that connected it, the one
 * listening on the port it was accepted on, or the sender of a DNS query. Absent when the event
 * has no local socket (a forwarded packet, or one past the namespace that sent it) or its
 * process is not known (the socket predates the agent, or the probe is off): never guessed.
 */
export const procSchema = z.object({
  /** Thread group id as the node sees it (not the id inside the container). */
  pid: u32,
  /** The thread that did it. */
  tid: u32,
  /** The task's name, at most 15 characters. */
  comm: z.string(),
  /** cgroup v2 id. */
  cgroupId: u64,
  /** The cgroup's directory name after its parent's, e.g. `kubepods-…-pod<uid>.slice/cri-containerd-<id>.scope`. */
  cgroup: z.string().optional(),
  /** 64 hex digits, read from the cgroup's name when the container runtime's naming is recognised. */
  containerId: z.string().optional(),
  /** The pod's uid, from the parent cgroup's name. */
  podUid: z.string().optional(),
});
export type Proc = z.infer<typeof procSchema>;

/** Cumulative counts of one probe since start. */
export const probeStatsSchema = z.object({
  /** Emitted by the kernel programs. */
  events: u64,
  /** Lost in the kernel: ring buffer full. */
  lost: u64,
  /** Lost in the agent: stdout reader too slow. */
  lostUser: u64,
  /** Program invocations; this and the two below only when the agent runs with `--stats`
   * (hello's features.bpfStats): the kernel's run-time statistics cost every BPF program. */
  runCount: u64.optional(),
  /** Total program run time. */
  runNs: u64.optional(),
  /** runNs / runCount. */
  avgNs: u64.optional(),
});
export type ProbeStats = z.infer<typeof probeStatsSchema>;

// ---- Lines -----------------------------------------------------------------------------------

/** The first line: who is speaking and what the kernel lets it do. */
export const helloLineSchema = z.object({
  ...header('hello'),
  /** Agent version. */
  version: z.string(),
  kernel: z.string(),
  arch: z.string(),
  features: featuresSchema,
  probes: goSlice(probeStatusSchema),
  filters: filtersSchema,
  /** The agent stops by itself after this long. */
  ttlMs: u64,
  /** Drop reason name → code, from the running kernel. */
  reasons: z.record(z.string(), u64).optional(),
  /** The agent's own network namespace (the node's), to tell nodes apart on one shared kernel. */
  netns: u32.optional(),
  /** The kernel's boot id: agents with the same one run on one kernel. */
  bootId: z.string().optional(),
});
export type HelloLine = z.infer<typeof helloLineSchema>;

/** One packet the kernel freed as dropped. */
export const dropLineSchema = z.object({
  ...header('drop'),
  ...endpointsShape,
  ifindex: u32,
  /**
   * enum skb_drop_reason name without SKB_DROP_REASON_ (e.g. NETFILTER_DROP), from the running
   * kernel's BTF; `UNKNOWN` when the kernel has no reasons, `CODE_<n>` for an unnamed number.
   */
  reason: z.string(),
  reasonCode: u32,
  hasReason: z.boolean(),
  /** Drop-reason subsystem (high 16 bits of the code, 6.4+). */
  subsystem: z.string().optional(),
  /** Kernel symbol+offset of the freeing call site. */
  location: z.string(),
  /** The owner of the packet's socket, when it still has one (probe `proc`). */
  proc: procSchema.optional(),
});
export type DropLine = z.infer<typeof dropLineSchema>;

/** One DNS message seen on a device of the node. */
export const dnsLineSchema = z.object({
  ...header('dns'),
  ...endpointsShape,
  ifindex: u32,
  dir: z.enum(dnsDirs),
  qr: z.enum(dnsQrs),
  id: u16,
  qname: z.string(),
  qtype: z.string(),
  /** Responses only. */
  rcode: z.string().optional(),
  answers: z.array(dnsAnswerSchema).optional(),
  /** Response: time since its query in the same netns. */
  latencyNs: u64.optional(),
  /** The payload is longer than the probe copies. */
  truncated: z.boolean().optional(),
  /** Why the message could not be fully parsed. */
  malformed: z.string().optional(),
  /** The sender of a message leaving a local socket (probe `proc`). */
  proc: procSchema.optional(),
});
export type DnsLine = z.infer<typeof dnsLineSchema>;

/** One TCP connection outcome; `src` is the local end of the socket that saw it. */
export const tcpLineSchema = z.object({
  ...header('tcp'),
  ...endpointsShape,
  event: z.enum(tcpEvents),
  /** Set on resets only. */
  resetDir: z.enum(tcpResetDirs).optional(),
  /** When known. */
  role: z.enum(tcpRoles).optional(),
  /** TCP state when it happened (SYN_SENT, ESTABLISHED, …). */
  state: z.string(),
  /** ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, … */
  errno: z.string().optional(),
  /**
   * The process that connected (client) or listens on the port (server), when known (probe
   * `proc`).
   */
  proc: procSchema.optional(),
});
export type TcpLine = z.infer<typeof tcpLineSchema>;

/** One rule (or chain policy) a traced packet met, as nftables tracing reports it. */
export const ruleStepSchema = z.object({
  /** The table's family: ip, ip6, inet, arp, bridge, netdev. */
  tableFamily: z.string(),
  table: z.string(),
  chain: z.string(),
  /** The rule's handle (`nft -a`); 0 for a chain policy. */
  handle: u64,
  /** drop, reject, accept, jump, goto, return, queue, stolen. */
  verdict: z.string(),
  /** The chain of a jump or goto. */
  target: z.string().optional(),
  /** The chain's policy, not a rule, gave the verdict. */
  policy: z.boolean().optional(),
  /** The rule's comment; in a path only on jumps and gotos (kube-router's "run through nw
   * policy NAME", kube-proxy's "ns/svc:port" name the object behind the chain jumped to). */
  comment: z.string().optional(),
});
export type RuleStep = z.infer<typeof ruleStepSchema>;

/**
 * The netfilter rule that dropped or rejected a packet the filters match (the `rules` probe).
 * It pairs with the `drop` line of the same packet (reason NETFILTER_DROP): same netns,
 * protocol, addresses and ports, within `ruleDropWindowNs` (src/core/rules/evidence.ts).
 */
export const ruleLineSchema = z.object({
  ...header('rule'),
  /** netns: the namespace whose ruleset dropped it (the agent's: the node's). */
  ...endpointsShape,
  ...ruleStepSchema.shape,
  verdict: z.enum(ruleVerdicts),
  /** 1-based place in its chain (what `iptables -L --line-numbers` shows). */
  position: u32.optional(),
  /** The rule as `nft -a` prints it, or as iptables-save does for an iptables-nft table. */
  text: z.string().optional(),
  /** How `text` is written: by nft, by iptables-save, or by the agent from the rule's expressions (neither tool on the node). */
  syntax: z.enum(['nft', 'iptables', 'agent']).optional(),
  iif: z.string().optional(),
  oif: z.string().optional(),
  /** The kernel's trace id of the packet. */
  traceId: u32,
  /** The rules the packet met before, oldest first (jumps, accepts of earlier tables). */
  path: z.array(ruleStepSchema).optional(),
});
export type RuleLine = z.infer<typeof ruleLineSchema>;

/**
 * One HTTP/1.x exchange as one socket saw it (the opt-in `http` probe): a request and the
 * response matched to it in order on its connection. `src` is the client, `dst` the server,
 * whichever socket saw it (`role`). Only the first bytes of a message are read in the kernel.
 */
export const httpLineSchema = z.object({
  ...header('http'),
  ...endpointsShape,
  /** Whose socket: the client's (it sent the request) or the server's (it received it). */
  role: z.enum(tcpRoles),
  /** GET, POST, …; absent when the request was not seen (the connection predates the agent). */
  method: z.string().optional(),
  /** The request's path, at most 128 bytes, without its query string (never reported: it may carry secrets). */
  path: z.string().optional(),
  /** The path had a query string, left out. */
  queryStripped: z.boolean().optional(),
  /** The Host header, when within the bytes read. */
  host: z.string().optional(),
  /** HTTP/1.0 or HTTP/1.1; `TLS` for an encrypted connection. */
  version: z.string(),
  /** 0 for an encrypted connection. */
  status: u32,
  /** A TLS connection, seen by its ClientHello: counted, not decoded (no method, path, host, status or latency). */
  encrypted: z.boolean().optional(),
  /** Request to response on this socket: the client's wait, or the server's time to answer. */
  latencyNs: u64.optional(),
  /** The process behind the socket (probe `proc`). */
  proc: procSchema.optional(),
});
export type HttpLine = z.infer<typeof httpLineSchema>;

/** Written every second. */
export const statsLineSchema = z.object({
  ...header('stats'),
  uptimeMs: u64,
  /** Probe name → cumulative counts. */
  probes: goMap(probeStatsSchema),
  /** Lines written to stdout so far. */
  written: u64,
});
export type StatsLine = z.infer<typeof statsLineSchema>;

/** A problem and, where one exists, the next step. A fatal error is followed by bye. */
export const errorLineSchema = z.object({
  ...header('error'),
  code: z.enum(errorCodes),
  message: z.string(),
  /** The probe the problem is in, when it is in one. */
  probe: z.string().optional(),
  fatal: z.boolean(),
});
export type ErrorLine = z.infer<typeof errorLineSchema>;

/** The last line: why the agent stops, and the final counts. */
export const byeLineSchema = z.object({
  ...header('bye'),
  reason: z.enum(byeReasons),
  probes: goMap(probeStatsSchema),
});
export type ByeLine = z.infer<typeof byeLineSchema>;

/** Answer to a filters control message: the filters now in force. */
export const filtersLineSchema = z.object({
  ...header('filters'),
  filters: filtersSchema,
});
export type FiltersLine = z.infer<typeof filtersLineSchema>;

/**
 * One step of an active test (a `test` control line): traffic generated from inside the network
 * namespace holding `fromIp` while the probes watch. Which fields are set depends on `phase`.
 */
export const testLineSchema = z.object({
  ...header('test'),
  /** The request's id, echoed on each of its lines. */
  id: z.string(),
  phase: z.enum(testPhases),
  fromIp: z.string(),
  /** Inode of the namespace holding fromIp; 0 when none was found. */
  netns: u32,
  /** netns: a process in that namespace, whose root's /etc/resolv.conf was read. */
  pid: u32.optional(),
  /** netns: where the resolver configuration came from (absent: the resolver's defaults). */
  resolvConf: z.string().optional(),
  /** netns: the resolver's nameservers as IP:PORT, search list and ndots. */
  nameservers: z.array(z.string()).optional(),
  search: z.array(z.string()).optional(),
  ndots: u32.optional(),
  /** dns: the name as queried (fully qualified); done: the name asked for. */
  name: z.string().optional(),
  qtype: z.string().optional(),
  /** dns: the nameserver (IP:PORT) that answered, or the last one tried. */
  server: z.string().optional(),
  rcode: z.string().optional(),
  answers: z.array(dnsAnswerSchema).optional(),
  /** dns: time to the response; connect: time to the outcome. */
  latencyNs: u64.optional(),
  /** connect and done: the address dialled, IP:PORT. */
  target: z.string().optional(),
  proto: z.enum(testProtos).optional(),
  outcome: z.enum(testOutcomes).optional(),
  /** ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, … */
  errno: z.string().optional(),
  /** What went wrong and the next step, in one sentence. */
  error: z.string().optional(),
  /** done: the addresses the name resolved to. */
  addresses: z.array(z.string()).optional(),
});
export type TestLine = z.infer<typeof testLineSchema>;

/**
 * The `test` control line (Go `TestRequest`), written to the agent's stdin: from inside the
 * network namespace holding `fromIp`, resolve `resolve` the way that pod's resolver would, then
 * connect to `connect` (HOST:PORT, HOST a name or an IP). Needs CAP_SYS_ADMIN on the node.
 */
export interface TestRequest {
  type: 'test';
  /** 1–64 characters, echoed on every test line of this request. */
  id: string;
  fromIp: string;
  resolve?: string;
  connect?: string;
  /** Default tcp. */
  proto?: TestProto;
  /** Per DNS query and for the connection; default 3000, at most 30000. */
  timeoutMs?: number;
}

/** A table of line schemas whose every key is its schema's `type`. */
const lineTable = <const T extends { [K in keyof T]: z.ZodType<{ type: K }> }>(table: T): T => table;

/**
 * Schema of each line type (Go `Types`), keyed by `type`: the decoder picks one by the line's
 * `type`, for precise errors.
 */
export const lineSchemas = lineTable({
  hello: helloLineSchema,
  drop: dropLineSchema,
  dns: dnsLineSchema,
  tcp: tcpLineSchema,
  stats: statsLineSchema,
  error: errorLineSchema,
  bye: byeLineSchema,
  filters: filtersLineSchema,
  test: testLineSchema,
  rule: ruleLineSchema,
  http: httpLineSchema,
});

export type LineType = keyof typeof lineSchemas;
type LineSchema = (typeof lineSchemas)[LineType];

/** Line types (Go `Types`), in the order of `lineSchemas`. */
export const lineTypes = Object.keys(lineSchemas) as readonly LineType[];

/** Every line type in one schema (the table's values; never empty). */
export const probeLineSchema = z.discriminatedUnion('type', Object.values(lineSchemas) as [LineSchema, ...LineSchema[]]);
/** One decoded agent line, discriminated on `type`. */
export type ProbeLine = z.infer<LineSchema>;
