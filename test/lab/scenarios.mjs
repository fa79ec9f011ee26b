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
