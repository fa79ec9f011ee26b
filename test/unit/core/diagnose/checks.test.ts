/**
 * The hop checks one by one, on small clusters built like the API returns them: each case is a
 * fault a user meets and the finding (kind, hop, fix) Pathlight must give for it.
 */
import { describe, expect, it } from 'vitest';
import { app, why } from '../../../helpers/diagnose.js';
import { makeNamespace, makePolicy, makeService, runningPod } from '../../../helpers/objects.js';
import { diagnose as d } from '../../../../src/core/index.js';

const top = (dg: d.Diagnosis) => dg.findings[0]!;
const hop = (dg: d.Diagnosis, h: d.HopKind) => dg.path.find((x) => x.hop === h);
const from = 'shop/deploy/frontend';

describe('A and B as the user types them', () => {
  it.each([
    ['shop/deploy/frontend', 'backend:8080'],
    ['shop/frontend', 'backend:8080'],
    ['shop/frontend-1', 'shop/svc/backend:8080'],
    ['10.244.1.10', 'backend.shop:8080'],
    ['shop/deploy/frontend', 'backend.shop.svc.cluster.local:8080'],
    ['shop/deploy/frontend', '10.96.1.1:8080'],
    ['shop/deploy/frontend', 'shop/deploy/backend'],
  ])('%s → %s is understood and reachable', (a, b) => {
    const dg = why(app(), { from: a, to: b });
    expect(dg.verdict).toBe('reachable');
    expect(top(dg).kind).toBe('reachable');
  });

  it('names an unknown namespace and the closest one', () => {
    const r = d.diagnose({ list: (k) => app()[k] ?? [] }, { from: 'shpo/deploy/frontend', to: 'backend:8080' });
    expect(r).toMatchObject({ ok: false, error: { message: 'A: there is no namespace shpo', hint: 'did you mean shop?' } });
  });

  it('suggests the closest name as it was typed, kind kept, for the field that holds it', () => {
    const r = d.diagnose({ list: (k) => app()[k] ?? [] }, { from: 'shop/deploy/frontnd', to: 'backend:8080' });
    expect(r).toMatchObject({ ok: false, error: { hint: 'did you mean shop/deploy/frontend?', meant: 'shop/deploy/frontend', field: 'from' } });
    const ns = d.diagnose({ list: (k) => app()[k] ?? [] }, { from: 'shop/deploy/frontend', to: 'shpo/deploy/backend:8080' });
    expect(ns).toMatchObject({ ok: false, error: { meant: 'shop/deploy/backend:8080', field: 'to' } });
  });

  it('names an unknown workload kind', () => {
    const r = d.diagnose({ list: (k) => app()[k] ?? [] }, { from: 'shop/deployo/frontend', to: 'backend:8080' });
    expect(r.ok ? null : r.error.message).toBe('A: "deployo" is not a workload kind');
  });
});

describe('DNS', () => {
  it("tries the names as A's resolver would (search path first below ndots:5)", () => {
    const c = new d.Cluster({ list: (k) => app()[k] ?? [] });
    const conf = d.resolvConfOf(c.pod('shop', 'frontend-1')!, c, 'cluster.local');
    expect(d.candidates('backend.other', conf)).toEqual([
      'backend.other.shop.svc.cluster.local.',
      'backend.other.svc.cluster.local.',
      'backend.other.cluster.local.',
      'backend.other.',
    ]);
    expect(d.candidates('a.b.c.d.e.f', conf)[0]).toBe('a.b.c.d.e.f.');
    expect(d.candidates('x.', conf)).toEqual(['x.']);
  });

  it('a Service name in a namespace that does not exist is NXDOMAIN, with the Service it probably meant', () => {
    const dg = why(app(), { from, to: 'backend.shopp:8080' });
    expect(top(dg)).toMatchObject({ kind: 'dns-nxdomain', hop: 'dns', severity: 'error' });
    expect(top(dg).summary).toMatch(/there is no namespace shopp; Service backend exists in namespace shop/);
    expect(top(dg).fix?.description).toMatch(/^call it backend/);
    expect(dg.verdict).toBe('unreachable');
  });

  it('an Internet name is left to the upstream resolver: unknown, not NXDOMAIN', () => {
    const dg = why(app(), { from, to: 'example.com:443' });
    expect(hop(dg, 'dns')?.verdict).toBe('unknown');
    expect(dg.verdict).toBe('unknown');
    expect(dg.notes.join(' ')).toMatch(/not a cluster name/);
  });

  it('an egress policy that forgets DNS blocks every lookup, and the fix (verified) opens UDP 53 to CoreDNS', () => {
    const deny = makePolicy('shop', 'frontend-egress', {
      podSelector: { matchLabels: { app: 'frontend' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'backend' } } }], ports: [{ port: 8080 }] }],
    });
    const dg = why(app({ policies: [deny] }), { from, to: 'backend:8080' });
    expect(top(dg)).toMatchObject({ kind: 'dns-blocked-by-policy', hop: 'dns', confidence: 'high', fix: { verified: true } });
    expect(top(dg).fix?.yaml).toMatch(/k8s-app: kube-dns[\s\S]*protocol: UDP[\s\S]*port: 53/);
    // The connection itself would be allowed: the policy hops say so.
    expect(hop(dg, 'policy-egress')?.verdict).toBe('ok');
  });

  it('no ready CoreDNS pod: every lookup times out', () => {
    const objs = app();
    objs.Pod = objs.Pod!.map((p) =>
      p.metadata?.name === 'coredns-1' ? runningPod('kube-system', 'coredns-1', { labels: { 'k8s-app': 'kube-dns' }, ip: '10.244.0.2', ready: false }) : p,
    );
    expect(top(why(objs, { from, to: 'backend:8080' }))).toMatchObject({ kind: 'dns-timeout', hop: 'dns' });
  });
});

describe('Service and endpoints', () => {
  it('a Service that does not exist, with the namespace that has one of that name', () => {
    const objs = app({ extra: { Namespace: [makeNamespace('web')] } });
    const dg = why(objs, { from, to: 'web/svc/backend:8080' });
    expect(top(dg)).toMatchObject({ kind: 'service-not-found', hop: 'service', severity: 'error' });
    expect(top(dg).summary).toMatch(/a Service backend exists in shop/);
  });

  it('a port the Service does not expose; asking for its targetPort says which port to use', () => {
    const objs = app({ targetPort: 9000 });
    const dg = why(objs, { from, to: 'shop/svc/backend', port: 9000 });
    expect(top(dg)).toMatchObject({ kind: 'service-port-mismatch', hop: 'service' });
    expect(top(dg).summary).toMatch(/9000 is its targetPort: connect to 8080/);
  });

  it('a selector one letter off: selector-mismatch, the pods it meant, and the patch', () => {
    const dg = why(app({ selector: { app: 'backnd' } }), { from, to: 'backend:8080' });
    expect(top(dg)).toMatchObject({ kind: 'selector-mismatch', hop: 'endpoints' });
    expect(top(dg).summary).toMatch(/the pods of Deployment backend carry app=backend \(not backnd\)/);
    expect(top(dg).fix?.kubectl).toBe(`kubectl -n shop patch service backend --type merge -p '{"spec":{"selector":{"app":"backend"}}}'`);
    expect(hop(dg, 'backend')?.verdict).toBe('skipped');
  });

  it("a selector closest to the caller's own labels: never a fix that selects A", () => {
    const dg = why(app({ selector: { app: 'frontend2' } }), { from, to: 'backend:8080' });
    expect(['service-no-endpoints', 'selector-mismatch']).toContain(top(dg).kind);
    expect(top(dg).summary).not.toMatch(/Deployment frontend/);
    expect(top(dg).fix?.kubectl ?? '').not.toContain('"frontend"');
  });

  it('a selector nothing resembles: no endpoints (not a guess at a typo)', () => {
    expect(top(why(app({ selector: { tier: 'payments' } }), { from, to: 'backend:8080' })).kind).toBe('service-no-endpoints');
  });

  it('a named targetPort the pods do not declare: named-port-missing, fix to the name they do', () => {
    const dg = why(app({ targetPort: 'web', slicePorts: null }), { from, to: 'backend:8080' });
    expect(top(dg)).toMatchObject({ kind: 'named-port-missing', hop: 'endpoints' });
    expect(top(dg).fix?.kubectl).toContain('"path":"/spec/ports/0/targetPort","value":"http"');
    expect(top(dg).evidence.some((e) => e.type === 'object' && e.text === 'lists the pods with no ports')).toBe(true);
  });

  it('pods not ready: endpoints-not-ready names the readiness probe', () => {
    const dg = why(app({ backendReady: false }), { from, to: 'backend:8080' });
    expect(top(dg)).toMatchObject({ kind: 'endpoints-not-ready', hop: 'endpoints' });
    expect(top(dg).summary).toMatch(/readiness GET \/healthz on 8080/);
  });

  it('a numeric targetPort no container declares is a suspicion (warning, low confidence) until probes see it', () => {
    const dg = why(app({ targetPort: 9090 }), { from, to: 'backend:8080' });
    expect(top(dg)).toMatchObject({ kind: 'target-port-not-listening', hop: 'backend', severity: 'warning', confidence: 'low' });
    expect(top(dg).fix?.description).toBe('set targetPort to http');
    expect(dg.verdict).toBe('unknown');
  });
});

describe('policy', () => {
  const isolate = makePolicy('shop', 'deny-all', { podSelector: { matchLabels: { app: 'backend' } }, policyTypes: ['Ingress'] });
  it('ingress isolation with no rule for A: policy-deny-ingress names the policy and gives a verified fix', () => {
    const dg = why(app({ policies: [isolate] }), { from, to: 'backend:8080' });
    expect(top(dg)).toMatchObject({ kind: 'policy-deny-ingress', hop: 'policy-ingress', fix: { verified: true } });
    expect(top(dg).summary).toMatch(/isolated by NetworkPolicy shop\/deny-all/);
    // Policies see the pod's port after the Service's DNAT.
    expect(top(dg).summary).toMatch(/TCP\/8080/);
  });

  it('egress of A: policy-deny-egress', () => {
    const egress = makePolicy('shop', 'frontend-out', {
      podSelector: { matchLabels: { app: 'frontend' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }] }],
    });
    expect(top(why(app({ policies: [egress] }), { from, to: 'backend:8080' })).kind).toBe('policy-deny-egress');
  });

  it('an AdminNetworkPolicy Deny: admin-policy-deny, and no NetworkPolicy can override it', () => {
    const anp = {
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      metadata: { name: 'lock' },
      spec: {
        priority: 5,
        subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'backend' } } } },
        ingress: [{ name: 'no-frontend', action: 'Deny', from: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'frontend' } } } }] }],
      },
    };
    const allow = makePolicy('shop', 'allow', { podSelector: { matchLabels: { app: 'backend' } }, ingress: [{}] });
    const dg = why(app({ policies: [allow], extra: { AdminNetworkPolicy: [anp] } }), { from, to: 'backend:8080' });
    expect(top(dg)).toMatchObject({ kind: 'admin-policy-deny', hop: 'policy-ingress' });
    expect(top(dg).summary).toMatch(/AdminNetworkPolicy lock rule "no-frontend" \(Deny, admin tier: no NetworkPolicy can allow it\)/);
    expect(top(dg).fix?.kubectl).toMatch(/^kubectl patch adminnetworkpolicy lock --type json/);
  });
});

describe('ranking', () => {
  it('the earliest broken hop is the answer: a DNS block masks a policy deny further on', () => {
    const deny = makePolicy('shop', 'frontend-egress', { podSelector: { matchLabels: { app: 'frontend' } }, policyTypes: ['Egress'], egress: [] });
    const dg = why(app({ policies: [deny] }), { from, to: 'backend:8080' });
    expect(dg.findings.map((f) => f.kind)).toEqual(['dns-blocked-by-policy', 'policy-deny-egress']);
  });

  it('ranks errors before warnings before info', () => {
    const f = (kind: d.FindingKind, severity: d.Severity, h: d.HopKind): d.Finding => ({
      kind,
      severity,
      hop: h,
      confidence: 'high',
      source: 'static',
      summary: '',
      evidence: [],
    });
    expect(
      d
        .rank([f('reachable', 'info', 'network'), f('target-port-not-listening', 'warning', 'backend'), f('packet-dropped', 'error', 'network')])
        .map((x) => x.kind),
    ).toEqual(['packet-dropped', 'target-port-not-listening', 'reachable']);
  });

  it('keeps Service ports and ports of Services without selectors in the question', () => {
    const objs = app({ extra: { Service: [makeService('shop', 'legacy', '10.96.1.9', [{ port: 80, targetPort: 8080 }], { selector: null })] } });
    expect(top(why(objs, { from, to: 'legacy:80' })).kind).toBe('service-no-endpoints');
  });
});
