/**
 * The probe events of a workbench session, as the events table reads them: each event turned
 * into a row once (who, what, verdict, reason), Hubble-style filters compiled into small
 * predicates (one per criterion, all must hold, a list matches any of its values), pages by
 * offset, and the per-second counts by type the timeline draws.
 */
import type { diagnose } from '../../core/index.js';
import type { EventFilter, EventRow, EventsPage, Histogram } from '../../api/index.js';

type ProbeEvent = diagnose.ProbeEvent;
type Who = { kind: string; namespace?: string; name?: string } | undefined;

interface Stored {
  row: EventRow;
  /** Namespaces and pods of both ends, for the namespace/pod filters. */
  namespaces: string[];
  pods: string[];
  /** Lower-case text the free-text filter searches. */
  text: string;
  rcode?: string;
}

const typeIndex = { drop: 0, dns: 1, tcp: 2 } as const;

function endpoint(ip: string, port: number, who: Who): string {
  const at = port ? `:${port}` : '';
  if (!who?.name) return `${ip}${at}`;
  return `${who.namespace ? `${who.namespace}/` : ''}${who.name}${at}`;
}

/** One event as a table row; exported for tests. */
export function toRow(ev: ProbeEvent & { node?: string }, seq: number): Stored {
  const ids = (ev as { identities?: { src?: Who; dst?: Who } }).identities;
  const e = ev as unknown as { src: string; dst: string; sport: number; dport: number; proto: string; node: string; ts: number };
  let verdict: EventRow['verdict'];
  let reason: string;
  let detail: string | undefined;
  let rcode: string | undefined;
  if (ev.type === 'drop') {
    verdict = 'dropped';
    reason = ev.reason;
  } else if (ev.type === 'tcp') {
    verdict = ev.event === 'established' ? 'forwarded' : ev.event === 'retransmit' ? 'info' : 'error';
    reason = ev.errno ? `${ev.event} (${ev.errno})` : ev.event;
  } else {
    detail = `${ev.qname.replace(/\.$/, '')} ${ev.qtype}`;
    if (ev.qr === 'query') {
      verdict = 'info';
      reason = 'query';
    } else {
      rcode = ev.rcode ?? 'NOERROR';
      verdict = rcode === 'NOERROR' ? 'forwarded' : 'error';
      reason = rcode;
    }
  }
  const row: EventRow = {
    seq,
    ts: e.ts,
    node: e.node ?? '',
    type: ev.type,
    verdict,
    reason,
    proto: e.proto,
    src: endpoint(e.src, e.sport, ids?.src),
    dst: endpoint(e.dst, e.dport, ids?.dst),
    port: e.dport,
    ...(detail ? { detail } : {}),
  };
  const ends = [ids?.src, ids?.dst];
  const namespaces = ends.flatMap((w) => (w?.namespace ? [w.namespace] : []));
  const pods = ends.flatMap((w) => (w?.kind === 'pod' && w.name ? [w.name, `${w.namespace}/${w.name}`] : []));
  const text = [row.src, row.dst, e.src, e.dst, row.node, row.reason, row.detail ?? '', row.proto, row.type].join(' ').toLowerCase();
  return { row, namespaces, pods, text, ...(rcode ? { rcode } : {}) };
}

type Pred = (s: Stored) => boolean;

/** The filter as predicates; `withTime: false` leaves the time range out (for the histogram). */
export function compileFilter(f: EventFilter, withTime = true): Pred[] {
  const preds: Pred[] = [];
  const lc = (v: string) => v.trim().toLowerCase();
  if (f.namespace?.trim()) {
    const ns = f.namespace.trim();
    preds.push((s) => s.namespaces.includes(ns));
  }
  if (f.pod?.trim()) {
    const pod = f.pod.trim();
    preds.push((s) => s.pods.some((p) => p === pod || p.startsWith(`${pod}`)));
  }
  if (f.type?.length) {
    const types = new Set(f.type);
    preds.push((s) => types.has(s.row.type));
  }
  if (f.verdict?.length) {
    const verdicts = new Set(f.verdict);
    preds.push((s) => verdicts.has(s.row.verdict));
  }
  if (f.reason?.trim()) {
    const r = lc(f.reason);
    preds.push((s) => lc(s.row.reason) === r || lc(s.row.reason).startsWith(`${r} (`));
  }
  if (f.port !== undefined) {
    const port = f.port;
    preds.push((s) => s.row.port === port);
  }
  if (f.rcode?.trim()) {
    const rc = f.rcode.trim().toUpperCase();
    preds.push((s) => s.rcode === rc);
  }
  if (f.text?.trim()) {
    const t = lc(f.text);
    preds.push((s) => s.text.includes(t));
  }
  if (withTime && f.from !== undefined) {
    const from = f.from;
    preds.push((s) => s.row.ts >= from);
  }
  if (withTime && f.to !== undefined) {
    const to = f.to;
    preds.push((s) => s.row.ts <= to);
  }
  return preds;
}

/** Most buckets the timeline gets; wider buckets beyond that. */
const maxBuckets = 240;

export class EventStore {
  private rows: Stored[] = [];
  private reasons = new Set<string>();
  private namespaces = new Set<string>();
  private rcodes = new Set<string>();

  get size(): number {
    return this.rows.length;
  }

  add(ev: ProbeEvent & { node?: string }): void {
    const s = toRow(ev, this.rows.length);
    this.rows.push(s);
    this.reasons.add(s.row.reason);
    for (const ns of s.namespaces) this.namespaces.add(ns);
    if (s.rcode) this.rcodes.add(s.rcode);
  }

  clear(): void {
    this.rows = [];
    this.reasons.clear();
    this.namespaces.clear();
    this.rcodes.clear();
  }

  page(filter: EventFilter, offset: number, limit: number): EventsPage {
    const all = compileFilter(filter, true);
    const noTime = compileFilter(filter, false);
    const timed = all.length > noTime.length;
    const rows: EventRow[] = [];
    let matched = 0;
    const forHistogram: Stored[] = [];
    for (const s of this.rows) {
      if (!noTime.every((p) => p(s))) continue;
      forHistogram.push(s);
      if (timed && !all.every((p) => p(s))) continue;
      if (matched >= offset && rows.length < limit) rows.push(s.row);
      matched++;
    }
    return {
      total: this.rows.length,
      matched,
      offset,
      rows,
      histogram: histogram(forHistogram),
      facets: { reasons: [...this.reasons].sort(), namespaces: [...this.namespaces].sort(), rcodes: [...this.rcodes].sort() },
    };
  }
}

/** Events per bucket by type (drop, dns, tcp), 1 s buckets unless the span needs wider ones. */
export function histogram(rows: readonly Stored[]): Histogram {
  if (rows.length === 0) return { start: 0, bucketMs: 1000, buckets: [] };
  let min = Infinity;
  let max = -Infinity;
  for (const s of rows) {
    if (s.row.ts < min) min = s.row.ts;
    if (s.row.ts > max) max = s.row.ts;
  }
  const start = Math.floor(min / 1e9) * 1e9;
  const spanS = Math.floor((max - start) / 1e9) + 1;
  const bucketS = Math.max(1, Math.ceil(spanS / maxBuckets));
  const n = Math.ceil(spanS / bucketS);
  const buckets: Array<[number, number, number]> = Array.from({ length: n }, () => [0, 0, 0]);
  for (const s of rows) {
    const i = Math.min(n - 1, Math.floor((s.row.ts - start) / 1e9 / bucketS));
    buckets[i]![typeIndex[s.row.type]]++;
  }
  return { start, bucketMs: bucketS * 1000, buckets };
}
