/**
 * Replay in the workbench through dispatch (validation included): the bundled demo recording
 * opened by path and as bytes, its nine recorded questions with their answers, seeking moves the
 * events and the graph, "ask why" re-runs on the recorded state and refuses probes; rejected
 * payloads; a damaged and an unreadable recording say what happened and what to do next.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandlers } from '../../../src/backend/handlers.js';
import { apiOn } from '../../helpers/api.js';
import { setStartupRecording } from '../../../src/backend/store/open.js';
import { repoPath } from '../../helpers/paths.js';
import { RecordTable, SessionReplay } from '../../../src/core/index.js';
import type { OpenedRecording } from '../../../src/backend/store/open.js';
import { replaySource } from '../../../src/backend/workbench/replay.js';
import { at, makePod, snapshotRecord } from '../../helpers/session.js';

const demo = repoPath('assets/demo.pathlight');
const handlers = createHandlers({ shell: 'server', env: {} });
const { raw, call, answer } = apiOn(handlers);

afterEach(() => setStartupRecording(undefined));

describe('replay in the workbench', () => {
  it('opens the demo: meta, nine questions with their recorded answers, events at the end', async () => {
    const open = await call('recording.open', { source: { kind: 'path', path: demo } });
    expect(open.mode).toBe('replay');
    const info = open.replay!;
    expect(info.name).toBe('demo.pathlight');
    expect(info.path).toBe(demo);
    expect(info.complete).toBe(true);
    expect(info.damage).toEqual([]);
    expect(info.end).toBeGreaterThan(info.start);
    expect(info.questions).toHaveLength(9);
    const q2 = info.questions.find((q) => q.from === 'lab-deny-ingress/deploy/frontend')!;
    expect(q2).toMatchObject({ verdict: 'unreachable', top: 'policy-deny-ingress', probe: 'ssh' });
    expect(open.names.workloads).toContain('lab-deny-ingress/deploy/frontend');
    const all = await call('events.page', { session: open.session, filter: {}, offset: 0, limit: 1 });
    expect(all.total).toBe(35 + 336 + 19);
    await call('cluster.close', { session: open.session });
  });

  it('seeks: fewer events earlier, a recorded answer on the graph, ask why on the recorded state', async () => {
    const open = await call('recording.open', { source: { kind: 'path', path: demo } });
    const { session } = open;
    const info = open.replay!;
    const g0 = await call('graph.snapshot', { session });
    const early = await call('replay.seek', { session, t: info.start + 20e9 });
    const page = await call('events.page', { session, filter: {}, offset: 0, limit: 1 });
    expect(page.total).toBe(early.events);
    expect(early.events).toBeGreaterThan(0);
    expect(early.events).toBeLessThan(390);
    // Out of range is clamped, not refused.
    expect((await call('replay.seek', { session, t: 0 })).t).toBe(info.start);

    const q2 = info.questions.find((q) => q.top === 'policy-deny-ingress')!;
    const shown = await call('replay.seek', { session, t: 0, question: q2.id });
    expect(shown.t).toBe(q2.answeredAt);
    expect(shown.answer?.findings[0]?.kind).toBe('policy-deny-ingress');
    const delta = await call('graph.changes', { session, since: g0.version });
    const overlay = delta.resync ? (await call('graph.snapshot', { session })).path : delta.path;
    expect(overlay?.hops[overlay.failing!]?.hop).toBe('policy-ingress');

    const { question } = await call('why.ask', { session, from: q2.from, to: q2.to, probe: 'none', durationSec: 1 });
    const st = await answer(question);
    expect(st.state).toBe('done');
    expect(st.diagnosis?.findings[0]?.kind).toBe('policy-deny-ingress');
    expect(st.diagnosis?.live?.events).toBeGreaterThan(0);

    const probing = await raw('why.ask', { session, from: q2.from, to: q2.to, probe: 'ssh', durationSec: 1 });
    expect(probing.ok === false && probing.error.message).toMatch(/read-only/);
    const unknown = await raw('replay.seek', { session, t: 0, question: 'q99' });
    expect(unknown.ok === false && unknown.error.hint).toMatch(/Pick a question/);
    await call('cluster.close', { session });
  });

  it('opens a picked file from its bytes, and the startup recording is offered', async () => {
    expect(await call('recording.startup', {})).toEqual({ path: null });
    setStartupRecording(demo);
    expect(await call('recording.startup', {})).toEqual({ path: demo });
    const open = await call('recording.open', { source: { kind: 'bytes', name: 'shared.pathlight', base64: readFileSync(demo).toString('base64') } });
    expect(open.replay?.name).toBe('shared.pathlight');
    expect(open.replay?.path).toBeUndefined();
    expect(open.replay?.questions).toHaveLength(9);
    await call('cluster.close', { session: open.session });
  });

  it.each([
    ['no source', {}],
    ['an unknown kind', { source: { kind: 'url', path: 'http://x' } }],
    ['an empty path', { source: { kind: 'path', path: '' } }],
    ['a path with NUL', { source: { kind: 'path', path: 'a\0b' } }],
    ['bytes that are not base64', { source: { kind: 'bytes', name: 'x.pathlight', base64: 'not base64!' } }],
    ['too many bytes', { source: { kind: 'bytes', name: 'x.pathlight', base64: 'A'.repeat(4 * 1024 * 1024 + 4) } }],
    ['an extra field', { source: { kind: 'path', path: demo }, more: 1 }],
  ])('refuses %s', async (_what, payload) => {
    const r = await raw('recording.open', payload);
    expect(r.ok === false && r.error.code).toBe('invalid-request');
  });

  it('refuses seeks on a live session and bad seek payloads', async () => {
    expect((await raw('replay.seek', { session: 'nope', t: 1 })).ok).toBe(false);
    const r = await raw('replay.seek', { session: crypto.randomUUID(), t: Number.NaN });
    expect(r.ok === false && r.error.code).toBe('invalid-request');
  });

  it('a damaged recording opens with what was lost; an unreadable one names the next step', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pathlight-replay-'));
    const bytes = readFileSync(demo);
    const damaged = Buffer.from(bytes);
    damaged.fill(0x55, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 64);
    const file = path.join(dir, 'damaged.pathlight');
    writeFileSync(file, damaged);
    const open = await call('recording.open', { source: { kind: 'path', path: file } });
    expect(open.replay!.damage.length).toBeGreaterThan(0);
    expect(open.replay!.damage.join(' ')).toMatch(/lost|damaged|skipped/i);
    await call('cluster.close', { session: open.session });

    const missing = await raw('recording.open', { source: { kind: 'path', path: path.join(dir, 'nope.pathlight') } });
    expect(missing.ok === false && missing.error).toMatchObject({ code: 'recording-unreadable', hint: expect.stringMatching(/Check the path/) });
    const notRec = await raw('recording.open', { source: { kind: 'bytes', name: 'notes.txt', base64: Buffer.from('hello, not a recording').toString('base64') } });
    expect(notRec.ok).toBe(false);
    if (!notRec.ok) {
      expect(notRec.error.code).toMatch(/^recording-/);
      expect(notRec.error.message).toContain('notes.txt');
      expect(notRec.error.message).not.toContain('pathlight-rec-');
      expect(notRec.error.hint).toBeTruthy();
    }
  });
});

describe('the replay source\'s seek (what replay.seek moves)', () => {
  /** 30 probe lines, one a second (a stats line every 10th: not an event), read from a table that counts line reads. */
  function source() {
    const lines: string[] = [];
    let reads = 0;
    const table = new RecordTable({
      line: (k) => {
        reads++;
        return lines[k]!;
      },
    });
    table.push(snapshotRecord(at(0), [makePod('shop', 'a', '10.244.1.5')]));
    for (let i = 1; i <= 30; i++) {
      const data = i % 10 === 0 ? { type: 'stats', node: 'n1' } : { type: ['drop', 'dns', 'tcp'][i % 3], node: 'n1', seq: i };
      table.pushDeferred(at(i));
      lines.push(JSON.stringify({ ts: at(i), kind: 'probe', data }));
    }
    const replay = new SessionReplay(table, { prepare: true });
    const rec = { path: '/x.pathlight', header: { type: 'pathlight-recording', version: 2, created: '' }, complete: true, damage: [], meta: {}, start: replay.start, end: replay.end, records: replay.length, questions: [], frameAt: (t: number) => replay.at(t), why: () => ({ ok: false }), reask: () => [] } as unknown as OpenedRecording;
    return { src: replaySource(rec, 'x.pathlight', undefined), reads: () => reads };
  }
  const seqs = (events: readonly object[]) => events.map((e) => (e as { seq?: unknown }).seq);

  it('reads each probe line once: forward only the new ones, back by cutting what it read', () => {
    const { src, reads } = source();
    // The source starts at the end with nothing handed out: a first seek earlier is a reset.
    const first = src.seek(at(12));
    expect(first).toMatchObject({ reset: true, total: 11 });
    expect(seqs(first.events)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]);
    expect(reads()).toBe(12);
    const forward = src.seek(at(21));
    expect(forward).toMatchObject({ reset: false, total: 19 });
    expect(seqs(forward.events)).toEqual([13, 14, 15, 16, 17, 18, 19, 21]);
    expect(reads()).toBe(21);
    const back = src.seek(at(5.5));
    expect(back).toMatchObject({ reset: true, total: 5 });
    expect(seqs(back.events)).toEqual([1, 2, 3, 4, 5]);
    expect(reads()).toBe(21);
    // Forward again: only what lies past the instant shown is read again.
    const again = src.seek(at(30));
    expect(seqs(again.events)).toEqual([6, 7, 8, 9, ...[11, 12, 13, 14, 15, 16, 17, 18, 19], ...[21, 22, 23, 24, 25, 26, 27, 28, 29]]);
    expect(again).toMatchObject({ reset: false, total: 27 });
    expect(reads()).toBe(21 + 25);
    expect(src.seek(at(30))).toMatchObject({ events: [], reset: false, total: 27 });
    // The events are the agent's lines with their times.
    expect(again.events[0]).toEqual({ type: 'drop', node: 'n1', seq: 6, ts: at(6) });
  });
});
