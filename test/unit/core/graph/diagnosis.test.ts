import { describe, expect, it } from 'vitest';
import type { Finding, HopKind, HopVerdict } from '../../../../src/core/diagnose/types.js';
import { GraphModel, hopEdgeVerdict, type EdgeVerdict } from '../../../../src/core/graph/index.js';
import { cluster, dnsEvent, dropEvent, edgeById, expectConsistent, hop, makeDiagnosis, Mirror, nodeById, podIdent, svcIdent } from '../../../helpers/graph.js';
import { deploymentPod, makeService, makeSlice, runningPod } from '../../../helpers/objects.js';

const F = '10.244.1.5';
const B = '10.244.2.1';
const FRONT = 'pod:shop/frontend';
const BACK = 'pod:shop/backend-7c9d8f6b5-x1';
const objects = () => [
  runningPod('shop', 'frontend', { ip: F }),
  deploymentPod('shop', 'backend', 'x1', B),
  makeService('shop', 'backend', '10.96.3.3', [{ port: 8080 }]),
  makeSlice('shop', 'backend', [{ ip: B, ready: true }]),
];

const src = hop({ hop: 'source', label: 'shop/frontend', refs: [{ kind: 'Pod', namespace: 'shop', name: 'frontend' }] });
const dns = (verdict: HopVerdict = 'ok') =>
  hop({ hop: 'dns', label: 'backend.shop.svc.cluster.local', verdict, refs: [{ kind: 'Service', namespace: 'shop', name: 'backend' }] });
const svc = hop({ hop: 'service', label: 'Service shop/backend 8080/TCP', refs: [{ kind: 'Service', namespace: 'shop', name: 'backend' }] });
const eps = hop({
  hop: 'endpoints',
  label: 'endpoints of backend: 1/1 ready',
  refs: [
    { kind: 'EndpointSlice', namespace: 'shop', name: 'backend-abcde' },
    { kind: 'Pod', namespace: 'shop', name: 'backend-7c9d8f6b5-x1' },
  ],
});
const back = hop({ hop: 'backend', label: 'shop/backend-7c9d8f6b5-x1:8080', refs: [{ kind: 'Pod', namespace: 'shop', name: 'backend-7c9d8f6b5-x1' }] });
const egress = (verdict: HopVerdict = 'ok') => hop({ hop: 'policy-egress', label: 'egress', verdict });
const ingress = (verdict: HopVerdict = 'ok') =>
  hop({ hop: 'policy-ingress', label: 'ingress (deny-backend)', verdict, refs: [{ kind: 'NetworkPolicy', namespace: 'shop', name: 'deny-backend' }] });

/** The policy engine's finding that isolates the backend. */
const isolated: Finding = {
  kind: 'policy-deny-ingress',
  hop: 'policy-ingress',
  severity: 'error',
  confidence: 'high',
  summary: 'ingress of shop/backend is isolated by shop/deny-backend',
  source: 'static',
  evidence: [
    {
      type: 'policy',
      direction: 'ingress',
      text: '…',
      policy: {
        direction: 'ingress',
        subject: 'shop/backend-7c9d8f6b5-x1',
        allowed: false,
        selectedBy: { admin: [], networkpolicy: [{ kind: 'NetworkPolicy', namespace: 'shop', name: 'deny-backend' }], baseline: [] },
        decisions: [
          {
            verdict: 'deny',
            reason: 'isolated',
            tier: 'networkpolicy',
            isolatedBy: [{ kind: 'NetworkPolicy', namespace: 'shop', name: 'deny-backend' }],
            nearMisses: [],
            ports: 'TCP/8080',
          },
        ],
        notes: [],
      },
    },
  ],
};
/** A DNS finding whose policy evidence is about A → DNS, not A → B. */
const dnsBlocked: Finding = {
  ...isolated,
  kind: 'dns-blocked-by-policy',
  hop: 'dns',
  evidence: [{ ...isolated.evidence[0]!, direction: 'egress' } as Finding['evidence'][number]],
};

function model(...extra: Record<string, unknown>[]) {
  const m = new GraphModel();
  m.syncCluster(cluster(...objects(), ...extra));
  return m;
}

describe('graph: diagnosis overlay', () => {
  it('marks the failing hop, and draws the policy verdict A → B with the deciding policy', () => {
    const m = model();
    m.setDiagnosis(makeDiagnosis([src, dns(), svc, eps, back, egress(), ingress('fail')], { findings: [isolated] }));
    const s = m.snapshot();
    expectConsistent(s);
    const policyEdge = `policy|${FRONT}|${BACK}|tcp/8080`;
    expect(edgeById(s, policyEdge)).toMatchObject({
      kind: 'policy',
      verdict: 'policy-denied',
      label: 'denied by shop/deny-backend (ingress)',
      policy: {
        allowed: false,
        direction: 'ingress',
        policy: 'shop/deny-backend',
        decidedBy: [{ kind: 'NetworkPolicy', namespace: 'shop', name: 'deny-backend' }],
      },
    });
    const path = s.path!;
    expect(path.failing).toBe(6);
    expect(path.hops.filter((h) => h.failing).map((h) => h.hop)).toEqual(['policy-ingress']);
    expect(path.hops[6]!.edges).toEqual([policyEdge]);
    expect(path.edges[policyEdge]).toBe('fail');
    expect(path.nodes).toEqual({ [FRONT]: 'ok', 'dns:backend.shop.svc.cluster.local': 'ok', 'svc:shop/backend': 'ok', [BACK]: 'ok' });
    // A → name → Service → backend, each a path edge.
    expect(s.edges.filter((e) => e.kind === 'path').map((e) => [e.source, e.target])).toEqual([
      ['dns:backend.shop.svc.cluster.local', 'svc:shop/backend'],
      [FRONT, 'dns:backend.shop.svc.cluster.local'],
      ['svc:shop/backend', BACK],
    ]);
  });

  it('takes the policy verdict from the policy hops, not from a DNS finding’s policy evidence', () => {
    const m = model();
    m.setDiagnosis(makeDiagnosis([src, dns('fail'), svc, back, egress(), ingress()], { findings: [dnsBlocked] }));
    const e = edgeById(m.snapshot(), `policy|${FRONT}|${BACK}|tcp/8080`);
    expect(e).toMatchObject({ verdict: 'forwarded', policy: { allowed: true } });
  });

  it('a failed lookup: the name, its search-list expansions and A’s lookups of them are on the failing DNS hop', () => {
    const m = model();
    const ids = { src: podIdent('shop', 'frontend'), dst: svcIdent('kube-system', 'kube-dns') };
    m.setDiagnosis(
      makeDiagnosis([src, hop({ hop: 'dns', label: 'dns', verdict: 'fail' }), hop({ hop: 'service', verdict: 'skipped' })], { to: 'backend.other:8080' }),
    );
    const before = m.drain();
    expect(before.path?.hops[1]).toMatchObject({ nodes: ['dns:backend.other'], failing: true });
    // The lookups arrive after the question was answered: the overlay follows.
    m.addEvents(
      ['backend.other.shop.svc.cluster.local', 'backend.other.svc.cluster.local', 'backend.other', 'unrelated.example'].map((qname, i) =>
        dnsEvent({ src: '10.96.0.10', dst: F, qname, qr: 'response', rcode: 'NXDOMAIN', id: i, identities: { src: ids.dst, dst: ids.src } }),
      ),
    );
    const d = m.drain();
    const dnsHop = d.path?.hops[1];
    expect(dnsHop?.nodes).toEqual(['dns:backend.other', 'dns:backend.other.shop.svc.cluster.local', 'dns:backend.other.svc.cluster.local']);
    expect(dnsHop?.edges).toEqual([
      `dns|${FRONT}|dns:backend.other`,
      `dns|${FRONT}|dns:backend.other.shop.svc.cluster.local`,
      `dns|${FRONT}|dns:backend.other.svc.cluster.local`,
      `path|${FRONT}|dns:backend.other`,
    ]);
    expect(edgeById(m.snapshot(), `path|${FRONT}|dns:backend.other`)?.verdict).toBe('dns-error');
    expectConsistent(m.snapshot());
  });

  it('A’s observed flows to the Service and the backends go on the network hop', () => {
    const m = model();
    m.setDiagnosis(makeDiagnosis([src, svc, back, hop({ hop: 'network', label: 'drops', verdict: 'fail' })]));
    m.addEvents([
      dropEvent({ src: F, dst: B, identities: { src: podIdent('shop', 'frontend'), dst: podIdent('shop', 'backend-7c9d8f6b5-x1') } }),
      dropEvent({ src: F, dst: '10.96.3.3', dport: 8080, identities: { src: podIdent('shop', 'frontend'), dst: svcIdent('shop', 'backend') } }),
    ]);
    const path = m.snapshot().path!;
    expect(path.hops[3]).toMatchObject({ hop: 'network', failing: true, edges: [`flow|${FRONT}|${BACK}|tcp/8080`, `flow|${FRONT}|svc:shop/backend|tcp/8080`] });
  });

  it('a Service that does not exist shows as a missing node, gone again with the diagnosis', () => {
    const m = model();
    const mirror = new Mirror().apply(m.drain());
    const missing = hop({ hop: 'service', label: 'no Service shop/api', verdict: 'fail', refs: [{ kind: 'Service', namespace: 'shop', name: 'api' }] });
    m.setDiagnosis(makeDiagnosis([src, missing], { to: 'shop/svc/api' }));
    let d = m.drain();
    expect(d.added.nodes.map((n) => [n.id, n.missing])).toEqual([['svc:shop/api', true]]);
    expect(d.added.edges.map((e) => [e.id, e.verdict])).toEqual([[`path|${FRONT}|svc:shop/api`, 'dropped']]);
    expect(d.updated.nodes.map((n) => [n.id, n.childCount])).toEqual([['ns:shop', 4]]);
    mirror.apply(d);
    m.setDiagnosis(null);
    d = m.drain();
    expect(d.path).toBeNull();
    expect(d.removed).toEqual({ nodes: ['svc:shop/api'], edges: [`path|${FRONT}|svc:shop/api`] });
    mirror.apply(d).expectMatches(m.snapshot());
  });

  it('an external B given by address becomes its range node', () => {
    const m = model();
    m.setDiagnosis(
      makeDiagnosis([src, hop({ hop: 'backend', label: '203.0.113.7:443', ips: ['203.0.113.7'], verdict: 'fail' })], { to: '203.0.113.7', port: 443 }),
    );
    const s = m.snapshot();
    expect(nodeById(s, 'ext:203.0.113.0/24')).toMatchObject({ kind: 'external', data: { addresses: ['203.0.113.7'] } });
    expect(s.path?.nodes['ext:203.0.113.0/24']).toBe('fail');
    expectConsistent(s);
  });

  it('re-setting the same diagnosis changes nothing', () => {
    const m = model();
    const d = makeDiagnosis([src, dns(), svc, eps, back, egress(), ingress('fail')], { findings: [isolated] });
    m.setDiagnosis(d);
    m.drain();
    m.setDiagnosis(structuredClone(d));
    m.syncCluster(cluster(...objects()));
    const delta = m.drain();
    expect(delta).toEqual({ added: { nodes: [], edges: [] }, updated: { nodes: [], edges: [] }, removed: { nodes: [], edges: [] } });
  });

  it.each<[HopKind, HopVerdict, EdgeVerdict]>([
    ['dns', 'fail', 'dns-error'],
    ['policy-ingress', 'fail', 'policy-denied'],
    ['backend', 'fail', 'dropped'],
    ['service', 'warn', 'mixed'],
    ['service', 'ok', 'forwarded'],
    ['network', 'skipped', 'unknown'],
  ])('a %s hop that is %s colours its edges %s', (kind, verdict, want) => {
    expect(hopEdgeVerdict(kind, verdict)).toBe(want);
  });
});
