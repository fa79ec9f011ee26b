/**
 * Replay as a source: from the records of a recording, the session as it stood at any time T —
 * the cluster (a ClusterView: the last snapshot record then the watch changes up to T), the
 * probe events up to T with the identities they were recorded with, the questions and their
 * answers, the merged metadata — and a time-aware IdentityIndex rebuilt from snapshot + watch.
 *
 * Seeking is incremental: moving forward applies only the records in between; moving back
 * restarts from the nearest checkpoint at or before T (a snapshot record, or one of the
 * in-memory checkpoints taken every `checkpointEvery` records), never from the beginning
 * unless that is the nearest. Records must be current-version (pass them through `migrate`).
 */
import type { ClusterKind, ClusterView, KubeObject } from '../cluster/view.js';
import { IdentityIndex, ipsOf, type EventIdentities, type IdentityKind } from '../cluster/identity.js';
import {
  RecordTable,
  isRecord,
  probeTypeCode,
  probeTypeOf,
  type ProbeTypeCode,
  type AnswerData,
  type MetaData,
  type NoteData,
  type QuestionData,
  type SessionRecord,
  type SnapshotData,
  type WatchData,
} from './records.js';

/** A probe agent line as recorded: the agent's fields plus, when known, who its ends were. */
export interface ReplayProbeEvent {
  ts: number;
  /** The agent's line (`type`, `node`, `src`, `dst`, …) with `identities` when recorded. */
  line: Record<string, unknown> & { identities?: EventIdentities };
}

export interface ReplayQuestion {
  ts: number;
  question: QuestionData;
  /** The answer, if it was recorded at or before the frame's time. */
  answer?: { ts: number; data: AnswerData };
}

/** The session at one instant. Its lists are copies: moving the replay does not change them. */
export interface ReplayFrame {
  /** The frame's time (ns since the Unix epoch). */
  t: number;
  cluster: ReplayCluster;
  /**
   * Who held each IP, over time. Built forward through the furthest time replayed so far;
   * time-aware, so `at(ip, ts)` is exact for every `ts <= t`.
   */
  identities: IdentityIndex;
  meta: MetaData;
  /** Probe events with `ts <= t`, oldest first. */
  probes: readonly ReplayProbeEvent[];
  questions: readonly ReplayQuestion[];
  notes: ReadonlyArray<{ ts: number; note: NoteData }>;
  /** Records applied to reach this frame (the cost of the seek; for tests and benchmarks). */
  applied: number;
}

/** The cluster of a frame: a ClusterView with lookups by name. */
export class ReplayCluster implements ClusterView {
  constructor(private readonly byKind: ReadonlyMap<string, readonly KubeObject[]>) {}

  list(kind: ClusterKind): readonly KubeObject[] {
    return this.byKind.get(kind) ?? [];
  }

  get(kind: ClusterKind, name: string, namespace?: string): KubeObject | undefined {
    return this.list(kind).find((o) => o.metadata?.name === name && (o.metadata?.namespace ?? undefined) === namespace);
  }

  /** Kinds holding at least one object. */
  kinds(): string[] {
    return [...this.byKind.keys()].filter((k) => (this.byKind.get(k)?.length ?? 0) > 0);
  }
}

type ObjectState = Map<string, Map<string, KubeObject>>;

interface Checkpoint {
  /** Index of the next record to apply. */
  next: number;
  state: ObjectState;
}

export interface ReplayOptions {
  /** Keep an in-memory checkpoint every this many records (default 10,000). */
  checkpointEvery?: number;
  /**
   * Walk the whole recording once up front (taking every checkpoint and building the identity
   * index), so that no seek, the first included, applies more than `checkpointEvery` records.
   * Costs that walk at open time; the app and the CLI open recordings this way.
   */
  prepare?: boolean;
}

const identityKind: Partial<Record<string, IdentityKind>> = { Pod: 'pod', Service: 'service', Node: 'node' };

const objectKey = (o: KubeObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

function copyState(state: ObjectState): ObjectState {
  return new Map([...state].map(([k, m]) => [k, new Map(m)]));
}

function inOrder(ts: ArrayLike<number>): boolean {
  for (let i = 1; i < ts.length; i++) if (ts[i]! < ts[i - 1]!) return false;
  return true;
}

/** Index of the first element of the sorted `ts` list that is greater than `t`. */
export function upperBound(ts: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A table with no deferred records (records given as objects). */
const noLines = {
  line(): string {
    throw new Error('no deferred probe lines');
  },
};

/**
 * A probe event of a deferred probe record, made when a frame's list is read at its index; its
 * `line` (an own, enumerable property, so the event compares and serialises as `{ts, line}`) is
 * parsed on first use, then kept with the event.
 */
class DeferredProbeEvent implements ReplayProbeEvent {
  declare readonly line: ReplayProbeEvent['line'];
  // Private: not part of the event's value (hidden from comparison and serialisation).
  readonly #table: RecordTable;
  readonly #k: number;
  #parsed: ReplayProbeEvent['line'] | undefined;

  constructor(
    readonly ts: number,
    table: RecordTable,
    k: number,
  ) {
    this.#table = table;
    this.#k = k;
    Object.defineProperty(this, 'line', DeferredProbeEvent.#lineProperty);
  }

  static readonly #lineProperty: PropertyDescriptor = {
    enumerable: true,
    get(this: DeferredProbeEvent) {
      return (this.#parsed ??= this.#table.probeData(this.#k) as ReplayProbeEvent['line']);
    },
  };
}

/**
 * A read-only array of `length` elements, each made by `at(i)` the first time it is read
 * (then kept): a frame's probe list has as many entries as events up to T, and a consumer
 * usually reads a few of them. A Proxy keeps it a real array to every reader (indexing,
 * `length`, iteration, `slice`, `filter`, `Array.isArray`).
 */
function lazyList<T>(length: number, at: (i: number) => T): readonly T[] {
  const target: T[] = [];
  target.length = length;
  const made = (i: number): T => {
    let v = target[i];
    if (v === undefined) {
      v = at(i);
      target[i] = v;
    }
    return v;
  };
  const indexOf = (key: string | symbol): number | undefined => {
    if (typeof key !== 'string') return undefined;
    const c = key.charCodeAt(0);
    if (c < 48 || c > 57) return undefined;
    const i = Number(key);
    return Number.isInteger(i) && i < length ? i : undefined;
  };
  const readOnly = () => false;
  return new Proxy(target, {
    get(t, key, receiver) {
      const i = indexOf(key);
      return i === undefined ? Reflect.get(t, key, receiver) : made(i);
    },
    has(t, key) {
      return indexOf(key) !== undefined || Reflect.has(t, key);
    },
    getOwnPropertyDescriptor(t, key) {
      const i = indexOf(key);
      if (i !== undefined) made(i);
      return Reflect.getOwnPropertyDescriptor(t, key);
    },
    ownKeys(t) {
      for (let i = 0; i < length; i++) made(i);
      return Reflect.ownKeys(t);
    },
    set: readOnly,
    defineProperty: readOnly,
    deleteProperty: readOnly,
  });
}

export class SessionReplay {
  /** The records: a table given by the reader (probe lines deferred), or one made of the records given. */
  private readonly table: RecordTable;
  /** Record `i` (in time order) is the table's record `order[i]`; undefined when the table is in time order. */
  private readonly order: Uint32Array | undefined;
  private readonly ts: Float64Array;
  private readonly checkpointEvery: number;
  private readonly checkpoints: Checkpoint[] = [];
  /** Indexes of snapshot records. */
  private readonly snapshots: number[] = [];
  /** Probe events in time order: their times, and each one's deferred line (>= 0) or `-(index in eagerProbes + 1)`. */
  private readonly probeTs: Float64Array;
  private readonly probeRef: Int32Array;
  /** Each probe event's ProbeTypeCode (`unknown` until read, for a line the reader did not note). */
  private readonly probeType: Uint8Array;
  private probeCount = 0;
  private readonly eagerProbes: ReplayProbeEvent[] = [];
  private readonly questionList: ReplayQuestion[] = [];
  private readonly answers: Array<{ ts: number; data: AnswerData }> = [];
  private readonly noteList: Array<{ ts: number; note: NoteData }> = [];
  private readonly metaList: Array<{ ts: number; data: MetaData }> = [];

  private state: ObjectState = new Map();
  private next = 0;
  /** The identity index is only ever built forward; `identityNext` is how far. */
  readonly identities = new IdentityIndex();
  private identityNext = 0;
  private identityObjects: ObjectState = new Map();

  /**
   * `records`: the records of a recording (current version), or the RecordTable a reader made
   * of them — its deferred probe lines are then read only when a frame's event is.
   */
  constructor(records: Iterable<SessionRecord> | RecordTable, options: ReplayOptions = {}) {
    if (records instanceof RecordTable) this.table = records;
    else {
      this.table = new RecordTable(noLines);
      for (const r of records) this.table.push(r);
    }
    const ts = this.table.ts;
    // Stable sort by time: records are appended in time order, but a clock can step.
    if (inOrder(ts)) {
      this.order = undefined;
      this.ts = ts;
    } else {
      this.order = Uint32Array.from(ts.keys()).sort((a, b) => ts[a]! - ts[b]! || a - b);
      this.ts = Float64Array.from(this.order, (i) => ts[i]!);
    }
    this.checkpointEvery = Math.max(1, options.checkpointEvery ?? 10_000);
    this.probeTs = new Float64Array(this.length);
    this.probeRef = new Int32Array(this.length);
    this.probeType = new Uint8Array(this.length);
    for (let i = 0; i < this.length; i++) this.index(i);
    if (options.prepare) while (!this.prepareStep());
  }

  /** Records walked so far by `prepareStep`. */
  private prepared = 0;

  /**
   * One step of the walk `prepare` makes — the checkpoints and the identity index through the
   * next `checkpointEvery` records; true once the whole recording is walked. A caller that must
   * stay responsive (the engine opening a large file) runs the steps between turns of its event
   * loop, and seeks only once it is done.
   */
  prepareStep(): boolean {
    if (this.prepared >= this.length) return true;
    // Step by step: one long seek would jump over everything before the last snapshot.
    this.prepared = Math.min(this.prepared + this.checkpointEvery, this.length);
    this.seekObjects(this.prepared);
    this.extendIdentities(this.prepared);
    return this.prepared >= this.length;
  }

  /** The table's index of record `i` (in time order). */
  private row(i: number): number {
    return this.order ? this.order[i]! : i;
  }

  /** Record `i` (in time order), or undefined for a deferred probe record (which changes no object). */
  private parsedAt(i: number): SessionRecord | undefined {
    return this.table.parsedAt(this.row(i));
  }

  private index(i: number) {
    const row = this.row(i);
    const k = this.table.deferredAt(row);
    if (k >= 0) {
      // Its data is an object (the reader saw it), parsed only when a frame's event is read.
      this.probeTs[this.probeCount] = this.ts[i]!;
      this.probeType[this.probeCount] = this.table.deferredType(k);
      this.probeRef[this.probeCount++] = k;
      return;
    }
    const r = this.table.parsedAt(row)!;
    if (r.kind === 'snapshot') this.snapshots.push(i);
    else if (r.kind === 'probe' && isRecord(r.data)) {
      this.probeTs[this.probeCount] = r.ts;
      this.probeType[this.probeCount] = probeTypeOf(r.data.type);
      this.probeRef[this.probeCount++] = -(this.eagerProbes.length + 1);
      this.eagerProbes.push({ ts: r.ts, line: r.data });
    } else if (r.kind === 'question' && isRecord(r.data)) this.questionList.push({ ts: r.ts, question: r.data as QuestionData });
    else if (r.kind === 'answer' && isRecord(r.data)) this.answers.push({ ts: r.ts, data: r.data as AnswerData });
    else if (r.kind === 'note' && isRecord(r.data)) this.noteList.push({ ts: r.ts, note: r.data as NoteData });
    else if (r.kind === 'meta' && isRecord(r.data)) this.metaList.push({ ts: r.ts, data: r.data as MetaData });
  }

  /** First and last record times; undefined for an empty recording. */
  get start(): number | undefined {
    return this.ts[0];
  }
  get end(): number | undefined {
    return this.ts.at(-1);
  }
  get length(): number {
    return this.ts.length;
  }

  /**
   * Every probe event in time order as columns — time and ProbeTypeCode — for a consumer that
   * counts or picks events without reading them (views; an `unknown` type is read by `probeTypeAt`).
   */
  get probeColumns(): { readonly ts: Float64Array; readonly type: Uint8Array } {
    return { ts: this.probeTs.subarray(0, this.probeCount), type: this.probeType.subarray(0, this.probeCount) };
  }

  /** The ProbeTypeCode of probe event `i` (in time order), its line read when the reader did not note it. */
  probeTypeAt(i: number): ProbeTypeCode {
    let code = this.probeType[i] as ProbeTypeCode;
    if (code === probeTypeCode.unknown) {
      code = probeTypeOf(this.probeEvent(i).line.type);
      this.probeType[i] = code;
    }
    return code;
  }

  /**
   * The probe events up to `t` that are the agent's own lines (hello, stats, bye: losses and
   * versions) or mention one of `addresses` as a JSON string — the lines a live probe filtered
   * to those addresses would have sent. A deferred line is searched as text and parsed only
   * when it matches, so this reads a million lines in a fraction of what parsing them takes.
   */
  probesMentioning(t: number, addresses: readonly string[]): ReplayProbeEvent[] {
    const n = upperBound(this.probeTs.subarray(0, this.probeCount), t);
    const needles = addresses.map((a) => JSON.stringify(a));
    const out: ReplayProbeEvent[] = [];
    for (let i = 0; i < n; i++) {
      const ref = this.probeRef[i]!;
      const keep =
        this.probeTypeAt(i) === probeTypeCode.other ||
        (ref < 0 ? needles.some((x) => JSON.stringify(this.eagerProbes[-ref - 1]!.line).includes(x)) : this.table.deferredMentions(ref, needles));
      if (keep) out.push(this.probeEvent(i));
    }
    return out;
  }

  /** Probe event `i` (in time order): a new DeferredProbeEvent for a deferred line (read when its `line` is). */
  probeEvent(i: number): ReplayProbeEvent {
    const ref = this.probeRef[i]!;
    return ref < 0 ? this.eagerProbes[-ref - 1]! : new DeferredProbeEvent(this.probeTs[i]!, this.table, ref);
  }

  /** The session as it stood at `t` (ns): every record with `ts <= t` applied. */
  at(t: number): ReplayFrame {
    const target = upperBound(this.ts, t);
    const applied = this.seekObjects(target);
    this.extendIdentities(target);
    const byKind = new Map<string, KubeObject[]>();
    for (const [kind, m] of this.state) byKind.set(kind, [...m.values()]);
    return {
      t,
      cluster: new ReplayCluster(byKind),
      identities: this.identities,
      meta: this.metaAt(t),
      probes: lazyList(upperBound(this.probeTs.subarray(0, this.probeCount), t), (i) => this.probeEvent(i)),
      questions: this.questionsAt(t),
      notes: this.noteList.filter((n) => n.ts <= t),
      applied,
    };
  }

  /** Brings the object state to "records [0, target) applied"; returns how many records it applied. */
  private seekObjects(target: number): number {
    if (target < this.next) {
      // Back in time: the nearest restart point at or before the target.
      const cp = [...this.checkpoints].reverse().find((c) => c.next <= target);
      let snap: number | undefined;
      for (const s of this.snapshots) if (s < target) snap = s;
      if (snap !== undefined && (!cp || snap >= cp.next)) {
        this.state = new Map();
        this.next = snap;
      } else if (cp) {
        this.state = copyState(cp.state);
        this.next = cp.next;
      } else {
        this.state = new Map();
        this.next = 0;
      }
    } else {
      // Forward: jump to the latest snapshot or checkpoint between here and the target.
      let snap: number | undefined;
      for (const s of this.snapshots) if (s >= this.next && s < target) snap = s;
      const cp = [...this.checkpoints].reverse().find((c) => c.next > this.next && c.next <= target);
      if (cp && (snap === undefined || cp.next > snap)) {
        this.state = copyState(cp.state);
        this.next = cp.next;
      } else if (snap !== undefined) {
        this.state = new Map();
        this.next = snap;
      }
    }
    let applied = 0;
    while (this.next < target) {
      const r = this.parsedAt(this.next);
      if (r) applyObjects(this.state, r);
      this.next++;
      applied++;
      if (this.next % this.checkpointEvery === 0 && !this.checkpoints.some((c) => c.next === this.next)) {
        this.checkpoints.push({ next: this.next, state: copyState(this.state) });
        this.checkpoints.sort((a, b) => a.next - b.next);
      }
    }
    return applied;
  }

  private extendIdentities(target: number) {
    while (this.identityNext < target) {
      const r = this.parsedAt(this.identityNext++);
      if (!r) continue;
      applyObjects(this.identityObjects, r, (kind, obj, gone) => {
        const ik = identityKind[kind];
        const name = obj.metadata?.name;
        if (!ik || !name) return;
        const spec = isRecord(obj.spec) ? obj.spec : {};
        const who = { kind: ik, namespace: obj.metadata?.namespace, name, node: typeof spec.nodeName === 'string' ? spec.nodeName : undefined };
        if (gone) this.identities.remove(who, r.ts);
        else this.identities.set(who, ipsOf(ik, obj as { spec?: unknown; status?: unknown }), r.ts, obj);
      });
    }
  }

  private metaAt(t: number): MetaData {
    const meta: MetaData = {};
    for (const m of this.metaList) if (m.ts <= t) Object.assign(meta, m.data);
    return meta;
  }

  private questionsAt(t: number): ReplayQuestion[] {
    const out: ReplayQuestion[] = [];
    for (const q of this.questionList) {
      if (q.ts > t) break;
      const a = this.answers.find((x) => x.ts <= t && x.data.question === q.question.id);
      out.push(a ? { ...q, answer: a } : { ...q });
    }
    return out;
  }
}

/**
 * Applies a snapshot or watch record to `state`. `touch` hears every object that appears,
 * changes (gone = false) or disappears (gone = true), for the identity index.
 */
function applyObjects(state: ObjectState, r: SessionRecord, touch?: (kind: string, obj: KubeObject, gone: boolean) => void): void {
  if (r.kind === 'snapshot' && isRecord(r.data)) {
    // A record read back from a file: its fields are checked where they are used.
    const data = r.data as Partial<SnapshotData>;
    const before = state;
    const after: ObjectState = new Map();
    for (const [kind, list] of Object.entries(data.objects ?? {})) {
      const m = new Map<string, KubeObject>();
      for (const o of list ?? []) if (isRecord(o)) m.set(objectKey(o as KubeObject), o as KubeObject);
      after.set(kind, m);
    }
    if (touch) {
      for (const [kind, m] of before) for (const [k, o] of m) if (!after.get(kind)?.has(k)) touch(kind, o, true);
      for (const [kind, m] of after) for (const o of m.values()) touch(kind, o, false);
    }
    state.clear();
    for (const [k, m] of after) state.set(k, m);
  } else if (r.kind === 'watch' && isRecord(r.data)) {
    // A record read back from a file: its fields are checked where they are used.
    const data = r.data as Partial<WatchData>;
    if (!isRecord(data.object) || typeof data.kind !== 'string') return;
    const obj = data.object as KubeObject;
    const m = state.get(data.kind) ?? new Map<string, KubeObject>();
    state.set(data.kind, m);
    if (data.type === 'DELETED') m.delete(objectKey(obj));
    else m.set(objectKey(obj), obj);
    touch?.(data.kind, obj, data.type === 'DELETED');
  }
}
