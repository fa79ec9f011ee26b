/**
 * One probe event → the counts of the edge it belongs to. Each event is oriented from the
 * client to the server (a reply, a server socket's event and a DNS response count on the
 * same edge as the request), keyed so a duplicate counts nothing, and counted the way the
 * design asks: connections rather than packets where one connection yields several events.
 */
import type { ProbeEvent } from '../diagnose/types.js';
import { KeyHash } from '../hash.js';
import type { EdgeVerdict, FlowStats } from './types.js';

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

export function copyStats(s: FlowStats): FlowStats {
  return { ...s, dropReasons: { ...s.dropReasons }, dns: { ...s.dns, errors: { ...s.dns.errors } } };
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
  }
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
  const ok = s.forwarded > 0;
  const failed = s.dropped + s.refused + s.timeout + s.unreachable > 0;
  const dnsFailed = sum(s.dns.errors) > 0;
  const kinds = Number(ok) + Number(failed) + Number(dnsFailed);
  if (kinds === 0) return 'unknown';
  if (kinds > 1) return 'mixed';
  return ok ? 'forwarded' : failed ? 'dropped' : 'dns-error';
}
