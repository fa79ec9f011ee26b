/**
 * "Ask why" on a recording: the same engine as live (`diagnose` with a Correlator), fed from a
 * replay frame instead of a cluster — the frame's ClusterView and the probe lines recorded with
 * their identities. A recorded question is re-asked with the probe lines of its own window
 * (from the question to its answer, when the probes ran for it) and the options it was asked
 * with (DNS zone, kinds the user could not list, whether probes ran), so the replayed answer is
 * the recorded one; the round-trip tests hold it to that.
 */
import type { ClusterKind } from '../cluster/view.js';
import { QuestionRun, recordedLine, type NodeReport, type Question } from '../diagnose/question.js';
import type { DiagnoseResult } from '../diagnose/diagnose.js';
import type { WhyQuery } from '../diagnose/query.js';
import type { Diagnosis } from '../diagnose/types.js';
import type { QuestionData } from './records.js';
import type { ReplayFrame, ReplayProbeEvent, ReplayQuestion, SessionReplay } from './replay.js';

/**
 * How a question was asked, as `pathlight record` / the app write it into the question's
 * `options` (all optional: questions from older or imported recordings lack them).
 */
export interface AskedOptions {
  /** How the probes ran: none (objects only), ssh or pod. */
  probe?: string;
  zone?: string;
  httpSlowMs?: number;
  /** Kinds the user could not list when it was asked (RBAC). */
  missing?: string[];
}

export interface AskOptions {
  zone?: string;
  httpSlowMs?: number;
  missing?: readonly ClusterKind[];
  /** Probe lines to correlate; undefined = no live part (as a question asked without probes). */
  probes?: readonly ReplayProbeEvent[];
  /** The nodes the probes ran on, as recorded (those that gave nothing are named in the answer). */
  nodes?: readonly NodeReport[];
}

/**
 * The diagnosis of `q` on the frame's cluster, with the given probe lines as live evidence: the
 * same QuestionRun a live question goes through, fed from the recording.
 */
export function askAt(frame: ReplayFrame, q: WhyQuery, o: AskOptions = {}): DiagnoseResult {
  const started = QuestionRun.start(frame.cluster, {
    ...q,
    ...(o.zone ? { zone: o.zone } : {}),
    ...(o.httpSlowMs ? { httpSlowMs: o.httpSlowMs } : {}),
    ...(o.missing?.length ? { missing: o.missing } : {}),
  });
  if (!started.ok) return started;
  const run = started.value;
  if (o.probes) {
    run.probed();
    feed(run, o.probes);
  }
  return { ok: true, value: run.answer({ nodes: o.nodes ?? [] }) };
}

/** Folds recorded probe lines (every type: stats and bye carry the losses) into a question's evidence. */
function feed(run: QuestionRun, probes: readonly ReplayProbeEvent[]): void {
  for (const p of probes) {
    const line = recordedLine(p.line, p.ts);
    if (line) run.add(line);
  }
}

/** The probe lines with `from <= ts <= to`, from a frame's (time-ordered) list. */
export function probesBetween(probes: readonly ReplayProbeEvent[], from: number, to: number): ReplayProbeEvent[] {
  return probes.filter((p) => p.ts >= from && p.ts <= to);
}

function askedOptions(q: QuestionData): AskedOptions {
  const o = (q.options ?? {}) as Record<string, unknown>;
  return {
    ...(typeof o.probe === 'string' ? { probe: o.probe } : {}),
    ...(typeof o.zone === 'string' ? { zone: o.zone } : {}),
    ...(typeof o.httpSlowMs === 'number' && o.httpSlowMs > 0 ? { httpSlowMs: o.httpSlowMs } : {}),
    ...(Array.isArray(o.missing) ? { missing: o.missing.filter((k): k is string => typeof k === 'string') } : {}),
  };
}

/** The question's query as the engine takes it. */
export function queryOf(q: QuestionData): WhyQuery {
  const protocol = typeof q.protocol === 'string' ? q.protocol.toUpperCase() : undefined;
  return {
    from: q.from,
    to: q.to,
    ...(q.port !== undefined ? { port: q.port } : {}),
    ...(protocol === 'TCP' || protocol === 'UDP' ? { protocol } : {}),
  };
}

export interface ReaskResult {
  question: ReplayQuestion;
  result: DiagnoseResult;
  /** The answer recorded at the time, when there is one. */
  recorded?: Diagnosis;
  /** The replayed findings (kind, hop, summary, in rank order) and verdict equal the recorded ones. */
  same?: boolean;
}

/** The nodes a recorded answer probed, with the error of those that gave nothing (as `why` records them). */
function recordedNodes(answer: ReplayQuestion['answer']): NodeReport[] {
  const nodes = answer?.data.nodes;
  if (!Array.isArray(nodes)) return [];
  return nodes.flatMap((n: { node?: unknown; why?: unknown; error?: { message?: unknown; hint?: unknown } }) =>
    n && typeof n.node === 'string'
      ? [
          {
            node: n.node,
            why: Array.isArray(n.why) ? n.why.filter((w): w is string => typeof w === 'string') : [],
            ...(n.error && typeof n.error.message === 'string'
              ? { error: { message: n.error.message, hint: typeof n.error.hint === 'string' ? n.error.hint : undefined } }
              : {}),
          },
        ]
      : [],
  );
}

/** Findings compared the way a person reads them: what, where, the sentence, in rank order. */
export function sameAnswer(a: Diagnosis, b: Diagnosis): boolean {
  const key = (d: Diagnosis) => JSON.stringify([d.verdict, d.findings.map((f) => [f.kind, f.hop, f.severity, f.summary])]);
  return key(a) === key(b);
}

/**
 * Every question recorded up to `t` (default: the end), re-asked on the recorded state at
 * min(its answer's time, t) with the probe lines of its window.
 */
export function reaskRecorded(replay: SessionReplay, t = replay.end ?? 0): ReaskResult[] {
  const questions = replay.at(t).questions;
  return questions.map((rq) => {
    const until = rq.answer ? Math.min(rq.answer.ts, t) : t;
    const frame = replay.at(until);
    const asked = askedOptions(rq.question);
    const window = probesBetween(frame.probes, rq.ts, until);
    const live = asked.probe !== undefined ? asked.probe !== 'none' : window.length > 0;
    const result = askAt(frame, queryOf(rq.question), {
      ...(asked.zone ? { zone: asked.zone } : {}),
      ...(asked.httpSlowMs ? { httpSlowMs: asked.httpSlowMs } : {}),
      ...(asked.missing ? { missing: asked.missing as ClusterKind[] } : {}),
      ...(live ? { probes: window } : {}),
      nodes: recordedNodes(rq.answer),
    });
    const recorded = rq.answer?.data.diagnosis as Diagnosis | undefined;
    const valid = recorded && typeof recorded === 'object' && Array.isArray(recorded.findings) ? recorded : undefined;
    return { question: rq, result, ...(valid ? { recorded: valid } : {}), ...(valid && result.ok ? { same: sameAnswer(valid, result.value) } : {}) };
  });
}

/**
 * The recorded lines a question on A asks for at `t`: as a live question's probes are filtered in
 * the kernel to A's addresses, only the lines that mention them count (and the agents' own
 * lines, which carry the losses) — found as text, so a long recording is not parsed line by line
 * to answer. Every line when A has no address.
 */
export function evidenceAt(replay: SessionReplay, t: number, aIps: readonly string[]): readonly ReplayProbeEvent[] {
  return aIps.length ? replay.probesMentioning(t, aIps) : replay.at(t).probes;
}

/** A question not recorded: asked on the state at `t` with the probe lines recorded up to `t` about A. */
export function askReplay(replay: SessionReplay, q: WhyQuery, t = replay.end ?? 0, o: { zone?: string } = {}): DiagnoseResult {
  const frame = replay.at(t);
  const question: Question = { ...q, ...(o.zone ? { zone: o.zone } : {}) };
  const started = QuestionRun.start(frame.cluster, question);
  if (!started.ok || frame.probes.length === 0) return started.ok ? { ok: true, value: started.value.answer() } : started;
  const run = started.value;
  run.probed();
  feed(run, evidenceAt(replay, t, run.plan().aIps));
  return { ok: true, value: run.answer() };
}
