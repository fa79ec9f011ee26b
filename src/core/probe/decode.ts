/**
 * Decodes one probe agent line into a typed `ProbeLine` (schemas.ts), or says in one sentence
 * what is wrong with it and where: a `DecodeError` with a code a caller can act on (skip an
 * `unknown-type` line from a newer agent, report the rest).
 */
import type { z } from 'zod';
import { lineSchemas, lineTypes, protocolVersion, type LineType, type ProbeLine } from './schemas.js';

export const decodeErrorCodes = ['not-json', 'not-object', 'unsupported-version', 'unknown-type', 'missing-field', 'invalid-field', 'line-too-long'] as const;
export type DecodeErrorCode = (typeof decodeErrorCodes)[number];

export interface DecodeError {
  code: DecodeErrorCode;
  /** One sentence naming the problem. */
  message: string;
  /** Field path inside the line, e.g. `probes[0].state`. */
  field?: string;
  /** 1-based line number in the stream (set by ProbeLineSplitter). */
  line?: number;
}

/** The project's Result shape (src/api/result.ts), which core cannot import. */
export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: DecodeError };

const fail = (error: DecodeError): DecodeResult<never> => ({ ok: false, error });

type Path = readonly PropertyKey[];

function formatPath(path: Path): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

/** Short JSON of a bad value for a message, so a huge value cannot flood a log. */
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Whether `path` names a key absent from its parent (as opposed to present but wrong). */
function lookup(root: unknown, path: Path): { missing: boolean; value: unknown } {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !(key in node)) return { missing: true, value: undefined };
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return { missing: false, value: node };
}

function issueError(type: LineType, raw: unknown, issues: readonly z.core.$ZodIssue[]): DecodeError {
  const [issue] = issues;
  if (!issue) return { code: 'invalid-field', message: `${type} line is invalid.` };
  const field = formatPath(issue.path);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  const { missing, value } = lookup(raw, issue.path);
  if (missing) return { code: 'missing-field', field, message: `${type} line is missing "${field}"${more}.` };
  return {
    code: 'invalid-field',
    field,
    message: `${type} line has an invalid "${field}": ${issue.message}, got ${preview(value)}${more}.`,
  };
}

const isLineType = (t: unknown): t is LineType => typeof t === 'string' && Object.hasOwn(lineSchemas, t);

/**
 * Decodes one agent line (without its newline). Checks, in order: JSON, an object, `v`, a
 * known `type`, then the fields of that type. A caller may skip `unknown-type` lines from a
 * newer agent and keep reading.
 */
export function decodeProbeLine(line: string): DecodeResult<ProbeLine> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return fail({ code: 'not-json', message: `Probe line is not JSON (${reason}): ${preview(line)}.` });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return fail({ code: 'not-object', message: `Probe line is not a JSON object: ${preview(raw)}.` });
  }
  const obj = raw as Record<string, unknown>;
  if (!('v' in obj)) return fail({ code: 'missing-field', field: 'v', message: 'Probe line is missing "v" (protocol version).' });
  if (obj.v !== protocolVersion) {
    return fail({
      code: 'unsupported-version',
      field: 'v',
      message: `Probe line has protocol version ${preview(obj.v)}; this Pathlight supports version ${protocolVersion}.`,
    });
  }
  if (!('type' in obj)) return fail({ code: 'missing-field', field: 'type', message: 'Probe line is missing "type".' });
  if (!isLineType(obj.type)) {
    return fail({
      code: 'unknown-type',
      field: 'type',
      message: `Probe line has unknown type ${preview(obj.type)} (known: ${lineTypes.join(', ')}).`,
    });
  }
  const parsed = lineSchemas[obj.type].safeParse(raw);
  if (!parsed.success) return fail(issueError(obj.type, raw, parsed.error.issues));
  return { ok: true, value: parsed.data };
}
