/** Type-ahead for the query bar: the names of the open cluster ranked for what was typed. */
import type { ClusterNames } from '../../../api/index.js';

export interface Suggestion {
  value: string;
  kind: 'namespace' | 'workload' | 'pod' | 'service' | 'dns';
}

/** The namespace A names (`ns/name`, `ns/deploy/name`), or none (an IP, nothing typed yet). */
export function namespaceOf(from: string): string | undefined {
  const t = from.trim();
  const slash = t.indexOf('/');
  return slash > 0 ? t.slice(0, slash) : undefined;
}

/** Whether a name lives in `ns` (`ns/…` or a DNS name `svc.ns…`). */
function inNamespace(value: string, kind: Suggestion['kind'], ns: string): boolean {
  if (kind === 'dns') {
    const parts = value.split('.');
    return parts.length === 1 || parts[1] === ns;
  }
  return value.startsWith(`${ns}/`);
}

/**
 * Best first: names in A's namespace (`fromNamespace`, for To: what A's resolver finds first,
 * with the bare Service names its search path resolves), then prefix matches of the whole name,
 * then of its last part, then anywhere; at most `limit`.
 */
export function suggest(names: ClusterNames, text: string, side: 'from' | 'to', limit = 12, fromNamespace?: string): Suggestion[] {
  const t = text.trim().toLowerCase();
  const ns = side === 'to' ? fromNamespace : undefined;
  // A's own Services by their short name: `backend` resolves in A's namespace first.
  const short = ns ? names.services.filter((s) => s.startsWith(`${ns}/svc/`)).map((s) => s.slice(s.lastIndexOf('/') + 1)) : [];
  const pools: Array<[Suggestion['kind'], string[]]> =
    side === 'from'
      ? [
          ['workload', names.workloads],
          ['pod', names.pods],
          ['namespace', names.namespaces.map((n) => `${n}/`)],
        ]
      : [
          ['service', names.services],
          ['dns', [...short, ...names.dns]],
          ['workload', names.workloads],
          ['pod', names.pods],
        ];
  const scored: Array<Suggestion & { score: number; away: number }> = [];
  for (const [kind, list] of pools) {
    for (const value of list) {
      const v = value.toLowerCase();
      const last = v.slice(v.lastIndexOf('/') + 1);
      const score = !t ? 3 : v.startsWith(t) ? 0 : last.startsWith(t) ? 1 : v.includes(t) ? 2 : -1;
      if (score >= 0) scored.push({ value, kind, score, away: ns && !inNamespace(value, kind, ns) ? 1 : 0 });
    }
  }
  scored.sort((a, b) => a.away - b.away || a.score - b.score || a.value.length - b.value.length || a.value.localeCompare(b.value));
  return scored.slice(0, limit).map(({ value, kind }) => ({ value, kind }));
}
