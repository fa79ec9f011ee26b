/** Type-ahead for the query bar: the names of the open cluster ranked for what was typed. */
import type { ClusterNames } from '../../../api/index.js';

export interface Suggestion {
  value: string;
  kind: 'namespace' | 'workload' | 'pod' | 'service' | 'dns';
}

/** Best first: prefix matches of the whole name, then of its last part, then anywhere; at most `limit`. */
export function suggest(names: ClusterNames, text: string, side: 'from' | 'to', limit = 12): Suggestion[] {
  const t = text.trim().toLowerCase();
  const pools: Array<[Suggestion['kind'], string[]]> =
    side === 'from'
      ? [
          ['workload', names.workloads],
          ['pod', names.pods],
          ['namespace', names.namespaces.map((n) => `${n}/`)],
        ]
      : [
          ['service', names.services],
          ['dns', names.dns],
          ['workload', names.workloads],
          ['pod', names.pods],
        ];
  const scored: Array<Suggestion & { score: number }> = [];
  for (const [kind, list] of pools) {
    for (const value of list) {
      const v = value.toLowerCase();
      const last = v.slice(v.lastIndexOf('/') + 1);
      const score = !t ? 3 : v.startsWith(t) ? 0 : last.startsWith(t) ? 1 : v.includes(t) ? 2 : -1;
      if (score >= 0) scored.push({ value, kind, score });
    }
  }
  scored.sort((a, b) => a.score - b.score || a.value.length - b.value.length || a.value.localeCompare(b.value));
  return scored.slice(0, limit).map(({ value, kind }) => ({ value, kind }));
}
