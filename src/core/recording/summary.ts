/** What `pathlight replay FILE` prints: the shape of a session at a glance. */
import type { RecordKind, SessionRecord } from './records.js';

export interface SessionSummary {
  /** First and last record times (ns since the Unix epoch). */
  start: number | undefined;
  end: number | undefined;
  durationMs: number;
  records: number;
  byKind: Partial<Record<RecordKind, number>>;
  /** Probe events by their protocol `type` (drop, dns, tcp, …). */
  probeEvents: Record<string, number>;
  /** Each question with the answer recorded after it, if any. */
  questions: Array<{ ts: number; question: unknown; answer: unknown }>;
  notes: Array<{ ts: number; note: unknown }>;
}

export function summarizeSession(records: Iterable<SessionRecord>): SessionSummary {
  const s: SessionSummary = { start: undefined, end: undefined, durationMs: 0, records: 0, byKind: {}, probeEvents: {}, questions: [], notes: [] };
  for (const r of records) {
    s.records++;
    s.start = s.start === undefined ? r.ts : Math.min(s.start, r.ts);
    s.end = s.end === undefined ? r.ts : Math.max(s.end, r.ts);
    s.byKind[r.kind] = (s.byKind[r.kind] ?? 0) + 1;
    if (r.kind === 'probe') {
      const type = typeof r.data === 'object' && r.data !== null && 'type' in r.data ? String(r.data.type) : 'unknown';
      s.probeEvents[type] = (s.probeEvents[type] ?? 0) + 1;
    } else if (r.kind === 'question') {
      s.questions.push({ ts: r.ts, question: r.data, answer: undefined });
    } else if (r.kind === 'answer') {
      const open = [...s.questions].reverse().find((q) => q.answer === undefined);
      if (open) open.answer = r.data;
    } else if (r.kind === 'note') {
      s.notes.push({ ts: r.ts, note: r.data });
    }
  }
  s.durationMs = s.start === undefined || s.end === undefined ? 0 : (s.end - s.start) / 1e6;
  return s;
}
