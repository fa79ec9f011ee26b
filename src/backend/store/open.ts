/**
 * Opening a recording as a replay source, for the app (`pathlight serve --open FILE`, Open
 * recording) and the CLI (`replay --why`, `report`): the file is read once (older format
 * versions through `migrate`, a damaged file up to and after the damage), and the session is
 * then served from memory (probe records kept compressed, each parsed when a frame's events are
 * first read) — the metadata, the questions with their answers, the frame at any
 * time (cluster view, identities, probe events) and the diagnosis re-run on the recorded state.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import {
  SessionReplay,
  askReplay,
  migrate,
  migratedHeader,
  reaskRecorded,
  evidenceAt,
  recordingFormat,
  type MetaData,
  type ProbeTypeCode,
  type ReplayProbeEvent,
  type RecordingDamage,
  type ReaskResult,
  type ReplayFrame,
  type ReplayQuestion,
} from '../../core/index.js';
import type { DiagnoseResult, WhyQuery } from '../../core/diagnose/index.js';
import { RecordingReader, inSlices, type RecordingHeader } from './container.js';

export interface OpenedRecording {
  /** Absolute path of the file. */
  path: string;
  header: RecordingHeader & { migratedFrom?: number };
  /** False when the file was not closed cleanly (a crash, or still being written). */
  complete: boolean;
  /** What could not be read, in words for the user (empty for an intact file). */
  damage: RecordingDamage[];
  /** The session's metadata, every meta record merged. */
  meta: MetaData;
  /** First and last record times (ns since the Unix epoch); undefined for an empty recording. */
  start: number | undefined;
  end: number | undefined;
  records: number;
  /** Every question asked, with its answer when one was recorded. */
  questions: readonly ReplayQuestion[];
  /** The user's notes and bookmarks, in time order. */
  notes: ReplayFrame['notes'];
  /** The session as it stood at `t` (ns): cluster, identities, probe events, questions, notes. */
  frameAt(t: number): ReplayFrame;
  /**
   * Every probe event of the recording in time order, as columns (time, ProbeTypeCode) a
   * consumer counts and picks from without reading lines; `probeAt(i)` reads one event,
   * `probeTypeAt(i)` its type (read from the line when the reader could not note it).
   */
  probeColumns: { readonly ts: Float64Array; readonly type: Uint8Array };
  probeAt(i: number): ReplayProbeEvent;
  probeTypeAt(i: number): ProbeTypeCode;
  /** "Ask why" on the replay: the diagnosis of `q` on the state at `t` (default the end) with the probe events up to then. */
  why(q: WhyQuery, t?: number): DiagnoseResult;
  /** Every recorded question re-asked on the recorded state (each with its own probe window). */
  reask(t?: number): ReaskResult[];
  /** The probe lines recorded up to `t` that a question about A (its addresses) takes as evidence. */
  evidenceAt(t: number, aIps: readonly string[]): readonly ReplayProbeEvent[];
}

/** Reads a recording; throws a PathlightError (`recording-unreadable` / `recording-damaged`) when it cannot. */
export async function openRecording(file: string): Promise<OpenedRecording> {
  const reader = RecordingReader.open(file);
  let records;
  try {
    // A current-version file's probe records are parsed only when a frame's events are read
    // (RecordTable); an older version's records all go through `migrate`, which reads them.
    // Read in slices with turns of the event loop between them: the engine keeps answering
    // other calls and windows while a large file opens.
    records = reader.header.version === recordingFormat.version ? await reader.tableInSlices() : [...migrate(reader.header, reader.records())];
  } finally {
    reader.close();
  }
  // Prepared (checkpoints, identity index) in slices too, as `prepare: true` would in one go.
  const replay = new SessionReplay(records);
  await inSlices(() => replay.prepareStep());
  const end = replay.end;
  const last = replay.at(end ?? 0);
  return {
    path: path.resolve(file),
    header: migratedHeader(reader.header),
    complete: reader.complete,
    damage: [...reader.damage],
    meta: last.meta,
    start: replay.start,
    end,
    records: replay.length,
    questions: last.questions,
    notes: last.notes,
    frameAt: (t) => replay.at(t),
    probeColumns: replay.probeColumns,
    probeAt: (i) => replay.probeEvent(i),
    probeTypeAt: (i) => replay.probeTypeAt(i),
    why: (q, t) => askReplay(replay, q, t ?? end ?? 0),
    reask: (t) => reaskRecorded(replay, t ?? end ?? 0),
    evidenceAt: (t, aIps) => evidenceAt(replay, t, aIps),
  };
}

let startup: string | undefined;
/** The startup recording as `serve --open` read it, with the file's size and time then: handed to the first open of the same unchanged file. */
let opened: { rec: OpenedRecording; size: number; mtimeMs: number } | undefined;

/**
 * The recording the app was started with (`pathlight serve --open FILE`, `npm start` without a
 * kubeconfig: the demo). The serve command sets it; the API's handlers read it to open the
 * recording in the UI at start. `rec`: the recording as already read, so the UI's first open
 * of it does not read the file again.
 */
export function setStartupRecording(file: string | undefined, rec?: OpenedRecording): void {
  startup = file === undefined ? undefined : path.resolve(file);
  opened = undefined;
  if (startup && rec) {
    const st = statSync(startup, { throwIfNoEntry: false });
    if (st) opened = { rec, size: st.size, mtimeMs: st.mtimeMs };
  }
}

export function startupRecording(): string | undefined {
  return startup;
}

/** Opens a recording, taking the startup one as already read when the file has not changed since (once). */
export async function openRecordingOnce(file: string): Promise<OpenedRecording> {
  const abs = path.resolve(file);
  const kept = opened;
  if (kept && abs === startup) {
    opened = undefined;
    const st = statSync(abs, { throwIfNoEntry: false });
    if (st && st.size === kept.size && st.mtimeMs === kept.mtimeMs) return kept.rec;
  }
  return openRecording(abs);
}
