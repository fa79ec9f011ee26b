import { isObj, type Obj } from '../cluster/objects.js';

/** Collects problems found while compiling one document, each with its field path. */
export interface Issue {
  severity: 'error' | 'warning';
  /** Field path inside the document, e.g. `spec.ingress[0].ports[1].port`. */
  path: string;
  message: string;
  /** Point at the field's name rather than its value (an unknown field). */
  atKey?: boolean;
}

export class Issues {
  readonly list: Issue[] = [];
  error(path: string, message: string): void {
    this.list.push({ severity: 'error', path, message });
  }
  warn(path: string, message: string, opts: { atKey?: boolean } = {}): void {
    this.list.push({ severity: 'warning', path, message, ...(opts.atKey ? { atKey: true } : {}) });
  }
  get hasErrors(): boolean {
    return this.list.some((i) => i.severity === 'error');
  }
}

export { isObj, type Obj };

/** An optional list field: undefined/null → undefined, a non-list → error. */
export function listAt(o: Obj, key: string, path: string, issues: Issues): unknown[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    issues.error(`${path}.${key}`, `${key} must be a list`);
    return undefined;
  }
  return v;
}

/** An optional object field: undefined/null → undefined, a non-object → error. */
export function objAt(o: Obj, key: string, path: string, issues: Issues): Obj | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) {
    issues.error(`${path}.${key}`, `${key} must be an object`);
    return undefined;
  }
  return v;
}
