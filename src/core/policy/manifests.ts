/**
 * Manifest text → Kubernetes objects with positions. YAML (multi-document) and JSON, `*List`
 * kinds expanded (items of a typed list such as `PodList`, which the API server sends without
 * kind and apiVersion, take them from the list). Well-formed files take a fast parser and get
 * exact field positions only when a diagnostic asks for one; a file with a broken document, or
 * one that uses YAML aliases, goes through the position-keeping parser, which reports that
 * document with its line and column and keeps the others.
 */
import { LineCounter, parseAllDocuments, isMap, isNode, isScalar, visit, type Document } from 'yaml';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
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
  /**
   * Turns a field path (`spec.ingress[0].ports`) into a line and column: of the field's value,
   * or with `key` of the field's name (where an unknown field is best pointed at).
   */
  locate(path: string, opts?: LocateOptions): { line: number; column: number };
  /** Set when `line` is the list's, not the item's (a JSON list): the item's index. */
  listItem?: number;
}

export interface LocateOptions {
  key?: boolean;
}

export interface ParsedManifests {
  objects: ManifestObject[];
  diagnostics: Diagnostic[];
}

export function parseManifests(files: readonly SourceFile[]): ParsedManifests {
  const objects: ManifestObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const f of files) {
    const fast = fastDocuments(f);
    if (fast) addDocuments(f, fast, lazyLocators(f), objects, diagnostics);
    else parseFile(f, objects, diagnostics);
  }
  return { objects, diagnostics };
}

/** The position-keeping parser for every file (what the fast path must agree with). */
export function parseManifestsExact(files: readonly SourceFile[]): ParsedManifests {
  const objects: ManifestObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const f of files) parseFile(f, objects, diagnostics);
  return { objects, diagnostics };
}

interface RawDocument {
  value: unknown;
  /** 1-based line of the document's first content. */
  line: number;
}

/**
 * A YAML alias (`*name`) where a value can start. js-yaml expands aliases with no limit, so a
 * few hundred bytes of nested aliases (a "billion laughs" file) become gigabytes once a value is
 * turned into a string; such files take the exact parser, which counts alias expansions. A `*`
 * inside a quoted or plain string may match too: that file only takes the slower path.
 */
const ALIAS = /(?:^|[\s[{,])\*[^\s[\]{},]/m;

/** Alias expansions one document may make (the exact parser's limit). */
export const MAX_ALIAS_COUNT = 1000;

/**
 * The fast path: js-yaml (several times faster than the position-keeping parser) or JSON.parse,
 * with document start lines from the `---` separators. Any doubt — a syntax error, a document
 * count that does not match the separators, an alias — returns null and the file takes the
 * exact path.
 */
function fastDocuments(f: SourceFile): RawDocument[] | null {
  try {
    if (/\.json$/i.test(f.name)) return [{ value: JSON.parse(f.text) as unknown, line: firstContentLine(f.text.split('\n'), 0) }];
    if (ALIAS.test(f.text)) return null;
    const values = loadAll(f.text, null, { schema: CORE_SCHEMA, json: true });
    const starts = documentStarts(f.text);
    if (starts.length !== values.length) return null;
    return values.map((value, i) => ({ value, line: starts[i] as number }));
  } catch {
    return null;
  }
}

/** Start line of every document: split at `---` lines; text before the first one counts if it has content. */
function documentStarts(text: string): number[] {
  const lines = text.split('\n');
  const out: number[] = [];
  let segStart = 0;
  let first = true;
  const close = (endExclusive: number) => {
    const content = firstContentLine(lines.slice(segStart, endExclusive), segStart);
    if (!first || content > 0) out.push(content > 0 ? content : segStart + 1);
  };
  for (let i = 0; i < lines.length; i++) {
    if (!/^---(\s|$)/.test(lines[i] as string)) continue;
    close(i);
    first = false;
    // Content on the marker line itself (`--- {a: 1}`) starts the document there.
    segStart = (lines[i] as string)
      .replace(/^---\s*/, '')
      .replace(/#.*/, '')
      .trim()
      ? i
      : i + 1;
  }
  close(lines.length);
  return out;
}

/** 1-based line of the first line that is not blank, a comment, a directive or a marker; 0 if none. */
function firstContentLine(lines: string[], offset: number): number {
  for (let i = 0; i < lines.length; i++) {
    const l = (lines[i] as string).trim();
    if (l && !l.startsWith('#') && !l.startsWith('%') && l !== '...') return offset + i + 1;
  }
  return 0;
}

type Locate = (path: string, opts?: LocateOptions) => { line: number; column: number };

/** Positions inside a document, from the exact parser, only when a diagnostic needs one. */
function lazyLocators(f: SourceFile): (docIndex: number, docLine: number, prefix: Array<string | number>) => Locate {
  let docs: { lc: LineCounter; docs: Document.Parsed[] } | null = null;
  return (docIndex, docLine, prefix) => (path, opts) => {
    if (!docs) {
      const lc = new LineCounter();
      const parsed = parseAllDocuments(f.text, { lineCounter: lc, uniqueKeys: false });
      docs = { lc, docs: Array.isArray(parsed) ? parsed : [] };
    }
    const doc = docs.docs[docIndex];
    if (!doc || doc.errors.length > 0) return { line: docLine, column: 1 };
    return locator(doc, docs.lc, prefix)(path, opts);
  };
}

function addDocuments(
  f: SourceFile,
  docs: RawDocument[],
  locators: (docIndex: number, docLine: number, prefix: Array<string | number>) => Locate,
  objects: ManifestObject[],
  diagnostics: Diagnostic[],
): void {
  let split: string[] | undefined;
  const lines = () => (split ??= /\.json$/i.test(f.name) ? [] : f.text.split('\n'));
  docs.forEach(({ value, line }, di) => {
    if (value === null || value === undefined) return;
    if (!isObj(value)) {
      diagnostics.push({
        severity: 'error',
        file: f.name,
        line,
        column: 1,
        message: 'a document must be a Kubernetes object (a mapping with apiVersion and kind)',
      });
      return;
    }
    if (isList(value)) {
      // Where each item starts, from the text when the list has the block layout kubectl and
      // most tools print (cheap); else the list's own line.
      const starts = listItemStarts(lines(), line, value.items.length);
      value.items.forEach((item, i) => {
        const locate = locators(di, line, ['items', i]);
        const pos = starts?.[i] ?? { line, column: 1 };
        if (!isObj(item)) diagnostics.push({ severity: 'error', file: f.name, ...pos, field: `items[${i}]`, message: 'a List item must be an object' });
        else addListItem(f, value, item, i, () => pos, locate, objects, diagnostics, starts === null);
      });
      return;
    }
    objects.push({ obj: value, file: f.name, line, column: 1, locate: locators(di, line, []) });
  });
}

/** The exact path: the position-keeping parser, one diagnostic per broken document. */
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
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      const bomb = err instanceof ReferenceError && /alias/i.test(err.message);
      const pos = bomb ? (firstAlias(doc, lc) ?? start) : start;
      diagnostics.push({
        severity: 'error',
        file: f.name,
        line: pos.line,
        column: pos.col,
        message: bomb
          ? `YAML aliases expand to more than ${MAX_ALIAS_COUNT} copies (an alias bomb?): document skipped; write the values out or use fewer nested aliases`
          : `invalid YAML: ${(err as Error).message}`,
      });
      continue;
    }
    if (value === null || value === undefined) continue;
    const locate = locator(doc, lc, []);
    if (!isObj(value)) {
      diagnostics.push({
        severity: 'error',
        file: f.name,
        ...at(locate('')),
        message: 'a document must be a Kubernetes object (a mapping with apiVersion and kind)',
      });
      continue;
    }
    if (isList(value)) {
      const list = value;
      list.items.forEach((item, i) => {
        const loc = locator(doc, lc, ['items', i]);
        if (!isObj(item)) diagnostics.push({ severity: 'error', file: f.name, ...at(loc('')), field: `items[${i}]`, message: 'a List item must be an object' });
        else addListItem(f, list, item, i, () => at(loc('')), loc, objects, diagnostics);
      });
      continue;
    }
    objects.push({ obj: value, file: f.name, ...at(locate('')), locate });
  }
}

const at = (p: { line: number; column: number }) => ({ line: p.line, column: p.column });

function isList(v: Obj): v is Obj & { kind: string; items: unknown[] } {
  return typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items);
}

/**
 * An item of a list. The API server's typed lists (`PodList`, `NetworkPolicyList`, what
 * `kubectl get pods -o yaml` prints) leave kind and apiVersion out of their items: they are the
 * list's own, minus `List`. Items of a plain `List` carry their own; one without is reported.
 */
function addListItem(
  f: SourceFile,
  list: Obj & { kind: string },
  item: Obj,
  i: number,
  where: () => { line: number; column: number },
  locate: Locate,
  objects: ManifestObject[],
  diagnostics: Diagnostic[],
  /** The position is the list's, not the item's (found only by the exact parser, on demand). */
  listPosition = false,
): void {
  let obj = item;
  if (typeof item.kind !== 'string' || item.kind === '') {
    if (list.kind === 'List') {
      diagnostics.push({
        severity: 'warning',
        file: f.name,
        ...(listPosition ? at(locate('')) : where()),
        field: `items[${i}]`,
        message: 'an item of a List without kind was skipped (give it kind and apiVersion)',
      });
      return;
    }
    obj = { ...item, kind: list.kind.slice(0, -'List'.length) };
    if (item.apiVersion === undefined && typeof list.apiVersion === 'string') obj.apiVersion = list.apiVersion;
  }
  const pos = where();
  objects.push({ obj, file: f.name, line: pos.line, column: pos.column, locate, ...(listPosition ? { listItem: i } : {}) });
}

/**
 * Start of each item of a List document whose `items:` is a top-level block sequence — what
 * kubectl, the API's YAML and most tools print — from the text alone: the lines with `- ` at
 * the items' indentation. The position-keeping parser would give the same (it is several times
 * slower on a large dump); null when the layout is any other or the count does not match.
 */
function listItemStarts(lines: readonly string[], docLine: number, count: number): Array<{ line: number; column: number }> | null {
  let i = docLine - 1;
  for (; i < lines.length; i++) {
    const l = lines[i] as string;
    if (/^items:\s*(#.*)?$/.test(l)) break;
    if (i > docLine - 1 && /^(---|\.\.\.)(\s|$)/.test(l)) return null;
  }
  const out: Array<{ line: number; column: number }> = [];
  let indent: string | undefined;
  for (let j = i + 1; j < lines.length; j++) {
    const l = lines[j] as string;
    if (/^\s*(#.*)?$/.test(l)) continue;
    if (indent === undefined) {
      const m = /^( *)- \S/.exec(l);
      if (!m) return null;
      indent = m[1] as string;
    }
    if (l.startsWith(`${indent}- `)) out.push({ line: j + 1, column: indent.length + 3 + (/^ */.exec(l.slice(indent.length + 2))?.[0].length ?? 0) });
    else if (!l.startsWith(`${indent} `)) break;
  }
  return out.length === count ? out : null;
}

/** Position of the first alias in a document (where an alias bomb is reported). */
function firstAlias(doc: Document.Parsed, lc: LineCounter): { line: number; col: number } | undefined {
  let found: { line: number; col: number } | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (node.range) found = lc.linePos(node.range[0]);
      return visit.BREAK;
    },
  });
  return found;
}
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
  return (path: string, opts?: LocateOptions): { line: number; column: number } => {
    const full = [...prefix, ...splitPath(path)];
    const last = full[full.length - 1];
    if (opts?.key && typeof last === 'string') {
      const parent = full.length === 1 ? doc.contents : doc.getIn(full.slice(0, -1), true);
      const pair = isMap(parent) ? parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === last) : undefined;
      if (isNode(pair?.key) && pair.key.range) {
        const p = lc.linePos(pair.key.range[0]);
        return { line: p.line, column: p.col };
      }
    }
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
