/**
 * Recording a workbench session through dispatch (validation included), on a fake cluster made
 * of a lab fixture: start, a question with the probe lines the lab recorded, a bookmark and a
 * note, stop; the file then opens as a replay with the question, its answer, the events and the
 * notes. Refusals say what to do next; a session closed while recording leaves a closed file.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandlers } from '../../../src/backend/handlers.js';
import { RecordingReader } from '../../../src/backend/store/container.js';
import { recordingsDir } from '../../../src/backend/workbench/workbenches.js';
import { apiOn } from '../../helpers/api.js';
import { fixture } from '../../helpers/paths.js';
import { labFixture, tableEvents } from '../../helpers/diagnose.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pathlight-rec-ui-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const recordings = path.join(dir, 'recordings');
const handlers = createHandlers({ shell: 'server', env: { PATHLIGHT_RECORDINGS_DIR: recordings }, fakeClusters: fixture('diagnose') });
const { raw, call, answer } = apiOn(handlers, 50);
const context = 'fake-deny-backend-ingress';

describe('recording a session from the workbench', () => {
  it('records the cluster, a question with its probe lines and answer, and notes; the file replays them', async () => {
    const open = await call('cluster.open', { source: { kind: 'default' }, context });
    const { session } = open;
    const started = await call('recording.start', { session });
    expect(path.dirname(started.path)).toBe(recordings);
    expect(path.basename(started.path)).toMatch(/^fake-deny-backend-ingress-\d{8}-\d{6}\.pathlight$/);
    expect((statSync(started.path).mode & 0o777).toString(8)).toBe('600');
    const again = await raw('recording.start', { session });
    expect(again.ok === false && again.error.message).toMatch(/being recorded already/);

    const { question } = await call('why.ask', { session, from: 'lab-deny-ingress/deploy/frontend', to: 'backend:8080', probe: 'ssh', durationSec: 1 });
    expect((await answer(question)).diagnosis?.findings[0]?.kind).toBe('policy-deny-ingress');
    expect(await call('recording.note', { session, text: '  ' })).toMatchObject({ notes: 1 });
    expect(await call('recording.note', { session, text: 'frontend cannot reach backend since the 10:02 deploy' })).toMatchObject({ notes: 2 });
    const stopped = await call('recording.stop', { session });
    expect(stopped).toMatchObject({ path: started.path, questions: 1, notes: 2 });
    expect(stopped.bytes).toBe(statSync(started.path).size);
    const notAgain = await raw('recording.note', { session, text: 'x' });
    expect(notAgain.ok === false && notAgain.error.hint).toMatch(/Start recording/);
    await call('cluster.close', { session });

    const reader = RecordingReader.open(started.path);
    expect(reader.complete).toBe(true);
    reader.close();
    const replay = await call('recording.open', { source: { kind: 'path', path: started.path } });
    const info = replay.replay!;
    expect(info.context).toBe(context);
    expect(info.questions).toHaveLength(1);
    expect(info.questions[0]).toMatchObject({
      from: 'lab-deny-ingress/deploy/frontend',
      to: 'backend:8080',
      probe: 'ssh',
      verdict: 'unreachable',
      top: 'policy-deny-ingress',
    });
    expect(info.notes.map((n) => n.text)).toEqual([expect.stringMatching(/^bookmark \d\d:\d\d:\d\d$/), 'frontend cannot reach backend since the 10:02 deploy']);
    // The cluster and the probe lines are in it: the same workloads, the lab's events.
    expect(replay.names.workloads).toEqual(open.names.workloads);
    expect((await call('events.page', { session: replay.session, filter: {}, offset: 0, limit: 1 })).total).toBe(
      tableEvents(labFixture('deny-backend-ingress')).length,
    );
    // Asked again on the recorded state, the answer is the same.
    const re = await call('why.ask', { session: replay.session, from: 'lab-deny-ingress/deploy/frontend', to: 'backend:8080', probe: 'none', durationSec: 1 });
    expect((await answer(re.question)).diagnosis?.findings[0]?.kind).toBe('policy-deny-ingress');
    const noRecord = await raw('recording.start', { session: replay.session });
    expect(noRecord.ok === false && noRecord.error.message).toMatch(/recording already/);
    await call('cluster.close', { session: replay.session });
  });

  it('closing a session ends its recording as a clean file; a second one the same second gets its own name', async () => {
    const a = await call('cluster.open', { source: { kind: 'default' }, context });
    const b = await call('cluster.open', { source: { kind: 'default' }, context });
    const ra = await call('recording.start', { session: a.session });
    const rb = await call('recording.start', { session: b.session });
    expect(rb.path).not.toBe(ra.path);
    await call('cluster.close', { session: a.session });
    await call('cluster.close', { session: b.session });
    for (const f of [ra.path, rb.path]) {
      const r = RecordingReader.open(f);
      expect(r.complete).toBe(true);
      r.close();
    }
    expect(readdirSync(recordings).length).toBeGreaterThanOrEqual(3);
  });

  it("puts recordings where the platform keeps an app's data unless told otherwise", () => {
    expect(recordingsDir({ PATHLIGHT_RECORDINGS_DIR: '/tmp/x' })).toBe('/tmp/x');
    if (process.platform === 'linux') {
      expect(recordingsDir({ HOME: '/home/u' })).toBe('/home/u/.local/share/pathlight/recordings');
      expect(recordingsDir({ HOME: '/home/u', XDG_DATA_HOME: '/data' })).toBe('/data/pathlight/recordings');
    }
  });

  it('says what to do when the folder cannot be made', async () => {
    const blocked = path.join(dir, 'a-file');
    rmSync(blocked, { force: true });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(blocked, '');
    const h = createHandlers({ shell: 'server', env: { PATHLIGHT_RECORDINGS_DIR: path.join(blocked, 'recordings') }, fakeClusters: fixture('diagnose') });
    const api = apiOn(h, 50);
    const o = await api.call('cluster.open', { source: { kind: 'default' }, context });
    const r = await api.raw('recording.start', { session: o.session });
    expect(r.ok === false && r.error.message).toMatch(/Cannot create the recordings folder/);
    expect(r.ok === false && r.error.hint).toMatch(/PATHLIGHT_RECORDINGS_DIR/);
    await api.call('cluster.close', { session: o.session });
  });
});
