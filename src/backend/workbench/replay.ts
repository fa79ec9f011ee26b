/**
 * A recording as a workbench source (mode `replay`): the same graph model, events table and why
 * panel as a live cluster, fed from the file at the instant the user scrubbed to. Read-only —
 * no probes run and nothing is sent to any cluster; "ask why" re-runs the diagnosis on the
 * recorded state at that instant (`OpenedRecording.why`), with every probe event recorded up to
 * then as live evidence.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { diagnose as d, ClusterView, ReplayFrame } from '../../core/index.js';
import { PathlightError, diagnosisSchema, maxRecordingUploadBytes, type DiagnosisJson, type RecordingSource, type ReplayInfo } from '../../api/index.js';
import { openRecording, type OpenedRecording } from '../store/open.js';
import type { AskOptions, ClusterSource } from './source.js';

type Event = d.ProbeEvent & { node: string };

const eventTypes = new Set(['drop', 'dns', 'tcp']);

/** The agent line as the events table and the graph show it (drops, DNS, TCP, with their identities); undefined for any other line. */
function eventOf(p: ReplayFrame['probes'][number]): Event | undefined {
  const line = p.line;
  if (typeof line.type !== 'string' || !eventTypes.has(line.type) || typeof line.node !== 'string') return undefined;
  return { ...line, ts: typeof line.ts === 'number' ? line.ts : p.ts } as unknown as Event;
}

/** Index of the first element of the ascending list `xs` that is >= `x`. */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface ReplaySource extends ClusterSource {
  readonly mode: 'replay';
  readonly info: ReplayInfo;
  /** The instant shown (ns). */
  readonly time: number;
  /** Moves to `t` (clamped to the recording): the new view, and the events up to `t` (all of them, or only those after the previous instant when moving forward). */
  seek(t: number): { t: number; view: ClusterView; events: Event[]; reset: boolean; total: number };
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
    if (!st.isFile()) throw new PathlightError({ code: 'recording-unreadable', message: `${file} is not a file.`, hint: 'Choose a .pathlight recording.', file });
    if (st.size > fileSizeLimit) throw new PathlightError({ code: 'recording-unreadable', message: `${file} is ${(st.size / 1024 ** 3).toFixed(1)} GiB, more than a recording can be.`, hint: 'Choose a .pathlight recording.', file });
    return replaySource(await openRecording(file), path.basename(file), file);
  }
  const bytes = Buffer.from(source.base64, 'base64');
  if (bytes.length > maxRecordingUploadBytes) {
    throw new PathlightError({ code: 'invalid-request', message: `${source.name} is too large to send from the browser (${(bytes.length / 1024 ** 2).toFixed(1)} MiB).`, hint: 'Start the app with `pathlight serve --open FILE` on the machine holding it.' });
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
  return new PathlightError({ code: 'invalid-request', message: 'A recording is read-only: probes and the active test cannot run on it.', hint: 'Ask with probes off (the answer uses the probe events recorded up to the scrubber); connect to a live cluster to probe.' });
}

export function replaySource(rec: OpenedRecording, name: string, file: string | undefined): ReplaySource {
  const start = rec.start ?? 0;
  const end = rec.end ?? 0;
  let t = end;
  let frame = rec.frameAt(t);
  // The events handed out so far (none until the first seek, the session's opening one), and
  // the position of each in the frame's probe list: a probe line is read (parsed) once, when a
  // seek first moves past it; moving back cuts this list instead of reading anything again.
  const shown: Event[] = [];
  const shownAt: number[] = [];
  // Probe lines of the frame read so far.
  let read = 0;
  const src: ReplaySource = {
    mode: 'replay',
    info: info(rec, name, file),
    get time() {
      return t;
    },
    get view() {
      return frame.cluster;
    },
    unavailable: [],
    onChange: () => () => {},
    seek(to) {
      const next = Math.min(end, Math.max(start, to));
      const forward = next >= t;
      frame = rec.frameAt(next);
      t = next;
      const probes = frame.probes;
      if (!forward) {
        const keep = lowerBound(shownAt, probes.length);
        shown.length = keep;
        shownAt.length = keep;
        read = Math.min(read, probes.length);
      }
      const from = shown.length;
      for (; read < probes.length; read++) {
        const ev = eventOf(probes[read]!);
        if (!ev) continue;
        shown.push(ev);
        shownAt.push(read);
      }
      return { t, view: frame.cluster, events: forward ? shown.slice(from) : [...shown], reset: !forward, total: shown.length };
    },
    recorded(question) {
      const q = rec.questions.find((x) => x.question.id === question);
      const a = q?.answer && validAnswer(q.answer.data.diagnosis);
      return q?.answer && a ? { ts: q.answer.ts, diagnosis: a } : undefined;
    },
    async ask(o: AskOptions) {
      if (o.probe !== 'none' || o.active) throw readOnlyError();
      const r = rec.why({ from: o.from, to: o.to, ...(o.port !== undefined ? { port: o.port } : {}), ...(o.protocol ? { protocol: o.protocol } : {}) }, t);
      if (!r.ok) throw new PathlightError({ code: 'invalid-request', message: r.error.message, hint: r.error.hint });
      o.onStatic(r.value);
      return r.value;
    },
    stop: async () => {},
  };
  return src;
}
