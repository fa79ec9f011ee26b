import type { FormEvent } from 'react';
import type { ProbeStatus } from '../../../api/index.js';
import { ErrorPanel } from '../../components/ErrorPanel.js';
import { useApp } from '../../store/context.js';

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

function RunRow({ run }: { run: ProbeStatus }) {
  const stopProbe = useApp((s) => s.stopProbe);
  const dismissRun = useApp((s) => s.dismissRun);
  return (
    <li className="probe-run" data-testid="probe-run" data-node={run.node} data-stage={run.stage}>
      <div className="probe-run-head">
        <strong>{run.node}</strong>
        <span className="badge">{run.via}</span>
        <span data-testid="probe-stage">{run.hostKey && run.stage === 'stopped' ? 'waiting for your decision on the host key' : stageText[run.stage]}</span>
        <span className="muted">{run.detail}</span>
        <span className="spacer" />
        <span className="muted" data-testid="probe-counts">
          {run.events.drop} drops · {run.events.dns} DNS · {run.events.tcp} TCP{run.lost > 0 ? ` · ${run.lost} lost` : ''}
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
        {form.via === 'ssh' && (
          <label>
            SSH config <input name="sshConfig" value={form.sshConfig} onChange={(e) => setForm({ sshConfig: e.target.value })} placeholder="~/.ssh/config" />
          </label>
        )}
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
      {error && <ErrorPanel error={error} />}
      {runs.length === 0 ? (
        <p className="empty-state">
          No probes running. Name a node (or a Host alias of your SSH config) and start one to see drops, DNS and TCP outcomes on it.
        </p>
      ) : (
        <ul className="probe-runs">
          {runs.map((r) => (
            <RunRow key={r.session} run={r} />
          ))}
        </ul>
      )}
    </section>
  );
}
