import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordingWriter } from '../../../src/backend/store/recording.js';
import { repoPath } from '../../helpers/paths.js';
import { dropAt } from '../../helpers/recording.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pathlight(args: string[]) {
  const r = spawnSync(process.execPath, [repoPath('bin/pathlight.cjs'), ...args], { encoding: 'utf8', timeout: 30_000 });
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
