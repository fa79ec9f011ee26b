/**
 * HTTP evidence (the agent's opt-in http probe): the exchanges of A → B — A's address at the
 * client end, one of B's (the Service's before DNAT, a backend's after) at the server end —
 * with their status codes and latency. When B answers 5xx, the network did its job and the
 * application did not: the `http-server-error` finding, on the backend hop. Each exchange is
 * counted once: from the client's socket when the probes saw it there, else from the server's.
 */
import { describeProcess } from '../../cluster/identity.js';
import { add, hop, type Check, type Ctx } from '../context.js';
import type { Correlator } from '../correlate.js';

type Exchange = Correlator['http'][number];

const ms = (ns: number) => `${(ns / 1e6).toFixed(1)} ms`;

/** The value below which `q` of the sorted values fall (nearest rank). */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function exchangesOf(ctx: Ctx): Exchange[] {
  const aIps = new Set<string>(ctx.source.kind === 'ip' ? [ctx.source.ip] : ctx.source.pods.flatMap((p) => p.ips));
  const ab = ctx.correlator!.http.filter((h) => aIps.has(h.src) && ctx.bSide.has(`${h.dst}|${h.dport}`));
  const client = ab.filter((h) => h.role === 'client');
  return client.length > 0 ? client : ab;
}

export const httpCheck: Check = {
  id: 'http',
  hop: 'backend',
  run(ctx) {
    if (!ctx.correlator || ctx.correlator.http.length === 0) return;
    const ex = exchangesOf(ctx);
    if (ex.length === 0) return;
    const failed = ex.filter((h) => h.status >= 500 && h.status <= 599);
    const latencies = ex.flatMap((h) => (h.latencyNs ? [h.latencyNs] : [])).sort((p, q) => p - q);
    const timing = latencies.length > 0 ? `, latency p50 ${ms(quantile(latencies, 0.5))}, p99 ${ms(quantile(latencies, 0.99))}` : '';
    const codes = new Map<number, number>();
    for (const h of ex) codes.set(h.status, (codes.get(h.status) ?? 0) + 1);
    const statusText = [...codes]
      .sort((p, q) => q[1] - p[1] || p[0] - q[0])
      .map(([code, n]) => `${n}× ${code}`)
      .join(', ');
    const seen = `${ex.length} HTTP request${ex.length === 1 ? '' : 's'} from A to ${ctx.target.label}: ${statusText}${timing}`;
    if (failed.length === 0) {
      ctx.notes.push(`${seen}.`);
      return;
    }
    const first = failed.reduce((p, q) => (q.ts < p.ts ? q : p));
    const by = describeProcess(first.proc, first.identities?.proc);
    const server = first.identities?.dst;
    const request = `${first.method ?? 'a request'}${first.path ? ` ${first.path}${first.queryStripped ? '?…' : ''}` : ''}${first.host ? ` (Host ${first.host})` : ''}`;
    const all = failed.length === ex.length;
    hop(ctx, 'backend', all ? 'fail' : 'warn', `${failed.length} of ${ex.length} HTTP requests answered 5xx`);
    add(ctx, {
      kind: 'http-server-error',
      hop: 'backend',
      severity: all ? 'error' : 'warning',
      confidence: 'high',
      source: 'live',
      summary: `B answers A with server errors: ${failed.length} of ${ex.length} HTTP request${ex.length === 1 ? '' : 's'} got a 5xx status (first: ${request} → ${first.status}). The network delivers the requests; the application behind ${ctx.target.label} fails them.`,
      evidence: [
        {
          type: 'note',
          text: `${seen}; first 5xx: ${request} → ${first.status}${first.latencyNs ? ` after ${ms(first.latencyNs)}` : ''}${by ? `, by ${by}` : ''}${server ? ` to ${server.kind} ${server.namespace ? `${server.namespace}/` : ''}${server.name}` : ''}.`,
        },
      ],
      fix: {
        description: `read the logs of the backend that answered ${first.status} (a 503 often means it is overloaded, not ready inside, or its own dependency is down)`,
        kubectl: ctx.backends[0] ? `kubectl -n ${ctx.backends[0].pod.namespace} logs ${ctx.backends[0].pod.name}` : 'kubectl logs <backend pod>',
      },
    });
  },
};
