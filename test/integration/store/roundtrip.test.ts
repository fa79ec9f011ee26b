/**
 * Live → record → replay gives the same answer. The "live" sessions are the lab's golden
 * scenarios (test/fixtures/diagnose: the objects and the probe events the agent saw, captured
 * from the real lab by test/lab/capture-why.mjs): each is diagnosed as `pathlight why` does,
 * recorded through SessionRecorder exactly as `pathlight record` records (snapshot from a
 * snapshot-like source, every probe line, the question with its options, the answer), written
 * to a real .pathlight file, opened again and re-asked. Also: several questions in one file
 * each get their own probe window, a watch change after the snapshot is seen by the replay,
 * and the CLI's `replay --why` and `report` read the same file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRecording } from '../../../src/backend/store/open.js';
import { SessionRecorder, type WatchSource } from '../../../src/backend/store/recorder.js';
import type { diagnose as d } from '../../../src/core/index.js';
import { correlate, labFixtures, view, type LabFixture } from '../../helpers/diagnose.js';
import { diagnose } from '../../../src/core/diagnose/index.js';
import { repoPath } from '../../helpers/paths.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-roundtrip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixtures = labFixtures();

function live(f: LabFixture): d.Diagnosis {
  const r = diagnose(view(f.objects), f.query, { correlator: correlate(f.events) });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** The fixture's objects as a snapshot-like source whose changes the test can fire. */
function source(f: LabFixture) {
  const listeners = new Set<Parameters<WatchSource['onChange']>[0]>();
  const src: WatchSource = {
    list: (kind: never) => (f.objects as Record<string, unknown[]>)[kind] ?? [],
    kinds: () => Object.keys(f.objects),
    onChange: (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
  };
  return { src, fire: (c: Parameters<Parameters<WatchSource['onChange']>[0]>[0]) => listeners.forEach((l) => l(c)) };
}

/** Records fixtures one after the other, as `pathlight record` / make-demo do, each at its own events' time. */
function record(file: string, list: LabFixture[]): Array<{ f: LabFixture; d: d.Diagnosis }> {
  let now = Math.min(...list[0]!.events.map((e) => e.ts)) - 5e9;
  const rec = SessionRecorder.create(file, {
    clock: () => now,
    meta: { context: 'lab', cluster: { name: 'pathlight-lab', server: 'https://127.0.0.1:16443' } },
  });
  const out: Array<{ f: LabFixture; d: d.Diagnosis }> = [];
  for (const f of list) {
    const first = Math.min(...f.events.map((e) => e.ts));
    const last = Math.max(...f.events.map((e) => e.ts));
    now = Math.max(now, first - 2e9);
    const { src } = source(f);
    const off = rec.attach(src);
    now += 1e6;
    const id = rec.question({ ...f.query, protocol: 'TCP', options: { probe: 'ssh', durationMs: 12_000, zone: 'cluster.local' } });
    for (const e of f.events) rec.probe(e.node, e);
    now = Math.max(now, last + 1e9);
    const diag = live(f);
    rec.answer(id, diag, { nodes: [{ node: 'pathlight-lab-node', why: ['A'] }] });
    off();
    out.push({ f, d: diag });
  }
  rec.close();
  return out;
}

describe('live → record → replay', () => {
  it.each(fixtures.map((f) => [f.scenario, f] as const))('%s: the replayed diagnosis is the live one', async (name, f) => {
    const file = path.join(dir, `${name}.pathlight`);
    const expected = record(file, [f])[0]!.d;
    const rec = await openRecording(file);
    expect(rec.complete).toBe(true);
    expect(rec.questions).toHaveLength(1);
    const [again] = rec.reask();
    expect(again?.result.ok).toBe(true);
    if (!again?.result.ok) return;
    // Everything: verdict, findings with evidence and fixes, the path, the live counts, notes.
    expect(again.result.value).toEqual(expected);
    expect(again.same).toBe(true);
    expect(again.result.value.findings[0]?.kind).toBe(f.expected.kind);
  });

  it('keeps each question to its own probe window when several share a recording', async () => {
    const file = path.join(dir, 'all.pathlight');
    // In the order they were captured, as a session asks them one after the other.
    const firstTs = (f: LabFixture) => Math.min(...f.events.map((e) => e.ts));
    const recorded = record(
      file,
      [...fixtures].sort((a, b) => firstTs(a) - firstTs(b)),
    );
    const rec = await openRecording(file);
    const results = rec.reask();
    expect(results.map((r) => r.question.question.from)).toEqual(recorded.map((x) => x.f.query.from));
    results.forEach((r, i) => {
      expect(r.result.ok && r.result.value).toEqual(recorded[i]!.d);
      expect(r.same).toBe(true);
    });
    // An ad-hoc question on the replay, at its end (the last question's cluster), sees every probe event recorded up to then.
    const last = recorded.at(-1)!.f;
    const adhoc = rec.why(last.query);
    expect(adhoc.ok && adhoc.value.findings[0]?.kind).toBe(last.expected.kind);
    expect(adhoc.ok && adhoc.value.live?.events).toBeGreaterThan(0);
  });

  it('re-asks on the cluster as it stood: a watch change after the snapshot counts, one after --at does not', async () => {
    const f = fixtures.find((x) => x.scenario === 'healthy')!;
    const file = path.join(dir, 'watch.pathlight');
    let now = Math.min(...f.events.map((e) => e.ts)) - 2e9;
    const rec = SessionRecorder.create(file, { clock: () => now });
    const { src, fire } = source(f);
    rec.attach(src);
    const backend = (f.objects.Pod ?? []).find((p) => p.metadata?.name?.startsWith('backend') && p.metadata.namespace === 'lab-healthy')!;
    const before = now + 1e9;
    now += 2e9;
    // The Service's EndpointSlice follows the pod: its endpoint no longer ready.
    const slices = (f.objects.EndpointSlice ?? []).filter((s) => s.metadata?.namespace === 'lab-healthy');
    fire({ ts: now, type: 'DELETED', kind: 'Pod', object: backend });
    for (const s of slices)
      fire({
        ts: now,
        type: 'MODIFIED',
        kind: 'EndpointSlice',
        object: {
          ...s,
          endpoints: ((s as { endpoints?: Array<Record<string, unknown>> }).endpoints ?? []).map((e) => ({ ...e, conditions: { ready: false } })),
        },
      });
    rec.close();
    const opened = await openRecording(file);
    const atStart = opened.why(f.query, before);
    const atEnd = opened.why(f.query);
    expect(atStart.ok && atStart.value.verdict).toBe('reachable');
    expect(atEnd.ok && atEnd.value.verdict).toBe('unreachable');
  });

  it('pathlight replay --why and pathlight report read the recording', () => {
    const file = path.join(dir, 'deny-backend-ingress.pathlight');
    const cli = (args: string[]) => spawnSync(process.execPath, [repoPath('bin/pathlight.cjs'), ...args], { encoding: 'utf8', timeout: 60_000 });
    const r = cli(['replay', file, '--why', '--json']);
    expect(r.status).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as d.Diagnosis & { same: boolean; question: { id: string } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ verdict: 'unreachable', same: true, question: { id: 'q1' } });
    expect(lines[0]?.findings[0]?.kind).toBe('policy-deny-ingress');
    const healthy = cli(['replay', path.join(dir, 'healthy.pathlight'), '--why']);
    expect(healthy.status).toBe(0);
    expect(healthy.stdout).toContain('recorded answer: the same findings');

    const html = path.join(dir, 'deny.html');
    const rep = cli(['report', file, '--out', html]);
    expect(rep.status).toBe(0);
    const text = readFileSync(html, 'utf8');
    expect(text).toContain('policy-deny-ingress');
    expect(text).toMatch(/<svg [^>]*role="img"/);
    expect(text).not.toMatch(/\s(?:src|href)=["']?(?:https?:)?\/\//i);
    expect(cli(['report', file, '--out', html]).status).toBe(2);
    const md = path.join(dir, 'deny.md');
    expect(cli(['report', file, '--format', 'md', '--out', md, '--question', '1']).status).toBe(0);
    expect(readFileSync(md, 'utf8')).toContain('#### 1. policy-deny-ingress');
    expect(cli(['report', file, '--out', path.join(dir, 'x.md'), '--question', '2']).status).toBe(2);
  });
});
