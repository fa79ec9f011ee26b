// Generated cluster for the policy benchmark: 100 namespaces × 10 Deployments × 5 replica pods
// (5,000 pods, real Pod objects with ReplicaSet/Deployment owners), and 1,000 policies:
// 950 NetworkPolicies (per namespace a default deny, ingress allows by pod and namespace
// selector with numeric and named ports, egress with ipBlock/except and DNS; a monitoring
// allow in every other namespace), 40
// AdminNetworkPolicies, 9 ClusterNetworkPolicies and the BaselineAdminNetworkPolicy.
// Deterministic: the same objects every run.

export const NAMESPACES = 100;
export const APPS_PER_NS = 10;
export const REPLICAS = 5;

const ports = [
  { name: 'http', containerPort: 8080 },
  { name: 'metrics', containerPort: 9090 },
  { name: 'dns', containerPort: 53, protocol: 'UDP' },
];

function namespace(i) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${i}`, labels: { team: `team-${i % 10}`, env: i % 3 === 0 ? 'prod' : 'dev' } } };
}

function workload(i, k) {
  const ns = `ns-${i}`;
  const name = `app-${k}`;
  const labels = { app: name, tier: k < 3 ? 'web' : k < 7 ? 'api' : 'data', release: `r${(i + k) % 4}` };
  const out = [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, uid: `d-${i}-${k}` },
      spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', ports }] } } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${name}-7d4b9`,
        namespace: ns,
        uid: `rs-${i}-${k}`,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: `d-${i}-${k}`, controller: true }],
      },
      spec: { template: { metadata: { labels: { ...labels, 'pod-template-hash': '7d4b9' } }, spec: { containers: [{ name: 'c', ports }] } } },
    },
  ];
  for (let r = 0; r < REPLICAS; r++) {
    out.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${name}-7d4b9-${r}`,
        namespace: ns,
        labels: { ...labels, 'pod-template-hash': '7d4b9' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-7d4b9`, uid: `rs-${i}-${k}`, controller: true }],
      },
      spec: { containers: [{ name: 'c', ports }] },
      status: { podIP: `10.${Math.floor(i / 2)}.${(i % 2) * 100 + k * 10 + r}.${r + 10}` },
    });
  }
  return out;
}

function networkPolicies(i) {
  const ns = `ns-${i}`;
  const np = (name, spec) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec });
  const list = [np('default-deny', { podSelector: {}, policyTypes: ['Ingress'] })];
  for (let k = 1; k < 8; k++) {
    list.push(
      np(`allow-app-${k}`, {
        podSelector: { matchLabels: { app: `app-${k}` } },
        ingress: [
          { from: [{ podSelector: { matchLabels: { app: `app-${k - 1}` } } }], ports: [{ port: 'http' }, { port: 9090, endPort: 9100 }] },
          {
            from: [
              {
                namespaceSelector: { matchLabels: { team: `team-${(i + k) % 10}` } },
                podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] },
              },
            ],
            ports: [{ protocol: 'TCP', port: 8080 }],
          },
          { from: [{ ipBlock: { cidr: `172.${16 + (k % 8)}.0.0/16`, except: [`172.${16 + (k % 8)}.${i}.0/24`] } }], ports: [{ port: 443 }] },
        ],
      }),
    );
  }
  if (i % 2 === 0)
    list.push(
      np('allow-monitoring', {
        podSelector: { matchLabels: { tier: 'api' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ns-0' } } }], ports: [{ port: 'metrics' }] }],
      }),
    );
  list.push(
    np('egress', {
      podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] },
      policyTypes: ['Egress'],
      egress: [
        { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'app-9' } } }], ports: [{ protocol: 'UDP', port: 'dns' }] },
        { to: [{ podSelector: {} }] },
        { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '169.254.169.254/32'] } }], ports: [{ port: 443 }] },
      ],
    }),
  );
  return list;
}

function adminPolicies() {
  const out = [];
  for (let j = 0; j < 40; j++) {
    out.push({
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      kind: 'AdminNetworkPolicy',
      metadata: { name: `anp-${j}` },
      spec: {
        priority: 10 + j,
        subject: { namespaces: { matchLabels: { team: `team-${j % 10}` } } },
        ingress: [
          {
            name: 'monitoring',
            action: 'Allow',
            from: [{ namespaces: { matchLabels: { 'kubernetes.io/metadata.name': `ns-${j}` } } }],
            ports: [{ portNumber: { protocol: 'TCP', port: 9090 } }],
          },
          { name: 'pass-team', action: 'Pass', from: [{ namespaces: { matchLabels: { team: `team-${j % 10}` } } }] },
          {
            name: 'no-dev-to-prod',
            action: 'Deny',
            from: [{ pods: { namespaceSelector: { matchLabels: { env: 'dev' } }, podSelector: { matchLabels: { tier: 'data' } } } }],
          },
        ],
        egress: [{ name: 'no-metadata', action: 'Deny', to: [{ networks: ['169.254.169.254/32'] }] }],
      },
    });
  }
  for (let j = 0; j < 9; j++) {
    out.push({
      apiVersion: 'policy.networking.k8s.io/v1alpha2',
      kind: 'ClusterNetworkPolicy',
      metadata: { name: `cnp-${j}` },
      spec: {
        tier: j < 5 ? 'Admin' : 'Baseline',
        priority: 100 + j,
        subject: { pods: { namespaceSelector: { matchLabels: { env: 'prod' } }, podSelector: { matchLabels: { release: `r${j % 4}` } } } },
        egress: [
          {
            action: j < 5 ? 'Pass' : 'Deny',
            to: [{ networks: [`192.0.${j}.0/24`] }],
            protocols: [{ tcp: { destinationPort: { range: { start: 1, end: 1024 } } } }],
          },
        ],
      },
    });
  }
  out.push({
    apiVersion: 'policy.networking.k8s.io/v1alpha1',
    kind: 'BaselineAdminNetworkPolicy',
    metadata: { name: 'default' },
    spec: { subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { env: 'prod' } } }] }] },
  });
  return out;
}

export function generateCluster() {
  const objects = [];
  for (let i = 0; i < NAMESPACES; i++) {
    objects.push(namespace(i));
    for (let k = 0; k < APPS_PER_NS; k++) objects.push(...workload(i, k));
  }
  for (let i = 0; i < NAMESPACES; i++) objects.push(...networkPolicies(i));
  objects.push(...adminPolicies());
  return objects;
}
