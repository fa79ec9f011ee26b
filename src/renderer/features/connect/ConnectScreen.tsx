/**
 * Connect: pick the cluster to troubleshoot. Lists the kubeconfig's contexts (server, user and
 * how it authenticates, namespace) and says exactly what is wrong when the file is.
 */
import { useEffect, useRef, type KeyboardEvent } from 'react';
import type { ContextList, ContextSummary } from '../../../api/index.js';
import { ErrorPanel } from '../../components/ErrorPanel.js';
import { useApp } from '../../store/context.js';
import { isSource, recordingExtension, recordingFromFile } from '../replay/file.js';
import { isKubeconfigSource, kubeconfigFromFile } from './kubeconfigFile.js';
import { commandLine, execOf, recentOutcome, sshFormErrors, type SshForm } from '../../store/index.js';

const authLabels: Record<ContextSummary['auth'][number], string> = {
  'client-certificate': 'client certificate',
  token: 'bearer token',
  'token-file': 'token file',
  exec: 'exec plugin',
  'auth-provider': 'auth provider (OIDC)',
  basic: 'basic auth',
  none: 'no credentials',
};

const insecureText =
  "This cluster sets insecure-skip-tls-verify: the API server's certificate is not checked, so anyone on the network path can read and change the traffic, credentials included. Set certificate-authority(-data) in the kubeconfig instead.";

/** Open recording…, the recent recordings, and what went wrong opening one. */
function Recordings({ openRecordingRef }: { openRecordingRef: React.RefObject<(() => void) | null> }) {
  const recent = useApp((s) => s.recent);
  const error = useApp((s) => s.recordingError);
  const openRecording = useApp((s) => s.openRecording);
  const forget = useApp((s) => s.forgetRecent);
  const setError = useApp((s) => s.setRecordingError);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    openRecordingRef.current = () => input.current?.click();
  }, [openRecordingRef]);
  async function onPicked(file: File | undefined) {
    if (input.current) input.current.value = '';
    if (!file) return;
    const source = await recordingFromFile(file);
    if (isSource(source)) await openRecording(source);
    else setError(source);
  }
  return (
    <section className="recordings" aria-labelledby="recordings-title" data-testid="recordings">
      <div className="recordings-head">
        <h2 id="recordings-title">Recordings</h2>
        <button type="button" onClick={() => input.current?.click()} data-testid="open-recording">
          Open recording…
        </button>
        <span className="muted">or drop a {recordingExtension} file anywhere on the window — replayed read-only, no cluster needed.</span>
        <input
          ref={input}
          type="file"
          accept={recordingExtension}
          hidden
          data-testid="recording-file-input"
          onChange={(e) => void onPicked(e.target.files?.[0])}
        />
      </div>
      {error && (
        <ErrorPanel
          error={error}
          title="Cannot open that recording"
          actions={
            <button type="button" onClick={() => setError(undefined)}>
              Dismiss
            </button>
          }
        />
      )}
      {recent.length > 0 && <h3 className="recent-title">Recent</h3>}
      {recent.length > 0 && (
        <ul className="recent" aria-label="Recent recordings" data-testid="recent-recordings">
          {recent.map((r) => (
            <li key={r.path}>
              <button
                type="button"
                className="link"
                onClick={() => void openRecording({ kind: 'path', path: r.path })}
                title={r.path}
                data-testid="recent-recording"
              >
                {r.name}
              </button>
              <code className="muted">{r.path}</code>
              <span className="muted">{new Date(r.openedAt).toLocaleString()}</span>
              <button type="button" className="link small" onClick={() => forget(r.path)} aria-label={`Forget ${r.name}`}>
                forget
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The questions asked lately: one click opens the context's workbench with the question filled in. */
function RecentQuestions() {
  const recent = useApp((s) => s.recentQuestions);
  const open = useApp((s) => s.openRecentQuestion);
  const forget = useApp((s) => s.forgetRecentQuestions);
  if (recent.length === 0) return null;
  return (
    <section className="recent-questions" aria-labelledby="recent-questions-title" data-testid="recent-questions">
      <div className="recordings-head">
        <h2 id="recent-questions-title">Recent questions</h2>
        <button type="button" className="link small" onClick={forget}>
          forget all
        </button>
      </div>
      <ul className="recent">
        {recent.map((q) => (
          <li key={q.id}>
            <button
              type="button"
              className="link"
              data-testid="recent-question"
              data-context={q.context}
              onClick={() => void open(q)}
              title={`Open ${q.context} with this question filled in`}
            >
              {q.from} → {q.to}
              {q.port ? `:${q.port}` : ''}
              {q.protocol !== 'TCP' ? `/${q.protocol}` : ''}
            </button>
            <span className="muted">{q.context}</span>
            {(q.verdict === 'reachable' || q.verdict === 'unreachable') && <span className="muted">B was</span>}
            <span className={`verdict-chip v-${q.verdict ?? 'unknown'}`} data-testid="recent-question-verdict" title={recentOutcome(q).sentence}>
              {recentOutcome(q).verdict}
            </span>
            {(q.verdict === 'reachable' || q.verdict === 'unreachable') && <span className="muted">from A</span>}
            <span className="muted">{new Date(q.at).toLocaleString()}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

type SshField = Exclude<keyof SshForm, 'nodes'>;
const sshFields: Array<{ key: SshField; label: string; placeholder: string; hint: string }> = [
  { key: 'configFile', label: 'SSH config file', placeholder: '~/.ssh/config', hint: 'Read as ssh reads it; empty: ~/.ssh/config when it exists.' },
  { key: 'user', label: 'User', placeholder: 'from the config, else your login', hint: 'Login user on the nodes.' },
  {
    key: 'identityFile',
    label: 'Key file',
    placeholder: '~/.ssh/id_ed25519',
    hint: 'A path only: the key stays on disk; a passphrase is asked when needed and never saved.',
  },
  { key: 'jump', label: 'Jump host', placeholder: 'user@bastion:22', hint: 'Every node is reached through it (ProxyJump).' },
];

/** SSH settings for probes over SSH: kept in this window's preferences (paths and names, no secrets). */
function SshSettings() {
  const form = useApp((s) => s.ssh);
  const setSsh = useApp((s) => s.setSsh);
  const errors = sshFormErrors(form);
  const setRow = (i: number, row: Partial<SshForm['nodes'][number]>) => setSsh({ nodes: form.nodes.map((n, j) => (j === i ? { ...n, ...row } : n)) });
  return (
    <details className="ssh-settings" data-testid="ssh-settings" open={form.nodes.length > 0 || undefined}>
      <summary>
        <h2>SSH settings</h2>
        <span className="muted">for every probe over SSH: the query bar's and the Probes panel's (“Test SSH” there checks a node)</span>
      </summary>
      <div className="ssh-grid">
        {sshFields.map((f) => (
          <label key={f.key} title={f.hint}>
            <span>{f.label}</span>
            <input
              type="text"
              spellCheck={false}
              placeholder={f.placeholder}
              value={form[f.key]}
              aria-invalid={errors[f.key] ? true : undefined}
              data-testid={`ssh-${f.key}`}
              onChange={(e) => setSsh({ [f.key]: e.target.value })}
            />
            {errors[f.key] && <em className="field-error">{errors[f.key]}</em>}
          </label>
        ))}
      </div>
      <table className="ssh-nodes" aria-label="Addresses to reach by SSH">
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">Reach it at (host name or IP)</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {form.nodes.map((n, i) => (
            <tr key={i} data-testid="ssh-node-row">
              <td>
                <input
                  type="text"
                  spellCheck={false}
                  aria-label={`Node ${i + 1}`}
                  value={n.node}
                  data-testid="ssh-node-name"
                  onChange={(e) => setRow(i, { node: e.target.value })}
                />
              </td>
              <td>
                <input
                  type="text"
                  spellCheck={false}
                  aria-label={`Address of node ${i + 1}`}
                  value={n.address}
                  aria-invalid={errors.rows?.[i] ? true : undefined}
                  data-testid="ssh-node-address"
                  onChange={(e) => setRow(i, { address: e.target.value })}
                />
                {errors.rows?.[i] && <em className="field-error">{errors.rows[i]}</em>}
              </td>
              <td>
                <button
                  type="button"
                  className="link small"
                  aria-label={`Remove node ${i + 1}`}
                  onClick={() => setSsh({ nodes: form.nodes.filter((_, j) => j !== i) })}
                >
                  remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" data-testid="ssh-add-node" onClick={() => setSsh({ nodes: [...form.nodes, { node: '', address: '' }] })}>
        Add node address
      </button>
      <span className="muted"> Nodes not listed are reached at their InternalIP.</span>
    </details>
  );
}

export function ConnectScreen({
  openFileRef,
  openRecordingRef,
}: {
  openFileRef: React.RefObject<(() => void) | null>;
  openRecordingRef: React.RefObject<(() => void) | null>;
}) {
  const contexts = useApp((s) => s.contexts);
  const source = useApp((s) => s.source);
  const appInfo = useApp((s) => s.appInfo);
  const loadContexts = useApp((s) => s.loadContexts);
  const refuseKubeconfig = useApp((s) => s.refuseKubeconfig);
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    openFileRef.current = () => fileInput.current?.click();
  }, [openFileRef]);

  async function onFilePicked(file: File | undefined) {
    if (!file) return;
    if (fileInput.current) fileInput.current.value = '';
    const source = await kubeconfigFromFile(file);
    if (isKubeconfigSource(source)) await loadContexts(source);
    else refuseKubeconfig(source);
  }

  const sourceLabel =
    source.kind === 'default' ? (appInfo?.defaultKubeconfig ?? 'default kubeconfig') : source.kind === 'path' ? source.path : `${source.name} (picked file)`;

  const pickButton = (
    <button type="button" onClick={() => fileInput.current?.click()} data-testid="choose-kubeconfig">
      Choose kubeconfig…
    </button>
  );

  return (
    <main className="connect" aria-labelledby="connect-title">
      <header className="screen-header">
        <div>
          <h1 id="connect-title">Connect to a cluster</h1>
          <p className="muted">
            Kubeconfig: <code data-testid="kubeconfig-source">{sourceLabel}</code>
          </p>
        </div>
        <div className="actions">
          {pickButton}
          <button type="button" onClick={() => void loadContexts()} title="Read the kubeconfig again (R)">
            Reload
          </button>
          {source.kind !== 'default' && (
            <button type="button" onClick={() => void loadContexts({ kind: 'default' })}>
              Use default
            </button>
          )}
        </div>
        <input ref={fileInput} type="file" hidden data-testid="kubeconfig-file-input" onChange={(e) => void onFilePicked(e.target.files?.[0])} />
      </header>
      {contexts.status === 'loading' && (
        <p className="muted" aria-live="polite">
          Reading kubeconfig…
        </p>
      )}
      {contexts.status === 'failed' && (
        <ErrorPanel
          error={contexts.error}
          actions={
            <>
              {pickButton}
              <button type="button" onClick={() => void loadContexts()}>
                Retry
              </button>
            </>
          }
        />
      )}
      {contexts.status === 'loaded' && <ContextTable list={contexts.list} />}
      <RecentQuestions />
      <SshSettings />
      <Recordings openRecordingRef={openRecordingRef} />
    </main>
  );
}

function ContextTable({ list }: { list: ContextList }) {
  const selected = useApp((s) => s.selectedContext);
  const select = useApp((s) => s.selectContext);
  const openCluster = useApp((s) => s.openCluster);
  const rows = useRef<(HTMLTableRowElement | null)[]>([]);

  if (list.contexts.length === 0) {
    return (
      <section className="empty-state" data-testid="no-contexts">
        <h2>No contexts in {list.files.join(', ')}</h2>
        <p>
          The file has no <code>contexts:</code> entries. Add one with <code>kubectl config set-context NAME --cluster=… --user=…</code>, or choose another
          kubeconfig.
        </p>
      </section>
    );
  }

  const onKeyDown = (e: KeyboardEvent, index: number) => {
    const next = e.key === 'ArrowDown' ? index + 1 : e.key === 'ArrowUp' ? index - 1 : -1;
    const target = list.contexts[next];
    if (target) {
      e.preventDefault();
      select(target.name);
      rows.current[next]?.focus();
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      const ctx = list.contexts[index];
      if (ctx && e.key === 'Enter' && ctx.name === selected) void openCluster();
      else if (ctx) select(ctx.name);
    }
  };
  const chosen = list.contexts.find((c) => c.name === selected);

  return (
    <div className="connect-body">
      <table className="contexts" data-testid="contexts-table" aria-label="Kubeconfig contexts">
        <thead>
          <tr>
            <th scope="col">Context</th>
            <th scope="col">Cluster server</th>
            <th scope="col">User</th>
            <th scope="col">Namespace</th>
          </tr>
        </thead>
        <tbody>
          {list.contexts.map((c, i) => (
            <tr
              key={c.name}
              ref={(el) => {
                rows.current[i] = el;
              }}
              tabIndex={0}
              aria-selected={c.name === selected}
              data-testid="context-row"
              data-context={c.name}
              className={c.name === selected ? 'selected' : undefined}
              onClick={() => select(c.name)}
              onDoubleClick={() => {
                select(c.name);
                void openCluster();
              }}
              onKeyDown={(e) => onKeyDown(e, i)}
            >
              <td>
                <span className="context-name">{c.name}</span>
                {c.current && <span className="badge">current</span>}
                {c.problems.length > 0 && (
                  <span className="badge warn" title={c.problems.join('\n')}>
                    problem
                  </span>
                )}
                {/* Its words come from CSS (styles.css .insecure-tls): the row's text stays the context's. */}
                {c.insecureSkipTlsVerify && (
                  <span className="badge warn insecure-tls" role="img" aria-label="TLS not verified" title={insecureText} data-testid="insecure-tls" />
                )}
              </td>
              <td>
                <code>{c.server ?? `cluster "${c.cluster}" missing`}</code>
              </td>
              <td>
                {c.user}
                <span className="muted"> · {c.auth.map((a) => authLabels[a]).join(', ') || 'user missing'}</span>
              </td>
              <td>{c.namespace}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <aside className="context-detail" data-testid="context-detail" aria-live="polite">
        {chosen ? <ContextDetail ctx={chosen} /> : <p className="muted">Select a context (click, or ↑/↓ and Enter).</p>}
      </aside>
    </div>
  );
}

/** Before an exec plugin runs the first time: the exact command line, and the user's answer. */
function ExecPromptPanel({ ctx }: { ctx: ContextSummary }) {
  const prompt = useApp((s) => s.execPrompt);
  const allow = useApp((s) => s.allowExec);
  const decline = useApp((s) => s.declineExec);
  if (!prompt || prompt.context !== ctx.name || prompt.file !== ctx.file) return null;
  return (
    <section className="host-key exec-prompt" role="alertdialog" aria-labelledby="exec-prompt-title" data-testid="exec-prompt">
      <h3 id="exec-prompt-title">Run this command to log in?</h3>
      <p>
        Context <strong>{ctx.name}</strong> gets its credentials by running a program on this machine (an exec credential plugin named in{' '}
        <code>{ctx.file}</code>). Pathlight runs it only if you agree; it will not ask again for this command.
      </p>
      <pre data-testid="exec-command-line">{commandLine(prompt.consent)}</pre>
      <div className="actions">
        <button type="button" className="primary" data-testid="exec-allow" onClick={() => void allow()}>
          Run it and open
        </button>
        <button type="button" data-testid="exec-decline" onClick={decline}>
          Cancel
        </button>
      </div>
    </section>
  );
}

function ContextDetail({ ctx }: { ctx: ContextSummary }) {
  const openCluster = useApp((s) => s.openCluster);
  const exec = execOf(ctx);
  return (
    <>
      <h2 data-testid="selected-context">{ctx.name}</h2>
      <button type="button" className="primary open-workbench" data-testid="open-workbench" onClick={() => void openCluster()}>
        Open workbench →
      </button>
      <ExecPromptPanel ctx={ctx} />
      <dl>
        <dt>Cluster</dt>
        <dd>
          {ctx.cluster} <code>{ctx.server ?? '—'}</code>
        </dd>
        <dt>User</dt>
        <dd>
          {ctx.user} ({ctx.auth.map((a) => authLabels[a]).join(', ')}
          {exec ? `: runs ${commandLine(exec)}` : ''})
        </dd>
        <dt>Namespace</dt>
        <dd>{ctx.namespace}</dd>
        <dt>From</dt>
        <dd>
          <code>{ctx.file}</code>
        </dd>
      </dl>
      {ctx.insecureSkipTlsVerify && (
        <p className="field-error" role="note" data-testid="insecure-tls-detail">
          {insecureText}
        </p>
      )}
      {ctx.problems.length > 0 && (
        <ul className="problems">
          {ctx.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </>
  );
}
