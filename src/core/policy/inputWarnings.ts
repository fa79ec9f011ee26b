/**
 * What the engine did not take from its input as given, summed up for the user: objects it
 * skipped (a kind it does not read, no kind, a policy kind of another API group, a List item
 * without kind), namespaced objects without a namespace (taken in `default`, as `kubectl apply`
 * without `-n` would), and namespaces referenced but not defined (taken with the
 * `kubernetes.io/metadata.name` label only). Each with its count and the first few places, so a
 * dump that silently lost half its objects says so.
 */
import type { PolicyIndex } from './policyIndex.js';
import { READ_KINDS, POLICY_KINDS } from './policyIndex.js';
import { isObj } from './issues.js';
import type { ManifestObject } from './manifests.js';

export interface InputWarning {
  /** `skipped`, `no-namespace` or `undefined-namespace`. */
  code: 'skipped' | 'no-namespace' | 'undefined-namespace';
  count: number;
  message: string;
  /** The first few places (file:line), or namespace names for `undefined-namespace`. */
  first: string[];
}

/** How many places a warning lists. */
export const FIRST_FEW = 5;

/** Namespaces every cluster has, labelled with their name only unless someone added labels. */
const BUILT_IN_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/** Kinds of cluster-scoped objects the engine reads (everything else it reads is namespaced). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'AdminNetworkPolicy',
  'BaselineAdminNetworkPolicy',
  'ClusterNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
]);

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function listText(items: readonly string[], total: number): string {
  return items.join(', ') + (total > items.length ? `, … (${total - items.length} more)` : '');
}

export function inputWarnings(index: PolicyIndex): InputWarning[] {
  const out: InputWarning[] = [];
  const skipped: Array<() => string> = [];
  const byKind = new Map<string, number>();
  const noNamespace: Array<() => string> = [];
  const where = (file: string, line?: number) => (line ? `${file}:${line}` : file);
  // An item placed at its list's line (a JSON list) is named by its index: finding its own line
  // would take the position-keeping parser over the whole file.
  const placeOf = (mo: ManifestObject) => () => where(mo.file, mo.line) + (mo.listItem !== undefined ? ` items[${mo.listItem}]` : '');
  for (const mo of index.objects) {
    const kind = typeof mo.obj.kind === 'string' ? mo.obj.kind : '';
    const policyKind = POLICY_KINDS[kind];
    const read = policyKind ? String(mo.obj.apiVersion ?? '').startsWith(`${policyKind.group}/`) : READ_KINDS.has(kind);
    if (!read) {
      skipped.push(placeOf(mo));
      const label = kind || 'no kind';
      byKind.set(label, (byKind.get(label) ?? 0) + 1);
      continue;
    }
    const m = isObj(mo.obj.metadata) ? mo.obj.metadata : {};
    if (!CLUSTER_SCOPED.has(kind) && (typeof m.namespace !== 'string' || m.namespace === '')) noNamespace.push(placeOf(mo));
  }
  // List items without kind never became objects; their diagnostics say where they are.
  for (const d of index.diagnostics) {
    if (d.severity === 'warning' && d.field?.startsWith('items[') && /skipped/.test(d.message)) {
      skipped.push(() => where(d.file, d.line));
      byKind.set('List item without kind', (byKind.get('List item without kind') ?? 0) + 1);
    }
  }
  if (skipped.length > 0) {
    const kinds = [...byKind]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([k, n]) => `${k} ×${n}`)
      .join(', ');
    const first = skipped.slice(0, FIRST_FEW).map((f) => f());
    out.push({
      code: 'skipped',
      count: skipped.length,
      first,
      message: `${plural(skipped.length, 'object')} skipped, not read by the policy engine (${kinds}): ${listText(first, skipped.length)}`,
    });
  }
  if (noNamespace.length > 0) {
    const first = noNamespace.slice(0, FIRST_FEW).map((f) => f());
    out.push({
      code: 'no-namespace',
      count: noNamespace.length,
      first,
      message: `${plural(noNamespace.length, 'object')} without metadata.namespace taken in namespace default (as kubectl apply without -n would): ${listText(first, noNamespace.length)}`,
    });
  }
  // A namespaceSelector on other labels matches none of these: say that they were guessed.
  const implied = [...index.namespaces.values()].filter((n) => n.implied && !BUILT_IN_NAMESPACES.has(n.name)).map((n) => n.name);
  if (implied.length > 0) {
    const shown = implied.slice(0, FIRST_FEW).join(', ') + (implied.length > FIRST_FEW ? ` and ${implied.length - FIRST_FEW} more` : '');
    out.push({
      code: 'undefined-namespace',
      count: implied.length,
      first: implied.slice(0, FIRST_FEW),
      message: `${implied.length === 1 ? 'namespace' : 'namespaces'} ${shown} not defined in the manifests: taken with the kubernetes.io/metadata.name label only`,
    });
  }
  return out;
}
