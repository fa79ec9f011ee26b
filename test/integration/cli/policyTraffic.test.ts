/** `pathlight policy advise|impact --recording` as a user runs them, on the bundled lab recording (needs `tsc -b`). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { repoPath } from '../../helpers/paths.js';

function pathlight(args: string[]) {
  const r = spawnSync(process.execPath, [repoPath('dist/cli/main.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const demo = repoPath('assets/demo.pathlight');
const tmp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

/** lab-healthy's frontend may reach its backend only: DNS forgotten. */
const FORGETS_DNS = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: frontend-egress, namespace: lab-healthy}
spec:
  podSelector: {matchLabels: {app: frontend}}
  policyTypes: [Egress]
  egress:
    - to: [{podSelector: {matchLabels: {app: backend}}}]
      ports: [{port: 8080}]
`;

describe('pathlight policy advise', () => {
  it('prints verified NetworkPolicies for the lab recording: a default deny per namespace, the observed flows per workload, stable labels only', () => {
    const r = pathlight(['policy', 'advise', '--recording', demo]);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map(
      (d) => d.toJS() as { kind: string; metadata: { name: string; namespace: string }; spec: Record<string, unknown> },
    );
    const names = docs.map((d) => `${d.metadata.namespace}/${d.metadata.name}`);
    expect(names).toContain('lab-healthy/pathlight-default-deny');
    expect(names).toContain('lab-healthy/pathlight-frontend');
    expect(names).toContain('lab-wrong-ns/pathlight-default-deny');
    expect(names.some((n) => n.startsWith('kube-system/'))).toBe(false);
    expect(r.stdout).not.toMatch(/pod-template-hash/);
    const frontend = docs.find((d) => d.metadata.namespace === 'lab-healthy' && d.metadata.name === 'pathlight-frontend');
    expect(frontend?.spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }],
      },
      { to: [{ podSelector: { matchLabels: { app: 'backend' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
    expect(r.stderr).toMatch(/^ {2}lab-healthy\/frontend → lab-healthy\/backend TCP\/8080: seen 2 times$/m);
    // lab-deny-ingress's backend refused its frontend: tried, never through, left closed.
    expect(r.stderr).toMatch(/^left closed: [\s\S]*lab-deny-ingress\/frontend → lab-deny-ingress\/backend TCP\/8080: tried 2 times$/m);
    // lab-anp's observed connection is denied by an AdminNetworkPolicy no NetworkPolicy can override: said, not hidden.
    expect(r.stderr).toMatch(/^note: observed lab-anp\/frontend → lab-anp\/backend TCP\/8080 .*AdminNetworkPolicy lab-anp-deny-backend/m);
    expect(r.stderr).toMatch(/^verified: every observed flow allowed \(\d+\), nothing else between the observed workloads$/m);
  });

  it('--namespace and --out: one file per namespace; --json says the same as data', () => {
    const out = tmp('pl-advise-');
    const r = pathlight(['policy', 'advise', '--recording', demo, '--namespace', 'lab-healthy', '--out', out, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.namespaces.map((n: { namespace: string }) => n.namespace)).toEqual(['lab-healthy']);
    expect(j.namespaces[0].replaces).toEqual(['allow-backend-to-db', 'allow-frontend-to-backend']);
    expect(j.verification).toEqual({ verified: true, allowed: 2, problems: [] });
    expect(j.flows).toContainEqual(
      expect.objectContaining({
        from: expect.objectContaining({ workload: 'lab-healthy/frontend' }),
        to: expect.objectContaining({ workload: 'kube-system/coredns' }),
        protocol: 'UDP',
        port: 53,
        count: 4,
      }),
    );
    const file = readFileSync(path.join(out, 'lab-healthy.yaml'), 'utf8');
    expect(file).toMatch(/^# NetworkPolicies for namespace lab-healthy, advised by pathlight/);
    expect(parseAllDocuments(file)).toHaveLength(3);
  });

  it('a namespace whose only traffic never got through is advised a default deny alone when named, and its DNS attempt is listed as left closed', () => {
    const r = pathlight(['policy', 'advise', '--recording', demo, '--namespace', 'lab-egress-dns', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.namespaces[0].policies.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(['pathlight-default-deny']);
    expect(j.attempts).toEqual([
      expect.objectContaining({ to: expect.objectContaining({ workload: 'kube-system/coredns' }), protocol: 'UDP', port: 53, count: 8 }),
    ]);
    expect(j.notes).toContain('no traffic was seen in namespace lab-egress-dns: its default deny blocks everything there');
  });

  it('exits 2 for a file that is not a recording', () => {
    const dir = tmp('pl-advise-bad-');
    writeFileSync(path.join(dir, 'x.pathlight'), 'not a recording');
    const r = pathlight(['policy', 'advise', '--recording', path.join(dir, 'x.pathlight')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error/m);
  });
});

describe('pathlight policy impact', () => {
  it('the advised policies break none of the observed traffic: exit 0', () => {
    const out = tmp('pl-impact-advice-');
    expect(pathlight(['policy', 'advise', '--recording', demo, '--out', out]).code).toBe(0);
    const r = pathlight(['policy', 'impact', '--recording', demo, '--manifests', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^0 recorded policies replaced, \d+ added; 10 observed flows: 0 newly denied, 0 newly allowed$/m);
  });

  it('a change that forgets DNS egress: the DNS flow newly denied with the policy and count, exit 1', () => {
    const dir = tmp('pl-impact-dns-');
    writeFileSync(path.join(dir, 'frontend-egress.yaml'), FORGETS_DNS);
    const r = pathlight(['policy', 'impact', '--recording', demo, '--manifests', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^ {2}lab-healthy\/frontend → kube-system\/coredns UDP\/53 \(seen 4 times\): egress isolated by NetworkPolicy lab-healthy\/frontend-egress, no rule of which allows it$/m,
    );
    const j = JSON.parse(pathlight(['policy', 'impact', '--recording', demo, '--manifests', dir, '--json']).stdout);
    expect(j.added).toEqual(['NetworkPolicy lab-healthy/frontend-egress']);
    expect(j.newlyDenied).toEqual([
      expect.objectContaining({
        from: expect.objectContaining({ workload: 'lab-healthy/frontend' }),
        to: expect.objectContaining({ workload: 'kube-system/coredns' }),
        protocol: 'UDP',
        port: 53,
        count: 4,
        deniedBy: [
          {
            direction: 'egress',
            reason: 'isolated',
            tier: 'networkpolicy',
            policies: [{ kind: 'NetworkPolicy', namespace: 'lab-healthy', name: 'frontend-egress' }],
          },
        ],
      }),
    ]);
  });

  it('replacing the policy that blocked lab-deny-ingress: the tried flow newly allowed, nothing denied, exit 0', () => {
    const dir = tmp('pl-impact-fix-');
    writeFileSync(
      path.join(dir, 'fix.yaml'),
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-backend-ingress, namespace: lab-deny-ingress}\nspec:\n  podSelector: {matchLabels: {app: backend}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: frontend}}}]\n    ports: [{port: 8080}]\n',
    );
    const r = pathlight(['policy', 'impact', '--recording', demo, '--manifests', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^1 recorded policy replaced, 0 added; 10 observed flows: 0 newly denied, 1 newly allowed$/m);
    expect(r.stdout).toMatch(/lab-deny-ingress\/frontend → lab-deny-ingress\/backend TCP\/8080 \(tried 2 times, never got through\)/);
  });

  it('exits 2 on an invalid proposal, a folder without policies, or a missing recording', () => {
    const bad = tmp('pl-impact-invalid-');
    writeFileSync(
      path.join(bad, 'np.yaml'),
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: a}\nspec:\n  podSelector: {matchLabels: 5}\n',
    );
    const invalid = pathlight(['policy', 'impact', '--recording', demo, '--manifests', bad]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/could not be used/);
    const empty = tmp('pl-impact-empty-');
    writeFileSync(path.join(empty, 'svc.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\n');
    expect(pathlight(['policy', 'impact', '--recording', demo, '--manifests', empty]).code).toBe(2);
    const dns = tmp('pl-impact-norec-');
    writeFileSync(path.join(dns, 'np.yaml'), FORGETS_DNS);
    expect(pathlight(['policy', 'impact', '--recording', path.join(dns, 'missing.pathlight'), '--manifests', dns]).code).toBe(2);
  });

  it('--help names the exit codes', () => {
    const r = pathlight(['policy', 'impact', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/exit\s+1\s+when\s+observed\s+traffic\s+would\s+be\s+newly\s+denied/);
    expect(pathlight(['policy', '--help']).stdout).toMatch(/advise[\s\S]*impact/);
  });
});
