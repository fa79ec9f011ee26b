/**
 * The answer: verdict, the path hop by hop, ranked findings with their evidence and the fix
 * (YAML and kubectl with copy buttons), the policy explanation in words, and what could not be checked.
 */
import { useState } from 'react';
import type { ApiError, DiagnosisJson } from '../../../api/index.js';
import { evidenceText, findingFacts, liveText, sourceText, verifiedText } from '../../../core/diagnose/text.js';
import { findingHeadline } from '../../../core/diagnose/headline.js';
import { policyLines } from '../../../core/policy/explain.js';
import { ErrorPanel } from '../../components/ErrorPanel.js';
import { useApp, useAppStore } from '../../store/context.js';
import { download, reportOf, type ReportFormat } from './report.js';
import { clock, RecordedQuestions } from '../replay/Replay.js';

type Finding = DiagnosisJson['findings'][number];
type Evidence = Finding['evidence'][number];

const verdictText = { reachable: 'A can reach B', unreachable: 'A cannot reach B', unknown: 'Not decided' } as const;

export function Copy({ text, what }: { text: string; what: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setDone(true);
      setTimeout(() => setDone(false), 1500);
    } catch {
      // Clipboard refused (no focus, no permission): select the text for a manual copy.
      setDone(false);
    }
  };
  return (
    <button type="button" className="small" onClick={() => void copy()} aria-label={`Copy ${what}`}>
      {done ? 'Copied' : `Copy ${what}`}
    </button>
  );
}

function EvidenceItem({ ev }: { ev: Evidence }) {
  const [open, setOpen] = useState(false);
  if (ev.type === 'policy') {
    const lines = policyLines(ev.policy);
    return (
      <li className="evidence policy">
        <span className="badge">{ev.direction}</span> {ev.text}
        {lines.length > 0 && (
          <button type="button" className="link" onClick={() => setOpen(!open)} aria-expanded={open}>
            {open ? 'hide rules' : 'how the policies decide'}
          </button>
        )}
        {open && (
          <ul className="policy-explain">
            {lines.map((l) => (
              <li key={l}>{l}</li>
            ))}
          </ul>
        )}
      </li>
    );
  }
  if (ev.type === 'events') {
    return (
      <li className="evidence events">
        <span className="badge">{ev.event}</span> {evidenceText(ev).join(' ')}
      </li>
    );
  }
  if (ev.type === 'object') {
    return (
      <li className="evidence object">
        <span className="badge">{ev.ref.kind}</span>{' '}
        <code>
          {ev.ref.namespace ? `${ev.ref.namespace}/` : ''}
          {ev.ref.name}
        </code>
        {ev.field && <code className="muted"> {ev.field}</code>} — {ev.text}
      </li>
    );
  }
  return <li className="evidence note">{ev.text}</li>;
}

function FindingCard({ f, rank, d }: { f: Finding; rank: number; d: DiagnosisJson }) {
  const [open, setOpen] = useState(rank === 0);
  return (
    <li className={`finding sev-${f.severity}`} data-testid="finding" data-kind={f.kind}>
      <button type="button" className="finding-head" onClick={() => setOpen(!open)} aria-expanded={open}>
        <span className="rank">{rank + 1}</span>
        <span className="finding-summary" data-testid="finding-headline" title={f.summary}>
          {findingHeadline(f, d)}
        </span>
        <span className="finding-tags">
          <span className="badge">{f.hop}</span>
          <span className="badge" title="Where the finding comes from">
            {sourceText[f.source]}
          </span>
        </span>
      </button>
      {open && (
        <div className="finding-body">
          {f.fix && (
            <div className="fix" data-testid="fix">
              <h4>
                Fix{' '}
                {f.fix.verified && (
                  <span className="badge ok" title={`Re-evaluated with the fix applied — ${verifiedText}`}>
                    verified
                  </span>
                )}
              </h4>
              <p>{f.fix.description}</p>
              {f.fix.kubectl && (
                <div className="code-block">
                  <pre>
                    <code>{f.fix.kubectl}</code>
                  </pre>
                  <Copy text={f.fix.kubectl} what="command" />
                </div>
              )}
              {f.fix.yaml && (
                <div className="code-block">
                  <pre>
                    <code>{f.fix.yaml}</code>
                  </pre>
                  <Copy text={f.fix.yaml} what="YAML" />
                </div>
              )}
            </div>
          )}
          <h4>Details</h4>
          <p className="finding-details" data-testid="finding-details">
            {f.summary}
          </p>
          <p className="muted">
            {f.kind} · {findingFacts(f)}
          </p>
          {f.evidence.length > 0 && (
            <>
              <h4>Evidence</h4>
              <ul className="evidence-list">
                {f.evidence.map((ev, i) => (
                  <EvidenceItem key={i} ev={ev} />
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </li>
  );
}

function Path({ d }: { d: DiagnosisJson }) {
  return (
    <ol className="hops" aria-label="Path from A to B">
      {d.path.map((h, i) => (
        <li key={i} className={`hop hop-${h.verdict}`} data-testid="hop" data-hop={h.hop} data-verdict={h.verdict} title={h.findings.join(', ')}>
          <span className="hop-kind">{h.hop}</span>
          <span className="hop-label" title={h.label}>
            {h.label}
          </span>
        </li>
      ))}
    </ol>
  );
}

/** The headline of a question that could not be asked: which end to check, not "Something went wrong". */
export function questionErrorTitle(error: ApiError): string | undefined {
  if (error.code !== 'invalid-request') return undefined;
  if (error.message.startsWith('A: ')) return 'Check A (From)';
  if (error.message.startsWith('B: ')) return 'Check B (To)';
  return 'Check the question';
}

/** A question's error; a suggestion click puts the name in its field and asks again. */
function QuestionError({ error }: { error: ApiError }) {
  const setQuery = useApp((s) => s.setQuery);
  const ask = useApp((s) => s.ask);
  const title = questionErrorTitle(error);
  return (
    <ErrorPanel
      error={error}
      {...(title ? { title } : {})}
      onSuggestion={(sg) => {
        if (sg.field !== 'from' && sg.field !== 'to') return;
        setQuery({ [sg.field]: sg.value });
        void ask();
      }}
    />
  );
}

/** Export the answer shown as a report (Markdown or self-contained HTML). */
function ReportButtons() {
  const store = useAppStore();
  const save = (format: ReportFormat) => {
    const file = reportOf(store.getState(), format);
    if (file) download(file);
  };
  return (
    <p className="report-buttons">
      <span className="muted">Report:</span>
      <button
        type="button"
        className="small"
        onClick={() => save('html')}
        data-testid="report-html"
        title="The question, the answer, the evidence and the path as a picture, in one HTML file that loads nothing"
      >
        HTML
      </button>
      <button type="button" className="small" onClick={() => save('md')} data-testid="report-md" title="The same in Markdown, for a ticket or a wiki">
        Markdown
      </button>
    </p>
  );
}

export function WhyPanel() {
  const question = useApp((s) => s.question);
  const askError = useApp((s) => s.askError);
  const cancel = useApp((s) => s.cancelQuestion);
  const replay = useApp((s) => s.cluster.status === 'open' && s.cluster.opened.mode === 'replay');
  const origin = useApp((s) => s.replayAnswer);
  const d = question?.diagnosis ?? question?.staticDiagnosis;
  return (
    <section className="why-panel" aria-labelledby="why-title" data-testid="why-panel">
      <h2 id="why-title">Why</h2>
      {replay && <RecordedQuestions />}
      {askError && <QuestionError error={askError} />}
      {replay && !question && !askError && (
        <p className="muted">
          Click a recorded question to see the answer given then, or ask one above: it runs on the recording as it stood at the scrubber’s time.
        </p>
      )}
      {replay && origin && d && (
        <p className="answer-origin" data-testid="answer-origin" data-origin={origin.kind}>
          {origin.kind === 'recorded' ? `Recorded answer, given at ${clock(origin.t)}` : `Re-run on the recording as it stood at ${clock(origin.t)}`}
        </p>
      )}
      {!replay && !question && !askError && (
        <div className="empty-state">
          <p>
            Type who talks (<b>From</b>: a pod, <code>ns/deploy/name</code>) and to what (<b>To</b>: a Service, DNS name, pod or IP, with a port), then{' '}
            <b>Ask why</b> (Ctrl+Enter).
          </p>
          <p className="muted">
            Without probes the answer comes from the cluster’s objects alone; turn probes on to see drops, DNS and TCP outcomes on the nodes.
          </p>
        </div>
      )}
      {question?.state === 'running' && (
        <div className="progress" data-testid="why-progress" aria-live="polite">
          <span className="spinner" aria-hidden /> {question.durationSec ? `Listening on the nodes for ${question.durationSec} s…` : 'Diagnosing…'}
          <ul>
            {question.nodes.map((n) => (
              <li key={n.node}>
                <b>{n.node}</b> {n.stage}
                {n.detail ? <span className="muted"> — {n.detail}</span> : null}
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => void cancel()}>
            Cancel
          </button>
        </div>
      )}
      {question?.state === 'failed' && question.error && <QuestionError error={question.error} />}
      {d && (
        <div className="answer" data-testid="answer" data-verdict={d.verdict} data-question={question?.question}>
          <p className={`verdict verdict-${d.verdict}`} data-testid="verdict">
            {verdictText[d.verdict]}
            <span className="muted">
              {' '}
              {d.query.from} → {d.query.to}
              {d.query.port && !d.query.to.endsWith(`:${d.query.port}`) ? `:${d.query.port}` : ''}/{d.query.protocol}
            </span>
            {question?.state === 'running' && <span className="badge">objects only, probes still running</span>}
          </p>
          {d.stale && (
            <p className="answer-warning stale" role="alert" data-testid="answer-stale">
              <b>{d.stale.state === 'stale' ? 'Stale view' : 'Reconnecting'}:</b> this answer rests on the cluster as it was at{' '}
              {new Date(d.stale.since / 1e6).toLocaleTimeString()} — the API server has not answered since{d.stale.error ? ` (${d.stale.error})` : ''}. Every
              confidence is lowered; Reconnect or ask again once the view is live.
            </p>
          )}
          {d.blindSpots && d.blindSpots.length > 0 && (
            <div className="answer-warning blind" role="alert" data-testid="answer-blind">
              <b>Evidence incomplete:</b> no probe on
              <ul>
                {d.blindSpots.map((b) => (
                  <li key={b.node}>
                    <b>{b.node}</b> — {b.reason}
                    {b.hint ? <span className="muted"> {b.hint}</span> : null}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <Path d={d} />
          {d.live && <p className={d.live.lost > 0 ? 'live-summary warn-text' : 'muted live-summary'}>Live: {liveText(d)}</p>}
          <ol className="findings">
            {d.findings.map((f, i) => (
              <FindingCard key={`${f.kind}-${i}`} f={f} rank={i} d={d} />
            ))}
          </ol>
          {question?.state === 'done' && <ReportButtons />}
          {d.notes.length > 0 && (
            <details className="notes">
              <summary>Not checked ({d.notes.length})</summary>
              <ul>
                {d.notes.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
    </section>
  );
}
