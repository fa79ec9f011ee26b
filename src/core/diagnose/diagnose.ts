/**
 * "Why can't A talk to B?": the checks of the registry run hop by hop on the cluster (and on
 * the live evidence when probes ran), then the findings are ranked and the verdict drawn.
 * Pure and deterministic: the same cluster, question and events give the same answer, which
 * is what replays and the golden tests rely on.
 */
import type { ClusterKind, ClusterView } from '../cluster/view.js';
import { Cluster } from './cluster.js';
import type { Correlator } from './correlate.js';
import { add, type Check, type Ctx } from './context.js';
import { parseSource, parseTarget, type QueryError, type WhyQuery } from './query.js';
import { sourceCheck } from './checks/source.js';
import { dnsNameCheck, dnsReachCheck } from './checks/dns.js';
import { serviceCheck } from './checks/service.js';
import { endpointsCheck } from './checks/endpoints.js';
import { backendCheck } from './checks/backend.js';
import { policyCheck } from './checks/policy.js';
import { liveCheck } from './checks/live.js';
import { rulesCheck } from './checks/rules.js';
import { httpCheck } from './checks/http.js';
import { hopKinds, type Diagnosis, type Evidence, type Finding, type Verdict } from './types.js';

/** The checks, in hop order. Each lives in checks/<name>.ts with its own tests. */
export const checks: readonly Check[] = [
  sourceCheck,
  dnsNameCheck,
  dnsReachCheck,
  serviceCheck,
  endpointsCheck,
  backendCheck,
  policyCheck,
  liveCheck,
  rulesCheck,
  httpCheck,
];

export interface DiagnoseOptions {
  /** The cluster DNS zone (default cluster.local). */
  zone?: string;
  /** HTTP p99 latency above which B is called slow (`http-slow`), in ms (default 1000). */
  httpSlowMs?: number;
  /** Live evidence, when probes ran. */
  correlator?: Correlator;
  /** Kinds the cluster view could not list (RBAC): named in the notes, checks that need them say so. */
  missing?: readonly ClusterKind[];
}

export type DiagnoseResult = { ok: true; value: Diagnosis } | { ok: false; error: QueryError & { field?: 'from' | 'to' } };

const severityRank = { error: 0, warning: 1, info: 2 } as const;
const confidenceRank = { high: 0, medium: 1, low: 2 } as const;
const sourceRank = { both: 0, static: 1, live: 2 } as const;

/** Errors first; among them the earliest hop (it masks the later ones), then the surest. */
export function rank(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank[a.severity] - severityRank[b.severity] ||
      hopKinds.indexOf(a.hop) - hopKinds.indexOf(b.hop) ||
      confidenceRank[a.confidence] - confidenceRank[b.confidence] ||
      sourceRank[a.source] - sourceRank[b.source] ||
      a.kind.localeCompare(b.kind),
  );
}

function verdictOf(ctx: Ctx): Verdict {
  if (ctx.findings.some((f) => f.severity === 'error')) return 'unreachable';
  if ((ctx.counts?.established ?? 0) > 0) return 'reachable';
  if (ctx.findings.some((f) => f.severity === 'warning')) return 'unknown';
  const unknownHop = [...ctx.hops.values()].some((h) => h.verdict === 'unknown' && h.hop !== 'network');
  return unknownHop ? 'unknown' : 'reachable';
}

/** The `reachable` finding: what says A → B works (the allowing policies, the established connections). */
function reachable(ctx: Ctx) {
  const evidence: Evidence[] = [];
  for (const h of ['dns', 'service', 'endpoints', 'backend', 'policy-egress', 'policy-ingress'] as const) {
    const hop = ctx.hops.get(h);
    if (hop && hop.verdict === 'ok') evidence.push({ type: 'note', text: `${h}: ${hop.label}` });
  }
  if (ctx.established) evidence.push(ctx.established);
  const live = ctx.counts?.established ?? 0;
  add(ctx, {
    kind: 'reachable',
    hop: 'network',
    severity: 'info',
    confidence: live > 0 ? 'high' : 'medium',
    source: live > 0 ? 'both' : 'static',
    summary: `${ctx.source.label} can reach ${ctx.target.label}${ctx.servicePort ? ` on ${ctx.servicePort.port}/${ctx.protocol}` : ctx.directPort ? ` on ${ctx.directPort}/${ctx.protocol}` : ''}: ${live > 0 ? `${live} connections were established while the probes watched` : 'every hop checks out (name, Service, ready endpoints, policies)'}.`,
    evidence,
  });
}

export function diagnose(view: ClusterView | Cluster, q: WhyQuery, opts: DiagnoseOptions = {}): DiagnoseResult {
  const cluster = view instanceof Cluster ? view : new Cluster(view, opts.missing);
  const source = parseSource(cluster, q.from);
  if ('message' in source)
    return {
      ok: false,
      error: { message: `A: ${source.message}`, hint: source.hint, ...(source.meant ? { meant: source.meant, field: 'from' as const } : {}) },
    };
  const parsed = parseTarget(cluster, q.to);
  if ('message' in parsed)
    return { ok: false, error: { message: `B: ${parsed.message}`, hint: parsed.hint, ...(parsed.meant ? { meant: parsed.meant, field: 'to' as const } : {}) } };
  let port: number | string | undefined = q.port ?? parsed.port;
  if (typeof port === 'string' && /^\d+$/.test(port)) port = Number(port);
  if (typeof port === 'number' && !(Number.isInteger(port) && port >= 1 && port <= 65535))
    return { ok: false, error: { message: `port ${port} is not a port number`, hint: 'use 1–65535 or a port name' } };
  const ctx: Ctx = {
    cluster,
    zone: opts.zone ?? 'cluster.local',
    httpSlowMs: opts.httpSlowMs ?? 1000,
    protocol: q.protocol ?? 'TCP',
    source,
    target: parsed.target,
    port,
    a: source.kind === 'pods' ? source.pods[0] : undefined,
    backends: [],
    bSide: new Set(),
    correlator: opts.correlator,
    findings: [],
    hops: new Map(),
    notes: cluster.missing.length ? [`could not list ${[...cluster.missing].sort().join(', ')} (permissions): checks that need them may be incomplete.`] : [],
  };
  for (const check of checks) check.run(ctx);
  if (!ctx.findings.some((f) => f.severity === 'error')) reachable(ctx);
  const findings = rank(ctx.findings);
  const corr = opts.correlator;
  const value: Diagnosis = {
    verdict: verdictOf(ctx),
    query: {
      from: source.label,
      to: parsed.target.label,
      ...(parsed.target.kind === 'service' && parsed.target.nodePort
        ? { port: parsed.target.nodePort.port }
        : ctx.servicePort
          ? { port: ctx.servicePort.port }
          : typeof port === 'number'
            ? { port }
            : ctx.directPort
              ? { port: ctx.directPort }
              : {}),
      protocol: ctx.protocol,
    },
    findings,
    path: hopKinds.flatMap((k) => {
      const h = ctx.hops.get(k);
      return h ? [h] : [];
    }),
    notes: ctx.notes,
  };
  if (corr) {
    const counts = ctx.counts ?? { established: 0, refused: 0, timeout: 0, unreachable: 0, reset: 0 };
    const matched = findings.flatMap((f) => f.evidence).reduce((n, e) => n + (e.type === 'events' ? e.events : 0), 0);
    value.live = { window: corr.window, events: corr.events, matched, connections: counts, lost: corr.lost };
    if (corr.lost > 0) value.notes.push(`the probes lost ${corr.lost} events: the live evidence may be incomplete.`);
  }
  return { ok: true, value };
}
