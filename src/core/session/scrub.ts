/**
 * Credential scrubbing for recordings, always on: every record passes through here before it
 * is written, so a recording sent to a colleague never carries a token, a key or a password.
 * It errs on the side of dropping: a field whose name looks like a credential loses its value
 * even when it holds something harmless.
 *
 * What goes: Secret objects, `metadata.managedFields`, the last-applied-configuration
 * annotation (it can hold a whole manifest with its env values), string values of fields named
 * like credentials (token, password, secret, client-key-data, Authorization, …), the `value`
 * of env entries named like credentials (`DB_PASSWORD`), and inside any string: bearer and
 * basic credentials, PEM private keys and certificates, JWTs, URL passwords and
 * `password=…`-style assignments.
 */
import { isRecord, type SessionRecord, type SnapshotData, type WatchData } from './records.js';

/** What a scrubbed credential inside a string is replaced with. */
export const scrubbedText = '[scrubbed]';

export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

/** Field and env names that hold credentials, compared lower-case without `-`/`_`/`.`. */
const secretName =
  /token|passw(or)?d|pwd|secret|clientkeydata|clientcertificatedata|certdata|keydata|authorization|privatekey|apikey|accesskey|credential|bearer|cookie|session(id|key)/;
/** Names that refer to a credential rather than hold one (a Secret's name, a token file's path). */
const referenceName = /(name|ref|refs|path|file|seconds|expiration|audience)$/;

function normalise(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}

/** True for a field or env variable name that looks like it holds a credential. */
export function looksSecret(name: string): boolean {
  const n = normalise(name.includes('/') ? name.slice(name.lastIndexOf('/') + 1) : name);
  return secretName.test(n) && !referenceName.test(n);
}

const textRules: ReadonlyArray<[RegExp, string]> = [
  // PEM blocks: keys and certificates, with or without their END line (a truncated paste).
  [/-----BEGIN [A-Z0-9 ]*(PRIVATE KEY|CERTIFICATE)[A-Z0-9 ]*-----[\s\S]*?(-----END [A-Z0-9 ]*-----|$)/g, `${scrubbedText} PEM`],
  // HTTP credentials: `Bearer <token>`, `Basic <base64>`.
  [/\b(Bearer)(\s+)[A-Za-z0-9._~+/=-]{4,}/gi, `$1$2${scrubbedText}`],
  [/\b(Basic)(\s+)[A-Za-z0-9+/]{8,}={0,2}/g, `$1$2${scrubbedText}`],
  // JSON Web Tokens (service-account tokens, OIDC id-tokens) wherever they appear.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, scrubbedText],
  // user:password@ in URLs.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^/\s@]+@/gi, `$1:${scrubbedText}@`],
  // token=…, password: …, api_key=… in command lines, query strings and config text.
  [
    /\b((?:access[_-]?|refresh[_-]?|id[_-]?|auth[_-]?)?token|passw(?:or)?d|pwd|secret|api[_-]?key|client[_-]?secret|authorization)(\s*[=:]\s*|"\s*:\s*")([^\s&"',;]+)/gi,
    `$1$2${scrubbedText}`,
  ],
];

/** A string with every credential-looking part replaced by `[scrubbed]`. */
export function scrubText(text: string): string {
  let out = text;
  for (const [re, to] of textRules) out = out.replace(re, to);
  return out;
}

/**
 * A deep copy of `value` without credentials: fields named like credentials lose string and
 * number values, env-style `{name, value}` entries named like credentials lose `value`, and
 * every other string goes through scrubText.
 */
export function scrubValue(value: unknown): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return value.map(scrubValue);
  if (!isRecord(value)) return value;
  const envSecret = typeof value.name === 'string' && 'value' in value && looksSecret(value.name);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (envSecret && k === 'value') continue;
    if ((typeof v === 'string' || typeof v === 'number') && looksSecret(k)) continue;
    out[k] = scrubValue(v);
  }
  return out;
}

/**
 * A Kubernetes object ready to record: undefined for a Secret (never recorded); otherwise
 * without managedFields and the last-applied annotation, and through scrubValue.
 */
export function scrubObject(obj: unknown, kind?: string): unknown {
  if (!isRecord(obj)) return scrubValue(obj);
  if (kind === 'Secret' || obj.kind === 'Secret') return undefined;
  const meta = obj.metadata;
  if (!isRecord(meta)) return scrubValue(obj);
  const { managedFields: _managed, ...rest } = meta;
  const annotations = isRecord(rest.annotations) ? { ...rest.annotations } : undefined;
  if (annotations) {
    delete annotations[lastAppliedAnnotation];
    rest.annotations = annotations;
  }
  return scrubValue({ ...obj, metadata: rest });
}

/** The record without credentials, or undefined when nothing of it may be kept (a Secret's watch change). */
export function scrubRecord(record: SessionRecord): SessionRecord | undefined {
  if (record.kind === 'snapshot' && isRecord(record.data)) {
    // A record read back from a file: its fields are checked where they are used.
    const data = record.data as Partial<SnapshotData>;
    const objects: Record<string, unknown[]> = {};
    for (const [kind, list] of Object.entries(data.objects ?? {})) {
      if (kind === 'Secret' || !Array.isArray(list)) continue;
      objects[kind] = list.map((o) => scrubObject(o, kind)).filter((o) => o !== undefined);
    }
    const rest = scrubValue({ ...data, objects: undefined }) as Record<string, unknown>;
    return { ...record, data: { ...rest, objects } };
  }
  if (record.kind === 'watch' && isRecord(record.data)) {
    // A record read back from a file: its fields are checked where they are used.
    const data = record.data as Partial<WatchData>;
    const object = scrubObject(data.object, data.kind);
    if (object === undefined) return undefined;
    return { ...record, data: { ...(scrubValue({ ...data, object: undefined }) as Record<string, unknown>), object } };
  }
  return { ...record, data: scrubValue(record.data) };
}
