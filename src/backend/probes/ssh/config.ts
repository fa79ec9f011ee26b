/**
 * Where and how to reach a node over SSH, read from the user's OpenSSH client config
 * (`~/.ssh/config`, or the file the user chose) the way `ssh` reads it: first value wins,
 * Host patterns with `*`, `?` and `!`. Parsing is the `ssh-config` package's.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import SSHConfig from 'ssh-config';
import { PathlightError } from '../../../api/index.js';

export interface SshTarget {
  /** The name asked for (node name or Host alias). */
  alias: string;
  hostName: string;
  port: number;
  user: string;
  identityFiles: string[];
  knownHostsFiles: string[];
  /** Hops before the target, in order (`ProxyJump a,b`). */
  jumps: string[];
  /** True when the config asks for `StrictHostKeyChecking no`: Pathlight refuses it anyway. */
  strictDisabled: boolean;
}

export interface SshConfigOptions {
  /** The config file; `undefined` reads `~/.ssh/config` when it exists. */
  file?: string | undefined;
  home?: string;
  /** Used when neither the config nor the caller names a user. */
  defaultUser?: string;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const all = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function expand(p: string, home: string, t: { hostName: string; alias: string; port: number; user: string }): string {
  return p
    .replace(/^~(?=$|\/)/, home)
    .replace(/%d/g, home)
    .replace(/%h/g, t.hostName)
    .replace(/%n/g, t.alias)
    .replace(/%p/g, String(t.port))
    .replace(/%r/g, t.user)
    .replace(/%%/g, '%');
}

/** Reads the config text: the named file (must exist) or ~/.ssh/config (may be absent). */
export async function readSshConfig(opts: SshConfigOptions): Promise<{ text: string; file: string | undefined }> {
  const home = opts.home ?? os.homedir();
  const file = opts.file ?? path.join(home, '.ssh', 'config');
  try {
    return { text: await readFile(file, 'utf8'), file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && opts.file === undefined) return { text: '', file: undefined };
    throw new PathlightError({
      code: 'ssh-config-invalid',
      message: `Cannot read the SSH config ${file}: ${(err as Error).message}.`,
      hint: 'Check the path given as the SSH config, or leave it empty to use ~/.ssh/config.',
      file,
    });
  }
}

/** Resolves a host through the config text. `fallbackHostName` (e.g. the node's InternalIP) is used when the config has no HostName. */
export function resolveSshTarget(text: string, alias: string, opts: SshConfigOptions & { fallbackHostName?: string } = {}): SshTarget {
  const home = opts.home ?? os.homedir();
  let computed: Record<string, string | string[]>;
  try {
    computed = text.trim() === '' ? {} : SSHConfig.parse(text).compute(alias);
  } catch (err) {
    throw new PathlightError({
      code: 'ssh-config-invalid',
      message: `The SSH config${opts.file ? ` ${opts.file}` : ''} cannot be parsed: ${(err as Error).message}.`,
      hint: 'Fix the line it names (OpenSSH client config syntax), or choose another SSH config.',
      file: opts.file,
    });
  }
  const get = (k: string) => first(computed[k]);
  const portText = get('Port') ?? '22';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new PathlightError({
      code: 'ssh-config-invalid',
      message: `Port ${portText} for host ${alias} is not a port number.`,
      hint: 'Use a number from 1 to 65535.',
      file: opts.file,
    });
  }
  const hostName = get('HostName') ?? opts.fallbackHostName ?? alias;
  const user = get('User') ?? opts.defaultUser ?? os.userInfo().username;
  const t = { hostName, alias, port, user };
  const identity = all(computed.IdentityFile);
  const identityFiles = (identity.length > 0 ? identity : ['~/.ssh/id_ed25519', '~/.ssh/id_ecdsa', '~/.ssh/id_rsa']).map((p) => expand(p, home, t));
  const known = all(computed.UserKnownHostsFile).flatMap((v) => v.split(/\s+/));
  const knownHostsFiles = (known.length > 0 ? known : ['~/.ssh/known_hosts', '~/.ssh/known_hosts2']).map((p) => expand(p, home, t));
  const jump = get('ProxyJump');
  return {
    alias,
    hostName,
    port,
    user,
    identityFiles,
    knownHostsFiles,
    jumps: jump && jump.toLowerCase() !== 'none' ? jump.split(',').map((j) => j.trim()) : [],
    strictDisabled: (get('StrictHostKeyChecking') ?? '').toLowerCase() === 'no',
  };
}

/** A ProxyJump entry is `[user@]host[:port]`; `host` may itself be a Host alias of the config. */
export function parseJump(spec: string): { user?: string; host: string; port?: number } {
  const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(spec);
  if (!m)
    throw new PathlightError({
      code: 'ssh-config-invalid',
      message: `ProxyJump entry "${spec}" is not [user@]host[:port].`,
      hint: 'Fix the ProxyJump line of the SSH config.',
    });
  return { user: m[1], host: (m[2] ?? '').replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : undefined };
}
