/**
 * What the Connect screen and `pathlight contexts` show for each kubeconfig context.
 * Pure: it receives the parsed kubeconfig entries and never sees a secret's value, only
 * which kind of credential a user entry carries.
 */

/** How a kubeconfig user authenticates; never the credential itself. */
export type AuthMethod = 'client-certificate' | 'token' | 'token-file' | 'exec' | 'auth-provider' | 'basic' | 'none';

export interface ContextSummary {
  /** Context name, as `kubectl config use-context` takes it. */
  name: string;
  /** Cluster entry the context points at. */
  cluster: string;
  /** API server URL of that cluster; undefined when the cluster entry is missing. */
  server: string | undefined;
  /** User entry the context points at. */
  user: string;
  /** Kinds of credential the user entry carries (empty when the user entry is missing). */
  auth: AuthMethod[];
  /** Command an `exec` credential plugin runs (e.g. `aws`, `gke-gcloud-auth-plugin`). */
  execCommand: string | undefined;
  /** Its arguments, as the plugin is run (shown when asking before it runs the first time). */
  execArgs: string[] | undefined;
  /** The cluster entry sets `insecure-skip-tls-verify`: the server's certificate is not checked. */
  insecureSkipTlsVerify: boolean;
  /** Default namespace of the context (`default` when unset, as kubectl does). */
  namespace: string;
  /** True for the file's `current-context`. */
  current: boolean;
  /** Kubeconfig file the context was read from. */
  file: string;
  /** Problems that make this context unusable, each naming the field and the fix. */
  problems: string[];
}

/** The subset of client-node's Context/Cluster/User shapes this summary needs. */
export interface KubeconfigEntries {
  currentContext: string | undefined;
  contexts: ReadonlyArray<{ name: string; cluster: string; user: string; namespace?: string | undefined }>;
  clusters: ReadonlyArray<{ name: string; server: string; skipTLSVerify?: boolean | undefined }>;
  users: ReadonlyArray<UserEntry>;
}

export interface UserEntry {
  name: string;
  certFile?: string | undefined;
  certData?: string | undefined;
  keyFile?: string | undefined;
  keyData?: string | undefined;
  token?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  authProvider?: unknown;
  exec?: unknown;
  /** Raw `tokenFile` as some kubeconfigs carry it. */
  tokenFile?: string | undefined;
}

export function authMethods(user: UserEntry | undefined): AuthMethod[] {
  if (!user) return [];
  const methods: AuthMethod[] = [];
  if (user.certFile || user.certData || user.keyFile || user.keyData) methods.push('client-certificate');
  if (user.token) methods.push('token');
  if (user.tokenFile) methods.push('token-file');
  if (user.exec) methods.push('exec');
  if (user.authProvider) methods.push('auth-provider');
  if (user.username || user.password) methods.push('basic');
  return methods.length > 0 ? methods : ['none'];
}

function execCommandOf(user: UserEntry | undefined): string | undefined {
  const exec = user?.exec;
  if (exec && typeof exec === 'object' && 'command' in exec && typeof exec.command === 'string') {
    return exec.command;
  }
  return undefined;
}

function execArgsOf(user: UserEntry | undefined): string[] | undefined {
  const exec = user?.exec;
  if (!execCommandOf(user) || !exec || typeof exec !== 'object') return undefined;
  const args = 'args' in exec && Array.isArray(exec.args) ? exec.args : [];
  return args.map((a) => String(a));
}

function firstByName<T extends { name: string }>(list: ReadonlyArray<T>): Map<string, T> {
  const byName = new Map<string, T>();
  for (const entry of list) if (!byName.has(entry.name)) byName.set(entry.name, entry);
  return byName;
}

/** One summary per context, in file order; dangling references become named problems. */
export function summarizeContexts(entries: KubeconfigEntries, file: string): ContextSummary[] {
  // Indexed once (the first entry of a name wins, as a lookup in file order would): a
  // generated kubeconfig can hold 100,000+ contexts, and a search per context is quadratic.
  const clusters = firstByName(entries.clusters);
  const users = firstByName(entries.users);
  return entries.contexts.map((ctx) => {
    const cluster = clusters.get(ctx.cluster);
    const user = users.get(ctx.user);
    const problems: string[] = [];
    if (!cluster) {
      problems.push(`context "${ctx.name}" names cluster "${ctx.cluster}", which is not in clusters[] — add it or fix contexts[].context.cluster`);
    }
    if (!user && ctx.user) {
      problems.push(`context "${ctx.name}" names user "${ctx.user}", which is not in users[] — add it or fix contexts[].context.user`);
    }
    return {
      name: ctx.name,
      cluster: ctx.cluster,
      server: cluster?.server,
      user: ctx.user,
      auth: authMethods(user),
      execCommand: execCommandOf(user),
      execArgs: execArgsOf(user),
      insecureSkipTlsVerify: cluster?.skipTLSVerify === true,
      namespace: ctx.namespace || 'default',
      current: ctx.name === entries.currentContext,
      file,
      problems,
    };
  });
}

/**
 * Merges the contexts of several kubeconfig files the way kubectl does for a
 * `KUBECONFIG=a:b` list: the first file that defines a context name wins, and
 * `currentContext` is the first `current-context` any file sets.
 */
export function mergeContextLists(lists: ReadonlyArray<ContextSummary[]>, currentContext: string | undefined): ContextSummary[] {
  const seen = new Set<string>();
  const merged: ContextSummary[] = [];
  for (const list of lists) {
    for (const ctx of list) {
      if (seen.has(ctx.name)) continue;
      seen.add(ctx.name);
      merged.push({ ...ctx, current: ctx.name === currentContext });
    }
  }
  return merged;
}
