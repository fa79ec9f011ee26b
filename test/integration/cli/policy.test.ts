/** `pathlight policy check|matrix` as a user runs it, on fixture manifest folders (needs `tsc -b`). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, repoPath } from '../../helpers/paths.js';

function pathlight(args: string[]) {
  const r = spawnSync(process.execPath, [repoPath('dist/cli/main.js'), ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const shop = fixture('policy/shop');

describe('pathlight policy check', () => {
  it('exits 0 and prints the verdict, per-direction explanation and no fix for an allowed connection', () => {
    const r = pathlight(['policy', 'check', '--manifests', shop, '--from', 'shop/frontend', '--to', 'shop/db', '--port', 'TCP/5432', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      verdict: 'allowed',
      from: { workload: 'shop/frontend', kind: 'Deployment' },
      to: { workload: 'shop/db', kind: 'StatefulSet' },
      port: { protocol: 'TCP', port: 5432 },
      fix: null,
    });
    expect(out.egress.decisions[0]).toMatchObject({ verdict: 'allow', reason: 'rule', rules: [{ policy: { kind: 'NetworkPolicy', namespace: 'shop', name: 'frontend', file: 'policies/shop.yaml' }, rule: 'spec.egress[0]' }] });
    expect(out.ingress.decisions[0]).toMatchObject({ verdict: 'allow', reason: 'rule', rules: [{ policy: { name: 'db' } }] });
  });

  it('exits 1 for a denied connection, names the isolating policies and prints a fix that was re-evaluated', () => {
    const r = pathlight(['policy', 'check', '--manifests', shop, '--from', 'shop/frontend', '--to', 'shop/backup', '--port', 'TCP/80', '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.verdict).toBe('denied');
    expect(out.egress.decisions[0]).toMatchObject({ verdict: 'deny', reason: 'isolated' });
    expect(out.egress.decisions[0].isolatedBy.map((p: { name: string }) => p.name).sort()).toEqual(['default-deny', 'frontend']);
    expect(out.fix.verified).toBe(true);
    expect(out.fix.changes.map((c: { kind: string }) => c.kind)).toEqual(['new-policy', 'new-policy']);
    expect(out.explanation.join('\n')).toMatch(/isolated by NetworkPolicy shop\/(default-deny|frontend)/);
  });

  it('accepts a named port and an external address, and allows what an admin policy allows', () => {
    const r = pathlight(['policy', 'check', '--manifests', shop, '--from', '198.51.100.7', '--to', 'shop/frontend', '--port', 'TCP/http']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^allowed: 198\.51\.100\.7 → shop\/frontend TCP\/8080/);
    const m = pathlight(['policy', 'check', '--manifests', shop, '--from', 'monitoring/node-exporter', '--to', 'shop/db', '--port', '8080']);
    expect(m.code).toBe(0);
    expect(m.stdout).toMatch(/allowed by AdminNetworkPolicy monitoring-scrapes rule spec\.ingress\[0\] "allow-monitoring"/);
  });

  it('reports invalid documents with file and position and still analyses the rest', () => {
    const r = pathlight(['policy', 'check', '--manifests', shop, '--from', 'shop/backup', '--to', '203.0.113.5', '--port', 'TCP/443', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/error: policies\/broken\.yaml:19:\d+: NetworkPolicy shop\/typo is invalid .*TPC.*spec\.ingress\[0\]\.ports\[0\]\.protocol/);
    expect(r.stderr).toMatch(/error: policies\/broken\.yaml:21:\d+: invalid YAML/);
    const out = JSON.parse(r.stdout);
    expect(out.diagnostics.map((d: { file: string; line: number }) => `${d.file}:${d.line}`)).toEqual(['policies/broken.yaml:21', 'policies/broken.yaml:19']);
  });

  it.each([
    ['an unknown workload', ['--from', 'shop/nope', '--to', 'shop/db', '--port', 'TCP/1'], /no workload, pod or IP address "shop\/nope"/],
    ['a bad port', ['--from', 'shop/frontend', '--to', 'shop/db', '--port', 'TCP/99999'], /is not PROTO\/PORT/],
    ['a named port the destination lacks', ['--from', 'shop/frontend', '--to', 'shop/db', '--port', 'TCP/http'], /no TCP container port named "http"/],
    ['a missing option', ['--from', 'shop/frontend', '--to', 'shop/db'], /required option '--port/],
  ])('exits 2 on %s', (_n, args, message) => {
    const r = pathlight(['policy', 'check', '--manifests', shop, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('exits 2 when the folder does not exist', () => {
    const r = pathlight(['policy', 'check', '--manifests', '/nonexistent/manifests', '--from', 'a/b', '--to', 'c/d', '--port', 'TCP/1', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(/does not exist/);
  });
});

describe('pathlight policy matrix', () => {
  it('prints every allowed connection as JSON in the documented shape', () => {
    const r = pathlight(['policy', 'matrix', '--manifests', shop, '--json']);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(Object.keys(m)).toEqual(['workloads', 'connections']);
    expect(m.workloads).toEqual([
      { id: 'monitoring/node-exporter', kind: 'DaemonSet' },
      { id: 'shop/backup', kind: 'CronJob' },
      { id: 'shop/db', kind: 'StatefulSet' },
      { id: 'shop/frontend', kind: 'Deployment' },
    ]);
    expect(m.connections).toContainEqual({ from: { workload: 'shop/frontend' }, to: { workload: 'shop/db' }, ports: [{ protocol: 'TCP', port: 5432 }] });
    expect(m.connections).toContainEqual({ from: { workload: 'shop/backup' }, to: { ipRange: '203.0.113.0-203.0.113.255' }, ports: [{ protocol: 'TCP', port: 443 }] });
    expect(m.connections).toContainEqual({ from: { ipRange: '0.0.0.0-255.255.255.255' }, to: { workload: 'shop/frontend' }, ports: [{ protocol: 'TCP', port: 8080 }] });
    expect(m.connections).toContainEqual({ from: { workload: 'monitoring/node-exporter' }, to: { ipRange: '0.0.0.0-255.255.255.255' }, all: true });
    expect(m.connections.some((c: { from: { workload?: string }; to: { workload?: string } }) => c.from.workload && c.from.workload === c.to.workload)).toBe(false);
    expect(m.connections).toHaveLength(9);
  });

  it('prints a readable list without --json', () => {
    const r = pathlight(['policy', 'matrix', '--manifests', shop]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^4 workloads, 9 allowed connections\n/);
    expect(r.stdout).toContain('shop/frontend → shop/db: TCP/5432');
  });

  it('reads a single manifest file too', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pl-policy-'));
    const file = path.join(dir, 'one.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec: {containers: [{name: c}]}\n');
    const r = pathlight(['policy', 'matrix', '--manifests', file, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).workloads).toEqual([{ id: 'n/p', kind: 'Pod' }]);
  });
});
