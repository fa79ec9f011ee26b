/**
 * Connect-screen choices that outlive a session: the SSH settings (SshSlice — paths and names
 * only, never a key or a passphrase) and the questions asked lately (RecentQuestionsSlice),
 * each reopening its context's workbench with the question filled in.
 */
import type { StateCreator } from 'zustand';
import {
  sshHostSchema,
  sshJumpSchema,
  sshNodeSchema,
  sshPathSchema,
  sshSettingsSchema,
  sshUserSchema,
  type ApiClient,
  type ApiError,
  type SshSettings,
  type SshTestResult,
} from '../../api/index.js';
import type { AppState } from './index.js';
import type { QueryForm } from './workbench.js';

type Slice<T> = StateCreator<AppState, [['zustand/persist', unknown]], [], T>;

/** The form as typed (strings, empty = not set). */
export interface SshForm {
  configFile: string;
  user: string;
  identityFile: string;
  /** `[user@]host[:port]`. */
  jump: string;
  nodes: Array<{ node: string; address: string }>;
}

export const emptySshForm: SshForm = { configFile: '', user: '', identityFile: '', jump: '', nodes: [] };

/** The last "Test SSH": the node tried, then what the engine found (never persisted). */
export interface SshTestState {
  node: string;
  running: boolean;
  result?: SshTestResult;
  error?: ApiError;
}

export interface SshSlice {
  ssh: SshForm;
  sshTest: SshTestState | undefined;
  setSsh(f: Partial<SshForm>): void;
  /** Connects to `node` with the settings in effect and reports (known_hosts is never changed). */
  testSsh(node: string): Promise<void>;
}

/** A question asked in the workbench, for the Connect screen's "Recent" list. */
export interface RecentQuestion {
  /** The engine's question id (the verdict arrives under it). */
  id: string;
  context: string;
  from: string;
  to: string;
  port: string;
  protocol: QueryForm['protocol'];
  verdict?: 'reachable' | 'unreachable' | 'unknown' | 'failed';
  /** When it was asked (ISO). */
  at: string;
}

/**
 * A recent question's outcome in words that say what it is about: B reached or not from A —
 * never a bare "unreachable", which reads as the cluster being down. `verdict` is the chip's word.
 */
export function recentOutcome(q: Pick<RecentQuestion, 'verdict' | 'from' | 'to' | 'port'>): { verdict: string; sentence: string } {
  const b = `${q.to}${q.port ? `:${q.port}` : ''}`;
  switch (q.verdict) {
    case 'reachable':
      return { verdict: 'reachable', sentence: `B (${b}) was reachable from A (${q.from})` };
    case 'unreachable':
      return { verdict: 'unreachable', sentence: `B (${b}) was unreachable from A (${q.from})` };
    case 'unknown':
      return { verdict: 'unknown', sentence: `whether A (${q.from}) can reach B (${b}) was not decided` };
    case 'failed':
      return { verdict: 'no answer', sentence: 'the question got no answer' };
    default:
      return { verdict: 'asked', sentence: 'asked; no answer yet' };
  }
}

export interface RecentQuestionsSlice {
  recentQuestions: RecentQuestion[];
  rememberQuestion(q: RecentQuestion): void;
  setRecentVerdict(id: string, verdict: NonNullable<RecentQuestion['verdict']>): void;
  forgetRecentQuestions(): void;
  /** Opens the question's context in the workbench with the question filled in (not asked again). */
  openRecentQuestion(q: RecentQuestion): Promise<void>;
}

/** How many recent questions are kept. */
export const maxRecentQuestions = 8;

const sameQuestion = (a: RecentQuestion, b: RecentQuestion) =>
  a.context === b.context && a.from === b.from && a.to === b.to && a.port === b.port && a.protocol === b.protocol;

export const sshSlice =
  (api: ApiClient): Slice<SshSlice> =>
  (set, get) => ({
    ssh: emptySshForm,
    sshTest: undefined,
    setSsh: (f) => set((s) => ({ ssh: { ...s.ssh, ...f }, sshTest: undefined })),
    async testSsh(node) {
      const ssh = sshSettingsOf(get().ssh);
      const c = get().cluster;
      // An open live cluster knows the node's InternalIP (used when the config has no HostName).
      const session = c.status === 'open' && c.opened.mode !== 'replay' ? c.opened.session : undefined;
      set({ sshTest: { node, running: true } });
      const r = await api['ssh.test']({ node, ...(ssh ? { ssh } : {}), ...(session ? { session } : {}) });
      if (get().sshTest?.node !== node) return; // another test was started meanwhile
      set({ sshTest: r.ok ? { node, running: false, result: r.value } : { node, running: false, error: r.error } });
    },
  });

/** The SSH config file the settings name, for "SSH: …, from settings" (empty: ssh's default). */
export function sshConfigShown(f: SshForm): string {
  return f.configFile.trim() || '~/.ssh/config';
}

export const recentQuestionsSlice: Slice<RecentQuestionsSlice> = (set, get) => ({
  recentQuestions: [],
  rememberQuestion: (q) => set((s) => ({ recentQuestions: [q, ...s.recentQuestions.filter((r) => !sameQuestion(r, q))].slice(0, maxRecentQuestions) })),
  setRecentVerdict(id, verdict) {
    if (!get().recentQuestions.some((r) => r.id === id && r.verdict !== verdict)) return;
    set((s) => ({ recentQuestions: s.recentQuestions.map((r) => (r.id === id ? { ...r, verdict } : r)) }));
  },
  forgetRecentQuestions: () => set({ recentQuestions: [] }),
  async openRecentQuestion(q) {
    get().selectContext(q.context);
    get().setQuery({ from: q.from, to: q.to, port: q.port, protocol: q.protocol });
    await get().openCluster();
  },
});

/** The settings as the API takes them: trimmed, empty fields and rows left out; undefined when nothing is set. */
export function sshSettingsOf(f: SshForm): SshSettings | undefined {
  const t = (v: string) => v.trim() || undefined;
  const nodes = f.nodes.map((n) => ({ node: n.node.trim(), address: n.address.trim() })).filter((n) => n.node || n.address);
  const out: SshSettings = {
    ...(t(f.configFile) ? { configFile: t(f.configFile) } : {}),
    ...(t(f.user) ? { user: t(f.user) } : {}),
    ...(t(f.identityFile) ? { identityFile: t(f.identityFile) } : {}),
    ...(t(f.jump) ? { jump: t(f.jump) } : {}),
    ...(nodes.length ? { nodes } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}

export type SshFormErrors = Partial<Record<'configFile' | 'user' | 'identityFile' | 'jump' | 'nodes', string>> & { rows?: Record<number, string> };

/** What is wrong with each field, in words, by the same schema the backend applies. */
export function sshFormErrors(f: SshForm): SshFormErrors {
  const out: SshFormErrors = {};
  const check = (
    key: 'configFile' | 'user' | 'identityFile' | 'jump',
    schema: { safeParse(v: unknown): { success: boolean; error?: { issues: Array<{ message: string }> } } },
  ) => {
    const v = f[key].trim();
    const r = v ? schema.safeParse(v) : { success: true };
    if (!r.success) out[key] = r.error?.issues[0]?.message ?? 'not valid';
  };
  check('configFile', sshPathSchema);
  check('user', sshUserSchema);
  check('identityFile', sshPathSchema);
  check('jump', sshJumpSchema);
  const rows: Record<number, string> = {};
  const seen = new Set<string>();
  f.nodes.forEach((n, i) => {
    const node = n.node.trim();
    const address = n.address.trim();
    if (!node && !address) return;
    if (!sshNodeSchema.safeParse(node).success) rows[i] = 'a node name (letters, digits, . _ -)';
    else if (!sshHostSchema.safeParse(address).success) rows[i] = 'a host name or an IP address, without a port';
    else if (seen.has(node)) rows[i] = `${node} is listed twice`;
    seen.add(node);
  });
  if (Object.keys(rows).length) out.rows = rows;
  const all = sshSettingsOf(f);
  if (all && !Object.keys(out).length && !sshSettingsSchema.safeParse(all).success) out.nodes = 'check the node table';
  return out;
}
