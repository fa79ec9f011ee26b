/**
 * What a recording holds: one stream of timestamped records, captured at the source
 * interfaces (watch events, probe frames, user questions) so a replay re-runs the same engine.
 * Pure types and limits; the file container lives in src/backend/store.
 */

/**
 * `type` and `version` of the file format, written first in every recording.
 * - v1: records with free-form `data`.
 * - v2: every kind has the data shape below (`MetaData`, `SnapshotData`, …), probe events may
 *   carry the identities of their ends, questions and answers are paired by `id`, and the
 *   content is scrubbed of credentials. `migrate` (migrate.ts) upgrades v1 records.
 */
export const recordingFormat = { type: 'pathlight-recording', version: 2 } as const;

/** The part of a recording's header the pure code needs. */
export interface FormatHeader {
  type: string;
  version: number;
  created?: string;
}

export type RecordKind =
  /** Session metadata: app version, cluster, context, nodes probed, agent versions. */
  | 'meta'
  /** A full cluster snapshot (list results) at a point in time. */
  | 'snapshot'
  /** One watch change (ADDED/MODIFIED/DELETED) of a cluster object. */
  | 'watch'
  /** One probe agent NDJSON event (drop, dns, tcp, stats, …). */
  | 'probe'
  /** A question asked (A, B, options) and the answer given. */
  | 'question'
  | 'answer'
  /** A user's note or bookmark. */
  | 'note';

export interface SessionRecord {
  /** Nanoseconds since the Unix epoch, as the probe protocol's `ts`. */
  ts: number;
  kind: RecordKind;
  data: unknown;
}

export const recordKinds: readonly RecordKind[] = ['meta', 'snapshot', 'watch', 'probe', 'question', 'answer', 'note'];

/** A chunk closes after this many records or this much time, whichever comes first. */
export const chunkLimits = { records: 8192, millis: 1000 } as const;

/** What a reader could not recover, in words a user can act on. */
export interface RecordingDamage {
  /** Byte offset where the damage starts. */
  offset: number;
  /** Bytes after that point that could not be read. */
  bytesLost: number;
  /** Time of the last intact record, if any. */
  lastIntactTs: number | undefined;
  message: string;
}

/** `meta`: what the session was about. Several meta records merge, later fields winning. */
export interface MetaData {
  /** Where the records come from: a live session, an import, a redacted copy… */
  source?: string;
  appVersion?: string;
  /** ISO time the session started. */
  created?: string;
  /** The kubeconfig cluster entry: its name and API server URL, never a credential. */
  cluster?: { name?: string; server?: string };
  context?: string;
  /** Nodes probes ran on. */
  nodes?: string[];
  /** Probe agent version by node (from the agent's hello line). */
  agents?: Record<string, string>;
  /** The names and addresses were replaced by pseudonyms (`pathlight redact`). */
  redacted?: boolean;
  [k: string]: unknown;
}

/** `snapshot`: every object of the cluster view at one instant, by kind. */
export interface SnapshotData {
  objects: Partial<Record<string, unknown[]>>;
  /** Kinds the cluster does not serve or the user may not list. */
  unavailable?: Array<{ kind: string; reason: string; message: string }>;
}

/** `watch`: one change of one object. */
export interface WatchData {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  kind: string;
  object: unknown;
}

/** `question`: "why can't A talk to B?" as asked. */
export interface QuestionData {
  /** Pairs the question with its answer. */
  id: string;
  from: string;
  to: string;
  /** A port number, or a port name (of the Service or container). */
  port?: number | string;
  protocol?: string;
  options?: Record<string, unknown>;
  [k: string]: unknown;
}

/** `answer`: the diagnosis given to a question. */
export interface AnswerData {
  /** The question's `id`. */
  question: string;
  /** The engine's Diagnosis (src/core/diagnose/types.ts), as plain JSON. */
  diagnosis: unknown;
  [k: string]: unknown;
}

/** `note`: a user's note or bookmark. */
export interface NoteData {
  text: string;
  [k: string]: unknown;
}

/** A JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A probe line's `type` as a small code, for consumers that count or pick events without
 * parsing lines: `unknown` when it was not read (parse the line to know), `other` for the
 * agent's non-event lines (hello, stats, bye, …).
 */
export const probeTypeCode = { unknown: 0, drop: 1, dns: 2, tcp: 3, http: 4, other: 5 } as const;
export type ProbeTypeCode = (typeof probeTypeCode)[keyof typeof probeTypeCode];

const eventTypeCodes = new Map<string, ProbeTypeCode>((['drop', 'dns', 'tcp', 'http'] as const).map((t) => [t, probeTypeCode[t]]));

/** The code of a probe line's `type` value. */
export function probeTypeOf(type: unknown): ProbeTypeCode {
  return typeof type === 'string' && eventTypeCodes.has(type) ? eventTypeCodes.get(type)! : probeTypeCode.other;
}

/** Whether a code is one of the events the table and the graph show (drop, dns, tcp, http), in that order from 1. */
export const isEventTypeCode = (code: number): boolean => code >= probeTypeCode.drop && code <= probeTypeCode.http;

/** Where a RecordTable reads the lines of its deferred probe records (the container keeps its chunks). */
export interface ProbeLines {
  /** The NDJSON line (the whole record) of deferred probe record `k` (the k-th, in table order). */
  line(k: number): string;
  /** That line parsed, where the source checks what it parses (and names the problem); JSON.parse of `line(k)` otherwise. */
  record?(k: number): SessionRecord;
}

/**
 * A recording's records in columns, as `openRecording` reads a long one: the time of every
 * record in a Float64Array, and for each record either the parsed record or, for a probe
 * record, the number of its line — parsed only when read (see `ProbeLines`). A million probe
 * events then cost a few typed-array slots, not a million objects for the garbage collector
 * to walk. A reader defers only probe lines it has already seen to hold an object as `data`.
 * `SessionReplay` indexes a table without reading its deferred lines; iterating the table
 * gives every record as a plain SessionRecord (deferred lines parsed as they come).
 */
export class RecordTable implements Iterable<SessionRecord> {
  private tsCol: Float64Array;
  /** Per record: >= 0, index in `parsed`; < 0, deferred probe line `-(slot + 1)`. */
  private slotCol: Int32Array;
  /** Per deferred line: its ProbeTypeCode, as the reader saw it in the line's prefix. */
  private typeCol: Uint8Array;
  private readonly parsed: SessionRecord[] = [];
  private size = 0;
  private deferredCount = 0;

  constructor(
    private readonly lines: ProbeLines,
    /** Records expected (the container's count); the columns grow past it if need be. */
    capacity = 1024,
  ) {
    this.tsCol = new Float64Array(Math.max(16, capacity));
    this.slotCol = new Int32Array(Math.max(16, capacity));
    this.typeCol = new Uint8Array(Math.max(16, capacity));
  }

  get length(): number {
    return this.size;
  }

  /** How many probe records are deferred. */
  get deferred(): number {
    return this.deferredCount;
  }

  /** Every record's time, in table order (a view: valid until the next push). */
  get ts(): Float64Array {
    return this.tsCol.subarray(0, this.size);
  }

  /** Appends a parsed record. */
  push(r: SessionRecord): void {
    this.slot(r.ts, this.parsed.length);
    this.parsed.push(r);
  }

  /**
   * Appends a probe record whose line is read later; returns its line number (`k` of
   * `ProbeLines.line`). `type`: the line's type when the reader saw it without parsing.
   */
  pushDeferred(ts: number, type: ProbeTypeCode = probeTypeCode.unknown): number {
    this.slot(ts, -(this.deferredCount + 1));
    if (this.deferredCount === this.typeCol.length) {
      const t2 = new Uint8Array(this.typeCol.length * 2);
      t2.set(this.typeCol);
      this.typeCol = t2;
    }
    this.typeCol[this.deferredCount] = type;
    return this.deferredCount++;
  }

  /** The ProbeTypeCode of deferred line `k` as the reader noted it (`unknown` when it did not). */
  deferredType(k: number): ProbeTypeCode {
    return this.typeCol[k] as ProbeTypeCode;
  }

  private slot(ts: number, slot: number) {
    if (this.size === this.tsCol.length) {
      const ts2 = new Float64Array(this.size * 2);
      ts2.set(this.tsCol);
      const slot2 = new Int32Array(this.size * 2);
      slot2.set(this.slotCol);
      this.tsCol = ts2;
      this.slotCol = slot2;
    }
    this.tsCol[this.size] = ts;
    this.slotCol[this.size++] = slot;
  }

  /** The parsed record at `i`, or undefined when it is a deferred probe record. */
  parsedAt(i: number): SessionRecord | undefined {
    const s = this.slotCol[i]!;
    return s >= 0 ? this.parsed[s] : undefined;
  }

  /** The line number of the deferred probe record at `i`, or -1 when the record is parsed. */
  deferredAt(i: number): number {
    const s = this.slotCol[i]!;
    return s < 0 ? -(s + 1) : -1;
  }

  /** Whether deferred probe record `k`'s line contains one of `needles` (read as text, not parsed). */
  deferredMentions(k: number, needles: readonly string[]): boolean {
    const text = this.lines.line(k);
    return needles.some((n) => text.includes(n));
  }

  /** `data` of deferred probe record `k` (parsed now, not kept: the caller keeps what it reads). */
  probeData(k: number): unknown {
    return (this.lines.record ? this.lines.record(k) : (JSON.parse(this.lines.line(k)) as SessionRecord)).data;
  }

  /** The record at `i` as a plain SessionRecord. */
  at(i: number): SessionRecord {
    const k = this.deferredAt(i);
    return k < 0 ? this.parsed[this.slotCol[i]!]! : { ts: this.tsCol[i]!, kind: 'probe', data: this.probeData(k) };
  }

  *[Symbol.iterator](): Iterator<SessionRecord> {
    for (let i = 0; i < this.size; i++) yield this.at(i);
  }
}
