/**
 * The Connect screen's SSH settings applied the way `ssh` would apply them: a private
 * temporary OpenSSH config with one `Host <node>` block per node (HostName from the address
 * table; User, IdentityFile and ProxyJump from the form), followed by the user's own config.
 * The user's config is copied in rather than `Include`d because the parser the probes use
 * (the `ssh-config` package, see ./config.ts) does not follow `Include`. First value wins, so
 * the form's choices take precedence for the nodes and the user's config supplies the rest.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sshSettingsSchema, type SshSettings } from '../../../api/index.js';

/** True when the settings change anything beyond which config file is read. */
export function hasOverrides(s: SshSettings | undefined): s is SshSettings {
  return !!s && (!!s.user || !!s.identityFile || !!s.jump || (s.nodes?.length ?? 0) > 0);
}

/**
 * The generated config text. `nodes`: the cluster's nodes, which get the form's user, key and
 * jump host even without an address. Settings are validated again here: nothing reaches the
 * file that could add a line of its own.
 */
export function overlayConfigText(settings: SshSettings, nodes: readonly string[], userConfig: string): string {
  const s = sshSettingsSchema.parse(settings);
  const address = new Map((s.nodes ?? []).map((n) => [n.node, n.address]));
  const names = [...new Set([...address.keys(), ...nodes])].filter((n) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(n));
  const common = [s.user && `  User ${s.user}`, s.identityFile && `  IdentityFile ${s.identityFile}`, s.jump && `  ProxyJump ${s.jump}`].filter(
    (l): l is string => !!l,
  );
  const lines = ['# Written by Pathlight for one question from its SSH settings; removed afterwards.'];
  for (const n of names) {
    const host = address.get(n);
    if (!host && common.length === 0) continue;
    lines.push(`Host ${n}`, ...(host ? [`  HostName ${host}`] : []), ...common);
  }
  // The user's top-level lines apply to every host, as they did in their own file.
  lines.push('', 'Host *', userConfig);
  return `${lines.join('\n')}\n`;
}

/**
 * Runs `fn` with the path of the generated config (mode 0600 in a private directory), removed
 * when `fn` settles. Without overrides, `fn` gets the user's config path unchanged.
 */
export async function withSshOverlay<T>(
  settings: SshSettings | undefined,
  configFile: string | undefined,
  nodes: readonly string[],
  fn: (file: string | undefined) => Promise<T>,
): Promise<T> {
  if (!hasOverrides(settings)) return fn(configFile);
  const { readSshConfig } = await import('./config.js');
  const { text } = await readSshConfig({ file: configFile });
  const dir = await mkdtemp(path.join(tmpdir(), 'pathlight-ssh-'));
  const file = path.join(dir, 'config');
  try {
    await writeFile(file, overlayConfigText(settings, nodes, text), { mode: 0o600 });
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
