/**
 * Live evidence, aggregated so the answer counts connections, not packets: every drop, TCP
 * outcome and DNS message the agents report is folded into per-connection (5-tuple) and
 * per-name aggregates. Folding is commutative and duplicates are recognised, so events that
 * arrive shuffled, twice (two agents, a reconnect) or late give the same aggregates; examples
 * are chosen by smallest (ts, key), never by arrival order.
 *
 * A → B is asked afterwards (`between`): A's side by pod identity (attached to the event at
 * its time) or, without one, by A's addresses; B's side by the address:port pairs B is
 * reached at — a Service's ClusterIP:port before DNAT and each backend's podIP:targetPort
 * after it. A's (address, source port) names one connection across the NAT.
 */
import type { EventIdentities, Identity } from '../cluster/identity.js';
import type { HttpLine, RuleLine, TestLine } from '../probe/schemas.js';
import type { EvidenceLine, ProbeEvent } from './types.js';
import { KeyHash, SeenSet } from '../hash.js';

export type Outcome = 'established' | 'refused' | 'timeout' | 'unreachable' | 'reset';

interface End {
  ip: string;
  port: number;
  who?: Identity | undefined;
}

interface Agg {
  count: number;
  first: number;
  last: number;
  example: ProbeEvent;
  exampleKey: string;
}

export interface ConnAgg {
  proto: string;
  /** The ends in the order of the first-by-time event. */
  ends: [End, End];
  nodes: Set<string>;
  /** The nodes whose agents saw its packets dropped: where it died. */
  dropNodes: Set<string>;
  tcp: Map<string, Agg>;
  drops: Map<string, Agg>;
}

export interface DnsAgg {
  qname: string;
  client: End;
  queries: Set<number>;
  answered: Set<number>;
  rcodes: Map<string, Agg>;
  query: Agg | undefined;
  maxLatencyNs: number;
  answers: Set<string>;
  nodes: Set<string>;
}

/** The key as a 53-bit number (KeyHash, ../hash.ts): a set of numbers is far smaller than one of strings. */
const hash = (s: string): number => KeyHash.of(s);

function fold(map: Map<string, Agg>, k: string, ev: ProbeEvent, evKey: string) {
  const a = map.get(k);
  if (!a) {
    map.set(k, { count: 1, first: ev.ts, last: ev.ts, example: ev, exampleKey: evKey });
    return;
  }
  a.count++;
  if (ev.ts < a.first) a.first = ev.ts;
  if (ev.ts > a.last) a.last = ev.ts;
  if (ev.ts < a.example.ts || (ev.ts === a.example.ts && evKey < a.exampleKey)) [a.example, a.exampleKey] = [ev, evKey];
}

const endKey = (ip: string, port: number) => `${ip}|${port}`;

/** HTTP exchanges kept for one answer: enough for rates and percentiles, bounded. */
const maxHttp = 100_000;

export class Correlator {
  readonly conns = new Map<string, ConnAgg>();
  readonly dns = new Map<string, DnsAgg>();
  private seen = new SeenSet();
  /** Cumulative losses per node and probe (the agents' stats are cumulative: keep the largest). */
  private lostBy = new Map<string, number>();
  private first = Infinity;
  private last = -Infinity;
  /** Results of active tests (traffic Pathlight generated), by id/phase/name. */
  readonly tests = new Map<string, TestLine>();
  /** The netfilter rules that dropped packets (the rules probe's lines), de-duplicated, in arrival order. */
  readonly rules: RuleLine[] = [];
  /** Nodes whose agent was asked for the rules probe but could not run it fully, with why. */
  readonly rulesUnavailable = new Map<string, string>();
  private ruleKeys = new Set<string>();
  /** HTTP exchanges (the http probe's lines), de-duplicated, in arrival order; the first `maxHttp` only. */
  readonly http: Array<HttpLine & { identities?: EventIdentities }> = [];
  private httpKeys = new Set<string>();
  events = 0;
  duplicates = 0;

  /** Folds one agent line in; false for a duplicate or a line that is not evidence. */
  add(line: EvidenceLine): boolean {
    if (line.type === 'stats' || line.type === 'bye') {
      for (const [probe, s] of Object.entries(line.probes ?? {})) {
        const k = `${line.node}/${probe}`;
        this.lostBy.set(k, Math.max(this.lostBy.get(k) ?? 0, (s.lost ?? 0) + (s.lostUser ?? 0)));
      }
      return false;
    }
    if (line.type === 'test') {
      const t = line;
      const k = `${t.node}|${t.id}|${t.phase}|${t.name ?? ''}|${t.qtype ?? ''}`;
      if (this.tests.has(k)) return false;
      this.tests.set(k, t);
      return true;
    }
    if (line.type === 'hello') {
      // The rules probe's state per node: an answer without rule evidence says why. (A recorded
      // hello is not re-validated: its probes may be missing.)
      const p = (line.probes ?? []).find((x) => x.name === 'rules');
      if (p && p.state !== 'attached') this.rulesUnavailable.set(line.node, p.detail ?? p.state);
      else if (p) this.rulesUnavailable.delete(line.node);
      return false;
    }
    if (line.type === 'rule') {
      const k = `${line.node}|${line.ts}|${line.traceId}|${line.tableFamily}|${line.table}|${line.chain}|${line.handle}`;
      if (this.ruleKeys.has(k)) return false;
      this.ruleKeys.add(k);
      this.rules.push(line);
      return true;
    }
    if (line.type === 'http') {
      const k = `${line.node}|${line.ts}|${line.netns}|${line.src}|${line.sport}|${line.dst}|${line.dport}|${line.role}|${line.status}`;
      if (this.httpKeys.has(k) || this.http.length >= maxHttp) return false;
      this.httpKeys.add(k);
      this.http.push(line);
      return true;
    }
    if (line.type !== 'drop' && line.type !== 'tcp' && line.type !== 'dns') return false;
    const ev: ProbeEvent = line;
    const detail =
      ev.type === 'drop'
        ? `${ev.reason}@${ev.location}`
        : ev.type === 'tcp'
          ? `${ev.event}/${ev.resetDir ?? ''}/${ev.role ?? ''}`
          : `${ev.qr}/${ev.id}/${ev.qname}/${ev.rcode ?? ''}/${ev.dir}`;
    const key = `${ev.type}|${ev.node}|${ev.ts}|${ev.netns}|${ev.proto}|${ev.src}|${ev.sport}|${ev.dst}|${ev.dport}|${detail}`;
    const h = hash(key);
    if (!this.seen.once(h)) {
      this.duplicates++;
      return false;
    }
    this.events++;
    if (ev.ts < this.first) this.first = ev.ts;
    if (ev.ts > this.last) this.last = ev.ts;
    if (ev.type === 'dns') this.addDns(ev, key);
    else this.addConn(ev, key);
    return true;
  }

  private addConn(ev: Extract<ProbeEvent, { type: 'drop' | 'tcp' }>, key: string) {
    const a = endKey(ev.src, ev.sport);
    const b = endKey(ev.dst, ev.dport);
    const ck = a < b ? `${ev.proto}|${a}|${b}` : `${ev.proto}|${b}|${a}`;
    let c = this.conns.get(ck);
    const ends: [End, End] = [
      { ip: ev.src, port: ev.sport, who: ev.identities?.src },
      { ip: ev.dst, port: ev.dport, who: ev.identities?.dst },
    ];
    if (!c) {
      c = { proto: ev.proto, ends, nodes: new Set(), dropNodes: new Set(), tcp: new Map(), drops: new Map() };
      this.conns.set(ck, c);
    } else {
      // Fill in identities an earlier event lacked; keep the earliest event's orientation.
      for (const e of ends) {
        const mine = c.ends.find((x) => x.ip === e.ip && x.port === e.port);
        if (mine && !mine.who && e.who) mine.who = e.who;
      }
      const firstTs = Math.min(...[...c.tcp.values(), ...c.drops.values()].map((x) => x.example.ts));
      if (ev.ts < firstTs)
        c.ends = [c.ends.find((x) => x.ip === ev.src && x.port === ev.sport) ?? ends[0], c.ends.find((x) => x.ip === ev.dst && x.port === ev.dport) ?? ends[1]];
    }
    c.nodes.add(ev.node);
    if (ev.type === 'tcp') fold(c.tcp, ev.event === 'reset' ? `reset-${ev.resetDir ?? ''}-${ev.state}` : ev.event, ev, key);
    else {
      fold(c.drops, ev.reason, ev, key);
      c.dropNodes.add(ev.node);
    }
  }

  private addDns(ev: Extract<ProbeEvent, { type: 'dns' }>, key: string) {
    // The client is the query's source and the response's destination.
    const client: End = ev.qr === 'query' ? { ip: ev.src, port: ev.sport, who: ev.identities?.src } : { ip: ev.dst, port: ev.dport, who: ev.identities?.dst };
    const qname = ev.qname.toLowerCase();
    const dk = `${client.ip}|${qname}`;
    let d = this.dns.get(dk);
    if (!d) {
      d = {
        qname,
        client,
        queries: new Set(),
        answered: new Set(),
        rcodes: new Map(),
        query: undefined,
        maxLatencyNs: 0,
        answers: new Set(),
        nodes: new Set(),
      };
      this.dns.set(dk, d);
    }
    if (!d.client.who && client.who) d.client.who = client.who;
    d.nodes.add(ev.node);
    if (ev.qr === 'query') {
      d.queries.add(ev.id);
      const q = new Map<string, Agg>(d.query ? [['q', d.query]] : []);
      fold(q, 'q', ev, key);
      d.query = q.get('q');
    } else {
      d.answered.add(ev.id);
      fold(d.rcodes, ev.rcode ?? 'NOERROR', ev, key);
      if (ev.latencyNs !== undefined && ev.latencyNs > d.maxLatencyNs) d.maxLatencyNs = ev.latencyNs;
      for (const a of ev.answers ?? []) if (a.type === 'A' || a.type === 'AAAA') d.answers.add(a.data);
    }
  }

  get lost(): number {
    let n = 0;
    for (const v of this.lostBy.values()) n += v;
    return n;
  }

  get window(): { from: number; to: number } | null {
    return this.events > 0 ? { from: this.first, to: this.last } : null;
  }
}

// ---- A → B ------------------------------------------------------------------------------------

export interface SideA {
  /** `ns/name` of A's pods. */
  pods: Set<string>;
  ips: Set<string>;
}

export interface Connection {
  /** A's address and source port: one connection, whatever NAT did to the other end. */
  a: { ip: string; port: number };
  proto: string;
  outcome: Outcome | 'dropped' | 'unknown';
  /** Drop reasons seen on the connection (each counted once per connection). */
  reasons: string[];
  first: number;
  last: number;
  nodes: string[];
  /** The nodes where its packets were dropped. */
  dropNodes: string[];
  /** Its drop events (of `events`). */
  dropEvents: number;
  /** Where the other end was: `ip:port` before and after DNAT. */
  peers: string[];
  examples: ProbeEvent[];
  events: number;
}

export interface DnsSeen {
  qname: string;
  queries: number;
  unanswered: number;
  rcodes: Record<string, number>;
  answers: string[];
  maxLatencyNs: number;
  first: number;
  last: number;
  nodes: string[];
  examples: ProbeEvent[];
}

// A pod is matched by name (its address may be reused); anything else by address.
const isA = (side: SideA, e: End) => (e.who?.kind === 'pod' ? side.pods.has(`${e.who.namespace ?? ''}/${e.who.name}`) : side.ips.has(e.ip));

/** Outcome precedence: what happened to the connection in the end. */
const precedence: Array<Outcome> = ['established', 'refused', 'unreachable', 'reset', 'timeout'];

function outcomeOf(tcpKeys: Set<string>): Outcome | undefined {
  const has = (o: string) => [...tcpKeys].some((k) => k === o || k.startsWith(`${o}-`));
  // A reset received while connecting is how a refusal shows on the server side's peer.
  if ([...tcpKeys].some((k) => k.startsWith('reset-') && k.endsWith('SYN_SENT')) && !has('established')) return 'refused';
  return precedence.find(has);
}

/** The connections between A and B's address:port pairs (`ip|port`), one per A address:port. */
export function connectionsBetween(c: Correlator, a: SideA, b: ReadonlySet<string>, proto: string): Connection[] {
  const byA = new Map<string, { a: End; aggs: ConnAgg[] }>();
  for (const conn of c.conns.values()) {
    if (conn.proto !== proto) continue;
    const [x, y] = conn.ends;
    const aEnd = isA(a, x) && b.has(endKey(y.ip, y.port)) ? x : isA(a, y) && b.has(endKey(x.ip, x.port)) ? y : undefined;
    if (!aEnd) continue;
    const k = endKey(aEnd.ip, aEnd.port);
    const entry = byA.get(k) ?? { a: aEnd, aggs: [] };
    entry.aggs.push(conn);
    byA.set(k, entry);
  }
  const out: Connection[] = [];
  for (const { a: aEnd, aggs } of byA.values()) {
    const tcp = new Set<string>();
    const reasons = new Set<string>();
    const all: Agg[] = [];
    const nodes = new Set<string>();
    const dropNodes = new Set<string>();
    let dropEvents = 0;
    const peers = new Set<string>();
    for (const g of aggs) {
      for (const [k, v] of g.tcp) {
        tcp.add(k);
        all.push(v);
      }
      for (const [k, v] of g.drops) {
        reasons.add(k);
        all.push(v);
        dropEvents += v.count;
      }
      for (const n of g.nodes) nodes.add(n);
      for (const n of g.dropNodes) dropNodes.add(n);
      const other = g.ends[0].ip === aEnd.ip && g.ends[0].port === aEnd.port ? g.ends[1] : g.ends[0];
      peers.add(other.ip.includes(':') ? `[${other.ip}]:${other.port}` : `${other.ip}:${other.port}`);
    }
    all.sort((p, q) => p.example.ts - q.example.ts || (p.exampleKey < q.exampleKey ? -1 : 1));
    const outcome = outcomeOf(tcp) ?? (reasons.size > 0 ? 'dropped' : 'unknown');
    out.push({
      a: { ip: aEnd.ip, port: aEnd.port },
      proto,
      outcome,
      reasons: [...reasons].sort(),
      first: Math.min(...all.map((x) => x.first)),
      last: Math.max(...all.map((x) => x.last)),
      nodes: [...nodes].sort(),
      dropNodes: [...dropNodes].sort(),
      dropEvents,
      peers: [...peers].sort(),
      examples: all.map((x) => x.example),
      events: all.reduce((n, x) => n + x.count, 0),
    });
  }
  return out.sort((p, q) => p.first - q.first || (p.a.ip + p.a.port < q.a.ip + q.a.port ? -1 : 1));
}

/** A's DNS lookups of the given names (fully qualified, with the trailing dot). */
export function dnsLookups(c: Correlator, a: SideA, names: readonly string[]): DnsSeen[] {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const out: DnsSeen[] = [];
  for (const d of c.dns.values()) {
    if (!wanted.has(d.qname) || !isA(a, d.client)) continue;
    const aggs = [...(d.query ? [d.query] : []), ...d.rcodes.values()].sort((p, q) => p.example.ts - q.example.ts || (p.exampleKey < q.exampleKey ? -1 : 1));
    let unanswered = 0;
    for (const id of d.queries) if (!d.answered.has(id)) unanswered++;
    out.push({
      qname: d.qname,
      queries: d.queries.size,
      unanswered,
      rcodes: Object.fromEntries([...d.rcodes].map(([k, v]) => [k, v.count]).sort()),
      answers: [...d.answers].sort(),
      maxLatencyNs: d.maxLatencyNs,
      first: Math.min(...aggs.map((x) => x.first)),
      last: Math.max(...aggs.map((x) => x.last)),
      nodes: [...d.nodes].sort(),
      examples: aggs.map((x) => x.example),
    });
  }
  // Merge the same name seen from several A addresses.
  const merged = new Map<string, DnsSeen>();
  for (const s of out) {
    const m = merged.get(s.qname);
    if (!m) {
      merged.set(s.qname, s);
      continue;
    }
    m.queries += s.queries;
    m.unanswered += s.unanswered;
    for (const [k, v] of Object.entries(s.rcodes)) m.rcodes[k] = (m.rcodes[k] ?? 0) + v;
    m.answers = [...new Set([...m.answers, ...s.answers])].sort();
    m.maxLatencyNs = Math.max(m.maxLatencyNs, s.maxLatencyNs);
    m.first = Math.min(m.first, s.first);
    m.last = Math.max(m.last, s.last);
    m.nodes = [...new Set([...m.nodes, ...s.nodes])].sort();
    m.examples = [...m.examples, ...s.examples].sort((p, q) => p.ts - q.ts).slice(0, 4);
  }
  return [...merged.values()].sort((p, q) => names.indexOf(p.qname) - names.indexOf(q.qname));
}

/** Packets from A to any of `dsts` (`ip|port`, or `*|port` for any address) that were dropped. */
export function dropsFrom(c: Correlator, a: SideA, match: (ip: string, port: number) => boolean, proto?: string): Connection[] {
  const b = new Set<string>();
  for (const conn of c.conns.values()) {
    if (proto && conn.proto !== proto) continue;
    if (conn.drops.size === 0) continue;
    for (const [x, y] of [conn.ends, [conn.ends[1], conn.ends[0]]] as Array<[End, End]>) if (isA(a, x) && match(y.ip, y.port)) b.add(endKey(y.ip, y.port));
  }
  const protos = proto ? [proto] : [...new Set([...c.conns.values()].map((x) => x.proto))];
  return protos.flatMap((p) => connectionsBetween(c, a, b, p)).filter((x) => x.reasons.length > 0);
}
