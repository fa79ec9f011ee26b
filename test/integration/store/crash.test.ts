/**
 * A recording survives the app being killed: a real process writes a live session and is
 * SIGKILLed mid-stream; the file opens with everything but (at most) the last second.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { RecordingReader } from '../../../src/backend/store/recording.js';
import { repoPath } from '../../helpers/paths.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The writer as the app runs it (built output), appending ~2,000 events/s with wall-clock ts.
const writerScript = `
import { RecordingWriter } from ${JSON.stringify(repoPath('dist/backend/store/recording.js'))};
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
