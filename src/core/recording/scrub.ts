/**
 * Credential scrubbing for recordings, always on: every record passes through here before it
 * is written, so a recording sent to a colleague never carries a token, a key or a password.
 * It errs on the side of dropping: a field whose name looks like a credential loses its value
 * even when it holds something harmless.
 *
 * What goes, from cluster objects (recordObject): Secret objects, ConfigMap `data` and
 * `binaryData`, the `command`, `args`, `lifecycle` hooks and env values (`env[].value`) of
 * every container (nothing in Pathlight reads them, and they are where applications keep
 * passwords: only env names and `valueFrom` references stay), `metadata.managedFields` and the
 * last-applied-configuration annotation (it can hold a whole manifest with its env values).
 *
 * What goes, from every record (scrubValue): string values of fields named like credentials
 * (token, password, pass, passphrase, secret, signing/private/API keys, client-key-data,
 * Authorization, …), the `value` of env entries named like credentials (`DB_PASS`), the value
 * after a credential-named option in an argument list (`--password`, `x`), and inside any
 * string: bearer and basic credentials, PEM private keys and certificates, JWTs, provider
 * tokens (GitHub, GitLab, Slack, AWS, Google, Stripe), Slack webhook URLs, passwords in URLs
 * and connection strings (`postgres://u:p@h/db`, `Password=…;`), `--password x` and
 * `--db-pass=x` options and `password=…` / `"pass":"…"` assignments.
 */
import { isRecord, type SessionRecord, type SnapshotData, type WatchData } from './records.js';

/** What a scrubbed credential inside a string is replaced with. */
export const scrubbedText = '[scrubbed]';

export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Field and env names that hold credentials, compared lower-case without `-`/`_`/`.`: `pass`
 * as a whole name or at its end or start (`DB_PASS`, `MYSQL_ROOT_PASS`, `PASSPHRASE`), but not
 * `bypass`, `passive` or `passthrough`.
 */
const secretName =
  /token|passw(or)?d|passphrase|^pass|(?<!by)pass$|pwd|secret|clientkeydata|clientcertificatedata|certdata|keydata|authorization|privatekey|signingkey|encryptionkey|masterkey|apikey|accesskey|credential|bearer|cookie|session(id|key)/;
/** Names that refer to a credential rather than hold one (a Secret's name, a token file's path). */
const referenceName = /(name|ref|refs|path|file|dir|seconds|expiration|audience)$|^passive|passthrough/;

function normalise(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}

/** True for a field or env variable name that looks like it holds a credential. */
export function looksSecret(name: string): boolean {
  const n = normalise(name.includes('/') ? name.slice(name.lastIndexOf('/') + 1) : name);
  return secretName.test(n) && !referenceName.test(n);
}

/** A credential-named word inside a command line or config text (`db_pass`, `x-api-key`, `MYSQL_ROOT_PASSWORD`). */
const secretWord = String.raw`[A-Za-z0-9_.-]*(?:token|passw(?:or)?d|passphrase|pass|pwd|secret|api[_-]?key|private[_-]?key|signing[_-]?key|access[_-]?key|credentials?|authorization)`;

const textRules: ReadonlyArray<[RegExp, string | ((m: string, ...groups: string[]) => string)]> = [
  // PEM blocks: keys and certificates, with or without their END line (a truncated paste).
  [/-----BEGIN [A-Z0-9 ]*(PRIVATE KEY|CERTIFICATE)[A-Z0-9 ]*-----[\s\S]*?(-----END [A-Z0-9 ]*-----|$)/g, `${scrubbedText} PEM`],
  // HTTP credentials: `Bearer <token>`, `Basic <base64>`.
  [/\b(Bearer)(\s+)[A-Za-z0-9._~+/=-]{4,}/gi, `$1$2${scrubbedText}`],
  [/\b(Basic)(\s+)[A-Za-z0-9+/]{8,}={0,2}/g, `$1$2${scrubbedText}`],
  // JSON Web Tokens (service-account tokens, OIDC id-tokens) wherever they appear.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, scrubbedText],
  // Provider tokens by their documented prefixes: GitHub (ghp_, gho_, ghu_, ghs_, ghr_,
  // github_pat_), GitLab (glpat-), Slack (xoxb-, xoxp-, …), AWS access key ids, Google API
  // keys, Stripe secret keys.
  [
    /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|[sr]k_(?:live|test)_[0-9A-Za-z]{16,})\b/g,
    scrubbedText,
  ],
  // Slack incoming webhooks: the URL path is the credential.
  [/\b(https?:\/\/hooks\.slack(?:-gov)?\.com\/(?:services\/|workflows\/|triggers\/)?)[A-Za-z0-9/_-]+/gi, `$1${scrubbedText}`],
  // user:password@ in URLs and DSNs (the password may itself hold `@` or `:`; the host is after the last `@`).
  [/\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^/\s]*@/gi, `$1:${scrubbedText}@`],
  // Credential-named options followed by their value: `--password x`, `--token=x`, `--db-pass=x`
  // (`--token-file /path` names where a credential is, and stays).
  [
    new RegExp(String.raw`(--?${secretWord}[A-Za-z0-9_-]*)(=|\s+)(?!-)([^\s"',;&]+)`, 'gi'),
    (m, option: string, sep: string) => (looksReference(option) ? m : `${option}${sep}${scrubbedText}`),
  ],
  // token=…, password: …, api_key=…, Password=…; and "pass":"…" in command lines, query strings, connection strings and config text.
  [new RegExp(String.raw`\b(${secretWord})(\s*[=:]\s*|"\s*:\s*")([^\s&"',;]+)`, 'gi'), `$1$2${scrubbedText}`],
];

/**
 * Cheap test run first: a string with none of these cannot match a rule above, and almost
 * every recorded string (addresses, names, reasons) has none, so the rules run only where
 * they may apply (keeps SessionRecorder's rate).
 */
const mayHoldSecret = /pass|pwd|token|secret|key|cred|auth|bearer|basic|eyJ|BEGIN|:\/\/|gh[pousr]_|github_|glpat|xox|AKIA|ASIA|AIza|[sr]k_(?:live|test)/i;

/** A string with every credential-looking part replaced by `[scrubbed]`. */
export function scrubText(text: string): string {
  if (!mayHoldSecret.test(text)) return text;
  let out = text;
  for (const [re, to] of textRules) out = typeof to === 'string' ? out.replace(re, to) : out.replace(re, to);
  return out;
}

/** `--password` / `-token` on its own in an argument list: the next element is its value. */
const secretOption = new RegExp(String.raw`^--?${secretWord}[A-Za-z0-9_-]*$`, 'i');

/** An array through scrubValue, with the element after a credential-named option scrubbed (`["--password", "x"]`). */
function scrubList(list: readonly unknown[]): unknown[] {
  return list.map((v, i) => {
    const before = list[i - 1];
    if (typeof v === 'string' && typeof before === 'string' && secretOption.test(before) && !v.startsWith('-') && !looksReference(before)) return scrubbedText;
    return scrubValue(v);
  });
}

/** `--token-file`, `--password-path`: the option names where a credential is, not the credential. */
function looksReference(option: string): boolean {
  return referenceName.test(normalise(option));
}

/**
 * A deep copy of `value` without credentials: fields named like credentials lose string and
 * number values, env-style `{name, value}` entries named like credentials lose `value`, and
 * every other string goes through scrubText.
 */
export function scrubValue(value: unknown): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return scrubList(value);
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

const containerLists = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** A container without its command line, hooks and env values (env names and `valueFrom` references stay). */
function containerToRecord(c: unknown): unknown {
  if (!isRecord(c)) return c;
  const { command: _command, args: _args, lifecycle: _lifecycle, ...rest } = c;
  if (Array.isArray(rest.env)) rest.env = rest.env.map((e) => (isRecord(e) ? Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'value')) : e));
  return rest;
}

/** A deep copy with every container list (a Pod's spec, a template's) through containerToRecord. */
function withoutUnread(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutUnread);
  if (!isRecord(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v))
    out[k] = containerLists.has(k) && Array.isArray(x) ? x.map((c) => withoutUnread(containerToRecord(c))) : withoutUnread(x);
  return out;
}

/**
 * A Kubernetes object as a recording keeps it: undefined for a Secret; without what nothing in
 * Pathlight reads and where applications keep credentials (a ConfigMap's data, containers'
 * command, args, hooks and env values; a readiness probe's command stays, the diagnosis
 * quotes it); then through scrubObject. Recording less is the one guarantee a pattern list
 * cannot give.
 */
export function recordObject(obj: unknown, kind?: string): unknown {
  if (!isRecord(obj)) return scrubObject(obj, kind);
  if (kind === 'Secret' || obj.kind === 'Secret') return undefined;
  let kept: Record<string, unknown> = obj;
  if (kind === 'ConfigMap' || obj.kind === 'ConfigMap') {
    const { data: _data, binaryData: _binary, ...rest } = obj;
    kept = rest;
  }
  return scrubObject(withoutUnread(kept), kind);
}

/** The record without credentials, or undefined when nothing of it may be kept (a Secret's watch change). */
export function scrubRecord(record: SessionRecord): SessionRecord | undefined {
  if (record.kind === 'snapshot' && isRecord(record.data)) {
    // A record read back from a file: its fields are checked where they are used.
    const data = record.data as Partial<SnapshotData>;
    const objects: Record<string, unknown[]> = {};
    for (const [kind, list] of Object.entries(data.objects ?? {})) {
      if (kind === 'Secret' || !Array.isArray(list)) continue;
      objects[kind] = list.map((o) => recordObject(o, kind)).filter((o) => o !== undefined);
    }
    const rest = scrubValue({ ...data, objects: undefined }) as Record<string, unknown>;
    return { ...record, data: { ...rest, objects } };
  }
  if (record.kind === 'watch' && isRecord(record.data)) {
    // A record read back from a file: its fields are checked where they are used.
    const data = record.data as Partial<WatchData>;
    const object = recordObject(data.object, data.kind);
    if (object === undefined) return undefined;
    return { ...record, data: { ...(scrubValue({ ...data, object: undefined }) as Record<string, unknown>), object } };
  }
  return { ...record, data: scrubValue(record.data) };
}
