/** The replay slice against the real engine (in-process) on the bundled demo recording. */
import { describe, expect, it } from 'vitest';
import { setStartupRecording } from '../../../src/backend/store/open.js';
import { memoryStorage, replayOf } from '../../../src/renderer/store/index.js';
import { repoPath } from '../../helpers/paths.js';
import { askAndWait, storeOn } from '../../helpers/store.js';
import { eventsIn } from '../../helpers/recording.js';

const demo = repoPath('assets/demo.pathlight');

function makeStore(storage = memoryStorage()) {
  return storeOn({ storage });
}

describe('replay store', () => {
  it('opens a recording, shows a recorded answer, scrubs, plays, asks on the recorded state, closes', async () => {
    const storage = memoryStorage();
    const store = makeStore(storage);
    expect(await store.getState().openRecording({ kind: 'path', path: demo })).toBe(true);
    const rec = replayOf(store.getState())!;
    expect(rec.questions).toHaveLength(9);
    expect(store.getState().replayTime).toBe(rec.end);
    const events = await eventsIn(demo);
    expect(events).toBeGreaterThan(300);
    expect(store.getState().events?.total).toBe(events);
    expect(store.getState().graph.nodes.size).toBeGreaterThan(0);
    expect(store.getState().recent.map((r) => r.path)).toEqual([demo]);

    const q2 = rec.questions.find((q) => q.top === 'policy-deny-ingress')!;
    await store.getState().showRecorded(q2.id);
    let st = store.getState();
    expect(st.replayTime).toBe(q2.answeredAt);
    expect(st.replayAnswer).toEqual({ kind: 'recorded', question: q2.id, t: q2.answeredAt });
    expect(st.question?.diagnosis?.findings[0]?.kind).toBe('policy-deny-ingress');
    expect(st.query).toMatchObject({ from: q2.from, to: q2.to, probe: 'none' });
    expect(st.graph.path?.hops[st.graph.path.failing!]?.hop).toBe('policy-ingress');
    const atQ2 = st.events!.total;
    expect(atQ2).toBeLessThan(events);

    await store.getState().seek(rec.start + 5e9);
    expect(store.getState().events!.total).toBeLessThan(atQ2);
    await store.getState().seek(rec.start - 1e12);
    expect(store.getState().replayTime).toBe(rec.start);

    store.getState().setSpeed(1000);
    expect(store.getState().speed).toBe(100);
    store.getState().setPlaying(true);
    await store.getState().tick(250);
    expect(store.getState().replayTime).toBe(rec.start + 250e6 * 100);
    store.getState().setPlaying(false);
    await store.getState().tick(250);
    expect(store.getState().replayTime).toBe(rec.start + 250e6 * 100);

    // Ask on the recorded state: probes are never sent, even when the form had them on.
    await store.getState().seek(q2.answeredAt!);
    store.getState().setQuery({ probe: 'ssh', active: true });
    await askAndWait(store);
    st = store.getState();
    expect(st.askError).toBeUndefined();
    expect(st.replayAnswer).toEqual({ kind: 'replayed', t: q2.answeredAt });
    expect(st.question?.diagnosis?.findings[0]?.kind).toBe('policy-deny-ingress');

    // A reload opens it again; closing forgets that but keeps it in the recent list.
    expect(JSON.parse(storage.getItem('pathlight.ui')!).state.replayWanted).toBe(demo);
    await store.getState().closeCluster();
    expect(store.getState().cluster.status).toBe('closed');
    expect(store.getState().replayWanted).toBeUndefined();
    expect(store.getState().playing).toBe(false);
    expect(JSON.parse(storage.getItem('pathlight.ui')!).state.recent[0].path).toBe(demo);
  });

  it('opens the startup recording when there is one; a failed open says why on the Connect screen', async () => {
    const store = makeStore();
    setStartupRecording(undefined);
    expect(await store.getState().openStartupRecording()).toBe(false);
    setStartupRecording(demo);
    try {
      expect(await store.getState().openStartupRecording()).toBe(true);
      expect(replayOf(store.getState())?.name).toBe('demo.pathlight');
    } finally {
      setStartupRecording(undefined);
    }
    expect(await store.getState().openRecording({ kind: 'path', path: '/nonexistent/x.pathlight' })).toBe(false);
    const st = store.getState();
    expect(st.cluster.status).toBe('closed');
    expect(st.recordingError).toMatchObject({ code: 'recording-unreadable', hint: expect.stringMatching(/Check the path/) });
  });
});
