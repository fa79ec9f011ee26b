/**
 * One probe event → the counts of the edge it belongs to. Each event is oriented from the
 * client to the server (a reply, a server socket's event and a DNS response count on the
 * same edge as the request), keyed so a duplicate counts nothing, and counted the way the
 * design asks: connections rather than packets where one connection yields several events.
 */
import type { ProbeEvent } from '../diagnose/types.js';
import { KeyHash } from '../hash.js';
import type { EdgeVerdict, FlowStats, HttpTally } from './types.js';

/** Events of the agent that carry a flow. */
export type FlowEvent = ProbeEvent;

export function emptyStats(): FlowStats {
  return {
    events: 0,
    forwarded: 0,
    established: 0,
    refused: 0,
    timeout: 0,
    unreachable: 0,
    reset: 0,
    retransmit: 0,
    dropped: 0,
    dropReasons: {},
    dns: { queries: 0, answered: 0, errors: {} },
    first: 0,
    last: 0,
    volume: 0,
  };
}

const copyTally = (t: HttpTally): HttpTally => ({ ...t, classes: { ...t.classes }, latency: { ...t.latency } });

export function copyStats(s: FlowStats): FlowStats {
  const out: FlowStats = { ...s, dropReasons: { ...s.dropReasons }, dns: { ...s.dns, errors: { ...s.dns.errors } } };
  if (s.http) out.http = { ...(s.http.client ? { client: copyTally(s.http.client) } : {}), ...(s.http.server ? { server: copyTally(s.http.server) } : {}) };
  return out;
}

/** Linux hands out ephemeral ports from 32768 up (ip_local_port_range). */
const ephemeral = (port: number) => port >= 32768;

/**
 * Whether the event's `src` is the server end. TCP events say so by their socket's role and
 * DNS by query/response; for drops (and TCP without a role) a packet from a well-known port to
 * an ephemeral one is taken as a reply.
 */
export function fromServer(ev: FlowEvent): boolean {
  if (ev.type === 'dns') return ev.qr === 'response';
  // An exchange's `src` is its client, whichever socket saw it.
  if (ev.type === 'http') return false;
  if (ev.type === 'tcp' && ev.role) return ev.role === 'server';
  return ev.sport !== 0 && !ephemeral(ev.sport) && ephemeral(ev.dport);
}

/** The client and server ends of an event. */
export interface Oriented {
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  /** `src` is the server. */
  flipped: boolean;
}

export function orient(ev: FlowEvent): Oriented {
  const flipped = fromServer(ev);
  return flipped
    ? { clientIp: ev.dst, clientPort: ev.dport, serverIp: ev.src, serverPort: ev.sport, flipped }
    : { clientIp: ev.src, clientPort: ev.sport, serverIp: ev.dst, serverPort: ev.dport, flipped };
}

/** Key of one event: type, time, node, netns and 5-tuple, and what the event says. */
export function eventKey(ev: FlowEvent): number {
  const h = new KeyHash().str(ev.type).num(ev.ts).str(ev.node).num(ev.netns).str(ev.proto).str(ev.src).num(ev.sport).str(ev.dst).num(ev.dport);
  switch (ev.type) {
    case 'drop':
      h.str(ev.reason).num(ev.reasonCode).str(ev.location).num(ev.ifindex);
      break;
    case 'dns':
      h.num(ev.id)
        .str(ev.qr)
        .str(ev.dir)
        .str(ev.qname)
        .str(ev.qtype)
        .str(ev.rcode ?? '')
        .num(ev.ifindex);
      break;
    case 'tcp':
      h.str(ev.event)
        .str(ev.state)
        .str(ev.role ?? '')
        .str(ev.resetDir ?? '')
        .str(ev.errno ?? '');
      break;
    case 'http':
      h.str(ev.role)
        .str(ev.method ?? '')
        .str(ev.path ?? '')
        .num(ev.status)
        .num(ev.latencyNs ?? 0);
      break;
  }
  return h.value();
}

const outcomes = ['established', 'refused', 'timeout', 'unreachable', 'reset'] as const;

/**
 * Counts a (new, de-duplicated) event on an edge's stats. `once` answers whether a key is new
 * (connections, TCP outcomes and DNS transactions are counted once each).
 */
export function countEvent(stats: FlowStats, edgeId: string, ev: FlowEvent, o: Oriented, once: (key: number) => boolean): void {
  stats.events += 1;
  if (stats.events === 1 || ev.ts < stats.first) stats.first = ev.ts;
  if (stats.events === 1 || ev.ts > stats.last) stats.last = ev.ts;
  const conn = () => new KeyHash().str('conn').str(edgeId).str(o.clientIp).num(o.clientPort).str(o.serverIp).num(o.serverPort);
  if (once(conn().value())) stats.volume += 1;
  switch (ev.type) {
    case 'drop':
      stats.dropped += 1;
      stats.dropReasons[ev.reason] = (stats.dropReasons[ev.reason] ?? 0) + 1;
      break;
    case 'tcp':
      if (ev.event === 'retransmit') stats.retransmit += 1;
      else if ((outcomes as readonly string[]).includes(ev.event) && once(conn().str(ev.event).value())) {
        stats[ev.event as (typeof outcomes)[number]] += 1;
        if (ev.event === 'established') stats.forwarded += 1;
      }
      break;
    case 'dns':
      countDns(stats, ev, once, conn().num(ev.id).str(ev.qname.toLowerCase()).str(ev.qtype));
      break;
    case 'http':
      countHttp(stats, ev);
      break;
  }
}

/** Latency histogram buckets grow by 5 %: a percentile read from it is within 2.5 % of the true one. */
const bucketBase = Math.log(1.05);

/** An exchange on its side's tally (the client's socket or the server's: each side sees every exchange once). */
function countHttp(stats: FlowStats, ev: Extract<FlowEvent, { type: 'http' }>): void {
  stats.http ??= {};
  const t = (stats.http[ev.role] ??= { requests: 0, classes: {}, timed: 0, latency: {}, first: ev.ts, last: ev.ts });
  if (ev.encrypted) {
    t.encrypted = (t.encrypted ?? 0) + 1;
    return;
  }
  t.requests += 1;
  const cls = `${Math.floor(ev.status / 100)}xx`;
  t.classes[cls] = (t.classes[cls] ?? 0) + 1;
  if (ev.latencyNs && ev.latencyNs > 0) {
    const b = String(Math.floor(Math.log(ev.latencyNs) / bucketBase));
    t.latency[b] = (t.latency[b] ?? 0) + 1;
    t.timed += 1;
  }
  if (ev.ts < t.first) t.first = ev.ts;
  if (ev.ts > t.last) t.last = ev.ts;
}

/** The latency below which `q` of a tally's timed exchanges fall (the middle of its bucket), ns. */
function tallyQuantile(t: HttpTally, q: number): number | undefined {
  if (t.timed === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * t.timed));
  let seen = 0;
  for (const b of Object.keys(t.latency)
    .map(Number)
    .sort((x, y) => x - y)) {
    seen += t.latency[String(b)]!;
    if (seen >= rank) return Math.exp((b + 0.5) * bucketBase);
  }
  return undefined;
}

/** An edge's HTTP as a person reads it: rate, share of error statuses, latency percentiles. */
export interface HttpView {
  /** Whose sockets saw them: the client's when the probes saw that side, else the server's. */
  seenBy: 'client' | 'server';
  requests: number;
  /** TLS connections: encrypted, not decoded. */
  encrypted: number;
  /** Requests per second over the time they were seen (at least one second). */
  rate: number;
  /** 4xx + 5xx, and their share of the requests in per cent. */
  errors: number;
  errorPercent: number;
  classes: Record<string, number>;
  p50Ns?: number;
  p99Ns?: number;
}

export function httpView(s: FlowStats): HttpView | undefined {
  const seenBy = s.http?.client ? 'client' : s.http?.server ? 'server' : undefined;
  if (!seenBy) return undefined;
  const t = s.http![seenBy]!;
  const errors = (t.classes['4xx'] ?? 0) + (t.classes['5xx'] ?? 0);
  const p50 = tallyQuantile(t, 0.5);
  const p99 = tallyQuantile(t, 0.99);
  return {
    seenBy,
    requests: t.requests,
    encrypted: t.encrypted ?? 0,
    rate: t.requests / Math.max(1, (t.last - t.first) / 1e9),
    errors,
    errorPercent: t.requests ? (errors / t.requests) * 100 : 0,
    classes: { ...t.classes },
    ...(p50 !== undefined ? { p50Ns: p50 } : {}),
    ...(p99 !== undefined ? { p99Ns: p99 } : {}),
  };
}

const latencyText = (ns: number) => (ns >= 1e9 ? `${(ns / 1e9).toFixed(2)} s` : ns >= 1e7 ? `${Math.round(ns / 1e6)} ms` : `${(ns / 1e6).toFixed(1)} ms`);
const rateText = (r: number) => (r >= 10 ? `${Math.round(r)}/s` : `${r.toFixed(1)}/s`);

/** The short form an edge's label carries: `HTTP 4.2/s · 25 % err · p99 41 ms`. */
export function httpLabel(v: HttpView): string {
  if (v.requests === 0) return 'TLS (encrypted)';
  return [
    `HTTP ${rateText(v.rate)}`,
    `${v.errorPercent < 1 && v.errors > 0 ? '<1' : Math.round(v.errorPercent)} % err`,
    ...(v.p99Ns !== undefined ? [`p99 ${latencyText(v.p99Ns)}`] : []),
  ].join(' · ');
}

/** The long form a popover shows: counts by status class, both percentiles and whose sockets saw them. */
export function httpText(v: HttpView): string {
  const tls = v.encrypted ? `${v.encrypted} TLS connection${v.encrypted === 1 ? '' : 's'} (encrypted, not decoded)` : '';
  if (v.requests === 0) return `${tls} · seen by the ${v.seenBy}'s sockets`;
  const classes = Object.entries(v.classes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([c, n]) => `${n}× ${c}`)
    .join(', ');
  const timing = v.p50Ns !== undefined && v.p99Ns !== undefined ? ` · p50 ${latencyText(v.p50Ns)}, p99 ${latencyText(v.p99Ns)}` : '';
  return `${v.requests} HTTP request${v.requests === 1 ? '' : 's'} (${rateText(v.rate)}): ${classes} · ${v.errors} error${v.errors === 1 ? '' : 's'} (${Math.round(v.errorPercent)} %)${timing}${tls ? ` · ${tls}` : ''} · seen by the ${v.seenBy}'s sockets`;
}

/** DNS counts per transaction: a message seen in the client's and the server's netns counts once. */
function countDns(stats: FlowStats, ev: Extract<FlowEvent, { type: 'dns' }>, once: (key: number) => boolean, txn: KeyHash): void {
  if (ev.qr === 'query') {
    if (once(txn.str('query').value())) stats.dns.queries += 1;
    return;
  }
  const rcode = ev.rcode ?? 'NOERROR';
  if (!once(txn.str('response').str(rcode).value())) return;
  if (rcode === 'NOERROR') {
    stats.dns.answered += 1;
    stats.forwarded += 1;
  } else stats.dns.errors[rcode] = (stats.dns.errors[rcode] ?? 0) + 1;
}

/** Counts a DNS event on a client → name edge; its "connection" is the transaction. */
export function countLookup(stats: FlowStats, edgeId: string, ev: Extract<FlowEvent, { type: 'dns' }>, o: Oriented, once: (key: number) => boolean): void {
  stats.events += 1;
  if (stats.events === 1 || ev.ts < stats.first) stats.first = ev.ts;
  if (stats.events === 1 || ev.ts > stats.last) stats.last = ev.ts;
  const txn = () => new KeyHash().str('lookup').str(edgeId).str(o.clientIp).num(o.clientPort).num(ev.id).str(ev.qtype);
  if (once(txn().value())) stats.volume += 1;
  countDns(stats, ev, once, txn());
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/** The colour of an edge from its counts (see EdgeVerdict). */
export function statsVerdict(s: FlowStats): EdgeVerdict {
  // An HTTP answer (of any status) is a connection that got through.
  const ok = s.forwarded > 0 || (s.http?.client?.requests ?? 0) + (s.http?.server?.requests ?? 0) > 0;
  const failed = s.dropped + s.refused + s.timeout + s.unreachable > 0;
  const dnsFailed = sum(s.dns.errors) > 0;
  const kinds = Number(ok) + Number(failed) + Number(dnsFailed);
  if (kinds === 0) return 'unknown';
  if (kinds > 1) return 'mixed';
  return ok ? 'forwarded' : failed ? 'dropped' : 'dns-error';
}
