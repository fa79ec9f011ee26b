/**
 * What a recording holds: one stream of timestamped records, captured at the source
 * interfaces (watch events, probe frames, user questions) so a replay re-runs the same engine.
 * Pure types and limits; the file container lives in src/backend/store.
 */

/** `type` and `version` of the file format, written first in every recording. */
export const recordingFormat = { type: 'pathlight-recording', version: 1 } as const;

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
