/**
 * A diagnosis in words: the sentences the CLI prints (`pathlight why`, `replay --why`), the
 * session report (src/core/report) and the UI's why panel show, written once so they agree.
 * The policy sentences inside it are src/core/policy/explain.ts's.
 */
import type { Diagnosis, Evidence, Finding } from './types.js';

/** The verdict as the CLI's first line and the report's badge say it. */
export const verdictText = { reachable: '✓ reachable', unreachable: '✗ unreachable', unknown: '? unknown' } as const;

/** Where a finding comes from, in words. */
export const sourceText = { both: 'objects + probes', static: 'objects', live: 'probes' } as const satisfies Record<Finding['source'], string>;

/** A fix that was re-evaluated and then lets the connection through. */
export const verifiedText = 'verified: the connection is then allowed';

/** How sure a finding is and where it comes from, e.g. `error, high confidence, from objects + probes, at the policy-ingress hop`. */
export function findingFacts(f: Pick<Finding, 'severity' | 'confidence' | 'source' | 'hop'>): string {
  return `${f.severity}, ${f.confidence} confidence, from ${sourceText[f.source]}, at the ${f.hop} hop`;
}

const mark = { ok: '✓', fail: '✗', warn: '!', unknown: '?', skipped: '·' } as const;

/** Wall-clock time of day of an ns timestamp, to the millisecond (UTC). */
/**
 * An HTTP exchange's request as a person reads it: `GET /cart?… (Host checkout:8080)` (the query
 * is never reported; `?…` says there was one). `unseen` stands for a request the probes did not
 * see (a connection older than the agent); `host: false` leaves the Host header out.
 */
export function httpRequestText(
  h: { method?: unknown; path?: unknown; queryStripped?: unknown; host?: unknown },
  o: { unseen?: string; host?: boolean } = {},
): string {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const [method, path, host] = [str(h.method), str(h.path), str(h.host)];
  if (!method && !path) return o.unseen ?? 'a request';
  return `${method ?? o.unseen ?? 'a request'}${path ? ` ${path}${h.queryStripped === true ? '?…' : ''}` : ''}${o.host !== false && host ? ` (Host ${host})` : ''}`;
}

export const clock = (ns: number) => new Date(ns / 1e6).toISOString().slice(11, 23);

/** The question: `A → B port P/PROTO`. */
export function queryText(d: Pick<Diagnosis, 'query'>): string {
  return `${d.query.from} → ${d.query.to}${d.query.port ? ` port ${d.query.port}` : ''}/${d.query.protocol}`;
}

/**
 * What the sentences read of an evidence item: the example event and the policy JSON are not
 * worded here, so an answer checked only as far as the API checks it (src/api/workbench.ts)
 * words the same.
 */
export type WordedEvidence = Evidence extends infer E
  ? E extends { type: 'events' }
    ? Omit<E, 'example'>
    : E extends { type: 'policy' }
      ? Omit<E, 'policy'>
      : E
  : never;

/** One evidence item as plain text lines. */
export function evidenceText(e: WordedEvidence): string[] {
  switch (e.type) {
    case 'object':
      return [`${e.ref.kind} ${e.ref.namespace ? `${e.ref.namespace}/` : ''}${e.ref.name}${e.field ? ` (${e.field})` : ''}: ${e.text}`];
    case 'policy':
      return e.text.split('\n');
    case 'events':
      // The text already counts the connections; the probes' own event count says how much was seen.
      return [`${e.text} — ${e.events} event${e.events === 1 ? '' : 's'}, ${clock(e.first)}–${clock(e.last)} on ${e.nodes.join(', ')}`];
    case 'rule':
      return [e.text, ...(e.rule ? [`rule: ${e.rule}`] : [])];
    case 'note':
      return [e.text];
  }
}

/** The connection outcomes of A → B the probes saw, e.g. `2 refused, 1 established` (empty: none). */
export function connectionsText(live: { connections: Record<string, number> }): string {
  return Object.entries(live.connections)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}

/** What the live part saw, in one sentence; undefined when no probes ran. */
export function liveText(d: { live?: { events: number; matched: number; lost: number; connections: Record<string, number> } | undefined }): string | undefined {
  if (!d.live) return undefined;
  return `${d.live.events} events from the probes, ${d.live.matched} about A → B; connections: ${connectionsText(d.live) || 'none seen'}${d.live.lost ? `; ${d.live.lost} events lost: the evidence may be incomplete` : ''}`;
}

/** Next to the verdict when the answer came from a view that stopped following the cluster; undefined otherwise. */
export function staleText(d: Pick<Diagnosis, 'stale'>): string | undefined {
  if (!d.stale) return undefined;
  const when = new Date(d.stale.since / 1e6).toISOString().replace('T', ' ').slice(0, 19);
  return `STALE: from the cluster as it was at ${when} UTC (the API server has not answered since${d.stale.error ? `: ${d.stale.error}` : ''})`;
}

/** Under the verdict when some nodes could not be probed: the live evidence is incomplete there. */
export function blindText(d: Pick<Diagnosis, 'blindSpots'>): string | undefined {
  if (!d.blindSpots?.length) return undefined;
  return `evidence incomplete: no probe on ${d.blindSpots.map((b) => `${b.node} (${b.reason})`).join(', ')}`;
}

/** The answer as a person reads it: verdict, path, ranked findings with evidence and fix. */
export function diagnosisText(d: Diagnosis): string {
  const out: string[] = [];
  const stale = staleText(d);
  out.push(`${verdictText[d.verdict]}: ${queryText(d)}${stale ? `  [${stale}]` : ''}`);
  const blind = blindText(d);
  if (blind) out.push(blind);
  out.push('');
  out.push('path:');
  for (const h of d.path) out.push(`  ${mark[h.verdict]} ${h.hop.padEnd(14)} ${h.label}${h.findings.length ? `  [${h.findings.join(', ')}]` : ''}`);
  out.push('');
  d.findings.forEach((f: Finding, i) => {
    out.push(`${i === 0 ? 'answer' : `${i + 1}.`.padEnd(6)} ${f.kind} (${f.severity}, ${f.confidence} confidence, ${sourceText[f.source]}) at ${f.hop}`);
    out.push(`       ${f.summary}`);
    for (const e of f.evidence) for (const l of evidenceText(e)) out.push(`       · ${l}`);
    if (f.fix) {
      out.push(`       fix: ${f.fix.description}${f.fix.verified ? ` (${verifiedText})` : ''}`);
      if (f.fix.kubectl) out.push(...f.fix.kubectl.split('\n').map((l) => `         ${l}`));
      if (f.fix.yaml && !f.fix.kubectl)
        out.push(
          ...f.fix.yaml
            .trimEnd()
            .split('\n')
            .map((l) => `         ${l}`),
        );
    }
    out.push('');
  });
  const live = liveText(d);
  if (live) out.push(`live: ${live}`);
  for (const n of d.notes) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}
