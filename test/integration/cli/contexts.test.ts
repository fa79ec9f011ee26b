/** The `pathlight` CLI as a user runs it: through bin/pathlight.cjs, as a child process. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, repoPath } from '../../helpers/paths.js';

function pathlight(args: string[], env: Record<string, string> = {}, node = process.execPath, timeout = 30_000) {
  const r = spawnSync(node, [repoPath('bin/pathlight.cjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, HOME: '/nonexistent-home', KUBECONFIG: '', ...env },
    timeout,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pathlight contexts', () => {
  it('prints a table of every context with server, user and namespace', () => {
    const r = pathlight(['contexts', '--kubeconfig', fixture('kubeconfig/three-contexts.yaml')]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^CURRENT\s+NAME\s+CLUSTER\s+SERVER\s+USER\s+NAMESPACE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).filter(Boolean))).toEqual([
      ['prod-eu-admin', 'prod-eu', 'https://prod-eu.k8s.example.test:6443', 'eks-exec', '(exec)', 'payments'],
      ['*', 'staging', 'staging', 'https://127.0.0.1:16443', 'ci-token', '(token)', 'default'],
      ['kind-lab', 'kind-lab', 'https://127.0.0.1:39211', 'alice-cert', '(client-certificate)', 'shop'],
    ]);
  });

  it('flags a cluster that skips TLS verification, in the table run and in --json', () => {
    const r = pathlight(['contexts', '--kubeconfig', fixture('kubeconfig/three-contexts.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^warning: context "staging": cluster "staging" sets insecure-skip-tls-verify — the API server's certificate is not checked/),
    ]);
    const j = pathlight(['contexts', '--kubeconfig', fixture('kubeconfig/three-contexts.yaml'), '--json']);
    expect(JSON.parse(j.stdout).contexts.map((c: { name: string; insecureSkipTlsVerify: boolean }) => [c.name, c.insecureSkipTlsVerify])).toEqual([
      ['prod-eu-admin', false],
      ['staging', true],
      ['kind-lab', false],
    ]);
  });

  it('prints JSON with --json and reads $KUBECONFIG', () => {
    const r = pathlight(['contexts', '--json'], { KUBECONFIG: fixture('kubeconfig/three-contexts.yaml') });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.currentContext).toBe('staging');
    expect(out.contexts.map((c: { name: string }) => c.name)).toEqual(['prod-eu-admin', 'staging', 'kind-lab']);
    expect(r.stdout).not.toContain('fake-token-0123456789');
  });

  it('names the line of a malformed file and exits non-zero', () => {
    const r = pathlight(['contexts', '--kubeconfig', fixture('kubeconfig/malformed-yaml.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error \(kubeconfig-malformed\): .*line 7/);
    expect(r.stderr).toMatch(/next: /);
  });

  it('names the missing field', () => {
    const r = pathlight(['contexts', '--kubeconfig', fixture('kubeconfig/missing-server.yaml'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'kubeconfig-invalid', field: 'clusters[1].cluster.server', line: 9 });
  });

  it('lists a generated 150,000-context kubeconfig in seconds, as a table and as JSON', () => {
    const n = 150_000;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-contexts-'));
    try {
      const file = path.join(dir, 'config');
      const lines = ['apiVersion: v1', 'kind: Config', 'current-context: ctx-0', 'clusters:'];
      for (let i = 0; i < n; i++) lines.push(`- name: c-${i}`, '  cluster:', `    server: https://10.0.${(i >> 8) & 255}.${i & 255}:6443`);
      lines.push('users:');
      for (let i = 0; i < n; i++) lines.push(`- name: u-${i}`, '  user:', '    token: t');
      lines.push('contexts:');
      for (let i = 0; i < n; i++) lines.push(`- name: ctx-${i}`, '  context:', `    cluster: c-${i}`, `    user: u-${i}`);
      writeFileSync(file, lines.join('\n') + '\n');
      // Today's files take well under 10 s each way on a slow machine; a search per context
      // (quadratic) took minutes, and the table spread every row as arguments (stack overflow).
      let started = Date.now();
      const t = pathlight(['contexts', '--kubeconfig', file], {}, process.execPath, 60_000);
      const tableMs = Date.now() - started;
      expect(t.stderr).toBe('');
      expect(t.code).toBe(0);
      const rows = t.stdout.trim().split('\n');
      expect(rows).toHaveLength(n + 1);
      expect(rows[n]?.split(/\s+/).filter(Boolean)).toEqual(['ctx-149999', 'c-149999', 'https://10.0.73.239:6443', 'u-149999', '(token)', 'default']);
      started = Date.now();
      const j = pathlight(['contexts', '--kubeconfig', file, '--json'], {}, process.execPath, 60_000);
      const jsonMs = Date.now() - started;
      expect(j.code).toBe(0);
      expect(JSON.parse(j.stdout).contexts).toHaveLength(n);
      console.log(`pathlight contexts, ${n} contexts: table ${tableMs} ms, --json ${jsonMs} ms`);
      expect(tableMs).toBeLessThan(30_000);
      expect(jsonMs).toBeLessThan(30_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('explains what to do when there is no kubeconfig at all', () => {
    const r = pathlight(['contexts']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/nonexistent-home/.kube/config');
    expect(r.stderr).toMatch(/next: .*KUBECONFIG/);
  });
});

describe('pathlight launcher', () => {
  it('documents its subcommands in --help', () => {
    const r = pathlight(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/serve \[options\]/);
    expect(r.stdout).toMatch(/contexts \[options\]/);
  });

  it.runIf(existsSync('/usr/bin/node') && Number(spawnSync('/usr/bin/node', ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout) < 22)(
    "re-runs itself with the pinned Node when the machine's Node is too old",
    () => {
      const r = pathlight(['--version'], {}, '/usr/bin/node');
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    },
  );

  it('rejects an invalid port with a usage error', () => {
    const r = pathlight(['serve', '--port', 'http', '--no-open']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/expected a port number/);
  });
});
