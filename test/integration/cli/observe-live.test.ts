/**
 * `pathlight observe --node` live through the ssh transport against a real sshd and the real
 * agent on this kernel (no cluster: the ends are addresses): a refused connection on loopback
 * listed as it happens, only what the filters let through, and Ctrl-C (SIGINT) on `--follow`
 * stopping the agent before the command exits 130; without `--follow` the run ends by itself
 * after --duration. Agents are found by the TTL each run gives (duration + 30 s), unique here.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedConnection, unusedPort } from '../../helpers/net.js';
import { repoPath } from '../../helpers/paths.js';
import { sshConfigFor, startProbeSshd, type TestSshd } from '../../helpers/sshd.js';

let sshd: TestSshd;
let cfg: string;

beforeAll(async () => {
  sshd = await startProbeSshd('the observe live tests');
  cfg = path.join(sshd.dir, 'ssh_config');
  writeFileSync(cfg, sshConfigFor(sshd));
}, 300_000); // a first Go build of the agent on a cold machine takes minutes
afterAll(() => sshd?.stop());

function agents(ttl: number): number[] {
  try {
    return execFileSync('pgrep', ['-f', `pathlight-probe[^ ]* run --ttl ${ttl}s`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function until(what: string, fn: () => boolean, timeoutMs: number, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe('pathlight observe --node (real sshd, real agent)', () => {
  it('--follow lists a refused connection as it happens, and Ctrl-C stops the agent before exiting 130', async () => {
    const port = await unusedPort();
    const other = await unusedPort();
    const ttl = 107;
    const args = [
      'observe',
      '--node',
      'node-1',
      '--ssh-config',
      cfg,
      '--follow',
      '--duration',
      `${ttl - 30}s`,
      '--to-port',
      String(port),
      '--type',
      'tcp',
      '-o',
      'json',
    ];
    const p = spawn(process.execPath, [repoPath('bin/pathlight.cjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => p.on('close', (code) => r(code)));
    const lines = () =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    try {
      await until(`the agent streaming (stderr: ${stderr})`, () => /node-1: streaming/.test(stderr) && agents(ttl).length > 0, 60_000);
      await refusedConnection(other); // filtered out: another port
      await refusedConnection(port);
      await until(`the refused connection listed (stderr: ${stderr})`, () => lines().some((l) => l.event === 'refused'), 10_000);
    } finally {
      p.kill('SIGINT');
    }
    const t0 = Date.now();
    await until(`the agent gone after Ctrl-C (still: ${agents(ttl).join(', ')})`, () => agents(ttl).length === 0, 10_000);
    expect(Date.now() - t0).toBeLessThanOrEqual(2000);
    expect(await exited, stderr).toBe(130);
    expect(stderr).toMatch(/stopping the probes/);
    expect(stderr).toMatch(/node-1: agent stopped \(stdin-closed\)/);
    expect(stderr).toMatch(/no --kubeconfig: the ends are shown as addresses/);
    for (const l of lines()) expect(l).toMatchObject({ type: 'tcp', dport: port });
    expect(lines().some((l) => l.dport === other)).toBe(false);
  }, 120_000);

  it('one Ctrl-C delivered twice at once (the terminal to the process group, and the launcher forwarding it) still stops the agent first', async () => {
    const ttl = 106;
    const p = spawn(
      process.execPath,
      [repoPath('dist/cli/main.js'), 'observe', '--node', 'node-1', '--ssh-config', cfg, '--follow', '--duration', `${ttl - 30}s`],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => p.on('close', (code) => r(code)));
    try {
      await until(`the agent streaming (stderr: ${stderr})`, () => /node-1: streaming/.test(stderr) && agents(ttl).length > 0, 60_000);
    } finally {
      p.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 5));
      p.kill('SIGINT');
    }
    expect(await exited, stderr).toBe(130);
    expect(stderr).toMatch(/node-1: agent stopped \(stdin-closed\)/);
    expect(agents(ttl)).toEqual([]);
  }, 120_000);

  it('without --follow: the --duration window, then exit 0; nothing matching is said on stderr', () => {
    const r = spawnSync(
      process.execPath,
      [repoPath('bin/pathlight.cjs'), 'observe', '--node', 'node-1', '--ssh-config', cfg, '--duration', '2s', '--type', 'drop', '--to-ip', '192.0.2.1'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/node-1: agent stopped/);
    expect(r.stderr).toMatch(/observe: no probe event was seen on the nodes while the agents ran\./);
  }, 90_000);
});
