/**
 * The ssh probe transport against a real sshd and the real agent on the real kernel: upload
 * with checksum, streaming, stop by closing stdin, strict host keys, key problems, ProxyJump,
 * and the agent stopping by itself when Pathlight is killed.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { probe } from '../../../src/core/index.js';
import { SshHostKeyError, connect, startProbe, type SshProbeOptions } from '../../../src/backend/probes/ssh/transport.js';
import { startOnNode } from '../../../src/backend/probes/start.js';
import { repoPath } from '../../helpers/paths.js';
import { refusedConnection, unusedPort } from '../../helpers/net.js';
import { sshConfigFor, startProbeSshd, type TestSshd } from '../../helpers/sshd.js';

const agentDir = repoPath('native/dist');
let sshd: TestSshd;

beforeAll(async () => {
  sshd = await startProbeSshd('the ssh transport tests');
}, 300_000); // a first Go build of the agent on a cold machine takes minutes
afterAll(() => sshd?.stop());

/** Polls until pred holds (10 s at most); returns whether it did. */
async function until(pred: () => boolean) {
  for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
  return pred();
}

function options(over: Partial<SshProbeOptions> & { config?: string } = {}): SshProbeOptions {
  return { configText: over.config ?? sshConfigFor(sshd), node: 'node-1', agentDir, args: [], agentSocket: '', ...over };
}

describe('ssh probe transport (real sshd, real agent, real kernel)', () => {
  it('uploads the agent, streams its events, and stops it by closing stdin', async () => {
    const port = await unusedPort();
    const lines: probe.ProbeLine[] = [];
    const stages: string[] = [];
    execFileSync('bash', ['-c', 'rm -rf /root/.cache/pathlight']);
    const run = await startProbe(options({ args: ['--probes', 'tcp', '--port', String(port), '--ttl', '60s'], onProgress: (s) => stages.push(s) }), {
      line: (l) => lines.push(l),
      bad: (e) => lines.push({ type: 'bad', ...e } as never),
    });
    expect(await until(() => lines.some((l) => l.type === 'hello'))).toBe(true);
    // Traffic on loopback: a connection to the closed port is refused.
    await refusedConnection(port);
    expect(await until(() => lines.some((l) => l.type === 'tcp' && l.event === 'refused' && l.dport === port))).toBe(true);
    const exit = await run.stop();
    expect(exit.exitCode).toBe(0);
    expect(lines.at(-1)).toMatchObject({ type: 'bye', reason: 'stdin-closed' });
    expect(lines.filter((l) => (l as { type: string }).type === 'bad')).toEqual([]);
    expect(stages).toEqual(['connecting', 'uploading', 'starting', 'streaming', 'stopped']);
    expect(run.arch).toBe('amd64');
    // The node now has this exact binary: the next run starts without uploading.
    const again: string[] = [];
    const second = await startProbe(options({ args: ['--probes', 'tcp', '--ttl', '5s'], onProgress: (s) => again.push(s) }), { line: () => {}, bad: () => {} });
    await second.stop();
    expect(again).not.toContain('uploading');
  });

  it('sends control lines to the agent: an active test from inside a network namespace', async () => {
    // A namespace of the test's own with an address on its loopback and a listener on it:
    // the agent finds the namespace by that address and connects from inside it.
    const ns = `plt-ssh-${process.pid}`;
    const ip = '10.87.0.1';
    execFileSync('ip', ['netns', 'add', ns]);
    let listener: ChildProcess | undefined;
    try {
      execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      execFileSync('ip', ['-n', ns, 'addr', 'add', `${ip}/32`, 'dev', 'lo']);
      const server = `require('node:net').createServer((c) => c.end()).listen(8080, '${ip}', () => console.log('ready'))`;
      const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', server], { stdio: ['ignore', 'pipe', 'inherit'] });
      listener = proc;
      await new Promise((resolve) => proc.stdout.once('data', resolve));
      const lines: probe.ProbeLine[] = [];
      const run = await startProbe(options({ args: ['--probes', 'tcp', '--ttl', '60s'] }), {
        line: (l) => lines.push(l),
        bad: (e) => lines.push({ type: 'bad', ...e } as never),
      });
      expect(await until(() => lines.some((l) => l.type === 'hello'))).toBe(true);
      const tests = (id: string) => lines.filter((l): l is probe.TestLine => l.type === 'test' && l.id === id);
      const open: probe.TestRequest = { type: 'test', id: 'open', fromIp: ip, connect: `${ip}:8080`, timeoutMs: 2000 };
      run.send(open);
      run.send({ ...open, id: 'closed', connect: `${ip}:8081` });
      expect(await until(() => ['open', 'closed'].every((id) => tests(id).some((l) => l.phase === 'done')))).toBe(true);
      const netns = tests('open')[0]!.netns;
      expect(netns).toBeGreaterThan(0);
      expect(tests('open').map((l) => [l.phase, l.outcome])).toEqual([
        ['netns', undefined],
        ['connect', 'established'],
        ['done', 'ok'],
      ]);
      expect(tests('closed').find((l) => l.phase === 'connect')).toMatchObject({
        target: `${ip}:8081`,
        proto: 'tcp',
        outcome: 'refused',
        errno: 'ECONNREFUSED',
        netns,
      });
      // The probes saw the generated traffic, in that namespace.
      expect(
        await until(() => lines.some((l) => l.type === 'tcp' && l.event === 'established' && l.role === 'client' && l.dport === 8080 && l.netns === netns)),
      ).toBe(true);
      expect(await until(() => lines.some((l) => l.type === 'tcp' && l.event === 'refused' && l.dport === 8081 && l.netns === netns))).toBe(true);
      const exit = await run.stop();
      expect(exit.exitCode).toBe(0);
      run.send({ type: 'stop' }); // after the end: ignored, not thrown
      expect(lines.filter((l) => (l as { type: string }).type === 'bad')).toEqual([]);
    } finally {
      listener?.kill();
      execFileSync('ip', ['netns', 'del', ns]);
    }
  });

  it('refuses a host whose key is not in known_hosts, naming its fingerprint', async () => {
    const empty = path.join(sshd.dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    const err = await connect(options({ config: sshConfigFor(sshd, { knownHosts: empty }) })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshHostKeyError);
    const fp = execFileSync('ssh-keygen', ['-lf', sshd.hostKeyPub], { encoding: 'utf8' }).split(' ')[1]!;
    expect((err as SshHostKeyError).detail).toMatchObject({ code: 'ssh-host-key-unknown' });
    expect((err as SshHostKeyError).detail.message).toContain(fp);
  });

  it('refuses a host whose key differs from known_hosts (possible interception)', async () => {
    const other = path.join(sshd.dir, 'other_known_hosts');
    const [type, key] = execFileSync('cat', [`${sshd.strangerKey}.pub`], { encoding: 'utf8' }).split(' ');
    writeFileSync(other, `[127.0.0.1]:${sshd.port} ${type} ${key}\n`);
    const err = (await connect(options({ config: sshConfigFor(sshd, { knownHosts: other }) })).catch((e: unknown) => e)) as SshHostKeyError;
    expect(err.detail.code).toBe('ssh-host-key-mismatch');
    expect(err.detail.message).toContain(`${other}:1`);
    expect(err.detail.hint).toMatch(/intercepting/);
  });

  it('says which key the node refused', async () => {
    const err = (await connect(options({ config: sshConfigFor(sshd, { identity: sshd.strangerKey }) })).catch((e: unknown) => e)) as SshHostKeyError;
    expect(err.detail.code).toBe('ssh-auth-failed');
    expect(err.detail.message).toContain(sshd.strangerKey);
  });

  it('asks for the passphrase of an encrypted key, and uses it', async () => {
    const config = sshConfigFor(sshd, { identity: sshd.encryptedKey });
    const err = (await connect(options({ config })).catch((e: unknown) => e)) as SshHostKeyError;
    expect(err.detail).toMatchObject({ code: 'ssh-passphrase-needed', file: sshd.encryptedKey });
    const asked: string[] = [];
    const { conn } = await connect(options({ config, passphrase: async (file) => (asked.push(file), sshd.passphrase) }));
    conn.end();
    expect(asked).toEqual([sshd.encryptedKey]);
  });

  it('goes through a ProxyJump host', async () => {
    const config = `Host jump\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  IdentityFile ${sshd.clientKey}\n  UserKnownHostsFile ${sshd.knownHosts}\n\n${sshConfigFor(sshd, { extra: '  ProxyJump jump' })}`;
    const { conn, hops } = await connect(options({ config }));
    expect(hops).toHaveLength(1);
    const out = await new Promise<string>((resolve, reject) =>
      conn.exec('echo via-jump', (err, ch) => {
        if (err) return reject(err);
        let s = '';
        ch.on('data', (d: Buffer) => (s += d.toString())).on('close', () => resolve(s.trim()));
      }),
    );
    conn.end();
    for (const h of hops) h.end();
    expect(out).toBe('via-jump');
  });

  it("`pathlight probe` streams the node's events for --duration, and names a bad host key", () => {
    const cfg = path.join(sshd.dir, 'ssh_config');
    writeFileSync(cfg, sshConfigFor(sshd));
    const cli = (args: string[]) => spawnSync(process.execPath, [repoPath('bin/pathlight.cjs'), 'probe', ...args], { encoding: 'utf8', timeout: 30_000 });
    const r = cli(['--node', 'node-1', '--ssh-config', cfg, '--duration', '2s', '--probes', 'tcp', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const types = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types[0]).toBe('hello');
    expect(types).toContain('stats');
    expect(types.at(-1)).toBe('bye');
    expect(r.stderr).toMatch(/probe: streaming/);
    const text = cli(['--node', 'node-1', '--ssh-config', cfg, '--duration', '1s', '--probes', 'drops']);
    expect(text.stdout).toMatch(/agent \S+ on \S+ \(kernel [^)]+\): drops attached/);
    expect(text.stdout).toMatch(/agent stopped \(stdin-closed\)\n$/);
    const empty = path.join(sshd.dir, 'none_known');
    writeFileSync(empty, '');
    writeFileSync(cfg, sshConfigFor(sshd, { knownHosts: empty }));
    const bad = cli(['--node', 'node-1', '--ssh-config', cfg, '--duration', '2s']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/error \(ssh-host-key-unknown\): The host key of \[127\.0\.0\.1\]:\d+ is not in known_hosts \(ssh-ed25519 SHA256:/);
    expect(bad.stderr).toMatch(/next: Compare SHA256:/);
  });

  it('leaves no agent running on the node when Pathlight is killed with SIGKILL', async () => {
    const transport = repoPath('dist/backend/probes/ssh/transport.js');
    expect(existsSync(transport), 'run `npm run build` first').toBe(true);
    const script = `
      import { startProbe } from ${JSON.stringify(transport)};
      const opts = JSON.parse(process.argv[1]);
      await startProbe(opts, { line: (l) => l.type === 'hello' && process.stdout.write('streaming\\n'), bad: () => {} });`;
    const opts = options({ args: ['--probes', 'tcp', '--ttl', '10m', '--node', 'sigkill-test'] });
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => String(d).includes('streaming') && resolve());
      child.on('exit', (code) => reject(new Error(`the Pathlight process exited (${code}) before the agent streamed`)));
    });
    const running = () => {
      try {
        return execFileSync('pgrep', ['-f', 'pathlight-probe.* run .*sigkill-test'], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    };
    expect(running()).not.toBe('');
    child.kill('SIGKILL');
    let left = running();
    for (let i = 0; i < 100 && left !== ''; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = running();
    }
    expect(left, 'agent processes still running 10 s after Pathlight was killed').toBe('');
  });

  describe("cancelled through the question's signal (startOnNode)", () => {
    const agentsMarked = (mark: string) => {
      try {
        return execFileSync('pgrep', ['-f', `pathlight-probe.* run .*${mark}`], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    };
    const configFile = () => {
      const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'pathlight-cancel-')), 'ssh_config');
      writeFileSync(file, sshConfigFor(sshd), { mode: 0o600 });
      return file;
    };

    it('a streaming agent stops within 2 s of the abort, long before its duration', async () => {
      const abort = new AbortController();
      let hello!: () => void;
      const streaming = new Promise<void>((r) => (hello = r));
      const run = await startOnNode(
        {
          node: 'node-1',
          via: 'ssh',
          durationMs: 120_000,
          args: ['--probes', 'tcp', '--node', 'cancel-streaming'],
          sshConfig: configFile(),
          signal: abort.signal,
        },
        { line: (l) => l.type === 'hello' && hello(), bad: () => {} },
      );
      await streaming;
      expect(agentsMarked('cancel-streaming')).not.toBe('');
      const t0 = Date.now();
      abort.abort();
      await run.done;
      expect(await until(() => agentsMarked('cancel-streaming') === '')).toBe(true);
      expect(Date.now() - t0).toBeLessThanOrEqual(2000);
    });

    it('an abort while connecting ends the start as cancelled, and no agent starts', async () => {
      const abort = new AbortController();
      const stages: string[] = [];
      const started = startOnNode(
        {
          node: 'node-1',
          via: 'ssh',
          durationMs: 120_000,
          args: ['--probes', 'tcp', '--node', 'cancel-starting'],
          sshConfig: configFile(),
          signal: abort.signal,
          onProgress: (st) => {
            stages.push(st);
            if (st === 'connecting') abort.abort();
          },
        },
        { line: () => {}, bad: () => {} },
      );
      await expect(started).rejects.toMatchObject({ detail: { code: 'cancelled' } });
      expect(stages).not.toContain('starting');
      await new Promise((r) => setTimeout(r, 500));
      expect(agentsMarked('cancel-starting')).toBe('');
    });
  });
});
