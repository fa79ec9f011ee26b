/**
 * Reading a recorded probe line without parsing it: its time and its type from the first
 * characters of the line as the writer makes it (`{"ts":…,"kind":"probe","data":{"v":1,"type":…`),
 * so a recording of a million events is counted, typed and put in time order at open without a
 * JSON.parse per line; and the writer's side, which puts `type` first so the reader finds it.
 * The container (container.ts) frames, compresses and indexes; this file knows the line's JSON.
 */
import { probeTypeCode, type ProbeTypeCode } from '../../core/index.js';

const tsPrefix = '{"ts":';
const probeInfix = ',"kind":"probe","data":{';
const jsonNumber = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * `ts` of a probe record's line as the writer makes it (`JSON.stringify({ts, kind, data})`:
 * this key order, no spaces) with an object as `data`, read from the line's first characters
 * (`text` is the chunk decoded as latin1, one character per byte); undefined for any other
 * line, which is then parsed in full.
 */
export function probeLineTs(text: string, start: number, end: number): number | undefined {
  if (end - start < tsPrefix.length + probeInfix.length + 2 || !text.startsWith(tsPrefix, start)) return undefined;
  const from = start + tsPrefix.length;
  // JSON number characters; a ts is at most ~25 of them.
  const comma = text.indexOf(',', from);
  if (comma === -1 || comma - from > 32 || comma + probeInfix.length > end || !text.startsWith(probeInfix, comma)) return undefined;
  const number = text.slice(from, comma);
  return jsonNumber.test(number) ? Number(number) : undefined;
}

const typeKey = '"type":"';
const versionKey = '"v":';

/**
 * The ProbeTypeCode of a probe record's line (one `probeLineTs` accepts) from its data's first
 * key: the agent writes `{"v":1,"type":"drop",…}`. `unknown` for any other shape (the line is
 * then parsed when a consumer needs its type).
 */
export function probeLineType(text: string, start: number, end: number): ProbeTypeCode {
  const infix = text.indexOf(probeInfix, start);
  if (infix === -1 || infix > end) return probeTypeCode.unknown;
  const data = infix + probeInfix.length;
  let at = data;
  if (text.startsWith(versionKey, at)) {
    const comma = text.indexOf(',', at);
    if (comma === -1 || comma - at > versionKey.length + 8) return probeTypeCode.unknown;
    at = comma + 1;
  }
  // The writer puts `type` first (after `v`); a file written otherwise is searched key by key.
  return text.startsWith(typeKey, at) ? typeValue(text, at + typeKey.length, end) : topLevelType(text, data, end);
}

/** The ProbeTypeCode of the JSON string value starting at `at` (just past its opening quote). */
function typeValue(text: string, at: number, end: number): ProbeTypeCode {
  // The closing quote included: "dnsx" is not "dns".
  if (text.startsWith('drop"', at)) return probeTypeCode.drop;
  if (text.startsWith('dns"', at)) return probeTypeCode.dns;
  if (text.startsWith('tcp"', at)) return probeTypeCode.tcp;
  if (text.startsWith('http"', at)) return probeTypeCode.http;
  const quote = text.indexOf('"', at);
  // Another type (hello, stats, bye…); a backslash would need JSON unescaping: left to the parser.
  if (quote === -1 || quote - at > 32 || quote > end) return probeTypeCode.unknown;
  return text.lastIndexOf('\\', quote) >= at ? probeTypeCode.unknown : probeTypeCode.other;
}

/**
 * The `type` key of the data object whose members start at `from` (just past its `{`), found by
 * walking the JSON text with its nesting and strings — a `type` inside a nested object (a DNS
 * answer's) is not the line's. Unknown when there is none, or the text is not what it seems.
 */
function topLevelType(text: string, from: number, end: number): ProbeTypeCode {
  let depth = 1;
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const s = i + 1;
      for (i = s; i < end; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
      if (depth === 1 && i - s === 4 && text.startsWith('type":"', s)) return typeValue(text, i + 3, end);
    } else if (c === 123 || c === 91) depth++;
    else if ((c === 125 || c === 93) && --depth === 0) return probeTypeCode.unknown;
  }
  return probeTypeCode.unknown;
}

/**
 * A probe line's data with `type` first (after `v`), as the reader finds it without parsing;
 * the same object when it is so already (the agent writes it that way).
 */
export function typeFirst(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !('type' in data)) return data;
  let i = 0;
  for (const k in data) {
    if (k === 'type') return data;
    if (k !== 'v' || i++ > 0) break;
  }
  const { v, type, ...rest } = data as Record<string, unknown>;
  return { ...(v !== undefined ? { v } : {}), type, ...rest };
}
