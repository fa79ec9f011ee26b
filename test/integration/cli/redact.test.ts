import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordingReader, RecordingWriter } from '../../../src/backend/store/recording.js';
import { SessionReplay, migrate } from '../../../src/core/index.js';
import { fixture, repoPath } from '../../helpers/paths.js';
import { syntheticSession } from '../../helpers/session.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-redact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pathlight(args: string[]) {
  const r = spawnSync(process.execPath, [repoPath('bin/pathlight.cjs'), ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function readAll(file: string) {
  const r = RecordingReader.open(file);
  const records = [...migrate(r.header, r.records())];
  r.close();
  return records;
}

describe('pathlight redact', () => {
  it('writes a copy with pseudonyms that replay still summarises and replays', () => {
    const src = path.join(dir, 'session.pathlight');
    const w = new RecordingWriter(src);
    for (const r of syntheticSession()) w.append(r);
    w.close();
    const out = path.join(dir, 'shared.pathlight');
    const r = pathlight(['redact', src, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Redacted 9 records into .*shared\.pathlight/);
    const text = JSON.stringify(readAll(out));
    for (const s of ['shop', 'frontend-7c9f', 'backend-5d8b', 'node-a', '10.244.', '10.96.0.20', '192.168.10.1', 'prod-eu', 'example.com']) expect(text.includes(s), s).toBe(false);
    const frame = new SessionReplay(readAll(out)).at(Infinity);
    expect(frame.meta.redacted).toBe(true);
    expect(frame.cluster.list('Pod').map((p) => p.metadata?.namespace)).toEqual(['ns-1', 'ns-1']);
    const summary = JSON.parse(pathlight(['replay', out, '--json']).stdout);
    expect(summary).toMatchObject({ records: 9, probeEvents: { drop: 1, tcp: 1 } });
    expect(readFileSync(out).length).toBeGreaterThan(0);
  });

  it('redacts an older (v1) recording through the migration', () => {
    const out = path.join(dir, 'v1.pathlight');
    expect(pathlight(['redact', fixture('recordings/v1-small.pathlight'), '--out', out]).code).toBe(0);
    const records = readAll(out);
    expect(records).toHaveLength(300);
    // (its node is called node-1, which is also the first node pseudonym)
    expect(JSON.stringify(records).includes('10.244.')).toBe(false);
    expect(new Set(records.map((r) => (r.data as { dst: string }).dst)).size).toBe(1);
  });

  it('never overwrites, and says what is wrong with a bad input', () => {
    const out = path.join(dir, 'taken.pathlight');
    pathlight(['redact', fixture('recordings/v1-small.pathlight'), '--out', out]);
    const again = pathlight(['redact', fixture('recordings/v1-small.pathlight'), '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; recordings are never overwritten/);
    const bad = pathlight(['redact', repoPath('package.json'), '--out', path.join(dir, 'x.pathlight')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a Pathlight recording/);
  });
});

describe('pathlight replay of older and current fixtures', () => {
  it.each(['v1-small', 'v2-small'])('summarises %s', (name) => {
    const r = pathlight(['replay', fixture(`recordings/${name}.pathlight`), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).records).toBeGreaterThan(0);
  });
});
