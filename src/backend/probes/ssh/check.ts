/**
 * "Test SSH": one node reached with the SSH settings in effect, exactly as a probe over SSH
 * would reach it (the settings' generated config, ./overlay.ts; the target resolved by
 * ./config.ts; the connection, jump hosts and strict host-key check of ./transport.ts), then
 * `true` run there. The outcome is named — an unknown host key with its fingerprint, a refused
 * port, a rejected key — and known_hosts is never changed here: trusting a key stays the
 * user's decision, made on a probe run's prompt or with ssh-keyscan/ssh.
 */
import path from 'node:path';
import os from 'node:os';
import { existsSync } from 'node:fs';
import { toApiError, type CallResponse, type SshSettings } from '../../../api/index.js';
import { withSshOverlay } from './overlay.js';

type Result = CallResponse<'ssh.test'>;

export interface SshCheckRequest {
  node: string;
  ssh?: SshSettings | undefined;
  /** Where the node is when the config has no HostName (its InternalIP). */
  host?: string | undefined;
  home?: string;
  agentSocket?: string | undefined;
  readyTimeoutMs?: number;
}

/** The config file the settings read: theirs, else ~/.ssh/config when it exists. */
export function configInEffect(ssh: SshSettings | undefined, home = os.homedir()): string | null {
  if (ssh?.configFile) return ssh.configFile;
  const file = path.join(home, '.ssh', 'config');
  return existsSync(file) ? file : null;
}

export async function checkSsh(req: SshCheckRequest): Promise<Result> {
  const config = configInEffect(req.ssh, req.home);
  const base = { node: req.node, config };
  try {
    const [{ readSshConfig }, { checkConnection }] = await Promise.all([import('./config.js'), import('./transport.js')]);
    const { target } = await withSshOverlay(req.ssh, req.ssh?.configFile, [req.node], async (file) => {
      const { text, file: read } = await readSshConfig({ file, home: req.home });
      return checkConnection({
        configText: text,
        configFile: read,
        node: req.node,
        fallbackHostName: req.host,
        home: req.home,
        agentDir: '',
        args: [],
        agentSocket: req.agentSocket,
        readyTimeoutMs: req.readyTimeoutMs ?? 10_000,
      });
    });
    const via = target.jumps.length ? ` via ${target.jumps.join(', ')}` : '';
    return { ...base, ok: true, target: `${target.user}@${target.hostName}:${target.port}${via}` };
  } catch (err) {
    const [{ SshHostKeyError, SshConnectError }, { fingerprint, keyTypeOf }] = await Promise.all([import('./transport.js'), import('./knownHosts.js')]);
    const error = toApiError(err);
    if (err instanceof SshHostKeyError) {
      return {
        ...base,
        ok: false,
        problem: err.verdict.kind === 'unknown' ? 'host-key-unknown' : 'host-key-mismatch',
        error,
        hostKey: { host: err.host, port: err.port, keyType: keyTypeOf(err.key), fingerprint: fingerprint(err.key), knownHostsFile: err.knownHostsFile ?? '' },
      };
    }
    if (err instanceof SshConnectError) return { ...base, ok: false, problem: err.reason, error };
    const byCode: Partial<Record<string, NonNullable<Result['problem']>>> = {
      'ssh-auth-failed': 'auth-failed',
      'ssh-passphrase-needed': 'passphrase-needed',
      'ssh-config-invalid': 'config-invalid',
      'ssh-unreachable': 'unreachable',
    };
    return { ...base, ok: false, problem: byCode[error.code] ?? 'failed', error };
  }
}
