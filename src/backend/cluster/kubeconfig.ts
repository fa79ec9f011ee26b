/**
 * Reads kubeconfig files with @kubernetes/client-node and turns every way they can be wrong
 * into an error that names the file, the line and the field, plus the next step.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
// The entry validators of client-node's own loadFromString (not re-exported by its index).
import { newClusters, newContexts, newUsers } from '@kubernetes/client-node/dist/config_types.js';
import { load as loadYaml } from 'js-yaml';
import { LineCounter, parseDocument } from 'yaml';
import { mergeContextLists, summarizeContexts, type ContextSummary, type UserEntry } from '../../core/index.js';
import { PathlightError, type ContextList, type KubeconfigSource } from '../../api/index.js';

export interface KubeconfigEnv {
  /** `$KUBECONFIG`, a path list. */
  KUBECONFIG?: string | undefined;
  /** Home directory used for `~/.kube/config`. */
  HOME?: string | undefined;
}

/** The files kubectl would read, in order: `$KUBECONFIG`'s list, else `~/.kube/config`. */
export function defaultKubeconfigPaths(env: KubeconfigEnv = process.env): string[] {
  const list = (env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p.length > 0);
  if (list.length > 0) return list;
  return [path.join(env.HOME || os.homedir(), '.kube', 'config')];
}

export function describeDefaultKubeconfig(env: KubeconfigEnv = process.env): string {
  const list = defaultKubeconfigPaths(env);
  return env.KUBECONFIG ? `$KUBECONFIG (${list.join(path.delimiter)})` : list.join(path.delimiter);
}

/** Lists contexts from a source; throws PathlightError with a named problem. */
export async function listContexts(source: KubeconfigSource, env: KubeconfigEnv = process.env): Promise<ContextList> {
  if (source.kind === 'text') {
    const parsed = parseKubeconfig(source.text, source.name);
    return { files: [source.name], currentContext: parsed.currentContext, contexts: parsed.contexts };
  }
  const files = source.kind === 'path' ? [source.path] : defaultKubeconfigPaths(env);
  const texts = await Promise.all(files.map((file) => readKubeconfigFile(file)));
  const present = files.flatMap((file, i) => (texts[i] === undefined ? [] : [{ file, text: texts[i] as string }]));
  // kubectl skips missing files in a $KUBECONFIG list; only "none at all" is an error.
  if (present.length === 0) {
    const where = source.kind === 'default' ? describeDefaultKubeconfig(env) : source.path;
    throw new PathlightError({
      code: 'kubeconfig-not-found',
      message: `No kubeconfig file at ${where}.`,
      hint:
        source.kind === 'default'
          ? 'Choose a kubeconfig file, or set $KUBECONFIG / create ~/.kube/config (e.g. with your cloud CLI).'
          : 'Check the path, or choose another kubeconfig file.',
      file: files[0],
    });
  }
  const parsed = present.map(({ file, text }) => parseKubeconfig(text, file));
  const currentContext = parsed.find((p) => p.currentContext)?.currentContext;
  return {
    files: present.map((p) => p.file),
    currentContext,
    contexts: mergeContextLists(
      parsed.map((p) => p.contexts),
      currentContext,
    ),
  };
}

/**
 * A ready-to-use KubeConfig for one file (or the default files) and context, after the same
 * checks as listContexts, so a broken file fails with its file, line and field.
 */
export async function loadKubeConfig(file: string | undefined, context?: string, env: KubeconfigEnv = process.env): Promise<KubeConfig> {
  const list = await listContexts(file ? { kind: 'path', path: file } : { kind: 'default' }, env);
  // The files listed from `env` (not client-node's loadFromDefault, which reads this process's
  // own $KUBECONFIG: `pathlight serve --kubeconfig F` hands F in `env`), merged as kubectl does.
  const kc = new KubeConfig();
  const [first, ...rest] = list.files;
  kc.loadFromFile(first!);
  for (const f of rest) {
    const more = new KubeConfig();
    more.loadFromFile(f);
    kc.mergeConfig(more, false);
  }
  const want = context ?? list.currentContext;
  if (!want || !kc.getContextObject(want)) {
    throw new PathlightError({
      code: 'kubeconfig-invalid',
      message: want ? `There is no context ${want} in ${list.files.join(', ')}.` : `${list.files.join(', ')} sets no current-context.`,
      hint: `Pick one with --context: ${list.contexts.map((c) => c.name).join(', ') || '(none defined)'}.`,
      file: list.files[0],
    });
  }
  kc.setCurrentContext(want);
  return kc;
}

async function readKubeconfigFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') {
      throw new PathlightError({
        code: 'kubeconfig-unreadable',
        message: `${file} is a directory, not a kubeconfig file.`,
        hint: 'Choose the config file inside it (usually named "config").',
        file,
      });
    }
    throw new PathlightError({
      code: 'kubeconfig-unreadable',
      message: `Cannot read ${file}: ${(err as Error).message}.`,
      hint: code === 'EACCES' ? `Give your user read access (e.g. chmod 600 ${file} as its owner).` : 'Check the file.',
      file,
    });
  }
}

interface ParsedKubeconfig {
  currentContext: string | undefined;
  contexts: ContextSummary[];
}

/**
 * The kubeconfig's plain value, or undefined when js-yaml refuses the text. js-yaml is linear
 * (the format client-node itself reads with); `yaml`'s positional Document, which names lines,
 * grows faster than the file (≈ 50 s for a generated 150,000-context, 25 MB kubeconfig), so it
 * is built only to locate a problem.
 */
function loadPlain(text: string): unknown {
  try {
    return loadYaml(text);
  } catch {
    return undefined;
  }
}

interface Located {
  doc: Doc;
  lines: LineCounter;
}

/** The positional Document; throws the first YAML error with its line and column. */
function locate(text: string, file: string): Located {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = lines.linePos(yamlError.pos[0]);
    throw new PathlightError({
      code: 'kubeconfig-malformed',
      message: `${file} is not valid YAML at line ${pos.line}, column ${pos.col}: ${firstLine(yamlError.message)}.`,
      hint: 'Fix the YAML at that line (often indentation or a tab), or choose another file.',
      file,
      line: pos.line,
      column: pos.col,
    });
  }
  return { doc, lines };
}

const isPlainMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses one kubeconfig document; exported for tests and for text picked in a browser. */
export function parseKubeconfig(text: string, file: string): ParsedKubeconfig {
  let located: Located | undefined;
  const at = () => (located ??= locate(text, file));
  // A text js-yaml refuses: the positional parser names the line (and when it accepts the
  // text after all, client-node, which reads with js-yaml, refuses it below).
  const plain = loadPlain(text) ?? at().doc.toJS();
  if (!isPlainMap(plain)) {
    throw new PathlightError({
      code: 'kubeconfig-invalid',
      message: `${file} is not a kubeconfig: expected a mapping with clusters, contexts and users.`,
      hint: 'Choose a kubeconfig file (apiVersion: v1, kind: Config).',
      file,
      line: 1,
    });
  }
  const kind = plain.kind;
  if (kind !== undefined && kind !== 'Config') {
    throw new PathlightError({
      code: 'kubeconfig-invalid',
      message: `${file} has kind ${JSON.stringify(kind)}, not Config: it is not a kubeconfig.`,
      hint: 'Choose a kubeconfig file (kind: Config).',
      file,
      field: 'kind',
      line: lineOf(at(), ['kind']),
    });
  }
  for (const section of ['clusters', 'contexts', 'users'] as const) {
    const value = plain[section];
    if (value != null && !Array.isArray(value)) {
      throw new PathlightError({
        code: 'kubeconfig-invalid',
        message: `${file}: ${section} must be a list.`,
        hint: `Write ${section} as a YAML list ("- name: …").`,
        file,
        field: section,
        line: lineOf(at(), [section]),
      });
    }
  }

  const kc = new KubeConfig();
  try {
    // client-node's loadFromString, on the value parsed above instead of parsing it again.
    kc.loadFromOptions({
      clusters: newClusters(plain.clusters),
      contexts: newContexts(plain.contexts),
      users: newUsers(plain.users),
      currentContext: plain['current-context'] as string,
    });
  } catch (err) {
    throw fieldError(err, file, plain, at);
  }
  const rawUsers = Array.isArray(plain.users) ? (plain.users as unknown[]) : [];
  const users: UserEntry[] = kc.getUsers().map((u, i) => ({
    ...u,
    tokenFile: stringIn(rawUsers[i], ['user', 'tokenFile']),
  }));
  return {
    currentContext: kc.getCurrentContext() || undefined,
    contexts: summarizeContexts({ currentContext: kc.getCurrentContext() || undefined, contexts: kc.getContexts(), clusters: kc.getClusters(), users }, file),
  };
}

type Doc = ReturnType<typeof parseDocument>;

/** The string at a path inside a plain value. */
function stringIn(value: unknown, at: (string | number)[]): string | undefined {
  let v = value;
  for (const k of at) v = typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[k] : undefined;
  return typeof v === 'string' ? v : undefined;
}

function lineOf({ doc, lines }: Located, at: (string | number)[]): number | undefined {
  for (let n = at.length; n > 0; n--) {
    const node = doc.getIn(at.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/** client-node reports structural problems as `clusters[1].cluster.server is missing`. */
function fieldError(err: unknown, file: string, plain: Record<string, unknown>, at: () => Located): PathlightError {
  const message = err instanceof Error ? err.message : String(err);
  const m = /^(clusters|contexts|users)\[(\d+)\]((?:\.[\w-]+)*) is missing$/.exec(message);
  if (m) {
    const section = m[1] as string;
    const index = Number(m[2]);
    const rest = (m[3] ?? '').split('.').filter(Boolean);
    const field = `${section}[${index}]${m[3] ?? ''}`;
    const entryName = stringIn(plain, [section, index, 'name']);
    return new PathlightError({
      code: 'kubeconfig-invalid',
      message: `${file}: ${field} is missing${entryName ? ` (entry "${entryName}")` : ''}.`,
      hint: `Add ${rest.length > 0 ? rest.join('.') : 'it'} to ${section} entry ${index + 1}, or remove that entry.`,
      file,
      field,
      line: lineOf(at(), [section, index, ...rest]),
    });
  }
  const errno = err as NodeJS.ErrnoException;
  if (errno.code === 'ENOENT' || errno.code === 'EACCES') {
    // client-node reads a user's token-file while loading.
    const users = Array.isArray(plain.users) ? (plain.users as unknown[]) : [];
    const index = users.findIndex((u) => stringIn(u, ['user', 'token-file']) === errno.path);
    return new PathlightError({
      code: 'kubeconfig-invalid',
      message: `${file}: the token file ${errno.path ?? ''} of ${index >= 0 ? `users[${index}]` : 'a user'} cannot be read (${errno.code}).`,
      hint: 'Create the token file or fix users[].user.token-file.',
      file,
      field: index >= 0 ? `users[${index}].user.token-file` : undefined,
      line: index >= 0 ? lineOf(at(), ['users', index, 'user', 'token-file']) : undefined,
    });
  }
  return new PathlightError({
    code: 'kubeconfig-invalid',
    message: `${file} could not be loaded as a kubeconfig: ${message}.`,
    hint: 'Check the file with `kubectl config view --kubeconfig FILE`.',
    file,
  });
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? s).replace(/\.$/, '');
}
