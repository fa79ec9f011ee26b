import { describe, expect, it } from 'vitest';
import { RecordingReader } from '../../../../src/backend/store/container.js';
import {
  SessionReplay,
  UnsupportedFormatError,
  migrate,
  migratedHeader,
  recordingFormat,
  summarizeSession,
  type SessionRecord,
} from '../../../../src/core/index.js';
import { dropAt } from '../../../helpers/recording.js';
import { syntheticSession } from '../../../helpers/session.js';
import { fixture } from '../../../helpers/paths.js';

const v1 = { type: 'pathlight-recording', version: 1 };

describe('migrate', () => {
  it('passes current-version records through unchanged', () => {
    const records = syntheticSession();
    expect([...migrate(recordingFormat, records)]).toEqual(records);
  });

  it('v1 → v2: scrubs, wraps bare notes, pairs questions and answers by id', () => {
    const old: SessionRecord[] = [
      { ts: 1, kind: 'meta', data: { context: 'kind-lab', token: 'abc' } },
      { ts: 2, kind: 'watch', data: { type: 'ADDED', kind: 'Secret', object: { metadata: { name: 's' } } } },
      { ts: 3, kind: 'question', data: { from: 'a/x', to: 'b/y' } },
      { ts: 4, kind: 'answer', data: { top: 'policy-deny-ingress' } },
      { ts: 5, kind: 'question', data: { from: 'a/x', to: 'c/z' } },
      { ts: 6, kind: 'answer', data: { top: 'reachable' } },
      { ts: 7, kind: 'note', data: 'look at node-2 with Bearer abcdefgh' },
    ];
    expect([...migrate(v1, old)]).toEqual([
      { ts: 1, kind: 'meta', data: { context: 'kind-lab' } },
      { ts: 3, kind: 'question', data: { from: 'a/x', to: 'b/y', id: 'q1' } },
      { ts: 4, kind: 'answer', data: { top: 'policy-deny-ingress', question: 'q1' } },
      { ts: 5, kind: 'question', data: { from: 'a/x', to: 'c/z', id: 'q2' } },
      { ts: 6, kind: 'answer', data: { top: 'reachable', question: 'q2' } },
      { ts: 7, kind: 'note', data: { text: 'look at node-2 with Bearer [scrubbed]' } },
    ]);
    expect(migratedHeader(v1)).toEqual({ type: 'pathlight-recording', version: recordingFormat.version, migratedFrom: 1 });
  });

  it('refuses versions it does not know', () => {
    expect(() => migrate({ type: 'pathlight-recording', version: recordingFormat.version + 1 }, [])).toThrow(UnsupportedFormatError);
    expect(() => migrate({ type: 'pathlight-recording', version: 0 }, [])).toThrow(/not a known recording format/);
  });

  it('opens the v1 fixture through the migration', () => {
    const r = RecordingReader.open(fixture('recordings/v1-small.pathlight'));
    expect(r.header.version).toBe(1);
    const records = [...migrate(r.header, r.records())];
    r.close();
    expect(records).toHaveLength(300);
    expect(records[299]).toEqual(dropAt(299));
    expect(summarizeSession(records).probeEvents).toEqual({ drop: 300 });
    expect(new SessionReplay(records).at(Infinity).probes).toHaveLength(300);
  });

  it('opens the v2 fixture: every record kind, replayable', () => {
    const r = RecordingReader.open(fixture('recordings/v2-small.pathlight'));
    expect(r.header).toEqual({ type: 'pathlight-recording', version: 2, created: '2025-11-24T16:00:00.000Z' });
    const records = [...migrate(r.header, r.records())];
    r.close();
    expect(records).toEqual(syntheticSession());
    const frame = new SessionReplay(records).at(Infinity);
    expect(frame.cluster.list('Pod')).toHaveLength(2);
    expect(frame.questions[0]?.answer?.data.question).toBe('q1');
  });
});
