import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordingWriter } from '../../../src/backend/store/container.js';
import { repoPath } from '../../helpers/paths.js';
import { bombChunks, chunkOf, dropAt, readFrames, writeFrames } from '../../helpers/recording.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pathlight(args: string[], timeout = 30_000) {
  const r = spawnSync(process.execPath, [repoPath('bin/pathlight.cjs'), ...args], { encoding: 'utf8', timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function session(file: string, close = true): string {
  const w = new RecordingWriter(file, { chunkRecords: 50 });
  const t0 = dropAt(0).ts;
  w.append({ ts: t0, kind: 'meta', data: { context: 'kind-lab' } });
  for (let i = 1; i <= 120; i++) w.append(dropAt(i));
  for (let i = 0; i < 30; i++) w.append({ ts: dropAt(120 + i).ts, kind: 'probe', data: { type: 'dns', rcode: 'NXDOMAIN' } });
  w.append({ ts: dropAt(151).ts, kind: 'question', data: { from: 'shop/deploy/frontend', to: 'shop/svc/backend:8080' } });
  w.append({ ts: dropAt(152).ts, kind: 'answer', data: { top: 'policy-deny-ingress' } });
  if (close) w.close();
  else w.flush();
  return file;
}

describe('pathlight replay', () => {
  it('summarises duration, events by type and the questions with their answers', () => {
    const file = session(path.join(dir, 'a.pathlight'));
    const r = pathlight(['replay', file, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      complete: true,
      damage: [],
      records: 153,
      durationMs: 152,
      byKind: { meta: 1, probe: 150, question: 1, answer: 1 },
      probeEvents: { drop: 120, dns: 30 },
      questions: [{ question: { from: 'shop/deploy/frontend', to: 'shop/svc/backend:8080' }, answer: { top: 'policy-deny-ingress' } }],
    });
    const text = pathlight(['replay', file]);
    expect(text.stdout).toMatch(/drop\s+120/);
    expect(text.stdout).toMatch(/answer: \{"top":"policy-deny-ingress"\}/);
  });

  it('opens a damaged recording, shows what is intact and warns what was lost', () => {
    const file = session(path.join(dir, 'b.pathlight'), false);
    truncateSync(file, statSync(file).size - 10);
    const r = pathlight(['replay', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('not closed cleanly');
    expect(r.stderr).toMatch(/warning: The recording ends early/);
  });

  it('exits 2 with the next step for a file that is not a recording', () => {
    const r = pathlight(['replay', repoPath('package.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \(recording-damaged\): .*not a Pathlight recording/);
  });

  it('exits 2 with a named error and the next step for a chunk of invalid JSON behind a valid CRC, never a stack trace', () => {
    const file = path.join(dir, 'json.pathlight');
    writeFrames(file, readFrames(session(path.join(dir, 'json-src.pathlight'))).header, [
      chunkOf(
        [JSON.stringify({ ts: dropAt(0).ts, kind: 'meta', data: { context: 'kind-lab' } }), '{"ts":1764000000001000000,"kind":"note","data":{"text":'],
        dropAt(0).ts,
        dropAt(1).ts,
      ),
    ]);
    for (const args of [
      ['replay', file],
      ['replay', file, '--why'],
    ]) {
      const r = pathlight(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error \(recording-damaged\): .*record 2 of the chunk at byte \d+ is not JSON/m);
      expect(r.stderr).toMatch(/next: Ask for the recording again/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it('exits 2 with the next step for a folder given as a recording', () => {
    const folder = path.join(dir, 'folder.pathlight');
    mkdirSync(folder);
    const r = pathlight(['replay', folder]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \(recording-unreadable\): .*folder\.pathlight is a folder, not a recording/);
    expect(r.stderr).toMatch(/next: Give the path of a \.pathlight file/);
  });

  it('exits 2 at once for a named pipe given as a recording, instead of waiting for a writer', () => {
    const fifo = path.join(dir, 'pipe.pathlight');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // Guarded: the old reader blocked in open() until something wrote to the pipe.
    const r = pathlight(['replay', fifo], 15_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \(recording-unreadable\): .*pipe\.pathlight is a named pipe, not a recording/);
    expect(r.stderr).toMatch(/next: Save the recording to a \.pathlight file first/);
  });

  it('exits 2, quickly, with "too large" for a decompression bomb', () => {
    const file = path.join(dir, 'bomb.pathlight');
    writeFrames(file, readFrames(session(path.join(dir, 'bomb-src.pathlight'))).header, bombChunks(64, 16));
    const started = Date.now();
    const r = pathlight(['replay', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \(recording-damaged\): .*too large to open/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('pathlight import hubble', () => {
  it('turns Hubble flows into a recording that replay summarises', () => {
    const out = path.join(dir, 'hubble.pathlight');
    const r = pathlight(['import', 'hubble', repoPath('test/fixtures/hubble/flows.jsonpb'), '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Imported 6 events \(.*1 drop.*\) into/);
    expect(r.stdout).toMatch(/17 lost events: the evidence in this recording is incomplete/);
    expect(r.stderr).toMatch(/flows\.jsonpb:7: not JSON/);
    const summary = JSON.parse(pathlight(['replay', out, '--json']).stdout);
    expect(summary.probeEvents).toEqual({ dns: 2, drop: 1, stats: 1, flow: 1, tcp: 1 });
    expect(summary.byKind.meta).toBe(1);
  });

  it('never overwrites an existing recording', () => {
    const out = path.join(dir, 'taken.pathlight');
    pathlight(['import', 'hubble', repoPath('test/fixtures/hubble/flows.jsonpb'), '--out', out]);
    const again = pathlight(['import', 'hubble', repoPath('test/fixtures/hubble/flows.jsonpb'), '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; recordings are never overwritten/);
  });
});
