/**
 * OpenSSH known_hosts checking, strict: a host whose key is not listed is "unknown" (the UI
 * asks the user to trust it on first use, showing the SHA256 fingerprint as `ssh` does), a
 * listed host with another key is a "mismatch" (possible man-in-the-middle: never accepted).
 *
 * Entries: `host[,host…] keytype base64key [comment]`, hosts may be `[host]:port`, glob
 * patterns (`*`, `?`), negated (`!pattern`) or hashed (`|1|salt|hmac-sha1`). Lines marked
 * `@revoked` reject that key; `@cert-authority` lines are not supported and are skipped.
 */
import { createHash, createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface KnownHostEntry {
  patterns: string[];
  keyType: string;
  key: Buffer;
  revoked: boolean;
  file: string;
  line: number;
}

export type HostKeyVerdict =
  | { kind: 'trusted'; entry: KnownHostEntry }
  | { kind: 'unknown' }
  | { kind: 'mismatch'; expected: KnownHostEntry[] }
  | { kind: 'revoked'; entry: KnownHostEntry };

/** `SHA256:…` as `ssh-keygen -lf` and `ssh` print it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type written inside an SSH wire-format public key blob. */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const n = key.readUInt32BE(0);
  return key.subarray(4, 4 + n).toString('latin1');
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker = '';
    if (fields[0]?.startsWith('@')) marker = fields.shift() ?? '';
    if (marker === '@cert-authority' || fields.length < 3) return;
    const [hosts, keyType, b64] = fields as [string, string, string];
    out.push({ patterns: hosts.split(','), keyType, key: Buffer.from(b64, 'base64'), revoked: marker === '@revoked', file, line: i + 1 });
  });
  return out;
}

/** The names a host is looked up under: `host` on port 22, `[host]:port` otherwise. */
export function hostKeyName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function matchesPattern(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  return globToRegExp(pattern).test(name);
}

/** Whether an entry's host list covers `name` (a negated match excludes it). */
export function entryMatches(entry: KnownHostEntry, name: string): boolean {
  let hit = false;
  for (const p of entry.patterns) {
    if (p.startsWith('!')) {
      if (matchesPattern(p.slice(1), name)) return false;
    } else if (matchesPattern(p, name)) {
      hit = true;
    }
  }
  return hit;
}

export function verifyHostKey(entries: KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = hostKeyName(host, port);
  const forHost = entries.filter((e) => entryMatches(e, name));
  const same = forHost.filter((e) => e.key.equals(key));
  const revoked = same.find((e) => e.revoked);
  if (revoked) return { kind: 'revoked', entry: revoked };
  const trusted = same.find((e) => !e.revoked);
  if (trusted) return { kind: 'trusted', entry: trusted };
  const expected = forHost.filter((e) => !e.revoked);
  return expected.length > 0 ? { kind: 'mismatch', expected } : { kind: 'unknown' };
}

/** Reads every known_hosts file that exists; a missing file is an empty list. */
export async function loadKnownHosts(files: string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    all.push(...parseKnownHosts(text, file));
  }
  return all;
}

/** Records a key the user chose to trust (trust on first use), as `ssh` would. */
export async function trustHostKey(file: string, host: string, port: number, key: Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await appendFile(file, `${hostKeyName(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}\n`, { mode: 0o600 });
}
