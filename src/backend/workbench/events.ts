/**
 * The probe events of a workbench session, as the events table reads them, kept in columns: a
 * typed array per field (time, type, verdict, ports) and interned strings (names, addresses,
 * reasons) — a million events cost ~60 MB and no objects for the garbage collector to walk.
 * Hubble-style filters compile into predicates over the columns (one per criterion, all must
 * hold, a list matches any of its values; a string criterion is decided once per distinct
 * string), pages are cut by offset, and the timeline gets per-second counts by type.
 *
 * A live session appends events as they arrive (`add`). A replay knows every event's time and
 * type when the recording opens (`EventStore.known`) and fills the other columns as its lines
 * are read (`fill`, in order): until then a filter on time and type is exact, a row is read
 * from the recording (`rowAt`), and a filter on anything else counts what was read so far and
 * says how many events it could not judge yet (`pending`).
 */
import { describeProcess, type diagnose } from '../../core/index.js';
import type { EventFilter, EventRow, EventsPage, Histogram } from '../../api/index.js';
import { httpRequestText } from '../../core/diagnose/text.js';

type ProbeEvent = diagnose.ProbeEvent;
type Who = { kind: string; namespace?: string; name?: string } | undefined;

/** Column codes of the event types and verdicts (the API's names by index). */
export const typeNames = ['drop', 'dns', 'tcp', 'http'] as const satisfies readonly EventRow['type'][];
const verdictNames = ['forwarded', 'dropped', 'error', 'info'] as const satisfies readonly EventRow['verdict'][];
type TypeCode = 0 | 1 | 2 | 3;
const typeCode = (t: EventRow['type']): TypeCode => typeNames.indexOf(t) as TypeCode;

/** Strings by number, the empty string being 0; each one's lower case kept for the text filter. */
class Strings {
  private readonly ids = new Map<string, number>([['', 0]]);
  readonly values: string[] = [''];
  readonly lower: string[] = [''];

  id(s: string | undefined): number {
    if (!s) return 0;
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.values.length;
      this.ids.set(s, id);
      this.values.push(s);
      this.lower.push(s.toLowerCase());
    }
    return id;
  }

  /** The ids of the strings for which `test` holds, as a lookup table by id. */
  where(test: (s: string) => boolean): Uint8Array {
    const out = new Uint8Array(this.values.length);
    for (let i = 1; i < this.values.length; i++) out[i] = test(this.values[i]!) ? 1 : 0;
    return out;
  }

  /** The id of `s`, or -1 when no event has it. */
  find(s: string): number {
    return this.ids.get(s) ?? -1;
  }

  clear() {
    this.ids.clear();
    this.ids.set('', 0);
    this.values.length = 1;
    this.lower.length = 1;
  }
}

/** An event as the table describes it: the row's words (before interning). */
interface Described {
  type: TypeCode;
  verdict: number;
  reason: string;
  rcode?: string;
  detail?: string;
  process?: string;
  node: string;
  proto: string;
  /** The ends: their label (`ns/name` of a known workload or pod, else the address), address, port, namespace, and `ns/name` when a pod. */
  ends: Array<{ label: string; ip: string; port: number; ns?: string; pod?: string }>;
}

function describe(ev: ProbeEvent & { node?: string }): Described {
  const ids = ev.identities;
  const e = ev;
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
  } else if (ev.type === 'http' && ev.encrypted) {
    verdict = 'info';
    reason = 'TLS';
    detail = `encrypted, not decoded · ${ev.role}'s socket`;
  } else if (ev.type === 'http') {
    // The network delivered it either way: an error status is the application's answer.
    verdict = ev.status >= 400 ? 'error' : 'forwarded';
    reason = String(ev.status);
    detail = httpDetail(ev);
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
  const process = describeProcess(ev.proc, ids?.proc);
  const end = (ip: string, port: number, who: Who) => ({
    label: who?.name ? `${who.namespace ? `${who.namespace}/` : ''}${who.name}` : ip,
    ip,
    port: port || 0,
    ...(who?.namespace ? { ns: who.namespace } : {}),
    ...(who?.kind === 'pod' && who.name ? { pod: `${who.namespace}/${who.name}` } : {}),
  });
  return {
    type: typeCode(ev.type),
    verdict: verdictNames.indexOf(verdict),
    reason,
    ...(rcode ? { rcode } : {}),
    ...(detail ? { detail } : {}),
    ...(process ? { process } : {}),
    node: e.node ?? '',
    proto: e.proto,
    ends: [end(e.src, e.sport, ids?.src), end(e.dst, e.dport, ids?.dst)],
  };
}

/** An exchange's request as the table shows it: `GET /cart?… (Host shop) · 12.3 ms · client`. */
function httpDetail(ev: Extract<ProbeEvent, { type: 'http' }>): string {
  const request = httpRequestText(ev, { unseen: 'request not seen' });
  const latency = ev.latencyNs ? ` · ${(ev.latencyNs / 1e6).toFixed(1)} ms` : '';
  return `${request}${latency} · ${ev.role}'s socket`;
}

const endpoint = (label: string, port: number) => (port ? `${label}:${port}` : label);

/** A table row from what describes it (an event just read, or a filled row's columns). */
function rowOf(
  seq: number,
  ts: number,
  r: {
    node: string;
    type: number;
    verdict: number;
    reason: string;
    proto: string;
    src: string;
    sport: number;
    dst: string;
    dport: number;
    detail: string | undefined;
    process: string | undefined;
  },
): EventRow {
  return {
    seq,
    ts,
    node: r.node,
    type: typeNames[r.type]!,
    verdict: verdictNames[r.verdict]!,
    reason: r.reason,
    proto: r.proto,
    src: endpoint(r.src, r.sport),
    dst: endpoint(r.dst, r.dport),
    port: r.dport,
    ...(r.detail ? { detail: r.detail } : {}),
    ...(r.process ? { process: r.process } : {}),
  };
}

/** One event as a table row (read from the event itself: a replay's row not filled yet). */
export function toRow(ev: ProbeEvent & { node?: string }, seq: number): EventRow {
  const d = describe(ev);
  const [s, t] = d.ends as [Described['ends'][number], Described['ends'][number]];
  return rowOf(seq, ev.ts, { ...d, src: s.label, sport: s.port, dst: t.label, dport: t.port, detail: d.detail, process: d.process });
}

/** Most buckets the timeline gets; wider buckets beyond that. */
const maxBuckets = 240;

const u32 = (n: number) => new Uint32Array(n);
const u16 = (n: number) => new Uint16Array(n);

/** The string columns (ids into `Strings`). */
const stringColumns = [
  'reason',
  'rcode',
  'detail',
  'process',
  'node',
  'proto',
  'srcLabel',
  'dstLabel',
  'srcIp',
  'dstIp',
  'srcNs',
  'dstNs',
  'srcPod',
  'dstPod',
] as const;
type StringColumn = (typeof stringColumns)[number];

export class EventStore {
  /** Events known (time and type), and those whose every column is filled (a prefix). */
  private known = 0;
  private filled = 0;
  private capacity: number;
  private ts: Float64Array;
  private type: Uint8Array;
  private verdict: Uint8Array;
  private sport: Uint16Array;
  private dport: Uint16Array;
  private str: Record<StringColumn, Uint32Array>;
  private readonly strings = new Strings();
  private readonly reasons = new Set<number>();
  private readonly namespaces = new Set<number>();
  private readonly rcodes = new Set<number>();
  private lastScan: { key: string; matches: Uint32Array | null; matched: number; judged: number; histogram: Histogram } | undefined;

  /** A replay's reader of a row not filled yet (a live store fills every row as it adds it). */
  private readonly readRow: ((k: number) => EventRow) | undefined;

  /**
   * A live session's store (empty), or a replay's: `known` gives every event's time and type
   * (code 1 drop, 2 dns, 3 tcp, 4 http — the recording's ProbeTypeCode) and the reader of a row not
   * filled yet; the rest is filled in order.
   */
  constructor(known?: { ts: Float64Array; type: Uint8Array; readRow: (k: number) => EventRow }) {
    this.readRow = known?.readRow;
    this.capacity = Math.max(1024, known?.ts.length ?? 0);
    this.ts = new Float64Array(this.capacity);
    this.type = new Uint8Array(this.capacity);
    this.verdict = new Uint8Array(this.capacity);
    this.sport = u16(this.capacity);
    this.dport = u16(this.capacity);
    this.str = Object.fromEntries(stringColumns.map((c) => [c, u32(this.capacity)])) as Record<StringColumn, Uint32Array>;
    if (known) {
      this.ts.set(known.ts);
      for (let k = 0; k < known.type.length; k++) this.type[k] = known.type[k]! - 1;
      this.known = known.ts.length;
    }
  }

  /** Events in the store. */
  get size(): number {
    return this.known;
  }

  /** Events whose row is filled (the rest: time and type only). */
  get read(): number {
    return this.filled;
  }

  /** Appends an event (a live session). */
  add(ev: ProbeEvent & { node?: string }): void {
    if (this.known === this.capacity) this.grow();
    this.ts[this.known] = ev.ts;
    this.known++;
    this.fill(ev);
  }

  /** Fills the next unfilled event's columns from the event itself. */
  fill(ev: ProbeEvent & { node?: string }): void {
    const k = this.filled++;
    const d = describe(ev);
    const [s, t] = d.ends as [Described['ends'][number], Described['ends'][number]];
    const id = (c: StringColumn, v: string | undefined) => (this.str[c][k] = this.strings.id(v));
    this.type[k] = d.type;
    this.verdict[k] = d.verdict;
    this.sport[k] = s.port;
    this.dport[k] = t.port;
    this.reasons.add(id('reason', d.reason));
    const rc = id('rcode', d.rcode);
    if (rc) this.rcodes.add(rc);
    id('detail', d.detail);
    id('process', d.process);
    id('node', d.node);
    id('proto', d.proto);
    id('srcLabel', s.label);
    id('dstLabel', t.label);
    id('srcIp', s.ip);
    id('dstIp', t.ip);
    for (const [c, v] of [
      ['srcNs', s.ns],
      ['dstNs', t.ns],
    ] as const) {
      const n = id(c, v);
      if (n) this.namespaces.add(n);
    }
    id('srcPod', s.pod);
    id('dstPod', t.pod);
  }

  private grow() {
    this.capacity *= 2;
    const grown = <T extends Float64Array | Uint8Array | Uint16Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(this.capacity);
      b.set(a);
      return b;
    };
    this.ts = grown(this.ts, (n) => new Float64Array(n));
    this.type = grown(this.type, (n) => new Uint8Array(n));
    this.verdict = grown(this.verdict, (n) => new Uint8Array(n));
    this.sport = grown(this.sport, u16);
    this.dport = grown(this.dport, u16);
    for (const c of stringColumns) this.str[c] = grown(this.str[c], u32);
  }

  clear(): void {
    this.lastScan = undefined;
    this.known = 0;
    this.filled = 0;
    this.strings.clear();
    this.reasons.clear();
    this.namespaces.clear();
    this.rcodes.clear();
  }

  /** Event `k`'s row: from its columns once filled, else read by the replay's reader. */
  row(k: number): EventRow {
    if (k >= this.filled) return this.readRow!(k);
    const v = this.strings.values;
    const c = this.str;
    return rowOf(k, this.ts[k]!, {
      node: v[c.node[k]!]!,
      type: this.type[k]!,
      verdict: this.verdict[k]!,
      reason: v[c.reason[k]!]!,
      proto: v[c.proto[k]!]!,
      src: v[c.srcLabel[k]!]!,
      sport: this.sport[k]!,
      dst: v[c.dstLabel[k]!]!,
      dport: this.dport[k]!,
      detail: v[c.detail[k]!],
      process: v[c.process[k]!],
    });
  }

  /**
   * The filter as predicates over an event's number; `withTime: false` leaves the time range
   * out (for the histogram). `needsRow`: some criterion reads more than time and type.
   */
  private compile(f: EventFilter, withTime: boolean): { preds: Array<(k: number) => boolean>; needsRow: boolean } {
    const preds: Array<(k: number) => boolean> = [];
    const c = this.str;
    const lc = (v: string) => v.trim().toLowerCase();
    let needsRow = false;
    const byId = (col: StringColumn, ok: Uint8Array) => preds.push((k) => ok[c[col][k]!] === 1);
    if (f.namespace?.trim()) {
      const ns = this.strings.find(f.namespace.trim());
      preds.push((k) => ns > 0 && (c.srcNs[k] === ns || c.dstNs[k] === ns));
      needsRow = true;
    }
    if (f.pod?.trim()) {
      const pod = f.pod.trim();
      const ok = this.strings.where((p) => p.startsWith(pod) || p.slice(p.indexOf('/') + 1).startsWith(pod));
      preds.push((k) => ok[c.srcPod[k]!] === 1 || ok[c.dstPod[k]!] === 1);
      needsRow = true;
    }
    if (f.type?.length) {
      const types = new Uint8Array(typeNames.length);
      for (const t of f.type) types[typeCode(t)] = 1;
      preds.push((k) => types[this.type[k]!] === 1);
    }
    if (f.verdict?.length) {
      const verdicts = new Uint8Array(verdictNames.length);
      for (const v of f.verdict) verdicts[verdictNames.indexOf(v)] = 1;
      preds.push((k) => verdicts[this.verdict[k]!] === 1);
      needsRow = true;
    }
    if (f.reason?.trim()) {
      const r = lc(f.reason);
      byId(
        'reason',
        this.strings.where((s) => lc(s) === r || lc(s).startsWith(`${r} (`)),
      );
      needsRow = true;
    }
    if (f.port !== undefined) {
      const port = f.port;
      preds.push((k) => this.dport[k] === port);
      needsRow = true;
    }
    if (f.node?.trim()) {
      const node = this.strings.find(f.node.trim());
      preds.push((k) => node > 0 && c.node[k] === node);
      needsRow = true;
    }
    if (f.rcode?.trim()) {
      const rc = this.strings.find(f.rcode.trim().toUpperCase());
      preds.push((k) => rc > 0 && c.rcode[k] === rc);
      needsRow = true;
    }
    if (f.text?.trim()) {
      const t = lc(f.text);
      const low = this.strings.lower;
      preds.push((k) => {
        const text = `${endpoint(low[c.srcLabel[k]!]!, this.sport[k]!)} ${endpoint(low[c.dstLabel[k]!]!, this.dport[k]!)} ${low[c.srcIp[k]!]} ${low[c.dstIp[k]!]} ${low[c.node[k]!]} ${low[c.reason[k]!]} ${low[c.detail[k]!]} ${low[c.process[k]!]} ${low[c.proto[k]!]} ${typeNames[this.type[k]!]}`;
        return text.includes(t);
      });
      needsRow = true;
    }
    if (f.about && (f.about.ips.length > 0 || f.about.names.length > 0)) {
      const ips = new Set(f.about.ips.map((ip) => ip.trim().toLowerCase()));
      const ipOk = this.strings.where((v) => ips.has(v.toLowerCase()));
      const names = f.about.names.map((n) => lc(n).replace(/\.$/, '')).filter(Boolean);
      // A DNS row's detail is `qname qtype`.
      const nameOk = this.strings.where((v) => {
        const q = lc(v).split(' ')[0] ?? '';
        return names.some((n) => q === n || q.startsWith(`${n}.`));
      });
      const dns = typeCode('dns');
      preds.push((k) => ipOk[c.srcIp[k]!] === 1 || ipOk[c.dstIp[k]!] === 1 || (this.type[k] === dns && nameOk[c.detail[k]!] === 1));
      needsRow = true;
    }
    if (withTime && f.from !== undefined) {
      const from = f.from;
      preds.push((k) => this.ts[k]! >= from);
    }
    if (withTime && f.to !== undefined) {
      const to = f.to;
      preds.push((k) => this.ts[k]! <= to);
    }
    return { preds, needsRow };
  }

  /**
   * A page of the events `[0, upTo)` (default: all) matching `filter`, with the timeline's
   * counts and the filter pickers' values. Events not filled that the filter cannot judge on
   * time and type alone are left out and counted in `pending`.
   */
  page(filter: EventFilter, offset: number, limit: number, upTo = this.known): EventsPage & { pending?: number } {
    const n = Math.min(upTo, this.known);
    const scan = this.scan(filter, n);
    const rows: EventRow[] = [];
    for (let i = offset; i < Math.min(scan.matched, offset + limit); i++) {
      const k = scan.matches ? scan.matches[i]! : i;
      rows.push(this.row(k));
    }
    const v = this.strings.values;
    const names = (ids: Set<number>) => [...ids].map((i) => v[i]!).sort();
    return {
      total: n,
      matched: scan.matched,
      offset,
      rows,
      histogram: scan.histogram,
      facets: { reasons: names(this.reasons), namespaces: names(this.namespaces), rcodes: names(this.rcodes) },
      ...(scan.judged < n ? { pending: n - scan.judged } : {}),
    };
  }

  /**
   * The events `[0, n)` matching `filter` (null: all of those judged, in order) and the
   * timeline; the last scan is kept while nothing changed, so paging through a filter's matches
   * (the table scrolling) does not scan again.
   */
  private scan(filter: EventFilter, n: number): { matches: Uint32Array | null; matched: number; judged: number; histogram: Histogram } {
    const all = this.compile(filter, true);
    // Events past `filled` are judged only when the filter reads nothing but time and type.
    const judged = all.needsRow ? Math.min(n, this.filled) : n;
    const key = `${JSON.stringify(filter)}|${n}|${judged}|${this.known}`;
    if (this.lastScan?.key === key) return this.lastScan;
    const noTime = this.compile(filter, false);
    const timed = all.preds.length > noTime.preds.length;
    const test = (preds: Array<(k: number) => boolean>, k: number) => {
      for (const p of preds) if (!p(k)) return false;
      return true;
    };
    const h = new HistogramBuilder(this.ts, this.type, judged, noTime.preds.length ? (k) => test(noTime.preds, k) : undefined);
    const matches: number[] | null = all.preds.length ? [] : null;
    let matched = 0;
    for (let k = 0; k < judged; k++) {
      if (!h.keep(k)) continue;
      if (timed && !test(all.preds, k)) continue;
      matches?.push(k);
      matched++;
    }
    this.lastScan = { key, matches: matches && Uint32Array.from(matches), matched, judged, histogram: h.build() };
    return this.lastScan;
  }
}

/** Events per bucket by type (drop, dns, tcp, http), 1 s buckets unless the span needs wider ones. */
class HistogramBuilder {
  private readonly picked: Uint8Array;
  private min = Infinity;
  private max = -Infinity;

  constructor(
    private readonly ts: Float64Array,
    private readonly type: Uint8Array,
    private readonly n: number,
    private readonly test: ((k: number) => boolean) | undefined,
  ) {
    this.picked = new Uint8Array(test ? n : 0);
  }

  /** Whether event `k` counts (every filter but time); it then counts in the histogram. */
  keep(k: number): boolean {
    if (this.test) {
      if (!this.test(k)) return false;
      this.picked[k] = 1;
    }
    const t = this.ts[k]!;
    if (t < this.min) this.min = t;
    if (t > this.max) this.max = t;
    return true;
  }

  build(): Histogram {
    if (this.min === Infinity) return { start: 0, bucketMs: 1000, buckets: [] };
    const start = Math.floor(this.min / 1e9) * 1e9;
    const spanS = Math.floor((this.max - start) / 1e9) + 1;
    const bucketS = Math.max(1, Math.ceil(spanS / maxBuckets));
    const n = Math.ceil(spanS / bucketS);
    const buckets: Array<[number, number, number, number]> = Array.from({ length: n }, () => [0, 0, 0, 0]);
    for (let k = 0; k < this.n; k++) {
      if (this.test && this.picked[k] !== 1) continue;
      const i = Math.min(n - 1, Math.floor((this.ts[k]! - start) / 1e9 / bucketS));
      const b = buckets[i]!;
      b[this.type[k] as TypeCode] += 1;
    }
    return { start, bucketMs: bucketS * 1000, buckets };
  }
}
