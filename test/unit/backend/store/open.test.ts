import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PathlightError } from '../../../../src/api/index.js';
import { openRecording } from '../../../../src/backend/store/open.js';
import { RecordingWriter } from '../../../../src/backend/store/container.js';
import { bombChunks, chunkOf, dropAt, readFrames, writeFrames } from '../../../helpers/recording.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function record(count: number): string {
  const file = path.join(dir, `r${n++}.pathlight`);
  const w = new RecordingWriter(file, { flushMillis: 3_600_000 });
  w.append({ ts: dropAt(0).ts - 1, kind: 'meta', data: { context: 'kind-lab' } });
  for (let i = 0; i < count; i++) w.append(dropAt(i));
  w.close();
  return file;
}

async function errorOf(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof PathlightError) return err.detail;
  throw err ?? new Error('expected an error');
}

describe('openRecording on hostile and careless input', () => {
  it('leaves the event loop turns while it reads a large recording (the engine answers others meanwhile)', async () => {
    const file = record(200_000); // 25 chunks of 8,192 records
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const rec = await openRecording(file);
    ticking = false;
    expect(rec.records).toBe(200_001);
    // Read in slices of ~15 ms: other work runs between them, not once after the whole read.
    expect(turns).toBeGreaterThanOrEqual(4);
  });

  it('refuses a decompression bomb as too large, with the next step', async () => {
    const file = path.join(dir, `bomb${n++}.pathlight`);
    writeFrames(file, readFrames(record(1)).header, bombChunks(64, 16));
    expect(await errorOf(openRecording(file))).toMatchObject({
      code: 'recording-damaged',
      message: expect.stringMatching(/too large/),
      hint: expect.any(String),
    });
  });

  it('refuses a chunk of invalid JSON with a named error, not "internal"', async () => {
    const file = path.join(dir, `json${n++}.pathlight`);
    writeFrames(file, readFrames(record(1)).header, [chunkOf(['{"ts":1,"kind":"meta","data":{}}', '{"ts":2,'], 1, 2)]);
    expect(await errorOf(openRecording(file))).toMatchObject({ code: 'recording-damaged', message: expect.stringMatching(/not JSON/) });
  });

  it('names a probe line that is not JSON inside when the event is read (probe lines are parsed on demand)', async () => {
    const file = path.join(dir, `probe${n++}.pathlight`);
    const ts = dropAt(0).ts;
    const line = `{"ts":${ts},"kind":"probe","data":{"v":1,"type":"drop","src":"10.244.1.1" oops}}`;
    writeFrames(file, readFrames(record(1)).header, [chunkOf([JSON.stringify({ ts, kind: 'meta', data: {} }), line], ts)]);
    const rec = await openRecording(file);
    expect(rec.probeColumns.ts).toHaveLength(1);
    let error;
    try {
      void rec.probeAt(0).line;
    } catch (err) {
      error = err instanceof PathlightError ? err.detail : err;
    }
    expect(error).toMatchObject({ code: 'recording-damaged', message: expect.stringMatching(/a probe record of the chunk at byte \d+ is not JSON/) });
  });

  it('says a folder is a folder', async () => {
    const folder = path.join(dir, `folder${n++}`);
    mkdirSync(folder);
    expect(await errorOf(openRecording(folder))).toMatchObject({ code: 'recording-unreadable', message: expect.stringMatching(/folder/) });
  });
});
