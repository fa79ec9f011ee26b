/**
 * "What if…": the user pastes or opens a policy change (YAML or JSON, one or many documents) and
 * the engine (`policy.impact`, the same judgement as `pathlight policy impact`) lists the flows
 * the open session saw whose verdict it would change — newly denied with what denies them,
 * newly allowed — or says that no observed flow changes; a document it cannot read is named
 * with its line.
 */
import { useRef, useState, type ChangeEvent } from 'react';
import type { ApiError, PolicyImpactJson } from '../../../api/index.js';
import { maxPolicyTextChars } from '../../../api/index.js';
import { ErrorPanel } from '../../components/ErrorPanel.js';
import { useApi, useApp } from '../../store/context.js';
import { FlowText, TrafficSource } from './flows.js';
import './policy.css';

type State = { status: 'idle' | 'loading' } | { status: 'done'; result: PolicyImpactJson } | { status: 'failed'; error: ApiError };

/** The text and last result per session, so a tab switch keeps what was pasted. */
const drafts = new Map<string, { text: string; name: string | undefined; state: State }>();

const example = `# Paste NetworkPolicies (or other policies) to try, or open a file.
# Those of the same kind, namespace and name replace the session's; others are added.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: …
  namespace: …`;

export function ImpactPanel() {
  const api = useApi();
  const session = useApp((s) => (s.cluster.status === 'open' ? s.cluster.opened.session : undefined));
  const kept = session ? drafts.get(session) : undefined;
  const [text, setText] = useState(kept?.text ?? '');
  const [name, setName] = useState<string | undefined>(kept?.name);
  const [state, setState] = useState<State>(kept?.state ?? { status: 'idle' });
  const area = useRef<HTMLTextAreaElement>(null);
  /** A problem's line, selected in the text (the text area has no line numbers). */
  const goTo = (line: number) => {
    const el = area.current;
    if (!el) return;
    const lines = el.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    el.focus();
    el.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  };
  const remember = (patch: Partial<{ text: string; name: string | undefined; state: State }>) => {
    if (session) drafts.set(session, { text, name, state, ...drafts.get(session), ...patch });
  };

  const check = async () => {
    if (!session) return;
    setState({ status: 'loading' });
    const r = await api['policy.impact']({ session, text, ...(name ? { name } : {}) });
    const next: State = r.ok ? { status: 'done', result: r.value } : { status: 'failed', error: r.error };
    setState(next);
    remember({ text, name, state: next });
  };
  const edit = (value: string) => {
    setText(value);
    remember({ text: value });
  };
  const open = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    if (file.size > maxPolicyTextChars) {
      setState({
        status: 'failed',
        error: { code: 'invalid-request', message: `${file.name} is larger than 1 MiB.`, hint: 'Open the policy file itself, or use pathlight policy impact.' },
      });
      return;
    }
    const value = await file.text();
    setText(value);
    setName(file.name);
    remember({ text: value, name: file.name });
  };

  return (
    <div className="policy-panel impact" data-testid="impact-panel">
      <section className="impact-input">
        <textarea
          ref={area}
          wrap="off"
          value={text}
          onChange={(e) => edit(e.target.value)}
          placeholder={example}
          spellCheck={false}
          aria-label="Proposed policies (YAML or JSON)"
          data-testid="impact-text"
        />
        <div className="policy-toolbar">
          <button type="button" className="primary small" onClick={() => void check()} disabled={state.status === 'loading'} data-testid="impact-check">
            Check impact
          </button>
          <label className="file-button">
            Open file…
            <input type="file" accept=".yaml,.yml,.json,application/yaml,application/json" onChange={(e) => void open(e)} data-testid="impact-file" />
          </label>
          {name && <span className="muted">{name}</span>}
        </div>
      </section>
      <section className="impact-result" aria-live="polite">
        {state.status === 'idle' && (
          <p className="muted">
            Which flows this session saw would a change deny, or newly allow? Paste the policies and <b>Check impact</b> — nothing is applied to any cluster.
          </p>
        )}
        {state.status === 'loading' && (
          <p className="muted">
            <span className="spinner" aria-hidden /> Judging the observed flows with the change in place…
          </p>
        )}
        {state.status === 'failed' && <ErrorPanel error={state.error} />}
        {state.status === 'done' && <ImpactResult r={state.result} goTo={goTo} />}
      </section>
    </div>
  );
}

function ImpactResult({ r, goTo }: { r: PolicyImpactJson; goTo: (line: number) => void }) {
  const problems = r.diagnostics.filter((d) => d.severity === 'error');
  const warnings = r.diagnostics.filter((d) => d.severity === 'warning');
  const where = (d: PolicyImpactJson['diagnostics'][number]) =>
    `${d.file}${d.line ? `, line ${d.line}${d.column ? `, column ${d.column}` : ''}` : ''}${d.field ? ` (${d.field})` : ''}`;
  const i = r.impact;
  return (
    <>
      {problems.length > 0 && (
        <div className="policy-problem" role="alert" data-testid="impact-problems">
          <b>The change cannot be judged: fix {problems.length === 1 ? 'this problem' : 'these problems'} first.</b>
          <ul>
            {problems.map((d, k) => (
              <li key={k} data-testid="impact-problem" data-line={d.line ?? ''}>
                {where(d)}: {d.message}{' '}
                {d.line !== undefined && (
                  <button type="button" className="link" onClick={() => goTo(d.line!)}>
                    show line {d.line}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      {warnings.length > 0 && (
        <ul className="policy-warnings">
          {warnings.map((d, k) => (
            <li key={k} className="warn-text">
              {where(d)}: {d.message}
            </li>
          ))}
        </ul>
      )}
      {i && (
        <>
          <p className="impact-summary" data-testid="impact-summary">
            {i.replaced.length > 0 && <>Replaces {i.replaced.join(', ')}. </>}
            {i.added.length > 0 && <>Adds {i.added.join(', ')}. </>}
            <span className="muted">
              {i.flows} observed {i.flows === 1 ? 'flow' : 'flows'} judged · <TrafficSource mode={r.mode} events={r.events} dropped={r.dropped} />
            </span>
          </p>
          {i.newlyDenied.length + i.newlyAllowed.length === 0 ? (
            <p className="badge ok impact-none" data-testid="impact-none">
              No observed flow changes
            </p>
          ) : null}
          {i.newlyDenied.length > 0 && (
            <div className="impact-list denied">
              <h4>Newly denied ({i.newlyDenied.length})</h4>
              <ul>
                {i.newlyDenied.map((c, k) => (
                  <li key={k} data-testid="impact-denied">
                    <FlowText f={c} />
                    <div className="muted">{c.deniedBy.join('; ')}</div>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {i.newlyAllowed.length > 0 && (
            <div className="impact-list allowed">
              <h4>Newly allowed ({i.newlyAllowed.length})</h4>
              <ul>
                {i.newlyAllowed.map((c, k) => (
                  <li key={k} data-testid="impact-allowed">
                    <FlowText f={c} verb={c.attempted ? 'tried' : 'seen'} />
                    {c.attempted && <span className="muted"> — never got through before</span>}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {i.stillDenied > 0 && (
            <p className="muted">
              {i.stillDenied} observed {i.stillDenied === 1 ? 'flow is' : 'flows are'} denied by the session's policies already and still would be.
            </p>
          )}
          {i.ignored > 0 && <p className="muted">{i.ignored} documents that are not policies were ignored (the session's workloads stand).</p>}
        </>
      )}
    </>
  );
}
