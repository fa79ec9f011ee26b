/**
 * The Cilium lab only (`LAB_CNI=cilium`; test/lab/cilium/test.sh runs it): `pathlight why` with
 * probes over SSH on a node that runs Cilium also reads that node's Hubble for the question's
 * window, so the answer carries Cilium's own verdict for the drop (POLICY_DENIED) beside the
 * kernel's (TC_INGRESS: the packet freed by Cilium's tc program) and the static verdict of the
 * CiliumNetworkPolicy that denies it.
 */
import { describe, expect, it } from 'vitest';
import { lab } from '../../../helpers/lab.js';
import { pathlight } from '../../../helpers/labApp.js';

describe('why on Cilium (lab)', () => {
  it("a CiliumNetworkPolicy deny: the policy is the answer, and Hubble's POLICY_DENIED is in its evidence", async () => {
    const info = lab();
    const r = await pathlight([
      'why',
      '--from',
      'lab-cilium-deny/deploy/frontend',
      '--to',
      'backend:8080',
      '--probe',
      'ssh',
      '--ssh-config',
      info.sshConfig,
      '--kubeconfig',
      info.adminKubeconfig,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(1);
    const a = JSON.parse(r.stdout) as { verdict: string; findings: Array<{ kind: string; summary: string; evidence: Array<{ type: string; text: string }> }> };
    expect(a.verdict).toBe('unreachable');
    const f = a.findings[0]!;
    expect(f.kind).toBe('policy-deny-ingress');
    expect(f.summary).toContain('CiliumNetworkPolicy lab-cilium-deny/deny-backend');
    expect(f.summary).toMatch(/Cilium dropped them \(Hubble: POLICY_DENIED\)/);
    const texts = f.evidence.filter((e) => e.type === 'events').map((e) => e.text);
    expect(texts.some((t) => /^Cilium dropped packets of \d+ connections? \(Hubble\): POLICY_DENIED/.test(t))).toBe(true);
    expect(texts.some((t) => t.startsWith('the kernel dropped packets') && t.includes('TC_INGRESS'))).toBe(true);
  }, 120_000);
});
