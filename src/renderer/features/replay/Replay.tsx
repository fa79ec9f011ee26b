/**
 * Replay in the workbench: the banner saying this is a recording (file, cluster, when, damage),
 * the player (play/pause, speed, a scrubber over the recording with its questions marked), and
 * the recorded questions with their recorded answers.
 */
import { useEffect } from 'react';
import type { ReplayInfo } from '../../../api/index.js';
import { replaySpeeds } from '../../store/index.js';
import { useApp } from '../../store/context.js';

const tickMs = 250;

export const clock = (ns: number) => {
  const d = new Date(ns / 1e6);
  return `${d.toLocaleTimeString([], { hour12: false })}.${String(Math.floor((ns / 1e6) % 1000)).padStart(3, '0')}`;
};
const offset = (ns: number, start: number) => `+${((ns - start) / 1e9).toFixed(1)} s`;

export function ReplayBanner({ info }: { info: ReplayInfo }) {
  const cluster = info.cluster.name ?? info.context ?? 'unknown cluster';
  return (
    <div className="replay-banner" role="status" data-testid="replay-banner">
      <span className="badge replay">recording · read-only</span>
      <b data-testid="replay-file" title={info.path ?? info.name}>
        {info.name}
      </b>
      <span>
        cluster <b>{cluster}</b>
        {info.cluster.server && <code className="muted"> {info.cluster.server}</code>}
        {info.context && info.context !== cluster && <span className="muted"> (context {info.context})</span>}
      </span>
      <span className="muted">
        recorded {info.created ? new Date(info.created).toLocaleString() : 'at an unknown time'} · {((info.end - info.start) / 1e9).toFixed(0)} s ·{' '}
        {info.questions.length} question
        {info.questions.length === 1 ? '' : 's'}
        {info.redacted ? ' · names redacted' : ''}
      </span>
      {(!info.complete || info.damage.length > 0) && (
        <span className="replay-damage" data-testid="replay-damage">
          ⚠{' '}
          {info.damage.length > 0
            ? info.damage.join(' ')
            : 'The file was not closed cleanly (the app stopped while recording): everything up to the last second was recovered.'}
        </span>
      )}
    </div>
  );
}

export function ReplayControls({ info }: { info: ReplayInfo }) {
  const t = useApp((s) => s.replayTime);
  const playing = useApp((s) => s.playing);
  const speed = useApp((s) => s.speed);
  const setPlaying = useApp((s) => s.setPlaying);
  const setSpeed = useApp((s) => s.setSpeed);
  const seek = useApp((s) => s.seek);
  const tick = useApp((s) => s.tick);
  const showRecorded = useApp((s) => s.showRecorded);
  // Events still being read for the graph (after opening or a seek back), as a share of those shown.
  const pending = useApp((s) => s.graph.pending ?? 0);
  const shown = useApp((s) => s.events?.total ?? 0);

  useEffect(() => {
    if (!playing) return;
    const timer = setInterval(() => void tick(tickMs), tickMs);
    return () => clearInterval(timer);
  }, [playing, tick]);

  const spanMs = Math.max(1, Math.round((info.end - info.start) / 1e6));
  const at = Math.round((t - info.start) / 1e6);
  return (
    <div className="replay-controls" data-testid="replay-controls">
      <button
        type="button"
        className="icon"
        onClick={() => setPlaying(!playing)}
        data-testid="replay-play"
        aria-label={playing ? 'Pause' : 'Play'}
        title={playing ? 'Pause' : 'Play'}
      >
        {playing ? '❚❚' : '▶'}
      </button>
      <label className="speed">
        <span className="sr-only">Speed</span>
        <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))} data-testid="replay-speed" aria-label="Playback speed">
          {replaySpeeds.map((v) => (
            <option key={v} value={v}>
              {v}×
            </option>
          ))}
        </select>
      </label>
      <div className="scrubber">
        <input
          type="range"
          min={0}
          max={spanMs}
          step={100}
          value={Math.min(spanMs, Math.max(0, at))}
          onChange={(e) => void seek(info.start + Number(e.target.value) * 1e6)}
          aria-label="Time in the recording"
          aria-valuetext={clock(t)}
          data-testid="replay-scrubber"
        />
        <div className="scrubber-marks" aria-hidden>
          {info.questions.map((q) => (
            <button
              type="button"
              key={q.id}
              tabIndex={-1}
              className={`mark v-${q.verdict ?? 'unknown'}`}
              style={{ left: `${(((q.answeredAt ?? q.ts) - info.start) / 1e6 / spanMs) * 100}%` }}
              title={`${q.from} → ${q.to}${q.top ? `: ${q.top}` : ''}`}
              onClick={() => void showRecorded(q.id)}
            />
          ))}
          {info.notes.map((n, i) => (
            <button
              type="button"
              key={`note-${i}`}
              tabIndex={-1}
              className="mark note"
              data-testid="note-mark"
              style={{ left: `${((n.ts - info.start) / 1e6 / spanMs) * 100}%` }}
              title={`${clock(n.ts)} ${n.text}`}
              onClick={() => void seek(n.ts)}
            />
          ))}
        </div>
      </div>
      <span className="replay-time" data-testid="replay-time">
        {clock(t)}{' '}
        <span className="muted">
          {offset(t, info.start)} of {((info.end - info.start) / 1e9).toFixed(1)} s
        </span>
      </span>
      {pending > 0 && (
        <span
          className="replay-reading muted"
          role="status"
          data-testid="replay-reading"
          title="The graph's flows are counted from the recording's events in the background; the table and the timeline are already exact."
        >
          <span className="spinner" aria-hidden /> counting flows {shown > 0 ? `${Math.floor((100 * Math.max(0, shown - pending)) / shown)} %` : '…'}
        </span>
      )}
    </div>
  );
}

/** The questions recorded in the file, each with its recorded verdict and top finding; click to show the answer. */
export function RecordedQuestions() {
  // The opened session's own object: a selector must not build a new one on every call.
  const rec = useApp((s) => (s.cluster.status === 'open' ? s.cluster.opened.replay : undefined));
  const shown = useApp((s) => (s.replayAnswer?.kind === 'recorded' ? s.replayAnswer.question : undefined));
  const showRecorded = useApp((s) => s.showRecorded);
  if (!rec) return null;
  const questions =
    rec.questions.length === 0 ? (
      <p className="muted">No question was recorded in this file: ask one above, it runs on the recorded state.</p>
    ) : (
      <details className="recorded-questions" open data-testid="recorded-questions">
        <summary>Recorded questions ({rec.questions.length})</summary>
        <ol>
          {rec.questions.map((q) => (
            <li key={q.id}>
              <button
                type="button"
                className={`recorded ${q.id === shown ? 'shown' : ''}`}
                aria-pressed={q.id === shown}
                data-testid="recorded-question"
                data-question={q.id}
                disabled={!q.answeredAt}
                onClick={() => void showRecorded(q.id)}
                title={q.answeredAt ? `Show the answer recorded at ${clock(q.answeredAt)}` : 'No answer was recorded for it'}
              >
                <span className={`dot v-${q.verdict ?? 'unknown'}`} aria-hidden />
                <span className="q-text">
                  {q.from} → {q.to}
                </span>
                <span className="q-top muted">{q.top ?? q.verdict ?? 'no answer recorded'}</span>
              </button>
            </li>
          ))}
        </ol>
      </details>
    );
  return (
    <>
      {questions}
      <RecordedNotes notes={rec.notes} />
    </>
  );
}

/** The notes and bookmarks kept while the session was recorded; click one to go to its instant. */
function RecordedNotes({ notes }: { notes: ReplayInfo['notes'] }) {
  const seek = useApp((s) => s.seek);
  if (notes.length === 0) return null;
  return (
    <details className="recorded-questions" open data-testid="recorded-notes">
      <summary>Notes ({notes.length})</summary>
      <ol className="replay-notes">
        {notes.map((n, i) => (
          <li key={i}>
            <button type="button" className="link" onClick={() => void seek(n.ts)} data-testid="recorded-note" title="Go to this instant">
              <span className="muted">{clock(n.ts)}</span> {n.text}
            </button>
          </li>
        ))}
      </ol>
    </details>
  );
}
