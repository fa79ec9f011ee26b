/**
 * Replay in the workbench through dispatch (validation included): the bundled demo recording
 * opened by path and as bytes, its nine recorded questions with their answers, seeking moves the
 * events and the graph, "ask why" re-runs on the recorded state and refuses probes; rejected
 * payloads; a damaged and an unreadable recording say what happened and what to do next.
 */
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandlers } from '../../../src/backend/handlers.js';
import { apiOn } from '../../helpers/api.js';
import { openRecording, openRecordingOnce, setStartupRecording } from '../../../src/backend/store/open.js';
import { repoPath } from '../../helpers/paths.js';
import { RecordTable, SessionReplay, probeTypeCode, probeTypeOf } from '../../../src/core/index.js';
import type { OpenedRecording } from '../../../src/backend/store/open.js';
import { replaySource } from '../../../src/backend/workbench/replay.js';
import { at, makePod, snapshotRecord } from '../../helpers/session.js';
import { eventsIn } from '../../helpers/recording.js';

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
    expect(all.total).toBe(await eventsIn(demo));
    expect(all.total).toBeGreaterThan(300);
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
    expect(early.events).toBeLessThan(await eventsIn(demo));
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

  it('the startup recording as serve --open read it is handed to the first open of the same unchanged file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pathlight-startup-'));
    const file = path.join(dir, 'demo.pathlight');
    writeFileSync(file, readFileSync(demo));
    const read = await openRecording(file);
    setStartupRecording(file, read);
    expect(await openRecordingOnce(file)).toBe(read);
    // Once only, and never for a file changed since.
    expect(await openRecordingOnce(file)).not.toBe(read);
    setStartupRecording(file, read);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const again = await openRecordingOnce(file);
    expect(again).not.toBe(read);
    expect(again.questions).toHaveLength(9);
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
    const notRec = await raw('recording.open', {
      source: { kind: 'bytes', name: 'notes.txt', base64: Buffer.from('hello, not a recording').toString('base64') },
    });
    expect(notRec.ok).toBe(false);
    if (!notRec.ok) {
      expect(notRec.error.code).toMatch(/^recording-/);
      expect(notRec.error.message).toContain('notes.txt');
      expect(notRec.error.message).not.toContain('pathlight-rec-');
      expect(notRec.error.hint).toBeTruthy();
    }
  });
});

describe('the replay source (what replay.seek moves, what events.page and the graph read)', () => {
  /**
   * 30 probe lines, one a second (a stats line every 10th: not an event), read from a table
   * that counts line reads. The reader noted every line's type but the 7th's.
   */
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
      const type = i % 10 === 0 ? 'stats' : (['drop', 'dns', 'tcp'] as const)[i % 3]!;
      const event = {
        drop: { reason: 'NETFILTER_DROP' },
        dns: { qr: 'query', qname: `q${i}.shop.`, qtype: 'A', id: i },
        tcp: { event: 'refused', errno: 'ECONNREFUSED' },
      } as const;
      const data =
        type === 'stats'
          ? { type, node: 'n1' }
          : {
              type,
              node: 'n1',
              seq: i,
              proto: type === 'dns' ? 'udp' : 'tcp',
              src: '10.244.1.5',
              sport: 40000 + i,
              dst: '10.96.0.10',
              dport: 53,
              ...event[type],
            };
      table.pushDeferred(at(i), i === 7 ? probeTypeCode.unknown : probeTypeOf(type));
      lines.push(JSON.stringify({ ts: at(i), kind: 'probe', data }));
    }
    const replay = new SessionReplay(table, { prepare: true });
    const rec = {
      ...{
        path: '/x.pathlight',
        header: { type: 'pathlight-recording', version: 2, created: '' },
        complete: true,
        damage: [],
        meta: {},
        questions: [],
        notes: [],
      },
      ...{ start: replay.start, end: replay.end, records: replay.length, why: () => ({ ok: false }), reask: () => [] },
      frameAt: (t: number) => replay.at(t),
      probeColumns: replay.probeColumns,
      probeAt: (i: number) => replay.probeEvent(i),
      probeTypeAt: (i: number) => replay.probeTypeAt(i),
    } as unknown as OpenedRecording;
    return { src: replaySource(rec, 'x.pathlight', undefined), reads: () => reads };
  }
  const seqs = (events: readonly object[]) => events.map((e) => (e as { seq?: unknown }).seq);
  /** Reads to the end, as the session does in slices; the graph's batches in order. */
  const readAll = (src: ReturnType<typeof source>['src']) => {
    const got: object[] = [];
    while (src.read(1000, (evs) => got.push(...evs)));
    return got;
  };

  it('lists the events without reading a line (but the one whose type was not noted); a seek reads nothing', () => {
    const { src, reads } = source();
    expect(reads()).toBe(1);
    // Nothing counted yet: no reset.
    expect(src.seek(at(12))).toMatchObject({ reset: false, total: 11 });
    expect(src.seek(at(21))).toMatchObject({ reset: false, total: 19 });
    expect(reads()).toBe(1);
    // The table's page reads its own rows only, and the timeline is exact from times and types.
    const page = src.page({}, 2, 3);
    expect(page).toMatchObject({ total: 19, matched: 19 });
    expect(page.rows.map((r) => [r.seq, r.type, r.src])).toEqual([
      [2, 'drop', '10.244.1.5:40003'],
      [3, 'dns', '10.244.1.5:40004'],
      [4, 'tcp', '10.244.1.5:40005'],
    ]);
    expect(reads()).toBe(4);
    expect(page.histogram.buckets.reduce((n, b) => n + b[0] + b[1] + b[2], 0)).toBe(19);
    expect(src.page({ type: ['drop'] }, 0, 100).matched).toBe(7);
    expect(src.page({ type: ['drop'] }, 0, 100).pending).toBeUndefined();
    // A filter on what the rows say: nothing judged yet, all of them pending.
    expect(src.page({ reason: 'NETFILTER_DROP' }, 0, 100)).toMatchObject({ matched: 0, pending: 19 });
  });

  it('hands the graph the events up to the instant in order, once; a move back starts it again', () => {
    const { src } = source();
    src.seek(at(12));
    const first = readAll(src);
    expect(seqs(first.slice(0, 11))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]);
    expect(first).toHaveLength(11);
    expect(first[0]).toMatchObject({ type: 'dns', node: 'n1', seq: 1, ts: at(1) });
    // The whole recording's rows are read meanwhile: every filter is exact now.
    expect(src.progress()).toEqual({ events: 11, counted: 11, read: 27, of: 27 });
    const drops = src.page({ reason: 'netfilter_drop' }, 0, 100);
    expect(drops.matched).toBe(4);
    expect(drops).not.toHaveProperty('pending');
    expect(src.page({ text: 'q4.shop' }, 0, 100).rows.map((r) => r.detail)).toEqual(['q4.shop A']);
    // Forward: only the new events.
    expect(src.seek(at(15)).reset).toBe(false);
    expect(seqs(readAll(src))).toEqual([13, 14, 15]);
    // Back: the graph counts again from the start.
    expect(src.seek(at(3.5))).toMatchObject({ reset: true, total: 3 });
    expect(seqs(readAll(src))).toEqual([1, 2, 3]);
    expect(src.page({ reason: 'NETFILTER_DROP' }, 0, 100).matched).toBe(1);
  });
});
