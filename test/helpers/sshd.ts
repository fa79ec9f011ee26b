/**
 * A real OpenSSH server (Debian's sshd) on a free loopback port, with keys made for the
 * test: the node side of the ssh probe transport. Root only (sshd must switch users and
 * the agent it runs needs BPF), as in CI.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureAgent } from './agent.js';
import { unusedPort } from './net.js';

export interface TestSshd {
  dir: string;
  port: number;
  hostKeyPub: string;
  /** Authorized client key (unencrypted). */
  clientKey: string;
  /** Authorized client key encrypted with `passphrase`. */
  encryptedKey: string;
  passphrase: string;
  /** A valid key that is not authorized. */
  strangerKey: string;
  /** known_hosts with the server's real key. */
  knownHosts: string;
  stop(): void;
}

const keygen = (file: string, passphrase = '') => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'pathlight-test', '-f', file]);

export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-sshd-'));
  const port = await unusedPort();
  const f = (n: string) => path.join(dir, n);
  keygen(f('host_key'));
  keygen(f('client_key'));
  keygen(f('encrypted_key'), 'correct horse');
  keygen(f('stranger_key'));
  writeFileSync(f('authorized_keys'), `${readFileSync(f('client_key.pub'), 'utf8')}${readFileSync(f('encrypted_key.pub'), 'utf8')}`);
  const [type, key] = readFileSync(f('host_key.pub'), 'utf8').split(' ');
  writeFileSync(f('known_hosts'), `[127.0.0.1]:${port} ${type} ${key}\n`);
  writeFileSync(
    f('sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${f('host_key')}`,
      `PidFile ${f('sshd.pid')}`,
      `AuthorizedKeysFile ${f('authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'AllowTcpForwarding yes',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true });
  execFileSync('/usr/sbin/sshd', ['-t', '-f', f('sshd_config')]);
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-f', f('sshd_config'), '-E', f('sshd.log')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    dir,
    port,
    hostKeyPub: f('host_key.pub'),
    clientKey: f('client_key'),
    encryptedKey: f('encrypted_key'),
    passphrase: 'correct horse',
    strangerKey: f('stranger_key'),
    knownHosts: f('known_hosts'),
    stop() {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An OpenSSH client config for the test server under the alias `node-1`. */
export function sshConfigFor(s: TestSshd, over: { identity?: string; knownHosts?: string; extra?: string } = {}): string {
  return [
    'Host node-1',
    '  HostName 127.0.0.1',
    `  Port ${s.port}`,
    '  User root',
    `  IdentityFile ${over.identity ?? s.clientKey}`,
    `  UserKnownHostsFile ${over.knownHosts ?? s.knownHosts}`,
    over.extra ?? '',
    '',
  ].join('\n');
}

/**
 * The sshd that probe tests run the real agent through: needs root (sshd switches users, the
 * agent needs BPF) — a failure, not a skip, so a run that never tried is not reported green —
 * and builds the agent on a fresh clone.
 */
export async function startProbeSshd(suite: string): Promise<TestSshd> {
  if (process.getuid?.() !== 0) throw new Error(`${suite} need root: sshd switches to root and the agent it runs needs BPF`);
  ensureAgent();
  return startSshd();
}
