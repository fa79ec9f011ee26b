// The question each lab scenario answers and the top finding a correct diagnosis gives
// (scenarios/*.yaml and test/lab/README.md say why). Shared by the lab test, the fixture
// capture and the golden tests.
export const labScenarios = [
  { name: 'healthy', namespace: 'lab-healthy', from: 'lab-healthy/deploy/frontend', to: 'backend:8080', expected: { verdict: 'reachable', kind: 'reachable' } },
  {
    name: 'deny-backend-ingress',
    namespace: 'lab-deny-ingress',
    from: 'lab-deny-ingress/deploy/frontend',
    to: 'backend:8080',
    expected: { verdict: 'unreachable', kind: 'policy-deny-ingress' },
  },
  {
    name: 'egress-forgets-dns',
    namespace: 'lab-egress-dns',
    from: 'lab-egress-dns/deploy/frontend',
    to: 'backend:8080',
    expected: { verdict: 'unreachable', kind: 'dns-blocked-by-policy' },
  },
  {
    name: 'service-selector-mismatch',
    namespace: 'lab-selector',
    from: 'lab-selector/deploy/frontend',
    to: 'backend:8080',
    expected: { verdict: 'unreachable', kind: 'selector-mismatch' },
  },
  {
    name: 'wrong-target-port',
    namespace: 'lab-target-port',
    from: 'lab-target-port/deploy/frontend',
    to: 'backend:8080',
    expected: { verdict: 'unreachable', kind: 'target-port-not-listening' },
  },
  {
    name: 'missing-named-port',
    namespace: 'lab-named-port',
    from: 'lab-named-port/deploy/frontend',
    to: 'backend:8080',
    expected: { verdict: 'unreachable', kind: 'named-port-missing' },
  },
  {
    name: 'wrong-namespace-dns',
    namespace: 'lab-wrong-ns',
    from: 'lab-wrong-ns/deploy/frontend',
    to: 'backend.lab-wrongns:8080',
    expected: { verdict: 'unreachable', kind: 'dns-nxdomain' },
  },
  {
    name: 'pod-not-ready',
    namespace: 'lab-not-ready',
    from: 'lab-not-ready/deploy/frontend',
    to: 'backend:8080',
    expected: { verdict: 'unreachable', kind: 'endpoints-not-ready' },
  },
  {
    name: 'anp-deny',
    namespace: 'lab-anp',
    from: 'lab-anp/deploy/frontend',
    to: 'backend:8080',
    expected: { verdict: 'reachable', kind: 'admin-policy-deny' },
  },
];

// Where the scenario pods run (the `nodeSelector` slots in scenarios/*.yaml; up.sh puts slot S
// on node min(S, LAB_NODES)). In a lab of two or more nodes these scenarios have A on node 1
// and B on node 2, and CoreDNS (slot 2) runs on a node other than the clients'.
export const labPlacement = {
  'kube-system/coredns': 2,
  'lab-healthy': { frontend: 1, backend: 2, db: 1 },
  'lab-deny-ingress': { frontend: 1, backend: 2, db: 2 },
  'lab-egress-dns': { frontend: 1, backend: 2, db: 2 },
  'lab-target-port': { frontend: 1, backend: 2, db: 2 },
  'lab-transit': { frontend: 3, backend: 1, db: 1 },
  'lab-http-503': { frontend: 1, backend: 2, db: 2 },
};

// The transit scenario (scenarios/09-transit-nodeport.yaml, two or more nodes only): frontend on
// slot 3 (node 2, or node 3 of three) calls NodePort 30080 on node 2; the only backend is on
// node 1 and denies the SNATed packet there. Not in labScenarios: the golden fixtures and the demo recording are of
// the nine scenarios.
export const transitScenario = { name: 'transit-nodeport', namespace: 'lab-transit', nodePort: 30080 };

// Scenarios whose fault only the live probes show (the static answer is reachable): asked with
// probes by test/lab/tests/why.test.ts. Kept out of labScenarios, whose nine questions the
// bundled demo (test/lab/make-demo.mjs) and the golden fixtures (capture-why.mjs) record.
export const labProbeOnlyScenarios = [
  {
    name: 'http-503',
    namespace: 'lab-http-503',
    from: 'lab-http-503/deploy/frontend',
    to: 'backend:8080',
    expected: { verdict: 'unreachable', kind: 'http-server-error' },
  },
];
