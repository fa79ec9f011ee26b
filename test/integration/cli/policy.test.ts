/** `pathlight policy check|matrix` as a user runs it, on fixture manifest folders (needs `tsc -b`). */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, repoPath } from '../../helpers/paths.js';

function pathlight(args: string[]) {
  const r = spawnSync(process.execPath, [repoPath('dist/cli/main.js'), ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const shop = fixture('policy/shop');

/** The shop folder plus policies/broken.yaml: a policy with an invalid field and a document that is not YAML. */
function shopWithBroken(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pl-policy-broken-'));
  cpSync(shop, dir, { recursive: true });
  cpSync(fixture('policy/broken/broken.yaml'), path.join(dir, 'policies/broken.yaml'));
  return dir;
}

const POD = (ns: string, name: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: {containers: [{name: c}]}\n`;

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
    expect(out.egress.decisions[0]).toMatchObject({
      verdict: 'allow',
      reason: 'rule',
      rules: [{ policy: { kind: 'NetworkPolicy', namespace: 'shop', name: 'frontend', file: 'policies/shop.yaml' }, rule: 'spec.egress[0]' }],
    });
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

  it('with --keep-going reports invalid documents with file and position, analyses the rest and exits 1, not 0', () => {
    const r = pathlight([
      'policy',
      'check',
      '--manifests',
      shopWithBroken(),
      '--from',
      'shop/backup',
      '--to',
      '203.0.113.5',
      '--port',
      'TCP/443',
      '--json',
      '--keep-going',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: policies\/broken\.yaml:7:\d+: NetworkPolicy shop\/typo is invalid .*TPC.*spec\.ingress\[0\]\.ports\[0\]\.protocol/);
    expect(r.stderr).toMatch(/error: policies\/broken\.yaml:9:\d+: invalid YAML/);
    const out = JSON.parse(r.stdout);
    expect(out.verdict).toBe('allowed');
    expect(out.diagnostics.map((d: { file: string; line: number }) => `${d.file}:${d.line}`)).toEqual(['policies/broken.yaml:9', 'policies/broken.yaml:7']);
  });

  it('stops with exit 2 on invalid documents unless --keep-going, and says so', () => {
    const r = pathlight(['policy', 'check', '--manifests', shopWithBroken(), '--from', 'shop/backup', '--to', '203.0.113.5', '--port', 'TCP/443', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: policies\/broken\.yaml:9:\d+: invalid YAML/);
    expect(r.stderr).toMatch(/2 documents in the manifests could not be used[\s\S]*--keep-going/);
    const out = JSON.parse(r.stdout);
    expect(out.error.code).toBe('invalid-request');
    expect(out.diagnostics).toHaveLength(2);
    expect(out.verdict).toBeUndefined();
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
    expect(m.connections).toContainEqual({
      from: { workload: 'shop/backup' },
      to: { ipRange: '203.0.113.0-203.0.113.255' },
      ports: [{ protocol: 'TCP', port: 443 }],
    });
    expect(m.connections).toContainEqual({
      from: { ipRange: '0.0.0.0-255.255.255.255' },
      to: { workload: 'shop/frontend' },
      ports: [{ protocol: 'TCP', port: 8080 }],
    });
    expect(m.connections).toContainEqual({ from: { workload: 'monitoring/node-exporter' }, to: { ipRange: '0.0.0.0-255.255.255.255' }, all: true });
    expect(m.connections.some((c: { from: { workload?: string }; to: { workload?: string } }) => c.from.workload && c.from.workload === c.to.workload)).toBe(
      false,
    );
    expect(m.connections).toHaveLength(9);
  });

  it('prints a readable list without --json', () => {
    const r = pathlight(['policy', 'matrix', '--manifests', shop]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^4 workloads, 9 allowed connections\n/);
    expect(r.stdout).toContain('shop/frontend → shop/db: TCP/5432');
  });

  it('exits 2 on invalid documents, or prints the matrix and exits 1 with --keep-going', () => {
    const dir = shopWithBroken();
    const stopped = pathlight(['policy', 'matrix', '--manifests', dir]);
    expect(stopped.code).toBe(2);
    expect(stopped.stdout).toBe('');
    expect(stopped.stderr).toMatch(/invalid YAML[\s\S]*--keep-going/);
    const kept = pathlight(['policy', 'matrix', '--manifests', dir, '--keep-going']);
    expect(kept.code).toBe(1);
    expect(kept.stdout).toMatch(/^4 workloads, 9 allowed connections\n/);
  });

  it('refuses a YAML alias bomb quickly, naming the file and line', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pl-policy-bomb-'));
    const lines = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: bomb',
      '  namespace: x',
      '  annotations:',
      `    a: &a [${Array(9).fill('"lol"').join(',')}]`,
    ];
    for (const [prev, cur] of ['ab', 'bc', 'cd', 'de', 'ef', 'fg', 'gh', 'hi']) lines.push(`    ${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    lines.push('  labels:', '    app: *i', 'spec: {containers: [{name: c}]}', '');
    writeFileSync(path.join(dir, 'bomb.yaml'), lines.join('\n'));
    writeFileSync(path.join(dir, 'ok.yaml'), POD('x', 'fine'));
    const t = Date.now();
    const r = pathlight(['policy', 'matrix', '--manifests', dir, '--keep-going', '--json']);
    expect(Date.now() - t).toBeLessThan(10_000);
    expect(r.stderr).toMatch(/^error: bomb\.yaml:8:\d+: YAML aliases expand to more than 1000 copies/m);
    expect(r.stderr).not.toMatch(/internal/);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).workloads).toEqual([{ id: 'x/fine', kind: 'Pod' }]);
  });

  it('warns about a misspelt policy field with file:line and the likely spelling', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pl-policy-typo-'));
    writeFileSync(path.join(dir, 'pods.yaml'), POD('shop', 'web') + '---\n' + POD('shop', 'db'));
    writeFileSync(
      path.join(dir, 'np.yaml'),
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-all, namespace: shop}\nspec:\n  podSelector: {}\n  ingres:\n  - {}\n',
    );
    const r = pathlight(['policy', 'matrix', '--manifests', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^warning: np\.yaml:6:3: NetworkPolicy shop\/allow-all: unknown field "ingres" ignored — did you mean "ingress"\? \(spec\.ingres\)$/m,
    );
  });

  it('follows symbolic links to files and folders (a mounted ConfigMap), reading each once and not looping', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pl-policy-links-'));
    const outside = mkdtempSync(path.join(tmpdir(), 'pl-policy-outside-'));
    writeFileSync(path.join(outside, 'linked.yaml'), POD('a', 'via-file-link'));
    mkdirSync(path.join(outside, 'more'));
    writeFileSync(path.join(outside, 'more', 'm.yaml'), POD('a', 'via-folder-link'));
    // A ConfigMap volume: files are links into ..data, itself a link to a timestamped folder.
    const cm = path.join(dir, 'configmap');
    mkdirSync(path.join(cm, '..2026_12_05_08_00_00.1'), { recursive: true });
    writeFileSync(path.join(cm, '..2026_12_05_08_00_00.1', 'pods.yaml'), POD('a', 'from-configmap'));
    symlinkSync('..2026_12_05_08_00_00.1', path.join(cm, '..data'));
    symlinkSync('..data/pods.yaml', path.join(cm, 'pods.yaml'));
    symlinkSync(path.join(outside, 'linked.yaml'), path.join(dir, 'linked.yaml'));
    symlinkSync(path.join(outside, 'more'), path.join(dir, 'more'));
    symlinkSync(path.join(outside, 'more'), path.join(dir, 'more-again'));
    symlinkSync('..', path.join(cm, 'loop'));
    symlinkSync(path.join(dir, 'missing.yaml'), path.join(dir, 'dangling.yaml'));
    const r = pathlight(['policy', 'matrix', '--manifests', dir, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).workloads.map((w: { id: string }) => w.id)).toEqual(['a/from-configmap', 'a/via-file-link', 'a/via-folder-link']);
    expect(r.stderr).toMatch(/^warning: configmap\/loop: symbolic link to \., a folder above it, not followed/m);
    expect(r.stderr).toMatch(/^warning: dangling\.yaml: symbolic link to a missing file/m);
  });

  it('reads typed lists as kubectl prints them (PodList items carry no kind)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pl-policy-list-'));
    writeFileSync(
      path.join(dir, 'pods.yaml'),
      'apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: web-1, namespace: shop, labels: {app: web}}\n  spec: {containers: [{name: c}]}\n- metadata: {name: db-0, namespace: shop, labels: {app: db}}\n  spec: {containers: [{name: c}]}\nmetadata: {resourceVersion: ""}\n',
    );
    writeFileSync(
      path.join(dir, 'np.json'),
      JSON.stringify({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicyList',
        items: [
          {
            metadata: { name: 'db', namespace: 'shop' },
            spec: { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] },
          },
        ],
      }),
    );
    const r = pathlight(['policy', 'check', '--manifests', dir, '--from', 'shop/web-1', '--to', 'shop/db-0', '--port', 'TCP/5432', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ingress.decisions[0]).toMatchObject({ verdict: 'allow', rules: [{ policy: { kind: 'NetworkPolicy', name: 'db', file: 'np.json' } }] });
    const m = pathlight(['policy', 'matrix', '--manifests', dir]);
    expect(m.stdout).toMatch(/^2 workloads, /);
    // No Namespace objects in such a dump: say that shop was taken with its name label only.
    expect(m.stderr).toMatch(/^note: namespace shop not defined in the manifests: taken with the kubernetes\.io\/metadata\.name label only$/m);
  });

  it.each([
    [
      'only policies and services',
      'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {}}\n',
      /No workloads in .*2 objects in 1 file/,
    ],
    ['only comments', '# nothing here\n', /No Kubernetes objects in/],
  ])('exits 2 with the next step when the folder yields no workload: %s', (_n, text, message) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pl-policy-empty-'));
    writeFileSync(path.join(dir, 'x.yaml'), text);
    const r = pathlight(['policy', 'matrix', '--manifests', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/next: .*kubectl get pods/);
  });

  it('says what it skipped and guessed in a kubectl get all dump: on stderr, and as warnings with --json', () => {
    const r = pathlight(['policy', 'matrix', '--manifests', fixture('policy/shapes/get-all'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.workloads.map((w: { id: string }) => w.id)).toEqual([
      'kube-system/coredns',
      'kube-system/etcd-cp1',
      'kube-system/kube-apiserver-cp1',
      'shop/web',
      'shop/worker-1',
      'shop/worker-2',
    ]);
    expect(out.warnings).toEqual([
      expect.objectContaining({ code: 'skipped', count: 3, first: ['cluster.yaml:129', 'cluster.yaml:140', 'cluster.yaml:149'] }),
      expect.objectContaining({ code: 'undefined-namespace', count: 1, first: ['shop'] }),
    ]);
    expect(r.stderr).toMatch(
      /^note: 3 objects skipped, not read by the policy engine \(Service ×3\): cluster\.yaml:129, cluster\.yaml:140, cluster\.yaml:149$/m,
    );
    const c = pathlight([
      'policy',
      'check',
      '--manifests',
      fixture('policy/shapes/get-all'),
      '--from',
      'shop/web',
      '--to',
      'kube-system/coredns',
      '--port',
      'UDP/53',
      '--json',
    ]);
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout).warnings.map((w: { code: string }) => w.code)).toEqual(['skipped', 'undefined-namespace']);
  });

  it('a folder of objects it does not read exits 2, lists them and says what to add', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pl-policy-skipped-'));
    writeFileSync(
      path.join(dir, 'svc.yaml'),
      'apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: x}\n',
    );
    const r = pathlight(['policy', 'matrix', '--manifests', dir, '--json']);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.error.message).toMatch(/No workloads in .*: 2 objects in 1 file/);
    expect(out.warnings).toEqual([expect.objectContaining({ code: 'skipped', count: 2, first: ['svc.yaml:1', 'svc.yaml:5'] })]);
    expect(r.stderr).toMatch(/next: .*kubectl get pods/);
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
