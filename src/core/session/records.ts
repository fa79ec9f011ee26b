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

/** Where deferred records' times and lines are kept (the container keeps its chunks). */
export interface RecordLines {
  /** The time of record `index` of `part` (where the source said the record was). */
  ts(part: number, index: number): number;
  /** The NDJSON line of record `index` of `part`. */
  line(part: number, index: number): string;
}

/**
 * A probe record whose `data` is parsed from its NDJSON line on first use, then kept. A reader
 * defers only probe lines it has already seen to hold an object as `data` (over 99 % of a long
 * recording, most of them never read by a replay), so a replay can index one without parsing
 * it. The time is kept by the source rather than here (a million records should not mean a
 * million boxed numbers). `data` equals `JSON.parse(line).data`; `line` is the same object, so
 * that the record serves as a replay's probe event (`{ts, line}`) without a second object.
 */
export class DeferredProbeRecord implements SessionRecord {
  private parsed: unknown = unparsed;

  constructor(
    private readonly lines: RecordLines,
    private readonly part: number,
    private readonly index: number,
  ) {}

  get kind(): 'probe' {
    return 'probe';
  }

  get ts(): number {
    return this.lines.ts(this.part, this.index);
  }

  get data(): unknown {
    if (this.parsed === unparsed) this.parsed = (JSON.parse(this.lines.line(this.part, this.index)) as SessionRecord).data;
    return this.parsed;
  }

  /** The agent's line: `data`, for use as a replay's probe event. */
  get line(): Record<string, unknown> {
    return this.data as Record<string, unknown>;
  }

  /** Serialises as the plain record it stands for. */
  toJSON(): SessionRecord {
    return { ts: this.ts, kind: 'probe', data: this.data };
  }
}

const unparsed = Symbol('unparsed');
