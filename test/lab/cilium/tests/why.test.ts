/**
 * The Cilium lab only (`LAB_CNI=cilium`; test/lab/cilium/test.sh runs it): `pathlight why` with
 * probes over SSH on nodes that run Cilium also reads each probed node's Hubble for the
 * question's window, so the answer of every Cilium scenario carries Cilium's own verdict for the
 * drop (POLICY_DENIED, or POLICY_DENY for a deny rule) beside the kernel's (TC_INGRESS or
 * TC_EGRESS: the packet freed by one of Cilium's tc programs), and the static verdict names the
 * policy.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lab } from '../../../helpers/lab.js';
import { kubectl, pathlight, whyJson } from '../../../helpers/labApp.js';

interface Answer {
  verdict: string;
  notes: string[];
  findings: Array<{ kind: string; summary: string; evidence: Array<{ type: string; text: string; nodes?: string[] }> }>;
}

const cases = [
  {
    ns: 'lab-cilium-deny',
    kind: 'policy-deny-ingress',
    policy: 'CiliumNetworkPolicy lab-cilium-deny/deny-backend',
    hubble: /^Cilium dropped packets of \d+ connections? \(Hubble\): POLICY_DENIED/,
  },
  {
    ns: 'lab-cilium-ccnp',
    kind: 'policy-deny-ingress',
    policy: 'CiliumClusterwideNetworkPolicy lab-cilium-ccnp-deny',
    // A deny rule: Hubble names the policy itself (ingress_denied_by).
    hubble:
      /^Cilium dropped packets of \d+ connections? \(Hubble\): POLICY_DENY \(.*\), at ingress, denied by CiliumClusterwideNetworkPolicy lab-cilium-ccnp-deny/,
  },
  {
    ns: 'lab-cilium-entities',
    kind: 'policy-deny-egress',
    policy: 'CiliumNetworkPolicy lab-cilium-entities/frontend-egress',
    hubble: /^Cilium dropped packets of \d+ connections? \(Hubble\): POLICY_DENIED/,
  },
  {
    ns: 'lab-cilium-egress-dns',
    kind: 'dns-blocked-by-policy',
    policy: 'CiliumNetworkPolicy lab-cilium-egress-dns/frontend-egress',
    hubble: /^Cilium dropped \d+ DNS quer(y|ies) from A on the way to [\d.]+:53 \(Hubble: POLICY_DENIED, at egress/,
  },
] as const;

const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-cilium-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('why on Cilium (lab)', () => {
  it.each(cases)(
    "$ns: $kind names the policy, with Cilium's verdict from Hubble in its evidence",
    async ({ ns, kind, policy, hubble }) => {
      const info = lab();
      const r = await whyJson(`${ns}/deploy/frontend`, 'backend:8080', info.adminKubeconfig, ['--probe', 'ssh', '--ssh-config', info.sshConfig]);
      expect(r.code, r.stderr).toBe(1);
      const a = JSON.parse(r.stdout) as Answer;
      expect(a.verdict).toBe('unreachable');
      const f = a.findings[0]!;
      expect(f.kind).toBe(kind);
      expect(f.summary).toContain(policy);
      const events = f.evidence.filter((e) => e.type === 'events');
      expect(events.map((e) => e.text)).toContainEqual(expect.stringMatching(hubble));
      // Cilium and the engine agree: no note says the verdicts differ.
      expect(a.notes.filter((n) => n.startsWith("Cilium's verdict"))).toEqual([]);
      if (kind !== 'dns-blocked-by-policy') {
        expect(f.summary).toMatch(/Cilium dropped them \(Hubble: POLICY_DEN/);
        // Hubble of the node where Cilium enforces said it: the backend's node for ingress, the frontend's for egress.
        const app = kind === 'policy-deny-ingress' ? 'backend' : 'frontend';
        const node = kubectl('get', 'pods', '-n', ns, '-l', `app=${app}`, '-o', 'jsonpath={.items[0].spec.nodeName}').trim();
        expect(events.find((e) => hubble.test(e.text))?.nodes).toEqual([node]);
      }
    },
    120_000,
  );

  it("pathlight record keeps Hubble's verdicts in the recording: observe shows them, and replay gives the same answer offline", async () => {
    const info = lab();
    const file = path.join(dir, 'cnp.pathlight');
    const ns = 'lab-cilium-deny';
    const rec = await pathlight([
      'record',
      '--kubeconfig',
      info.adminKubeconfig,
      '--from',
      `${ns}/deploy/frontend`,
      '--to',
      'backend:8080',
      '--probe',
      'ssh',
      '--ssh-config',
      info.sshConfig,
      '--duration',
      '8s',
      '--json',
      '--out',
      file,
    ]);
    expect(rec.code, rec.stderr).toBe(1);
    const live = JSON.parse(rec.stdout) as Answer;
    const obs = await pathlight(['observe', file, '--verdict', 'DROPPED', '-o', 'json']);
    expect(obs.code, obs.stderr).toBe(0);
    const drops = obs.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { origin?: string; reason?: string });
    expect(drops).toContainEqual(expect.objectContaining({ origin: 'hubble', reason: 'POLICY_DENIED' }));
    const again = await pathlight(['replay', file, '--why', '--json']);
    expect(again.code, again.stderr).toBe(1);
    const r = JSON.parse(again.stdout.trim().split('\n')[0]!) as Answer & { same: boolean };
    expect(r.findings.map((f) => [f.kind, f.summary])).toEqual(live.findings.map((f) => [f.kind, f.summary]));
    expect(r.same).toBe(true);
  }, 120_000);

  it('Cilium denies what this user cannot see (no read on CiliumClusterwideNetworkPolicies): both verdicts, side by side; Relay refused, Hubble read over SSH', async () => {
    const info = lab();
    // A user who may read everything the question needs but cluster-wide Cilium policies, and may not port-forward.
    const name = 'pathlight-no-ccnp';
    const manifest = path.join(dir, 'no-ccnp.yaml');
    writeFileSync(
      manifest,
      [
        `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"${name}","namespace":"default"}}`,
        `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"${name}"},"rules":[{"apiGroups":["","discovery.k8s.io","networking.k8s.io","apps"],"resources":["*"],"verbs":["get","list","watch"]},{"apiGroups":["cilium.io"],"resources":["ciliumnetworkpolicies"],"verbs":["get","list","watch"]}]}`,
        `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"${name}"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"${name}"},"subjects":[{"kind":"ServiceAccount","name":"${name}","namespace":"default"}]}`,
      ].join('\n---\n'),
    );
    kubectl('apply', '-f', manifest);
    try {
      const token = kubectl('-n', 'default', 'create', 'token', name).trim();
      const admin = readFileSync(info.adminKubeconfig, 'utf8');
      const ca = /certificate-authority-data: (\S+)/.exec(admin)![1]!;
      const kubeconfig = path.join(dir, 'no-ccnp.kubeconfig');
      writeFileSync(
        kubeconfig,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'lab', cluster: { server: info.apiServer, 'certificate-authority-data': ca } }],
          users: [{ name, user: { token } }],
          contexts: [{ name, context: { cluster: 'lab', user: name } }],
          'current-context': name,
        }),
      );
      const r = await whyJson('lab-cilium-ccnp/deploy/frontend', 'backend:8080', kubeconfig, ['--probe', 'ssh', '--ssh-config', info.sshConfig]);
      expect(r.code, r.stderr).toBe(1);
      const a = JSON.parse(r.stdout) as Answer;
      const f = a.findings[0]!;
      expect(f.kind).toBe('policy-deny-ingress');
      expect(f.summary).toMatch(
        /^Cilium drops A → B, at ingress, denied by CiliumClusterwideNetworkPolicy lab-cilium-ccnp-deny \(Hubble: POLICY_DENY on pathlight-lab-node(-2)?\), but the policies Pathlight read allow this connection: the two verdicts disagree/,
      );
    } finally {
      kubectl('delete', '--ignore-not-found', '-f', manifest);
    }
  }, 120_000);
});
