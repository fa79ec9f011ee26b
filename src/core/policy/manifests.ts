/**
 * Manifest text → Kubernetes objects with positions. YAML (multi-document) and JSON alike
 * (JSON is read by the YAML parser), `*List` kinds expanded. A document that does not parse is
 * reported with its file, line and column, and the others are still used.
 */
import { LineCounter, parseAllDocuments, isNode, type Document } from 'yaml';
import type { Diagnostic } from './model.js';
import { isObj, type Obj } from './issues.js';

export interface SourceFile {
  /** Path as the user should see it (relative to the manifests folder). */
  name: string;
  text: string;
}

/** One Kubernetes object and where it is. */
export interface ManifestObject {
  obj: Obj;
  file: string;
  line: number;
  column: number;
  /** Turns a field path (`spec.ingress[0].ports`) into a line and column. */
  locate(path: string): { line: number; column: number };
}

export interface ParsedManifests {
  objects: ManifestObject[];
  diagnostics: Diagnostic[];
}

export function parseManifests(files: readonly SourceFile[]): ParsedManifests {
  const objects: ManifestObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const f of files) parseFile(f, objects, diagnostics);
  return { objects, diagnostics };
}

function parseFile(f: SourceFile, objects: ManifestObject[], diagnostics: Diagnostic[]): void {
  const lc = new LineCounter();
  let docs: Document.Parsed[];
  try {
    const parsed = parseAllDocuments(f.text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
    docs = Array.isArray(parsed) ? parsed : [];
  } catch (err) {
    diagnostics.push({ severity: 'error', file: f.name, line: 1, column: 1, message: `cannot parse: ${(err as Error).message}` });
    return;
  }
  for (const doc of docs) {
    const start = lc.linePos(doc.range[0]);
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const pos = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
      diagnostics.push({ severity: 'error', file: f.name, line: pos.line, column: pos.col, message: `invalid YAML: ${firstLine(e.message)}` });
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      diagnostics.push({ severity: 'error', file: f.name, line: start.line, column: start.col, message: `invalid YAML: ${(err as Error).message}` });
      continue;
    }
    if (value === null || value === undefined) continue;
    const locate = locator(doc, lc, []);
    if (!isObj(value)) {
      diagnostics.push({ severity: 'error', file: f.name, ...at(locate('')), message: 'a document must be a Kubernetes object (a mapping with apiVersion and kind)' });
      continue;
    }
    if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      value.items.forEach((item, i) => {
        const loc = locator(doc, lc, ['items', i]);
        if (isObj(item)) objects.push({ obj: item, file: f.name, ...at(loc('')), locate: loc });
        else diagnostics.push({ severity: 'error', file: f.name, ...at(loc('')), field: `items[${i}]`, message: 'a List item must be an object' });
      });
      continue;
    }
    objects.push({ obj: value, file: f.name, ...at(locate('')), locate });
  }
}

const at = (p: { line: number; column: number }) => ({ line: p.line, column: p.column });
const firstLine = (s: string) => s.split('\n')[0] ?? s;

/** `spec.ingress[0].from[1]` → ['spec', 'ingress', 0, 'from', 1]. */
export function splitPath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const part of path.replace(/^\./, '').split('.')) {
    if (!part) continue;
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

function locator(doc: Document.Parsed, lc: LineCounter, prefix: Array<string | number>) {
  return (path: string): { line: number; column: number } => {
    const full = [...prefix, ...splitPath(path)];
    // The nearest node that exists on the path: a missing field is reported at its parent.
    for (let n = full.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(full.slice(0, n), true);
      if (isNode(node) && node.range) {
        const p = lc.linePos(node.range[0]);
        return { line: p.line, column: p.col };
      }
    }
    const p = lc.linePos(doc.range[0]);
    return { line: p.line, column: p.col };
  };
}
