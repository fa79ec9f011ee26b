/**
 * Label selectors (`matchLabels` + `matchExpressions`, ANDed) compiled once into predicates.
 * Semantics as in apimachinery: an empty selector matches everything; `NotIn` and
 * `DoesNotExist` match objects without the key.
 */
import type { Labels } from './model.js';
import { isObj, type Issues } from './issues.js';

export type LabelPredicate = (labels: Labels) => boolean;

export interface CompiledSelector {
  match: LabelPredicate;
  /** `app=web,tier in (a,b)`; `(all)` for the empty selector. */
  text: string;
  empty: boolean;
}

export interface SelectorOptions {
  /** Rewrites keys before matching (Cilium's `k8s:` source prefixes). */
  key?: (key: string) => string;
}

export const MATCH_ALL: CompiledSelector = { match: () => true, text: '(all)', empty: true };

type Requirement = (labels: Labels) => boolean;

export function compileSelector(raw: unknown, path: string, issues: Issues, opts: SelectorOptions = {}): CompiledSelector | null {
  if (raw === undefined || raw === null) return MATCH_ALL;
  if (!isObj(raw)) {
    issues.error(path, 'a label selector must be an object');
    return null;
  }
  const norm = opts.key ?? ((k: string) => k);
  const reqs: Requirement[] = [];
  const texts: string[] = [];
  const ml = raw.matchLabels;
  if (ml !== undefined && ml !== null) {
    if (!isObj(ml)) issues.error(`${path}.matchLabels`, 'matchLabels must be a map of strings');
    else
      for (const [k0, v] of Object.entries(ml)) {
        const k = norm(k0);
        const value = v === null || v === undefined ? '' : String(v);
        reqs.push((l) => l[k] === value);
        texts.push(`${k0}=${value}`);
      }
  }
  const me = raw.matchExpressions;
  if (me !== undefined && me !== null) {
    if (!Array.isArray(me)) issues.error(`${path}.matchExpressions`, 'matchExpressions must be a list');
    else me.forEach((e, i) => compileExpression(e, `${path}.matchExpressions[${i}]`, issues, norm, reqs, texts));
  }
  if (reqs.length === 0) return MATCH_ALL;
  const match: LabelPredicate = reqs.length === 1 ? (reqs[0] as Requirement) : (labels) => reqs.every((r) => r(labels));
  return { match, text: texts.join(','), empty: false };
}

function compileExpression(e: unknown, path: string, issues: Issues, norm: (k: string) => string, reqs: Requirement[], texts: string[]): void {
  if (!isObj(e) || typeof e.key !== 'string' || typeof e.operator !== 'string') {
    issues.error(path, 'a match expression needs a string key and operator');
    return;
  }
  const key = norm(e.key);
  const values = Array.isArray(e.values) ? e.values.map(String) : [];
  const op = e.operator;
  if ((op === 'In' || op === 'NotIn') && values.length === 0) {
    issues.error(`${path}.values`, `operator ${op} needs at least one value`);
    return;
  }
  if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) {
    issues.error(`${path}.values`, `operator ${op} takes no values`);
    return;
  }
  const set = new Set(values);
  switch (op) {
    case 'In':
      reqs.push((l) => l[key] !== undefined && set.has(l[key] as string));
      texts.push(`${e.key} in (${values.join(',')})`);
      return;
    case 'NotIn':
      reqs.push((l) => l[key] === undefined || !set.has(l[key] as string));
      texts.push(`${e.key} notin (${values.join(',')})`);
      return;
    case 'Exists':
      reqs.push((l) => l[key] !== undefined);
      texts.push(e.key);
      return;
    case 'DoesNotExist':
      reqs.push((l) => l[key] === undefined);
      texts.push(`!${e.key}`);
      return;
    default:
      issues.error(`${path}.operator`, `unknown operator "${op}" (In, NotIn, Exists, DoesNotExist)`);
  }
}

/** A selector as a manifest would carry it, for fix suggestions: exact labels. */
export function exactSelector(labels: Labels): { matchLabels: Record<string, string> } {
  return { matchLabels: { ...labels } };
}
