/**
 * A recording as a workbench source (mode `replay`): the same graph model, events table and why
 * panel as a live cluster, fed from the file at the instant the user scrubbed to. Read-only —
 * no probes run and nothing is sent to any cluster; "ask why" goes through the same question
 * pipeline as a live cluster (src/backend/diagnose/ask.ts) on the recorded state at that
 * instant, with the probe lines recorded up to then about A as live evidence.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isEventTypeCode, isRecord, upperBound, type diagnose as d, type ClusterView } from '../../core/index.js';
import { recordedLine } from '../../core/diagnose/index.js';
import {
  PathlightError,
  diagnosisSchema,
  maxRecordingUploadBytes,
  type DiagnosisJson,
  type EventFilter,
  type EventsPage,
  type RecordingSource,
  type ReplayInfo,
} from '../../api/index.js';
import { openRecording, openRecordingOnce, type OpenedRecording } from '../store/open.js';
import type { ClusterSource } from './source.js';
import type { QuestionSource } from '../diagnose/ask.js';
import { EventStore, toRow } from './events.js';

type Event = d.ProbeEvent & { node: string };

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * A recorded drop, DNS or TCP line as an event the table and the graph can read: a recording
 * comes from anywhere (a colleague's file, an older agent), so every field they read is given
 * its type, a missing one its empty value — a line is never left out, and never breaks them.
 */
export function asEvent(line: Record<string, unknown>, ts: number): Event {
  const ids = isRecord(line.identities) ? line.identities : undefined;
  const ev: Record<string, unknown> = {
    ...line,
    ts: typeof line.ts === 'number' ? line.ts : ts,
    node: str(line.node),
    netns: num(line.netns),
    proto: str(line.proto),
    src: str(line.src),
    dst: str(line.dst),
    sport: num(line.sport),
    dport: num(line.dport),
    ifindex: num(line.ifindex),
  };
  if (ids) ev.identities = { ...(isRecord(ids.src) ? { src: ids.src } : {}), ...(isRecord(ids.dst) ? { dst: ids.dst } : {}) };
  else delete ev.identities;
  if (line.type === 'drop') Object.assign(ev, { reason: str(line.reason) || 'UNKNOWN', reasonCode: num(line.reasonCode), location: str(line.location) });
  else if (line.type === 'dns') {
    Object.assign(ev, {
      qr: line.qr === 'response' ? 'response' : 'query',
      id: num(line.id),
      qname: str(line.qname),
      qtype: str(line.qtype),
      dir: str(line.dir),
    });
    if (line.rcode !== undefined && typeof line.rcode !== 'string') delete ev.rcode;
    ev.answers = Array.isArray(line.answers) ? line.answers.filter((a) => isRecord(a) && typeof a.type === 'string' && typeof a.data === 'string') : [];
  } else if (line.type === 'http') {
    Object.assign(ev, { role: line.role === 'server' ? 'server' : 'client', status: num(line.status), version: str(line.version) });
    for (const k of ['method', 'path', 'host'] as const) if (line[k] !== undefined && typeof line[k] !== 'string') delete ev[k];
    if (line.latencyNs !== undefined && typeof line.latencyNs !== 'number') delete ev.latencyNs;
  } else Object.assign(ev, { event: str(line.event), state: str(line.state) });
  // Every field the table and the graph read was given its type above: the one cast from a recorded line.
  return ev as unknown as Event;
}

/** How a replay's reading stands: events up to the instant shown, those counted on the graph, and the recording's events whose table row is read. */
export interface ReplayProgress {
  events: number;
  counted: number;
  read: number;
  of: number;
}

export interface ReplaySource extends ClusterSource {
  readonly mode: 'replay';
  readonly info: ReplayInfo;
  /** The recording itself (the policy panels read its traffic). */
  readonly recording: OpenedRecording;
  /** The instant shown (ns). */
  readonly time: number;
  /**
   * Moves to `t` (clamped to the recording) without reading any event: the cluster then, and
   * how many events lie up to then. `reset`: the graph's flows must be counted again from the
   * start (a move back); moving forward, `read` hands over only the events past the old instant.
   */
  seek(t: number): { t: number; view: ClusterView; total: number; reset: boolean };
  /** The events table at the instant shown (rows read from the recording as needed). */
  page(filter: EventFilter, offset: number, limit: number): EventsPage & { pending?: number };
  /**
   * A slice of the background reading, for about `budgetMs`: the events up to the instant not
   * yet handed to the graph go to `sink` (in time order), then the table's rows of the rest of
   * the recording are read. False when nothing is left to read.
   */
  read(budgetMs: number, sink: (events: Event[]) => void): boolean;
  progress(): ReplayProgress;
  /** Gives up reading (after an error): the graph keeps what it counted. */
  stopReading(): void;
  /** The recorded answer of a question, when it was recorded and is well-formed. */
  recorded(question: string): { ts: number; diagnosis: DiagnosisJson } | undefined;
}

const fileSizeLimit = 2 * 1024 ** 3;

/** Opens a recording named by path (checked: a regular file of sane size) or sent as bytes (a private temporary copy, removed once read). */
export async function openReplaySource(source: RecordingSource): Promise<ReplaySource> {
  if (source.kind === 'path') {
    const file = path.resolve(source.path);
    const st = await stat(file).catch((err: NodeJS.ErrnoException) => {
      throw new PathlightError({
        code: 'recording-unreadable',
        message: `Cannot open recording ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}.`,
        hint: 'Check the path, or choose the file again (Open recording…).',
        file,
      });
    });
    if (!st.isFile())
      throw new PathlightError({ code: 'recording-unreadable', message: `${file} is not a file.`, hint: 'Choose a .pathlight recording.', file });
    if (st.size > fileSizeLimit)
      throw new PathlightError({
        code: 'recording-unreadable',
        message: `${file} is ${(st.size / 1024 ** 3).toFixed(1)} GiB, more than a recording can be.`,
        hint: 'Choose a .pathlight recording.',
        file,
      });
    return replaySource(await openRecordingOnce(file), path.basename(file), file);
  }
  const bytes = Buffer.from(source.base64, 'base64');
  if (bytes.length > maxRecordingUploadBytes) {
    throw new PathlightError({
      code: 'invalid-request',
      message: `${source.name} is too large to send from the browser (${(bytes.length / 1024 ** 2).toFixed(1)} MiB).`,
      hint: 'Start the app with `pathlight serve --open FILE` on the machine holding it.',
    });
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'pathlight-rec-'));
  const file = path.join(dir, 'picked.pathlight');
  try {
    await writeFile(file, bytes, { mode: 0o600 });
    const rec = await openRecording(file).catch((err: unknown) => {
      // Name the file as the user knows it, not the temporary copy.
      if (!(err instanceof PathlightError)) throw err;
      const named = (text: string | undefined) => text?.split(file).join(source.name);
      const hint = named(err.detail.hint);
      throw new PathlightError({ ...err.detail, message: named(err.detail.message)!, ...(hint ? { hint } : {}), file: source.name });
    });
    return replaySource(rec, source.name, undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function info(rec: OpenedRecording, name: string, file: string | undefined): ReplayInfo {
  const m = rec.meta;
  return {
    name,
    ...(file ? { path: file } : {}),
    ...(m.created ? { created: m.created } : {}),
    ...(m.context ? { context: m.context } : {}),
    cluster: { ...(m.cluster?.name ? { name: m.cluster.name } : {}), ...(m.cluster?.server ? { server: m.cluster.server } : {}) },
    nodes: m.nodes ?? [],
    redacted: m.redacted ?? false,
    start: rec.start ?? 0,
    end: rec.end ?? 0,
    records: rec.records,
    complete: rec.complete,
    damage: rec.damage.map((x) => x.message),
    notes: rec.notes.map((n) => ({ ts: n.ts, text: typeof n.note.text === 'string' ? n.note.text : '' })),
    questions: rec.questions.map((q) => {
      const a = validAnswer(q.answer?.data.diagnosis);
      const options = (q.question.options ?? {}) as Record<string, unknown>;
      return {
        id: q.question.id,
        ts: q.ts,
        from: q.question.from,
        to: q.question.to,
        ...(q.question.port !== undefined ? { port: q.question.port } : {}),
        ...(q.question.protocol ? { protocol: q.question.protocol } : {}),
        ...(typeof options.probe === 'string' ? { probe: options.probe } : {}),
        ...(q.answer ? { answeredAt: q.answer.ts } : {}),
        ...(a ? { verdict: a.verdict, ...(a.findings[0] ? { top: a.findings[0].kind } : {}) } : {}),
      };
    }),
  };
}

function validAnswer(raw: unknown): DiagnosisJson | undefined {
  const r = diagnosisSchema.safeParse(raw);
  return r.success ? r.data : undefined;
}

/** Probes and the active test asked of a recording. */
export function readOnlyError(): PathlightError {
  return new PathlightError({
    code: 'invalid-request',
    message: 'A recording is read-only: probes and the active test cannot run on it.',
    hint: 'Ask with probes off (the answer uses the probe events recorded up to the scrubber); connect to a live cluster to probe.',
  });
}

export function replaySource(rec: OpenedRecording, name: string, file: string | undefined): ReplaySource {
  const start = rec.start ?? 0;
  const end = rec.end ?? 0;
  // The recording's events (drop, DNS, TCP and HTTP lines) among its probe lines, found from the
  // types the reader noted — no line is read to list them.
  const probes = rec.probeColumns;
  const isEvent = (i: number) => isEventTypeCode(rec.probeTypeAt(i));
  let events = 0;
  for (let i = 0; i < probes.ts.length; i++) if (isEvent(i)) events++;
  const probeOf = new Uint32Array(events);
  const ts = new Float64Array(events);
  const type = new Uint8Array(events);
  for (let i = 0, k = 0; k < events; i++) {
    if (!isEvent(i)) continue;
    probeOf[k] = i;
    ts[k] = probes.ts[i]!;
    type[k++] = probes.type[i]!;
  }
  // A row not read yet is read from the recording when a page shows it.
  const store = new EventStore({ ts, type, readRow: (k) => toRow(event(k), k) });
  const event = (k: number): Event => {
    const p = rec.probeAt(probeOf[k]!);
    return asEvent(p.line as Record<string, unknown>, p.ts);
  };
  let t = end;
  let frame = rec.frameAt(t);
  // Events up to the instant shown, and how many of them the graph got since its last reset.
  let shown = ts.length;
  let counted = 0;
  let stopped = false;
  const src: ReplaySource = {
    mode: 'replay',
    info: info(rec, name, file),
    recording: rec,
    get time() {
      return t;
    },
    get view() {
      return frame.cluster;
    },
    unavailable: [],
    onChange: () => () => {},
    seek(to) {
      t = Math.min(end, Math.max(start, to));
      frame = rec.frameAt(t);
      shown = upperBound(ts, t);
      const reset = shown < counted;
      if (reset) counted = 0;
      return { t, view: frame.cluster, total: shown, reset };
    },
    page: (filter, offset, limit) => store.page(filter, offset, limit, shown),
    read(budgetMs, sink) {
      if (stopped) return false;
      const until = performance.now() + budgetMs;
      // The graph takes the events in small batches, so its time counts in the slice too.
      const batch: Event[] = [];
      const more = () => batch.length < 64 || (sink(batch.splice(0)), performance.now() < until);
      while (counted < shown && more()) {
        const ev = event(counted);
        // The graph reads in time order, ahead of the table or behind it (after a move back).
        if (counted === store.read) store.fill(ev);
        batch.push(ev);
        counted++;
      }
      if (batch.length) sink(batch.splice(0));
      let n = 0;
      while (counted >= shown && store.read < store.size && (++n % 64 !== 0 || performance.now() < until)) store.fill(event(store.read));
      return counted < shown || store.read < store.size;
    },
    progress: () => ({ events: shown, counted: stopped ? shown : counted, read: store.read, of: store.size }),
    stopReading: () => {
      stopped = true;
    },
    recorded(question) {
      const q = rec.questions.find((x) => x.question.id === question);
      const a = q?.answer && validAnswer(q.answer.data.diagnosis);
      return q?.answer && a ? { ts: q.answer.ts, diagnosis: a } : undefined;
    },
    questionSource(o) {
      if (o.probe !== 'none') throw readOnlyError();
      // "Ask why" on the recorded state at the scrubber, with the probe lines recorded up to then about A.
      const at = t;
      const source: QuestionSource = {
        view: frame.cluster,
        unavailable: [],
        evidence: {
          collect: async (plan, c) => {
            for (const p of rec.evidenceAt(at, plan.aIps)) {
              const line = recordedLine(p.line, p.ts);
              if (line) c.emit(line);
            }
            return [];
          },
        },
      };
      return { source, probes: frame.probes.length > 0 };
    },
    stop: async () => {},
  };
  return src;
}
