/**
 * The UI's one bound zustand store, made of typed slices (STYLE.md). Middleware only on the
 * combined store; `persist` keeps the choices a user expects to survive a reload.
 */
import { create, type StateCreator } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { eventsSlice, graphSlice, layoutSlice, workbenchSlice, type EventsSlice, type GraphSlice, type LayoutSlice, type WorkbenchSlice } from './workbench.js';
export * from './workbench.js';
import { replaySlice, type ReplaySlice } from './replay.js';
import { recordSlice, type RecordSlice } from './record.js';
export * from './replay.js';
export * from './record.js';
import { recentQuestionsSlice, sshSettingsOf, sshSlice, type RecentQuestionsSlice, type SshSlice } from './settings.js';
export * from './settings.js';
import { consentedExec, execConsentSlice, type ExecConsentSlice } from './execConsent.js';
export * from './execConsent.js';
export { followEngine, resync } from './follow.js';
import type { ApiClient, ApiError, AppInfo, CallRequest, ContextList, KubeconfigSource, ProbeStatus } from '../../api/index.js';

export type Theme = 'light' | 'dark';

export interface UiSlice {
  theme: Theme;
  appInfo: AppInfo | undefined;
  setTheme(theme: Theme): void;
  toggleTheme(): void;
  loadAppInfo(): Promise<void>;
}

export type LoadState = { status: 'idle' } | { status: 'loading' } | { status: 'loaded'; list: ContextList } | { status: 'failed'; error: ApiError };

export interface ConnectSlice {
  /** Where contexts were last read from; a picked file's text is not persisted. */
  source: KubeconfigSource;
  contexts: LoadState;
  selectedContext: string | undefined;
  loadContexts(source?: KubeconfigSource): Promise<void>;
  /** A file that cannot be read or sent: shown like a kubeconfig that failed, nothing sent. */
  refuseKubeconfig(error: ApiError): void;
  selectContext(name: string): void;
}

export type ProbeStartRequest = CallRequest<'probes.start'>;

/** Probe runs on nodes: what the Probes panel shows, kept current by the engine's probes.progress pushes. */
export interface ProbesSlice {
  /** The last form values (no secrets: paths and names only). */
  /** The SSH settings are the Connect screen's (SshSlice): the one place they are set. */
  probeForm: { node: string; via: 'ssh' | 'pod'; durationSec: number };
  runs: ProbeStatus[];
  probeError: ApiError | undefined;
  setProbeForm(f: Partial<ProbesSlice['probeForm']>): void;
  startProbe(): Promise<void>;
  /** Asks for every active run's status (resync; pushes come through probeChanged). */
  refreshProbes(): Promise<void>;
  /** A run's status (pushed or pulled); a run not in the list (dismissed) stays out. */
  probeChanged(status: ProbeStatus): void;
  stopProbe(session: string): Promise<void>;
  /** The user compared the fingerprint and trusts the key: record it, then start again. */
  trustAndRetry(session: string, fingerprint: string): Promise<void>;
  /** The passphrase the user typed for a run's key (null: declined); kept nowhere in the store. */
  answerPassphrase(session: string, passphrase: string | null): Promise<void>;
  dismissRun(session: string): void;
  /** A probe run's row was clicked: the events table, filtered to that node (and to a drop reason, when one was clicked). */
  showNodeEvents(node: string, reason?: string): void;
}

export type AppState = UiSlice &
  ConnectSlice &
  ProbesSlice &
  WorkbenchSlice &
  GraphSlice &
  EventsSlice &
  LayoutSlice &
  ReplaySlice &
  SshSlice &
  RecentQuestionsSlice &
  RecordSlice &
  ExecConsentSlice;

type Slice<T> = StateCreator<AppState, [['zustand/persist', unknown]], [], T>;

const uiSlice =
  (api: ApiClient): Slice<UiSlice> =>
  (set) => ({
    theme: 'light',
    appInfo: undefined,
    setTheme: (theme) => set({ theme }),
    toggleTheme: () => set((s) => ({ theme: s.theme === 'light' ? 'dark' : 'light' })),
    async loadAppInfo() {
      const result = await api['app.info']({});
      if (result.ok) set({ appInfo: result.value });
    },
  });

const connectSlice =
  (api: ApiClient): Slice<ConnectSlice> =>
  (set, get) => ({
    source: { kind: 'default' },
    contexts: { status: 'idle' },
    selectedContext: undefined,
    async loadContexts(source = get().source) {
      set({ source, contexts: { status: 'loading' } });
      const result = await api['kubeconfig.contexts']({ source });
      if (get().source !== source) return; // a newer request won
      if (!result.ok) {
        set({ contexts: { status: 'failed', error: result.error } });
        return;
      }
      const list = result.value;
      const names = new Set(list.contexts.map((c) => c.name));
      const kept = get().selectedContext;
      set({
        contexts: { status: 'loaded', list },
        selectedContext: kept && names.has(kept) ? kept : undefined,
      });
    },
    refuseKubeconfig: (error) => set({ contexts: { status: 'failed', error } }),
    selectContext: (name) => set({ selectedContext: name }),
  });

const probesSlice =
  (api: ApiClient): Slice<ProbesSlice> =>
  (set, get) => {
    const replace = (st: ProbeStatus) => set((s) => ({ runs: s.runs.map((r) => (r.session === st.session ? st : r)) }));
    return {
      probeForm: { node: '', via: 'ssh', durationSec: 60 },
      runs: [],
      probeError: undefined,
      setProbeForm: (f) => set((s) => ({ probeForm: { ...s.probeForm, ...f } })),
      async startProbe() {
        const f = get().probeForm;
        const { source, selectedContext } = get();
        const ssh = f.via === 'ssh' ? sshSettingsOf(get().ssh) : undefined;
        // Started from an open workbench (live or fake), its events go to that session's table and graph.
        const c = get().cluster;
        const workbench = c.status === 'open' && c.opened.mode !== 'replay' ? c.opened.session : undefined;
        const req: ProbeStartRequest = {
          node: f.node.trim(),
          via: f.via,
          durationSec: f.durationSec,
          ...(ssh ? { ssh } : {}),
          ...(workbench ? { workbench } : {}),
          // The cluster picked on the Connect screen: the pod transport runs there.
          ...(source.kind === 'path' ? { kubeconfig: source.path } : {}),
          ...(selectedContext ? { context: selectedContext } : {}),
          ...(f.via === 'pod' ? consentedExec(get(), selectedContext) : {}),
        };
        const r = await api['probes.start'](req);
        if (!r.ok) {
          set({ probeError: r.error });
          return;
        }
        set({ probeError: undefined });
        const st = await api['probes.status'](r.value);
        if (st.ok) set((s) => ({ runs: [st.value, ...s.runs] }));
      },
      async refreshProbes() {
        for (const run of get().runs) {
          if (run.stage === 'stopped') continue;
          const st = await api['probes.status']({ session: run.session });
          if (st.ok) replace(st.value);
        }
      },
      probeChanged: (status) => replace(status),
      async stopProbe(session) {
        const st = await api['probes.stop']({ session });
        if (st.ok) replace(st.value);
        else set({ probeError: st.error });
      },
      async trustAndRetry(session, fingerprint) {
        const r = await api['ssh.trustHostKey']({ session, fingerprint });
        if (!r.ok) {
          set({ probeError: r.error });
          return;
        }
        get().dismissRun(session);
        await get().startProbe();
      },
      async answerPassphrase(session, passphrase) {
        const r = await api['ssh.passphrase']({ session, passphrase });
        if (!r.ok) set({ probeError: r.error });
        await get().refreshProbes();
      },
      dismissRun: (session) => set((s) => ({ runs: s.runs.filter((r) => r.session !== session) })),
      showNodeEvents(node, reason) {
        get().setEventFilter({ node, reason: reason ?? undefined });
        get().setBottomTab('events');
      },
    };
  };

export function createAppStore(api: ApiClient, storage: Storage | undefined) {
  return create<AppState>()(
    persist(
      (...a) => ({
        ...uiSlice(api)(...a),
        ...connectSlice(api)(...a),
        ...probesSlice(api)(...a),
        ...workbenchSlice(api)(...a),
        ...graphSlice(api)(...a),
        ...eventsSlice(api)(...a),
        ...layoutSlice(...a),
        ...replaySlice(api)(...a),
        ...sshSlice(api)(...a),
        ...recentQuestionsSlice(...a),
        ...recordSlice(api)(...a),
        ...execConsentSlice(...a),
      }),
      {
        name: 'pathlight.ui',
        version: 1,
        // Older saved state lacks the workbench fields: the defaults fill them in.
        merge: (saved, current) => withoutOldSshFields({ ...current, ...(saved as Partial<AppState>) }),
        storage: createJSONStorage(() => storage ?? memoryStorage()),
        // Only small, non-secret choices survive a reload: never a kubeconfig's text.
        partialize: (s) => ({
          theme: s.theme,
          selectedContext: s.selectedContext,
          probeForm: s.probeForm,
          query: s.query,
          workbenchWanted: s.workbenchWanted,
          collapsed: s.collapsed,
          eventFilter: s.eventFilter,
          panes: s.panes,
          bottomTab: s.bottomTab,
          source: s.source.kind === 'text' ? { kind: 'default' as const } : s.source,
          recent: s.recent,
          replayWanted: s.replayWanted,
          speed: s.speed,
          ssh: s.ssh,
          recentQuestions: s.recentQuestions,
          execConsents: s.execConsents,
        }),
      },
    ),
  );
}

/**
 * Saved state from before the SSH settings were one setting: the query bar's and the Probes
 * panel's own "SSH config" fields are dropped (the Connect screen's is the one in effect).
 */
function withoutOldSshFields(s: AppState): AppState {
  const strip = <T extends object>(o: T): T => {
    if (!('sshConfig' in o)) return o;
    const { sshConfig: _dropped, ...rest } = o as T & { sshConfig?: unknown };
    return rest as T;
  };
  return { ...s, probeForm: strip(s.probeForm), query: strip(s.query) };
}

/** A Storage kept in memory, for when the browser gives none (and for tests). */
export function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => void map.delete(k),
    setItem: (k, v) => void map.set(k, v),
  };
}

export type AppStore = ReturnType<typeof createAppStore>;
