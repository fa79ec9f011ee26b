/**
 * A recording survives the app being killed: a real process writes a live session and is
 * SIGKILLed mid-stream; the file opens with everything but (at most) the last second.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { RecordingReader } from '../../../src/backend/store/container.js';
import { openRecording } from '../../../src/backend/store/open.js';
import { fixture, repoPath } from '../../helpers/paths.js';
import { labFixture } from '../../helpers/diagnose.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The writer as the app runs it (built output), appending ~2,000 events/s with wall-clock ts.
const writerScript = `
import { RecordingWriter } from ${JSON.stringify(repoPath('dist/backend/store/container.js'))};
const w = new RecordingWriter(process.argv[1]);
let seq = 0;
setInterval(() => {
  for (let i = 0; i < 20; i++) w.append({ ts: Date.now() * 1e6, kind: 'probe', data: { type: 'tcp', event: 'refused', seq: seq++ } });
  if (seq % 1000 === 0) process.stdout.write('written ' + seq + '\\n');
}, 10);
`;

it('loses at most the last second when the app is killed with SIGKILL', async () => {
  const file = path.join(dir, 'live.pathlight');
  const child = spawn(process.execPath, ['--input-type=module', '-e', writerScript, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.on('data', (d) => String(d).includes('written 5000') && resolve()));
  const killedAt = Date.now() * 1e6;
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));

  const r = RecordingReader.open(file);
  expect(r.complete).toBe(false);
  expect(r.damage).toEqual([]); // a kill between flushes leaves whole chunks only
  const seqs = [...r.records()].map((x) => (x.data as { seq: number }).seq);
  expect(seqs.length).toBeGreaterThan(2000);
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i));
  // Flushed every second: the newest record on disk is at most ~1 s older than the kill.
  expect(killedAt - (r.end ?? 0)).toBeLessThan(1.25e9);
  r.close();
});

// A workbench session being recorded (the engine's own calls, built output) on a fake cluster
// made of a lab fixture: a question with its probe lines and answer, then a note; then killed.
const workbenchScript = `
import { createHandlers } from ${JSON.stringify(repoPath('dist/backend/handlers.js'))};
import { dispatch } from ${JSON.stringify(repoPath('dist/api/index.js'))};
const [fixtures, recordings] = process.argv.slice(1);
const h = createHandlers({ shell: 'server', env: { PATHLIGHT_RECORDINGS_DIR: recordings }, fakeClusters: fixtures });
const call = async (m, p) => { const r = await dispatch(h, m, p, new AbortController().signal); if (!r.ok) throw new Error(r.error.message); return r.value; };
const { session } = await call('cluster.open', { source: { kind: 'default' }, context: 'fake-deny-backend-ingress' });
const { path } = await call('recording.start', { session });
const { question } = await call('why.ask', { session, from: 'lab-deny-ingress/deploy/frontend', to: 'backend:8080', probe: 'ssh', durationSec: 1 });
while ((await call('why.status', { question })).state === 'running') await new Promise((r) => setTimeout(r, 20));
await call('recording.note', { session, text: 'just before the crash' });
process.stdout.write('ready ' + path + '\\n');
setInterval(() => {}, 1000);
`;

it('a workbench session being recorded keeps its answered question and its notes when the app is killed', async () => {
  const recordings = path.join(dir, 'workbench');
  const child = spawn(process.execPath, ['--input-type=module', '-e', workbenchScript, fixture('diagnose'), recordings], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const file = await new Promise<string>((resolve) =>
    child.stdout.on('data', (d) => /ready (\S+)/.test(String(d)) && resolve(/ready (\S+)/.exec(String(d))![1]!)),
  );
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  const rec = await openRecording(file);
  expect(rec.complete).toBe(false);
  expect(rec.damage).toEqual([]);
  expect(rec.questions).toHaveLength(1);
  expect((rec.questions[0]!.answer?.data.diagnosis as { findings: Array<{ kind: string }> }).findings[0]?.kind).toBe('policy-deny-ingress');
  expect(rec.frameAt(rec.end!).notes.map((n) => n.note.text)).toEqual(['just before the crash']);
  // Every line the fake cluster replayed from the lab fixture, rule lines included.
  expect(rec.probeColumns.ts.length).toBe(labFixture('deny-backend-ingress').events.length);
});
