/**
 * Asking before a context's exec credential plugin runs the first time. A kubeconfig can come
 * from anywhere and name any program; opening its context runs that program. The Connect
 * screen shows the exact command line and the user agrees (or not); the consent is kept per
 * (kubeconfig file, context, command line) in this window's saved preferences, and sent with
 * cluster.open, which refuses such a context without it (src/backend/workbench/source.ts).
 */
import type { StateCreator } from 'zustand';
import type { ContextSummary, ExecConsent } from '../../api/index.js';
import type { AppState } from './index.js';

type Slice<T> = StateCreator<AppState, [['zustand/persist', unknown]], [], T>;

/** What the Connect screen asks about. */
export interface ExecPrompt {
  context: string;
  file: string;
  consent: ExecConsent;
}

export interface ExecConsentSlice {
  /** Keys of the command lines agreed to (execConsentKey). */
  execConsents: string[];
  execPrompt: ExecPrompt | undefined;
  /** Agree to the prompt's command line, remember it, and open the context. */
  allowExec(): Promise<void>;
  declineExec(): void;
}

/** The plugin a context runs to log in, as cluster.open's consent names it; undefined without one. */
export function execOf(ctx: ContextSummary | undefined): ExecConsent | undefined {
  return ctx?.execCommand ? { command: ctx.execCommand, args: ctx.execArgs ?? [] } : undefined;
}

export const execConsentKey = (file: string, context: string, consent: ExecConsent) => JSON.stringify([file, context, consent.command, ...consent.args]);

/** The command line as a shell would take it, each argument quoted when it needs to be. */
export function commandLine(consent: ExecConsent): string {
  return [consent.command, ...consent.args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

/** `{execConsent}` for a request on the context, when its exec plugin was agreed to; else nothing. */
export function consentedExec(s: Pick<AppState, 'contexts' | 'execConsents'>, context: string | undefined): { execConsent?: ExecConsent } {
  const summary = s.contexts.status === 'loaded' ? s.contexts.list.contexts.find((c) => c.name === context) : undefined;
  const exec = execOf(summary);
  return exec && summary && s.execConsents.includes(execConsentKey(summary.file, summary.name, exec)) ? { execConsent: exec } : {};
}

/** At most this many consents are kept (the oldest go first). */
const keep = 200;

export const execConsentSlice: Slice<ExecConsentSlice> = (set, get) => ({
  execConsents: [],
  execPrompt: undefined,
  async allowExec() {
    const p = get().execPrompt;
    if (!p) return;
    const key = execConsentKey(p.file, p.context, p.consent);
    set((s) => ({ execPrompt: undefined, execConsents: [...s.execConsents.filter((k) => k !== key), key].slice(-keep) }));
    await get().openCluster();
  },
  declineExec: () => set({ execPrompt: undefined }),
});
