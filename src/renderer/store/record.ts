/**
 * Record slice: recording the live session shown (the engine writes the file, in its
 * recordings folder), notes and bookmarks while it runs, and the file saved last — which joins
 * the recent recordings and opens as a replay.
 */
import type { StateCreator } from 'zustand';
import type { ApiClient, ApiError, CallResponse } from '../../api/index.js';
import type { AppState } from './index.js';
import { fileName, withRecent } from './replay.js';

type Slice<T> = StateCreator<AppState, [['zustand/persist', unknown]], [], T>;

export interface RecordSlice {
  /** The session being recorded: the file, since when (ns), notes kept so far. */
  liveRecording: { session: string; path: string; startedAt: number; notes: number } | undefined;
  /** The recording saved last (stopped, or ended with its session). */
  savedRecording: CallResponse<'recording.stop'> | undefined;
  recordError: ApiError | undefined;
  startRecording(): Promise<void>;
  stopRecording(): Promise<void>;
  /** A note at this instant of the recording; an empty text is a bare bookmark. */
  addNote(text: string): Promise<boolean>;
  dismissSaved(): void;
}

export const recordSlice =
  (api: ApiClient): Slice<RecordSlice> =>
  (set, get) => ({
    liveRecording: undefined,
    savedRecording: undefined,
    recordError: undefined,
    async startRecording() {
      const c = get().cluster;
      if (c.status !== 'open' || c.opened.mode === 'replay' || get().liveRecording) return;
      const session = c.opened.session;
      const r = await api['recording.start']({ session });
      if (!r.ok) {
        set({ recordError: r.error });
        return;
      }
      set({ liveRecording: { session, path: r.value.path, startedAt: r.value.startedAt, notes: 0 }, savedRecording: undefined, recordError: undefined });
    },
    async stopRecording() {
      const rec = get().liveRecording;
      if (!rec) return;
      const r = await api['recording.stop']({ session: rec.session });
      set({ liveRecording: undefined });
      if (!r.ok) {
        set({ recordError: r.error });
        return;
      }
      set({ savedRecording: r.value, recent: withRecent(get().recent, r.value.path, fileName(r.value.path)), recordError: undefined });
    },
    async addNote(text) {
      const rec = get().liveRecording;
      if (!rec) return false;
      const r = await api['recording.note']({ session: rec.session, text });
      if (!r.ok) {
        set({ recordError: r.error });
        return false;
      }
      set({ liveRecording: { ...rec, notes: r.value.notes }, recordError: undefined });
      return true;
    },
    dismissSaved: () => set({ savedRecording: undefined }),
  });
