/**
 * Connect-screen choices that outlive a session: the SSH settings (SshSlice — paths and names
 * only, never a key or a passphrase) and the questions asked lately (RecentQuestionsSlice),
 * each reopening its context's workbench with the question filled in.
 */
import type { StateCreator } from 'zustand';
import { sshHostSchema, sshJumpSchema, sshNodeSchema, sshPathSchema, sshSettingsSchema, sshUserSchema, type SshSettings } from '../../api/index.js';
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

export interface SshSlice {
  ssh: SshForm;
  setSsh(f: Partial<SshForm>): void;
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

export const sshSlice: Slice<SshSlice> = (set) => ({
  ssh: emptySshForm,
  setSsh: (f) => set((s) => ({ ssh: { ...s.ssh, ...f } })),
});

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
