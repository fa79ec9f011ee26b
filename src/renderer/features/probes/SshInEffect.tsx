/**
 * The SSH settings in effect, shown where probes are chosen (the query bar, the Probes panel):
 * they are set in one place, the Connect screen, and used by every probe over SSH. "Test SSH"
 * connects to a node with them and says what it found; it never trusts a key by itself.
 */
import { useState } from 'react';
import type { SshTestResult } from '../../../api/index.js';
import { sshConfigShown } from '../../store/index.js';
import { useApp } from '../../store/context.js';

const problemText: Record<NonNullable<SshTestResult['problem']>, string> = {
  'host-key-unknown': 'unknown host key',
  'host-key-mismatch': 'host key differs from known_hosts',
  refused: 'connection refused',
  timeout: 'no answer (timed out)',
  unreachable: 'unreachable',
  'auth-failed': 'authentication failed',
  'passphrase-needed': 'the key needs its passphrase',
  'config-invalid': 'SSH config not usable',
  failed: 'failed',
};

function Outcome() {
  const t = useApp((s) => s.sshTest);
  if (!t) return null;
  if (t.running) {
    return (
      <p className="ssh-test muted" data-testid="ssh-test-result" data-state="running" role="status">
        Testing SSH to {t.node}…
      </p>
    );
  }
  const r = t.result;
  if (!r) {
    return (
      <p className="ssh-test bad" data-testid="ssh-test-result" data-state="error" role="status">
        ✗ {t.node}: {t.error?.message}
      </p>
    );
  }
  if (r.ok) {
    return (
      <p className="ssh-test good" data-testid="ssh-test-result" data-state="ok" role="status">
        ✓ {r.node}: connected to {r.target} (host key known) and ran <code>true</code>
      </p>
    );
  }
  return (
    <div className="ssh-test bad" data-testid="ssh-test-result" data-state={r.problem} role="status">
      <p>
        ✗ {r.node}: <strong>{problemText[r.problem ?? 'failed']}</strong> — {r.error?.message}
      </p>
      {r.hostKey ? (
        <p className="muted">
          Nothing was added to {r.hostKey.knownHostsFile || 'known_hosts'}. Compare <code data-testid="ssh-test-fingerprint">{r.hostKey.fingerprint}</code> with
          the node’s own key (<code>ssh-keygen -lf</code> on its host key) before trusting it; a probe run on this node asks.
        </p>
      ) : (
        r.error?.hint && <p className="muted">{r.error.hint}</p>
      )}
    </div>
  );
}

/** `node`: the node to test (the Probes panel's); else a choice among `nodes` (the cluster's). */
export function SshInEffect({ node, nodes = [] }: { node?: string; nodes?: readonly string[] }) {
  const form = useApp((s) => s.ssh);
  const testSsh = useApp((s) => s.testSsh);
  const running = useApp((s) => !!s.sshTest?.running);
  const [picked, setPicked] = useState('');
  const target = (node ?? (picked || nodes[0] || '')).trim();
  const extra = [
    form.user.trim() && `user ${form.user.trim()}`,
    form.identityFile.trim() && `key ${form.identityFile.trim()}`,
    form.jump.trim() && `via ${form.jump.trim()}`,
    form.nodes.length > 0 && `${form.nodes.length} node address${form.nodes.length === 1 ? '' : 'es'}`,
  ].filter(Boolean);
  return (
    <div className="ssh-in-effect" data-testid="ssh-in-effect">
      <span title="Set on the Connect screen (SSH settings); every probe over SSH uses them">
        SSH: <code data-testid="ssh-config-in-effect">{sshConfigShown(form)}</code>, from settings{extra.length ? ` · ${extra.join(' · ')}` : ''}
      </span>
      {node === undefined && nodes.length > 1 && (
        <select aria-label="Node to test SSH on" data-testid="ssh-test-node" value={target} onChange={(e) => setPicked(e.target.value)}>
          {nodes.map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
      )}
      <button
        type="button"
        data-testid="test-ssh"
        disabled={!target || running}
        onClick={() => void testSsh(target)}
        title={target ? `Connect to ${target} with these settings, check its host key and run true` : 'Name a node first'}
      >
        Test SSH
      </button>
      <Outcome />
    </div>
  );
}
