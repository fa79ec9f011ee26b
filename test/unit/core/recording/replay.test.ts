import { describe, expect, it } from 'vitest';
import { RecordTable, SessionReplay, askAt, askReplay, probeTypeOf, type ReplayProbeEvent, type SessionRecord } from '../../../../src/core/index.js';
import { at, makeNamespace, makePod, makeService, snapshotRecord, syntheticSession, watchRecord } from '../../../helpers/session.js';

const names = (objs: readonly { metadata?: { name?: string } }[]) => objs.map((o) => o.metadata?.name).sort();

describe('SessionReplay', () => {
  const replay = new SessionReplay(syntheticSession());

  it('rebuilds the cluster at any time: the snapshot, then the watch changes up to T', () => {
    expect(names(replay.at(at(1)).cluster.list('Pod'))).toEqual(['backend-5d8b-xyz12', 'frontend-7c9f-abcde']);
    expect(names(replay.at(at(2.5)).cluster.list('Pod'))).toEqual(['frontend-7c9f-abcde']);
    expect(names(replay.at(at(3)).cluster.list('Pod'))).toEqual(['backend-5d8b-qrs34', 'frontend-7c9f-abcde']);
    // back in time again
    expect(names(replay.at(at(0)).cluster.list('Pod'))).toEqual(['backend-5d8b-xyz12', 'frontend-7c9f-abcde']);
    expect(replay.at(at(0)).cluster.get('Service', 'backend', 'shop')?.metadata?.name).toBe('backend');
    expect(replay.at(at(-1)).cluster.list('Pod')).toEqual([]);
  });

  it('gives the probe events up to T with their recorded identities, and the questions with answers up to T', () => {
    const f = replay.at(at(4.5));
    expect(f.probes.map((p) => p.line.type)).toEqual(['drop']);
    expect(f.probes[0]?.line.identities?.dst).toMatchObject({ name: 'backend-5d8b-xyz12' });
    expect(f.questions).toHaveLength(1);
    expect(f.questions[0]?.answer).toBeUndefined();
    const later = replay.at(at(10));
    expect(later.probes).toHaveLength(2);
    expect(later.questions[0]?.answer?.data.diagnosis).toMatchObject({ verdict: 'unreachable' });
    expect(later.notes.map((n) => n.note.text)).toEqual(['backend on node-b refuses after the restart']);
    expect(later.meta).toMatchObject({ context: 'prod-eu' });
  });

  it('rebuilds the time-aware identity index: a reused IP belongs to the pod that held it then', () => {
    const f = replay.at(at(10));
    expect(f.identities.at('10.244.2.7', at(1))?.name).toBe('backend-5d8b-xyz12');
    expect(f.identities.at('10.244.2.7', at(2.5))).toBeUndefined();
    expect(f.identities.at('10.244.2.7', at(3.5))?.name).toBe('backend-5d8b-qrs34');
    expect(f.identities.at('10.96.0.20', at(1))).toMatchObject({ kind: 'service', name: 'backend' });
    expect(f.identities.at('192.168.10.12', at(1))).toMatchObject({ kind: 'node', name: 'node-b' });
    // seeking back keeps the index exact for earlier times
    expect(replay.at(at(1)).identities.at('10.244.2.7', at(1))?.name).toBe('backend-5d8b-xyz12');
  });

  it('returns frames that later seeks do not change', () => {
    const early = replay.at(at(1));
    replay.at(at(10));
    expect(names(early.cluster.list('Pod'))).toEqual(['backend-5d8b-xyz12', 'frontend-7c9f-abcde']);
  });
});

describe('seeking', () => {
  /** 1 snapshot of 100 pods, then 10,000 watch changes, a resnapshot in the middle. */
  function long(): SessionRecord[] {
    const pods = Array.from({ length: 100 }, (_, i) => makePod('ns', `p${i}`, `10.1.0.${i}`));
    const out: SessionRecord[] = [snapshotRecord(at(0), pods)];
    for (let i = 1; i <= 10_000; i++) {
      if (i === 5000) out.push(snapshotRecord(at(i / 100), pods.slice(0, 10)));
      else out.push(watchRecord(at(i / 100), 'MODIFIED', makePod('ns', `p${i % 100}`, `10.1.0.${i % 100}`, 'node-a', { status: { seq: i } })));
    }
    return out;
  }

  it('moves forward incrementally, and back from the nearest snapshot or checkpoint', () => {
    const r = new SessionReplay(long(), { checkpointEvery: 1000 });
    expect(r.at(at(10)).applied).toBe(1001);
    expect(r.at(at(11)).applied).toBe(100); // only the records in between
    expect(r.at(at(60)).applied).toBe(1001); // jumps to the resnapshot at 50 s, not from 11 s
    expect(r.at(at(60)).cluster.list('Pod')).toHaveLength(100);
    expect(r.at(at(50)).cluster.list('Pod')).toHaveLength(10);
    const back = r.at(at(20.5));
    expect(back.applied).toBe(1051); // from the checkpoint kept at record 1000, not the 2,051 from the start
    expect(back.cluster.get('Pod', 'p50', 'ns')?.status).toEqual({ seq: 2050 });
  });

  it('gives the same frame whatever the path to it', () => {
    const records = long();
    const direct = new SessionReplay(records).at(at(73.37));
    const wandering = new SessionReplay(records, { checkpointEvery: 777 });
    for (const s of [90, 5, 60, 49.99, 80]) wandering.at(at(s));
    const after = wandering.at(at(73.37));
    for (const kind of ['Pod', 'Service'] as const) expect(after.cluster.list(kind)).toEqual(expect.arrayContaining([...direct.cluster.list(kind)]));
    expect(after.cluster.list('Pod')).toHaveLength(direct.cluster.list('Pod').length);
  });

  it('prepared up front, no seek applies more than one checkpoint interval, and frames are the same', () => {
    const records = long();
    const lazy = new SessionReplay(records, { checkpointEvery: 500 });
    const prepared = new SessionReplay(records, { checkpointEvery: 500, prepare: true });
    for (const s of [30, 99, 1, 75.5, 49.99, 0, 100]) {
      const f = prepared.at(at(s));
      expect(f.applied).toBeLessThanOrEqual(500);
      expect(f.cluster.list('Pod')).toEqual(lazy.at(at(s)).cluster.list('Pod'));
    }
  });
});

describe('a RecordTable as the records (probe lines deferred, as openRecording reads a file)', () => {
  /** The synthetic session as a reader would table it: every probe record deferred, its line counted when read. */
  function tabled(records: readonly SessionRecord[]) {
    const deferred: string[] = [];
    const reads: number[] = [];
    const table = new RecordTable({
      line: (k) => {
        reads.push(k);
        return deferred[k]!;
      },
    });
    for (const r of records) {
      if (r.kind === 'probe') {
        table.pushDeferred(r.ts);
        deferred.push(JSON.stringify(r));
      } else table.push(r);
    }
    return { table, reads };
  }
  const plain = (probes: readonly ReplayProbeEvent[]) => probes.map((p) => ({ ts: p.ts, line: p.line }));

  it('gives the same frames as the records, reading a probe line only when its event is', () => {
    const records = syntheticSession();
    const { table, reads } = tabled(records);
    const replay = new SessionReplay(table, { prepare: true });
    const eager = new SessionReplay(records);
    expect(reads).toEqual([]);
    for (const t of [at(-1), at(1), at(4.5), at(10)]) {
      const f = replay.at(t);
      const e = eager.at(t);
      expect(names(f.cluster.list('Pod'))).toEqual(names(e.cluster.list('Pod')));
      expect(f.probes.length).toBe(e.probes.length);
      expect(f.questions).toEqual(e.questions);
    }
    expect(reads).toEqual([]);
    const end = replay.at(at(10));
    expect(end.probes[1]?.ts).toBe(eager.at(at(10)).probes[1]?.ts);
    expect(reads).toEqual([]);
    expect(end.probes[1]?.line).toEqual(eager.at(at(10)).probes[1]?.line);
    expect(reads).toEqual([1]);
    // Read again from the same frame: kept; the whole list compares and serialises as plain events.
    expect(end.probes[1]?.line.type).toBeDefined();
    expect(reads).toEqual([1]);
    expect(end.probes).toEqual(plain(eager.at(at(10)).probes));
    expect(JSON.parse(JSON.stringify(end.probes))).toEqual(JSON.parse(JSON.stringify(eager.at(at(10)).probes)));
  });

  it("hands out a frame's probe list as a read-only array", () => {
    const { table } = tabled(syntheticSession());
    const probes = new SessionReplay(table).at(at(10)).probes;
    expect(Array.isArray(probes)).toBe(true);
    expect(probes).toHaveLength(2);
    expect([...probes].map((p) => p.line.type)).toEqual(probes.map((p) => p.line.type));
    expect(probes.slice(1)).toHaveLength(1);
    expect(probes.filter((p) => p.ts > probes[0]!.ts)).toEqual(probes.slice(1));
    expect(2 in probes).toBe(false);
    expect(probes[2]).toBeUndefined();
    expect(() => {
      (probes as ReplayProbeEvent[])[0] = { ts: 0, line: {} };
    }).toThrow(TypeError);
    expect(() => (probes as ReplayProbeEvent[]).push({ ts: 0, line: {} })).toThrow(TypeError);
  });

  it('sorts a table whose records are out of time order, as it sorts records (stable)', () => {
    const records = syntheticSession();
    const shuffled = [...records.slice(3), ...records.slice(0, 3)];
    const replay = new SessionReplay(tabled(shuffled).table);
    const eager = new SessionReplay(shuffled);
    expect(replay.start).toBe(eager.start);
    for (const t of [at(1), at(4.5), at(10)]) {
      expect(names(replay.at(t).cluster.list('Pod'))).toEqual(names(eager.at(t).cluster.list('Pod')));
      expect(plain(replay.at(t).probes)).toEqual(plain(eager.at(t).probes));
    }
  });
});

describe('ask why on a replay: only the lines about A, as a live probe filtered to A would send', () => {
  const frontend = makePod('shop', 'frontend-1', '10.244.1.5');
  const other = makePod('shop', 'batch-1', '10.244.3.3');
  const neighbour = makePod('shop', 'frontend-2', '10.244.1.55');
  const backend = makePod('shop', 'backend-1', '10.244.2.7', 'node-b');
  const svc = makeService('shop', 'backend', '10.96.0.20', { app: 'backend' });
  function replay() {
    const lines: string[] = [];
    const table = new RecordTable({ line: (k) => lines[k]! });
    table.push(snapshotRecord(at(0), [makeNamespace('shop'), frontend, other, neighbour, backend, svc]));
    const add = (s: number, data: Record<string, unknown>) => {
      table.pushDeferred(at(s), probeTypeOf(data.type));
      lines.push(JSON.stringify({ ts: at(s), kind: 'probe', data: { v: 1, ts: at(s), node: 'node-a', netns: 1, proto: 'tcp', sport: 40000 + s, ...data } }));
    };
    add(1, { type: 'hello', version: '0.1.0' });
    for (let i = 0; i < 40; i++) add(2 + i / 100, { type: 'drop', src: '10.244.3.3', dst: '10.244.2.7', dport: 8080, reason: 'NETFILTER_DROP' });
    add(3, { type: 'tcp', event: 'refused', errno: 'ECONNREFUSED', state: 'SYN_SENT', src: '10.244.1.5', dst: '10.96.0.20', dport: 80 });
    // An address that starts with A's: not A.
    add(4, { type: 'tcp', event: 'refused', errno: 'ECONNREFUSED', state: 'SYN_SENT', src: '10.244.1.55', dst: '10.96.0.20', dport: 80 });
    add(5, { type: 'stats', probes: { tcp: { events: 43, lost: 2 } } });
    return new SessionReplay(table, { prepare: true });
  }

  it("keeps A's lines and the agent's own, found as text", () => {
    const r = replay();
    const kept = r.probesMentioning(at(10), ['10.244.1.5']).map((p) => [p.line.type, p.line.src]);
    expect(kept).toEqual([
      ['hello', undefined],
      ['tcp', '10.244.1.5'],
      ['stats', undefined],
    ]);
    expect(r.probesMentioning(at(2.5), ['10.244.1.5']).map((p) => p.line.type)).toEqual(['hello']);
  });

  it('answers as from those lines alone', () => {
    const r = replay();
    const q = { from: 'shop/frontend-1', to: 'shop/svc/backend', port: 80 };
    const got = askReplay(r, q, at(10));
    const frame = r.at(at(10));
    const onlyA = askAt(frame, q, { probes: frame.probes.filter((p) => p.line.src === '10.244.1.5' || p.line.src === undefined) });
    const everything = askAt(frame, q, { probes: frame.probes });
    expect(got.ok && onlyA.ok && everything.ok).toBe(true);
    if (!got.ok || !onlyA.ok || !everything.ok) return;
    expect(got.value).toEqual(onlyA.value);
    expect(got.value.live?.events).toBe(1);
    expect(everything.value.live?.events).toBe(42);
  });
});
