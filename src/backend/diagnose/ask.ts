/**
 * The one way a question reaches the engine. `pathlight why` / `record` (runWhy, recordWhy), the
 * API's why.ask on a live, fake or recorded cluster: each is a source — a cluster view and, when
 * it has one, a feed of evidence — handed to `ask`, which takes the query once, runs the static
 * diagnosis once (core's QuestionRun), plans the probes, passes the caller's signal down to the
 * transports (a cancel stops every agent of the question), folds the decoded agent lines into
 * the correlator and returns the answer.
 */
import { randomUUID } from 'node:crypto';
import type { ClusterKind, ClusterView } from '../../core/index.js';
import {
  QuestionRun,
  questionOf,
  type Diagnosis,
  type EvidenceLine,
  type NodeReport,
  type ProbePlan,
  type Question,
  type Stale,
} from '../../core/diagnose/index.js';
import type { TestRequest } from '../../core/probe/protocol.js';
import { PathlightError, type ApiError } from '../../api/index.js';

/** How far a node's probe has got, for the CLI and the UI. */
export type Progress = (node: string, stage: string, detail?: string) => void;

export interface CollectOptions {
  /** Aborted when the question is cancelled: every agent stops, and `collect` settles soon after. */
  signal: AbortSignal;
  /** Every agent line, decoded and with the identities of its ends, as it arrives. */
  emit(line: EvidenceLine): void;
  progress: Progress;
  /** Sent to the agent on the plan's `aNode` once it streams: a lookup and a connection from inside A (generates traffic). */
  active?: TestRequest | undefined;
}

/** Where a question's live evidence comes from: probes on the nodes, or lines recorded earlier. */
export interface EvidenceSource {
  /** Collects evidence for the plan until the probes' time is over or the signal aborts; says how each node went. */
  collect(plan: ProbePlan, o: CollectOptions): Promise<NodeReport[]>;
}

/** A cluster to ask on: what it holds, what this user could not read, and, when it has one, its evidence. */
export interface QuestionSource {
  readonly view: ClusterView;
  readonly unavailable: ReadonlyArray<{ kind: string; reason: 'not-installed' | 'forbidden' | 'error'; message: string }>;
  /** Kinds that could not be listed (RBAC) and so shape the answer; default: every unavailable kind that is installed. */
  readonly missing?: readonly ClusterKind[];
  /** What every answer on this source should say (e.g. kinds read in some namespaces only). */
  notes?(): string[];
  /** Whether the view still follows the cluster; an answer from one that does not says so. */
  health?(): { state: 'live' | 'reconnecting' | 'stale'; since?: number | undefined; error?: string | undefined };
  readonly evidence?: EvidenceSource | undefined;
}

export interface AskRequest {
  from: string;
  to: string;
  port?: number | string | undefined;
  protocol?: 'TCP' | 'UDP' | undefined;
  zone?: string | undefined;
  /** HTTP p99 latency above which B is called slow, in ms. */
  httpSlowMs?: number | undefined;
  /** Collect live evidence (the source must have some). */
  probes: boolean;
  /** Have the agent on A's node look B up and connect to it (generates traffic). */
  active?: boolean | undefined;
}

/** What a caller can watch while a question runs. */
export interface AskSinks {
  /** The static answer, before any probe has started. */
  static?(d: Diagnosis): void;
  progress?: Progress;
  /** Every agent line (hello, stats and bye included), with identities: what a recording keeps. */
  line?(line: EvidenceLine): void;
}

export interface Answer {
  diagnosis: Diagnosis;
  /** The static answer, before any probe ran. */
  staticDiagnosis: Diagnosis;
  /** The nodes the probes ran on and why, or why they gave nothing. */
  nodes: NodeReport[];
}

export const cancelledError = (): PathlightError => new PathlightError({ code: 'cancelled', message: 'The question was cancelled.' });

/** Kinds a source could not list that shape the answer. */
export const missingOf = (s: QuestionSource): ClusterKind[] => [
  ...(s.missing ?? s.unavailable.filter((u) => u.reason !== 'not-installed').map((u) => u.kind as ClusterKind)),
];

export async function ask(source: QuestionSource, req: AskRequest, o: { signal?: AbortSignal | undefined; sinks?: AskSinks } = {}): Promise<Answer> {
  const sinks = o.sinks ?? {};
  const question: Question = questionOf({ ...req, missing: missingOf(source) });
  const started = QuestionRun.start(source.view, question);
  if (!started.ok) throw refused(source, started.error);
  const run = started.value;
  const notes = source.notes?.() ?? [];
  const stale = staleOf(source);
  const staticDiagnosis = run.answer({ notes, stale });
  sinks.static?.(staticDiagnosis);
  if (!req.probes) return { diagnosis: staticDiagnosis, staticDiagnosis, nodes: [] };
  if (!source.evidence)
    throw new PathlightError({ code: 'invalid-request', message: 'This cluster has no live evidence to collect.', hint: 'Ask without probes.' });
  const plan = run.plan();
  if (plan.nodes.length === 0)
    throw new PathlightError({
      code: 'invalid-request',
      message: `no node to probe: A (${req.from}) and B (${req.to}) have no scheduled pods`,
      hint: 'probe without --probe, or ask about pods that run',
    });
  const signal = o.signal ?? new AbortController().signal;
  if (signal.aborted) throw cancelledError();
  run.probed();
  const nodes = await source.evidence.collect(plan, {
    signal,
    emit: (line) => {
      run.add(line);
      sinks.line?.(line);
    },
    progress: (node, stage, detail) => sinks.progress?.(node, stage, detail),
    active: req.active ? run.activeTest(randomUUID(), plan.aIps[0]) : undefined,
  });
  if (signal.aborted) throw cancelledError();
  return { diagnosis: run.answer({ nodes, notes, stale: staleOf(source) }), staticDiagnosis, nodes };
}

/** The source's staleness as the answer states it, when it is not live. */
function staleOf(source: QuestionSource): Stale | undefined {
  const h = source.health?.();
  return h && h.state !== 'live' ? { state: h.state, since: h.since ?? Date.now() * 1e6, ...(h.error ? { error: h.error } : {}) } : undefined;
}

/** A question the cluster cannot read (no such A or B): said as such, and as a permission gap when it may be one. */
function refused(source: QuestionSource, error: { message: string; hint: string; meant?: string; field?: 'from' | 'to' }): PathlightError {
  const gaps = source.unavailable.filter((u) => u.reason === 'forbidden' && ['Pod', 'Service', 'Namespace'].includes(u.kind)).map((u) => u.message);
  const detail: ApiError = {
    code: gaps.length ? 'cluster-forbidden' : 'invalid-request',
    message: `${error.message}${gaps.length ? ` — but this user cannot see everything: ${gaps.join(' ')}` : ''}`,
    hint: gaps.length
      ? 'ask with a kubeconfig that may list pods and Services in these namespaces (kubectl auth can-i list pods -n NS), or ask about a namespace you can read'
      : error.hint,
    ...(error.meant && error.field ? { suggestions: [{ field: error.field, value: error.meant }] } : {}),
  };
  return new PathlightError(detail);
}
