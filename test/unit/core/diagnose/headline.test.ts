/** A finding's one-line headline with short names, on every lab scenario's recorded answer (test/fixtures/diagnose). */
import { describe, expect, it } from 'vitest';
import { correlate, labFixtures, view } from '../../../helpers/diagnose.js';
import { diagnose as d } from '../../../../src/core/index.js';

const top = (scenario: string) => {
  const f = labFixtures().find((x) => x.scenario === scenario)!;
  const r = d.diagnose(view(f.objects), f.query, { correlator: correlate(f.events) });
  if (!r.ok) throw new Error(r.error.message);
  return d.findingHeadline(r.value.findings[0]!, r.value);
};

describe('findingHeadline', () => {
  it.each([
    ['deny-backend-ingress', 'frontend → backend:8080 denied by lab-deny-ingress/deny-backend-ingress'],
    ['anp-deny', 'frontend → backend:8080 denied by lab-anp-deny-backend (admin tier)'],
    ['egress-forgets-dns', 'frontend → backend:8080 fails: DNS lookups denied by lab-egress-dns/frontend-egress'],
    ['healthy', 'frontend → backend:8080 reachable'],
    ['missing-named-port', "frontend → backend:8080 fails: the Service's named target port is missing on its pods"],
    ['pod-not-ready', 'frontend → backend:8080 fails: no endpoint of the Service is ready'],
    ['service-selector-mismatch', "frontend → backend:8080 fails: the Service's selector matches no pod"],
    ['wrong-namespace-dns', 'frontend → backend.lab-wrongns:8080 fails: the name does not resolve (NXDOMAIN)'],
    ['wrong-target-port', "frontend → backend:8080 fails: the Service's target port is not declared by its pods"],
  ])('%s: %s', (scenario, headline) => {
    expect(top(scenario)).toBe(headline);
  });

  it("a rule drop names the rule's table and chain and the node", () => {
    const f = {
      kind: 'rule-drop',
      evidence: [{ type: 'rule', table: 'pathlight_lab_hostfw', chain: 'forward', node: 'pathlight-lab-node' }],
    };
    const q = { query: { from: 'shop/deploy/client', to: 'server.shop:8080', protocol: 'TCP' as const } };
    expect(d.findingHeadline(f, q)).toBe(
      'client → server.shop:8080 dropped by rule pathlight_lab_hostfw/forward on pathlight-lab-node, which no policy explains',
    );
    expect(d.findingHeadline({ kind: 'rule-drop', evidence: [] }, q)).toBe(
      'client → server.shop:8080 fails: packets dropped by a netfilter rule no policy explains',
    );
  });

  it('short names: workloads and pods by their name, IPs and DNS names as they are', () => {
    expect(d.shortName('lab-deny-ingress/deploy/frontend')).toBe('frontend');
    expect(d.shortName('lab-deny-ingress/frontend-789bdb595-8m99k')).toBe('frontend');
    expect(d.shortName('kube-system/kube-proxy-x7k2p')).toBe('kube-proxy');
    expect(d.shortName('shop/db-0')).toBe('db-0');
    expect(d.shortName('10.244.0.9')).toBe('10.244.0.9');
    expect(d.shortName('backend.lab-wrongns')).toBe('backend.lab-wrongns');
  });
});
