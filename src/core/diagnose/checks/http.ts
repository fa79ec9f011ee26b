/**
 * HTTP evidence (the agent's opt-in http probe): the exchanges of A → B — A's address at the
 * client end, one of B's (the Service's before DNAT, a backend's after) at the server end —
 * with their status codes and latency. When B answers 5xx or 4xx, or answers slower than the
 * user's limit, the network did its job and the application did not: `http-server-error`,
 * `http-client-error` and `http-slow`, on the backend hop. Each exchange is counted once: from
 * the client's socket when the probes saw it there, else from the server's.
 */
import { describeProcess } from '../../cluster/identity.js';
import { add, hop, type Check, type Ctx } from '../context.js';
import type { Correlator } from '../correlate.js';
import { httpRequestText } from '../text.js';

type Exchange = Correlator['http'][number];

const ms = (ns: number) => `${(ns / 1e6).toFixed(1)} ms`;

/** The value below which `q` of the sorted values fall (nearest rank). */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A → B's lines, from the client's sockets when the probes saw them there, else the server's. */
function linesOf(ctx: Ctx): Exchange[] {
  const aIps = new Set<string>(ctx.source.kind === 'ip' ? [ctx.source.ip] : ctx.source.pods.flatMap((p) => p.ips));
  const ab = ctx.correlator!.http.filter((h) => aIps.has(h.src) && ctx.bSide.has(`${h.dst}|${h.dport}`));
  const client = ab.filter((h) => h.role === 'client');
  return client.length > 0 ? client : ab;
}

const requestText = (h: Exchange) => httpRequestText(h);

/** Where the first of them came from and went: `, by wget (pid 7) in ns/pod/c to pod ns/backend-…`. */
function endsText(h: Exchange): string {
  const by = describeProcess(h.proc, h.identities?.proc);
  const server = h.identities?.dst;
  return `${by ? `, by ${by}` : ''}${server ? ` to ${server.kind} ${server.namespace ? `${server.namespace}/` : ''}${server.name}` : ''}`;
}

/**
 * The example of a set of exchanges: the earliest whose request the probes saw (an exchange of a
 * connection opened before the agent has a status but no request to show), else the earliest.
 */
const firstOf = (xs: Exchange[]) => {
  const seen = xs.filter((h) => h.method);
  return (seen.length ? seen : xs).reduce((p, q) => (q.ts < p.ts ? q : p));
};

/**
 * B answered, with an error status: 5xx the application failed the request (`http-server-error`),
 * 4xx it refused it (`http-client-error`: a wrong path or method, missing credentials — or a 403
 * from an L7 policy of a mesh or Cilium in front of it). An error when every request got one.
 */
function statusFinding(ctx: Ctx, ex: Exchange[], bad: Exchange[], seen: string, cls: '4xx' | '5xx') {
  const first = firstOf(bad);
  const all = bad.length === ex.length;
  const server = cls === '5xx';
  const of = `${bad.length} of ${ex.length} HTTP request${ex.length === 1 ? '' : 's'}`;
  hop(ctx, 'backend', all ? 'fail' : 'warn', `${of} answered ${cls}`);
  const forbidden = bad.some((h) => h.status === 403);
  add(ctx, {
    kind: server ? 'http-server-error' : 'http-client-error',
    hop: 'backend',
    severity: all ? 'error' : 'warning',
    confidence: 'high',
    source: 'live',
    summary: server
      ? `B answers A with server errors: ${of} got a 5xx status (first: ${requestText(first)} → ${first.status}). The network delivers the requests; the application behind ${ctx.target.label} fails them.`
      : `B refuses A's requests: ${of} got a 4xx status (first: ${requestText(first)} → ${first.status}). The network delivers them; ${
          forbidden
            ? `403 Forbidden comes from the application's authorization or from an L7 policy in front of it (a service mesh, Cilium's HTTP rules)`
            : 'the request is not one the application accepts (path, method, credentials)'
        }.`,
    evidence: [
      {
        type: 'note',
        text: `${seen}; first ${cls}: ${requestText(first)} → ${first.status}${first.latencyNs ? ` after ${ms(first.latencyNs)}` : ''}${endsText(first)}.`,
      },
    ],
    fix: server
      ? {
          description: `read the logs of the backend that answered ${first.status} (a 503 often means it is overloaded, not ready inside, or its own dependency is down)`,
          kubectl: ctx.backends[0] ? `kubectl -n ${ctx.backends[0].pod.namespace} logs ${ctx.backends[0].pod.name}` : 'kubectl logs <backend pod>',
        }
      : {
          description: forbidden
            ? 'check the L7 policies in front of B (Istio AuthorizationPolicy, CiliumNetworkPolicy http rules) and the credentials A sends'
            : `check the path and method A asks for against what B serves (${requestText(first)} → ${first.status})`,
          ...(ctx.backends[0] ? { kubectl: `kubectl -n ${ctx.backends[0].pod.namespace} logs ${ctx.backends[0].pod.name}` } : {}),
        },
  });
}

/** B answers, but its p99 latency is above the limit the user set (`--http-slow`, 1 s by default). */
function slowFinding(ctx: Ctx, ex: Exchange[], latencies: number[], seen: string) {
  const limit = ctx.httpSlowMs * 1e6;
  const over = ex.filter((h) => (h.latencyNs ?? 0) > limit);
  const slowest = over.reduce((p, q) => ((q.latencyNs ?? 0) > (p.latencyNs ?? 0) ? q : p));
  add(ctx, {
    kind: 'http-slow',
    hop: 'backend',
    severity: 'warning',
    confidence: latencies.length >= 5 ? 'high' : 'medium',
    source: 'live',
    summary: `B answers A slowly: p99 ${ms(quantile(latencies, 0.99))} over ${latencies.length} HTTP request${latencies.length === 1 ? '' : 's'}, above the ${ms(limit)} limit; ${over.length} took longer (slowest: ${requestText(slowest)} → ${slowest.status} after ${ms(slowest.latencyNs ?? 0)}).`,
    evidence: [{ type: 'note', text: `${seen}; slowest: ${requestText(slowest)}${endsText(slowest)}.` }],
    fix: {
      description: `find what B waits on for these requests (its own dependencies, CPU throttling); the limit is set with --http-slow`,
      ...(ctx.backends[0] ? { kubectl: `kubectl -n ${ctx.backends[0].pod.namespace} top pod ${ctx.backends[0].pod.name}` } : {}),
    },
  });
  hop(ctx, 'backend', 'warn', `HTTP p99 ${ms(quantile(latencies, 0.99))} above ${ms(limit)}`);
}

export const httpCheck: Check = {
  id: 'http',
  hop: 'backend',
  run(ctx) {
    if (!ctx.correlator || ctx.correlator.http.length === 0) return;
    const lines = linesOf(ctx);
    const ex = lines.filter((h) => !h.encrypted);
    const tls = lines.length - ex.length;
    if (tls > 0)
      ctx.notes.push(
        `${tls} TLS connection${tls === 1 ? '' : 's'} from A to ${ctx.target.label}: encrypted, not decoded (no HTTP status or latency can be read from them).`,
      );
    if (ex.length === 0) return;
    const latencies = ex.flatMap((h) => (h.latencyNs ? [h.latencyNs] : [])).sort((p, q) => p - q);
    const timing = latencies.length > 0 ? `, latency p50 ${ms(quantile(latencies, 0.5))}, p99 ${ms(quantile(latencies, 0.99))}` : '';
    const codes = new Map<number, number>();
    for (const h of ex) codes.set(h.status, (codes.get(h.status) ?? 0) + 1);
    const statusText = [...codes]
      .sort((p, q) => q[1] - p[1] || p[0] - q[0])
      .map(([code, n]) => `${n}× ${code}`)
      .join(', ');
    const seen = `${ex.length} HTTP request${ex.length === 1 ? '' : 's'} from A to ${ctx.target.label}: ${statusText}${timing}`;
    const slow = latencies.length > 0 && quantile(latencies, 0.99) > ctx.httpSlowMs * 1e6;
    if (slow) slowFinding(ctx, ex, latencies, seen);
    const serverErrors = ex.filter((h) => h.status >= 500 && h.status <= 599);
    const clientErrors = ex.filter((h) => h.status >= 400 && h.status <= 499);
    if (serverErrors.length > 0) statusFinding(ctx, ex, serverErrors, seen, '5xx');
    if (clientErrors.length > 0) statusFinding(ctx, ex, clientErrors, seen, '4xx');
    if (serverErrors.length + clientErrors.length === 0 && !slow) ctx.notes.push(`${seen}.`);
  },
};
