/**
 * "Advise policies": least-privilege NetworkPolicies for the traffic the open session saw (a
 * replay: the whole recording; live: what its probes saw), from the engine (`policy.advise`, the
 * same advice as `pathlight policy advise`): per namespace the YAML with Copy and Save, each
 * policy's rules with the observed flows they keep open, and what was left closed or could not
 * be attributed to a workload.
 */
import { useEffect, useState } from 'react';
import type { ApiError, PolicyAdvice } from '../../../api/index.js';
import { ErrorPanel } from '../../components/ErrorPanel.js';
import { useApi, useApp } from '../../store/context.js';
import { Copy } from '../why/WhyPanel.js';
import { download } from '../why/report.js';
import { FlowText, TrafficSource, times } from './flows.js';
import './policy.css';

type State = { status: 'idle' | 'loading' } | { status: 'done'; advice: PolicyAdvice } | { status: 'failed'; error: ApiError };

/** The last advice per session, so a tab switch does not ask again. */
const last = new Map<string, { state: State; wanted: string[] | undefined; internet: boolean; shown: string | undefined }>();

export function AdvicePanel() {
  const api = useApi();
  const session = useApp((s) => (s.cluster.status === 'open' ? s.cluster.opened.session : undefined));
  const replay = useApp((s) => s.cluster.status === 'open' && s.cluster.opened.mode === 'replay');
  const kept = session ? last.get(session) : undefined;
  const [state, setState] = useState<State>(kept?.state ?? { status: 'loading' });
  const [wanted, setWanted] = useState<string[] | undefined>(kept?.wanted);
  const [internet, setInternet] = useState(kept?.internet ?? false);
  const [shown, setShown] = useState<string | undefined>(kept?.shown);

  /** The engine's answer as the panel's state (remembered for the session). */
  const take = (r: Awaited<ReturnType<(typeof api)['policy.advise']>>, namespaces: string[] | undefined, allowEgressInternet: boolean) => {
    if (!session) return;
    const next: State = r.ok ? { status: 'done', advice: r.value } : { status: 'failed', error: r.error };
    setState(next);
    const first = r.ok ? r.value.namespaces[0]?.namespace : undefined;
    const show = r.ok && r.value.namespaces.some((n) => n.namespace === shown) ? shown : first;
    setShown(show);
    last.set(session, { state: next, wanted: namespaces, internet: allowEgressInternet, shown: show });
  };
  const request = (namespaces: string[] | undefined, allowEgressInternet: boolean) =>
    api['policy.advise']({
      session: session!,
      ...(namespaces?.length ? { namespaces } : {}),
      ...(allowEgressInternet ? { allowEgressInternet: true } : {}),
    });
  const advise = (namespaces = wanted, allowEgressInternet = internet) => {
    if (!session) return;
    setState({ status: 'loading' });
    void request(namespaces, allowEgressInternet).then((r) => take(r, namespaces, allowEgressInternet));
  };

  useEffect(() => {
    // Advice comes by itself when the tab opens: a recording's once (its traffic is all there);
    // a live session's each time, as its probes see more (the last advice shown meanwhile).
    if (!session || (replay && kept?.state.status === 'done')) return;
    void request(kept?.wanted, kept?.internet ?? false).then((r) => take(r, kept?.wanted, kept?.internet ?? false));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const show = (ns: string) => {
    setShown(ns);
    if (session && last.has(session)) last.set(session, { ...last.get(session)!, shown: ns });
  };

  if (state.status === 'failed')
    return (
      <div className="policy-panel" data-testid="advice-panel">
        <ErrorPanel
          error={state.error}
          title="No advice"
          actions={
            <button type="button" onClick={() => advise()}>
              Advise again
            </button>
          }
        />
      </div>
    );
  if (state.status !== 'done')
    return (
      <div className="policy-panel" data-testid="advice-panel">
        <p className="muted">
          <span className="spinner" aria-hidden /> Advising policies from the observed traffic…
        </p>
      </div>
    );
  const a = state.advice;
  const advised = a.namespaces.map((n) => n.namespace);
  const ns = a.namespaces.find((n) => n.namespace === shown) ?? a.namespaces[0];
  const toggle = (name: string, on: boolean) => {
    const next = on ? [...new Set([...advised, name])].sort() : advised.filter((n) => n !== name);
    setWanted(next);
    if (next.length > 0) advise(next);
  };
  return (
    <div className="policy-panel" data-testid="advice-panel">
      <div className="policy-toolbar">
        <details className="policy-namespaces">
          <summary>
            Namespaces: {advised.length} of {a.seenNamespaces.length} seen
          </summary>
          <div className="policy-ns-choices">
            {[...new Set([...a.seenNamespaces, ...advised])].sort().map((n) => (
              <label key={n}>
                <input type="checkbox" checked={advised.includes(n)} onChange={(e) => toggle(n, e.target.checked)} /> {n}
              </label>
            ))}
          </div>
        </details>
        <label title="Also allow egress to every address outside the private ranges (any port)">
          <input
            type="checkbox"
            checked={internet}
            onChange={(e) => {
              setInternet(e.target.checked);
              advise(wanted, e.target.checked);
            }}
          />{' '}
          leave egress to the internet open
        </label>
        <button type="button" className="small" onClick={() => advise()} data-testid="advise-again">
          Advise again
        </button>
        {a.verification.verified ? (
          <span
            className="badge ok"
            data-testid="advice-verified"
            title="With these policies in place of the namespaces' NetworkPolicies, the engine allows every observed flow and nothing else between the observed workloads"
          >
            verified: {a.verification.allowed} observed {a.verification.allowed === 1 ? 'flow' : 'flows'} allowed, nothing else
          </span>
        ) : (
          <span className="badge fail" data-testid="advice-verified">
            check failed: {a.verification.problems.length} {a.verification.problems.length === 1 ? 'problem' : 'problems'}
          </span>
        )}
        <span className="spacer" />
        <TrafficSource mode={a.mode} events={a.events} dropped={a.dropped} />
      </div>
      <div className="policy-ns-tabs" role="tablist" aria-label="Advised namespaces">
        {a.namespaces.map((n) => (
          <button
            key={n.namespace}
            type="button"
            role="tab"
            aria-selected={n.namespace === ns?.namespace}
            onClick={() => show(n.namespace)}
            data-testid="advice-namespace"
          >
            {n.namespace} <span className="muted">{n.policies.length}</span>
          </button>
        ))}
      </div>
      {ns && (
        <div className="policy-body">
          <section className="policy-rules" aria-label={`Policies advised for ${ns.namespace}`}>
            {a.verification.problems.map((p) => (
              <p key={p} className="policy-problem">
                {p}
              </p>
            ))}
            {ns.replaces.length > 0 && (
              <p className="warn-text">Replaces the NetworkPolicies there now ({ns.replaces.join(', ')}): delete them, or they still allow what they allow.</p>
            )}
            {ns.policies.map((p) => (
              <div key={p.name} className="advised-policy" data-testid="advised-policy" data-name={p.name}>
                <h4>{p.name}</h4>
                {p.rules.length === 0 ? (
                  <p className="muted">
                    {p.name === 'pathlight-default-deny'
                      ? 'Denies all ingress and egress in the namespace that no rule below allows.'
                      : 'Keeps no observed flow open.'}
                  </p>
                ) : (
                  <ul>
                    {p.rules.map((r) => (
                      <li key={r.rule} data-testid="advised-rule" data-rule={r.rule}>
                        <code>{r.rule}</code> keeps
                        <ul>
                          {r.flows.map((f, i) => (
                            <li key={i} data-testid="kept-flow">
                              <FlowText f={f} />
                            </li>
                          ))}
                        </ul>
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            ))}
            <Unattributed advice={a} />
          </section>
          <section className="policy-yaml" aria-label={`YAML for ${ns.namespace}`}>
            <div className="policy-yaml-actions">
              <Copy text={ns.yaml} what="YAML" />
              <button
                type="button"
                className="small"
                data-testid="advice-save"
                onClick={() => download({ name: `${ns.namespace}.yaml`, text: ns.yaml, type: 'application/yaml' })}
              >
                Save {ns.namespace}.yaml
              </button>
            </div>
            <pre data-testid="advice-yaml">
              <code>{ns.yaml}</code>
            </pre>
          </section>
        </div>
      )}
    </div>
  );
}

/** What the advice could not cover: flows tried and never through, traffic whose ends could not be placed, the notes. */
function Unattributed({ advice: a }: { advice: PolicyAdvice }) {
  return (
    <>
      {a.attempts.length > 0 && (
        <details className="policy-notes" data-testid="advice-left-closed">
          <summary>Left closed: {a.attempts.length} tried, never seen to get through</summary>
          <ul>
            {a.attempts.map((f, i) => (
              <li key={i}>
                <FlowText f={f} verb="tried" />
              </li>
            ))}
          </ul>
        </details>
      )}
      {a.unresolved > 0 && (
        <details className="policy-notes" data-testid="advice-unplaced" open>
          <summary>
            Not attributed: {times(a.unresolved)} the ends of an event could not be placed (a pod gone before the last snapshot, a Service without ready
            endpoints) — not advised
          </summary>
          <ul>
            {a.unplaced.map((u, i) => (
              <li key={i}>
                {u.src} → {u.dst}{' '}
                <code>
                  {u.protocol}/{u.port}
                </code>{' '}
                <span className="muted">{times(u.count)}</span>
              </li>
            ))}
            {a.unplaced.length < a.unresolved && a.unplaced.reduce((n, u) => n + u.count, 0) < a.unresolved && <li className="muted">…and more</li>}
          </ul>
        </details>
      )}
      {a.notes.length > 0 && (
        <details className="policy-notes" data-testid="advice-notes">
          <summary>Notes ({a.notes.length})</summary>
          <ul>
            {a.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}
