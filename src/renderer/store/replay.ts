/**
 * Replay slice: a recording opened as a read-only workbench session (the same graph, events and
 * why panel as a live cluster), the instant shown, play/pause and speed, the recorded question
 * whose answer is on screen, and the recent recordings (paths on the engine's machine).
 */
import type { StateCreator } from 'zustand';
import type { ApiClient, ApiError, RecordingSource, ReplayInfo } from '../../api/index.js';
import type { AppState } from './index.js';

type Slice<T> = StateCreator<AppState, [['zustand/persist', unknown]], [], T>;

export interface RecentRecording {
  path: string;
  name: string;
  /** ISO time it was last opened. */
  openedAt: string;
}

/** What the why panel shows in a replay: a recorded answer, or one re-run on the recording. */
export type ReplayAnswer = { kind: 'recorded'; question: string; t: number } | { kind: 'replayed'; t: number };

/** The file name of a path on the engine's machine (either separator). */
export const fileName = (p: string) => p.split(/[\\/]/).pop() ?? p;

export const replaySpeeds = [1, 2, 5, 10, 25, 50, 100] as const;
export const maxRecent = 8;

/** The recent list with `path` first (opened or saved now), at most `maxRecent` long. */
export const withRecent = (recent: readonly RecentRecording[], path: string, name: string): RecentRecording[] =>
  [{ path, name, openedAt: new Date().toISOString() }, ...recent.filter((x) => x.path !== path)].slice(0, maxRecent);

export interface ReplaySlice {
  /** The instant shown (ns since the Unix epoch). */
  replayTime: number;
  playing: boolean;
  /** Playback speed, 1×–100×. */
  speed: number;
  replayAnswer: ReplayAnswer | undefined;
  recent: RecentRecording[];
  /** The recording open at the last reload (by path): open it again. */
  replayWanted: string | undefined;
  recordingError: ApiError | undefined;
  openRecording(source: RecordingSource): Promise<boolean>;
  /** Opens the recording the app was started with (`serve --open FILE`); false when there is none. */
  openStartupRecording(): Promise<boolean>;
  seek(t: number): Promise<void>;
  setPlaying(playing: boolean): void;
  setSpeed(speed: number): void;
  /** Playback: moves on by `ms` of wall time × speed; pauses at the end. */
  tick(ms: number): Promise<void>;
  showRecorded(question: string): Promise<void>;
  forgetRecent(path: string): void;
  setRecordingError(error: ApiError | undefined): void;
}

/** The recording of the open session, when it is a replay. */
export const replayOf = (s: AppState): (ReplayInfo & { session: string }) | undefined =>
  s.cluster.status === 'open' && s.cluster.opened.replay ? { ...s.cluster.opened.replay, session: s.cluster.opened.session } : undefined;

export const replaySlice =
  (api: ApiClient): Slice<ReplaySlice> =>
  (set, get) => {
    // One seek at a time; while one runs, only the latest target waits.
    let seeking = false;
    let pending: number | undefined;
    // The table first: a page and the timeline come in a few ms, the graph may take a layout.
    const refresh = async () => {
      await get().loadEvents();
      await get().pollGraph();
    };
    return {
      replayTime: 0,
      playing: false,
      speed: 10,
      replayAnswer: undefined,
      recent: [],
      replayWanted: undefined,
      recordingError: undefined,
      async openRecording(source) {
        const name = source.kind === 'path' ? fileName(source.path) : source.name;
        if (get().cluster.status !== 'closed') await get().closeCluster();
        set({ cluster: { status: 'opening', context: name, recording: true }, recordingError: undefined, playing: false, replayAnswer: undefined });
        const r = await api['recording.open']({ source });
        if (!r.ok || !r.value.replay) {
          set({ cluster: { status: 'closed' }, recordingError: r.ok ? { code: 'internal', message: 'The engine did not open it as a recording.' } : r.error });
          return false;
        }
        const info = r.value.replay;
        const recent = info.path ? withRecent(get().recent, info.path, info.name) : get().recent;
        set({
          cluster: { status: 'open', opened: r.value },
          replayTime: info.end,
          recent,
          replayWanted: info.path,
          workbenchWanted: false,
          question: undefined,
          askError: undefined,
        });
        await get().loadEvents();
        await get().loadGraph();
        return true;
      },
      async openStartupRecording() {
        const r = await api['recording.startup']({});
        if (!r.ok || !r.value.path) return false;
        return get().openRecording({ kind: 'path', path: r.value.path });
      },
      async seek(t) {
        const rec = replayOf(get());
        if (!rec) return;
        const target = Math.min(rec.end, Math.max(rec.start, t));
        set({ replayTime: target });
        if (seeking) {
          pending = target;
          return;
        }
        seeking = true;
        try {
          let next: number | undefined = target;
          while (next !== undefined) {
            pending = undefined;
            const r = await api['replay.seek']({ session: rec.session, t: next });
            if (!r.ok) {
              set({ playing: false, askError: r.error });
              return;
            }
            await refresh();
            next = pending;
          }
        } finally {
          seeking = false;
        }
      },
      setPlaying(playing) {
        const rec = replayOf(get());
        if (!rec) return;
        // Play from the start again once at the end.
        if (playing && get().replayTime >= rec.end) set({ replayTime: rec.start });
        set({ playing });
      },
      setSpeed: (speed) => set({ speed: Math.min(100, Math.max(1, speed)) }),
      async tick(ms) {
        const rec = replayOf(get());
        if (!rec || !get().playing) return;
        const t = Math.min(rec.end, get().replayTime + ms * 1e6 * get().speed);
        if (t >= rec.end) set({ playing: false });
        await get().seek(t);
      },
      async showRecorded(question) {
        const rec = replayOf(get());
        const q = rec?.questions.find((x) => x.id === question);
        if (!rec || !q) return;
        set({ playing: false });
        const r = await api['replay.seek']({ session: rec.session, t: q.answeredAt ?? q.ts, question });
        if (!r.ok || !r.value.answer) {
          set({
            askError: r.ok ? { code: 'invalid-request', message: 'This question has no recorded answer.', hint: 'Ask it again on the recording.' } : r.error,
          });
          return;
        }
        const port = q.port !== undefined && !q.to.endsWith(`:${q.port}`) ? String(q.port) : '';
        set({
          replayTime: r.value.t,
          askError: undefined,
          replayAnswer: { kind: 'recorded', question, t: r.value.t },
          wholeCluster: false, // the recorded question opens on its path
          question: { question: `recorded:${question}`, state: 'done', nodes: [], startedAt: new Date(q.ts / 1e6).toISOString(), diagnosis: r.value.answer },
          query: { ...get().query, from: q.from, to: q.to, port, probe: 'none', active: false },
        });
        await refresh();
      },
      forgetRecent: (path) => set((s) => ({ recent: s.recent.filter((r) => r.path !== path) })),
      setRecordingError: (recordingError) => set({ recordingError }),
    };
  };
