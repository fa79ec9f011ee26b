/**
 * One question asked live and recorded: the live snapshot (a snapshot record, then every
 * watch change), the question with the options that shape its answer, every agent line with
 * the identities of its ends, and the answer with the nodes it probed. Used by `pathlight
 * record` and the demo script (test/lab/make-demo.mjs); several questions can share one
 * recording. The replay side is src/core/recording/ask.ts.
 */
import type { SessionRecorder } from '../store/recorder.js';
import { runWhy, type WhyOptions, type WhyRun } from './why.js';

export async function recordWhy(recorder: SessionRecorder, o: WhyOptions): Promise<WhyRun> {
  const asked = { from: o.from, to: o.to, ...(o.port !== undefined ? { port: o.port } : {}), ...(o.protocol ? { protocol: o.protocol } : {}) };
  const options: Record<string, unknown> = {
    probe: o.probe,
    durationMs: o.durationMs,
    ...(o.active ? { active: true } : {}),
    ...(o.zone ? { zone: o.zone } : {}),
    ...(o.httpSlowMs ? { httpSlowMs: o.httpSlowMs } : {}),
  };
  let id: string | undefined;
  let detach: (() => void) | undefined;
  try {
    const r = await runWhy({
      ...o,
      onSnapshot: (snap) => {
        detach = recorder.attach(snap);
        // Asked once the cluster is known: the kinds the user could not list shape the answer.
        const missing = snap.unavailable.filter((u) => u.reason !== 'not-installed').map((u) => u.kind);
        id = recorder.question({ ...asked, options: { ...options, ...(missing.length ? { missing } : {}) } });
        o.onSnapshot?.(snap);
      },
      onLine: (line) => {
        recorder.probe(line.node, line);
        o.onLine?.(line);
      },
    });
    recorder.answer(id ?? recorder.question({ ...asked, options }), r.diagnosis, { nodes: r.nodes });
    return r;
  } catch (err) {
    const qid = id ?? recorder.question({ ...asked, options });
    recorder.note(`${qid} failed: ${err instanceof Error ? err.message : String(err)}`, { question: qid, error: true });
    throw err;
  } finally {
    detach?.();
    recorder.flush();
  }
}
