import type { FormEvent, KeyboardEvent, MouseEvent } from 'react';
import type { ProbeStatus, WhyStatus } from '../../../api/index.js';
import { ErrorPanel } from '../../components/ErrorPanel.js';
import { useApp } from '../../store/context.js';
import { SshInEffect } from './SshInEffect.js';

const stageText: Record<ProbeStatus['stage'], string> = {
  connecting: 'connecting',
  creating: 'creating the probe pod',
  uploading: 'uploading the agent',
  starting: 'starting the agent',
  streaming: 'streaming',
  stopped: 'stopped',
};

/** An unknown host key, shown for an explicit decision: nothing is trusted silently. */
function HostKeyPrompt({ run }: { run: ProbeStatus }) {
  const trustAndRetry = useApp((s) => s.trustAndRetry);
  const dismissRun = useApp((s) => s.dismissRun);
  const k = run.hostKey!;
  const where = k.port === 22 ? k.host : `[${k.host}]:${k.port}`;
  return (
    <section className="host-key" role="alertdialog" aria-labelledby={`hk-${run.session}`} data-testid="host-key-prompt">
      <h3 id={`hk-${run.session}`}>Unknown host key for {run.node}</h3>
      <p>
        {where} offered a <code>{k.keyType}</code> key that is not in <code>{k.knownHostsFile}</code>:
      </p>
      <p className="fingerprint" data-testid="host-key-fingerprint">
        {k.fingerprint}
      </p>
      <p className="muted">
        Compare it with the node’s own key (<code>ssh-keygen -lf /etc/ssh/ssh_host_{k.keyType.replace(/^ssh-/, '')}_key.pub</code> on the node, or your
        inventory). Trust it only if they match: a different key can mean someone is intercepting the connection.
      </p>
      <div className="actions">
        <button type="button" className="primary" onClick={() => void trustAndRetry(run.session, k.fingerprint)}>
          Trust this key and connect
        </button>
        <button type="button" onClick={() => dismissRun(run.session)}>
          Don’t trust
        </button>
      </div>
    </section>
  );
}

/** An encrypted key: its passphrase goes straight to the engine, never into the store. */
function PassphrasePrompt({ run }: { run: ProbeStatus }) {
  const answer = useApp((s) => s.answerPassphrase);
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const input = e.currentTarget.elements.namedItem('passphrase') as HTMLInputElement;
    const value = input.value;
    input.value = '';
    void answer(run.session, value);
  };
  return (
    <form className="host-key" onSubmit={submit} data-testid="passphrase-prompt">
      <label>
        Passphrase for <code>{run.passphraseFor!.file}</code>{' '}
        <input name="passphrase" type="password" autoComplete="off" autoFocus aria-label="Key passphrase" />
      </label>
      <div className="actions">
        <button type="submit" className="primary">
          Unlock key
        </button>
        <button type="button" onClick={() => void answer(run.session, null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The drop reasons seen most on a run; a click shows those drops in the events table. */
function Reasons({ node, reasons, clickable }: { node: string; reasons: ReadonlyArray<{ reason: string; count: number }> | undefined; clickable: boolean }) {
  const show = useApp((s) => s.showNodeEvents);
  if (!reasons?.length) return null;
  return (
    <span className="drop-reasons" data-testid="probe-reasons">
      top drops:{' '}
      {reasons.map((r) =>
        clickable ? (
          <button
            key={r.reason}
            type="button"
            className="chip reason-chip"
            title={`Show the ${r.reason} drops on ${node}`}
            onClick={(e) => {
              e.stopPropagation();
              show(node, r.reason);
            }}
          >
            {r.reason} ×{r.count}
          </button>
        ) : (
          <span key={r.reason} className="chip reason-chip">
            {r.reason} ×{r.count}
          </span>
        ),
      )}
    </span>
  );
}

/** In the workbench a run's row is a way to its events: a click (or Enter) filters the table to its node. */
function useRowClick(node: string, enabled: boolean) {
  const show = useApp((s) => s.showNodeEvents);
  if (!enabled) return {};
  const open = () => show(node);
  return {
    className: 'clickable',
    tabIndex: 0,
    title: `Show the events seen on ${node}`,
    onClick: (e: MouseEvent) => {
      // Buttons and prompts inside the row do their own thing.
      if ((e.target as HTMLElement).closest('button, input, select, form, .host-key')) return;
      open();
    },
    onKeyDown: (e: KeyboardEvent) => {
      if (e.key === 'Enter' && e.target === e.currentTarget) open();
    },
  };
}

const inWorkbench = (s: { cluster: { status: string } }) => s.cluster.status === 'open';

/** One node's agent of the question shown: its stage, events/s, losses and drop reasons. */
function QuestionRunRow({ run }: { run: WhyStatus['nodes'][number] }) {
  const click = useRowClick(run.node, true);
  return (
    <li {...click} className={`probe-run ${click.className}`} data-testid="question-run" data-node={run.node} data-stage={run.stage}>
      <div className="probe-run-head">
        <strong>{run.node}</strong>
        <span className="badge">question</span>
        <span data-testid="probe-stage">{run.stage}</span>
        <span className="muted">{run.detail}</span>
        <span className="spacer" />
        <span className="muted" data-testid="probe-counts">
          {plural(run.events ?? 0, 'event')} · {run.rate ?? 0}/s{(run.lost ?? 0) > 0 ? ` · ${run.lost} lost` : ' · none lost'}
        </span>
      </div>
      <Reasons node={run.node} reasons={run.reasons} clickable />
    </li>
  );
}

function RunRow({ run }: { run: ProbeStatus }) {
  const stopProbe = useApp((s) => s.stopProbe);
  const dismissRun = useApp((s) => s.dismissRun);
  const open = useApp(inWorkbench);
  const feeds = open && !!run.workbench;
  const click = useRowClick(run.node, feeds);
  return (
    <li {...click} className={`probe-run ${click.className ?? ''}`} data-testid="probe-run" data-node={run.node} data-stage={run.stage}>
      <div className="probe-run-head">
        <strong>{run.node}</strong>
        <span className="badge">{run.via}</span>
        <span data-testid="probe-stage">{run.hostKey && run.stage === 'stopped' ? 'waiting for your decision on the host key' : stageText[run.stage]}</span>
        <span className="muted">{run.detail}</span>
        <span className="spacer" />
        <span className="muted" data-testid="probe-counts">
          {run.events.drop} drops · {run.events.dns} DNS · {run.events.tcp} TCP · {run.rate ?? 0}/s{run.lost > 0 ? ` · ${run.lost} lost` : ''}
        </span>
        {run.stage === 'stopped' ? (
          <button type="button" onClick={() => dismissRun(run.session)} aria-label={`Remove ${run.node}`}>
            Remove
          </button>
        ) : (
          <button type="button" onClick={() => void stopProbe(run.session)}>
            Stop
          </button>
        )}
      </div>
      <Reasons node={run.node} reasons={run.reasons} clickable={feeds} />
      {run.passphraseFor && <PassphrasePrompt run={run} />}
      {run.hostKey && run.error?.code === 'ssh-host-key-unknown' ? <HostKeyPrompt run={run} /> : run.error && <ErrorPanel error={run.error} />}
    </li>
  );
}

/** Probe agents on nodes: start one, watch its progress, stop it. */
export function ProbesPanel() {
  const form = useApp((s) => s.probeForm);
  const setForm = useApp((s) => s.setProbeForm);
  const runs = useApp((s) => s.runs);
  const error = useApp((s) => s.probeError);
  const startProbe = useApp((s) => s.startProbe);
  const workbench = useApp(inWorkbench);
  // The question shown ran agents on these nodes: they are this panel's too.
  const question = useApp((s) => (s.cluster.status === 'open' ? s.question : undefined));
  const questionRuns = question?.nodes ?? [];
  // Runs follow the engine's probes.progress pushes (src/renderer/store/follow.ts).

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void startProbe();
  };
  return (
    <section className="probes" aria-labelledby="probes-title">
      <h2 id="probes-title">Probes</h2>
      <form className="probe-form" onSubmit={submit}>
        <label>
          Node <input name="node" required value={form.node} onChange={(e) => setForm({ node: e.target.value })} placeholder="node name or SSH Host alias" />
        </label>
        <label>
          Via{' '}
          <select name="via" value={form.via} onChange={(e) => setForm({ via: e.target.value as 'ssh' | 'pod' })}>
            <option value="ssh">SSH</option>
            <option value="pod">probe pod</option>
          </select>
        </label>
        <label>
          Seconds{' '}
          <input
            name="duration"
            type="number"
            min={1}
            max={3600}
            value={form.durationSec}
            onChange={(e) => setForm({ durationSec: Number(e.target.value) || 60 })}
          />
        </label>
        <button type="submit" className="primary">
          Start probe
        </button>
      </form>
      {form.via === 'ssh' && <SshInEffect node={form.node} />}
      {error && <ErrorPanel error={error} />}
      {questionRuns.length > 0 && (
        <section aria-labelledby="question-runs-title" data-testid="question-runs">
          <h3 id="question-runs-title" className="runs-title">
            The question’s probes{question?.state === 'running' ? '' : ' (ended)'} <span className="muted">— click a node for its events</span>
          </h3>
          <ul className="probe-runs">
            {questionRuns.map((r) => (
              <QuestionRunRow key={r.node} run={r} />
            ))}
          </ul>
        </section>
      )}
      {runs.length > 0 && (
        <section aria-labelledby="manual-runs-title">
          {questionRuns.length > 0 && (
            <h3 id="manual-runs-title" className="runs-title">
              Started here
            </h3>
          )}
          <ul className="probe-runs">
            {runs.map((r) => (
              <RunRow key={r.session} run={r} />
            ))}
          </ul>
        </section>
      )}
      {runs.length === 0 && questionRuns.length === 0 && (
        <p className="empty-state">
          No probes yet. Name a node (or a Host alias of your SSH config) and start one to see drops, DNS and TCP outcomes on it
          {workbench ? ' — in this workbench’s events table and graph' : ''}; a question asked with probes lists its own here.
        </p>
      )}
    </section>
  );
}
