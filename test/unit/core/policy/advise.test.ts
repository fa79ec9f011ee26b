/**
 * Observed traffic → flows → advised NetworkPolicies → impact of a proposal, on a small recorded
 * cluster: a Deployment calling a StatefulSet through its Service, DNS through kube-dns, a
 * cross-namespace database, an external address, a refused attempt.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { StaticCluster } from '../../../../src/core/cluster/view.js';
import { observeTraffic, recordedCluster, type FlowEvent } from '../../../../src/core/policy/observed.js';
import { advisePolicies, stableSelector } from '../../../../src/core/policy/advise.js';
import { policyImpact } from '../../../../src/core/policy/impact.js';
import { policy } from '../../../../src/core/index.js';

const ns = (name: string, labels: Record<string, string> = {}) => ({
  kind: 'Namespace',
  metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
});
const pod = (namespace: string, name: string, ip: string, labels: Record<string, string>, owner?: { kind: string; name: string }, ports: number[] = []) => ({
  kind: 'Pod',
  metadata: {
    name,
    namespace,
    labels,
    ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', ...owner, uid: `${owner.name}-uid`, controller: true }] } : {}),
  },
  spec: { containers: [{ name: 'c', ports: ports.map((p) => ({ containerPort: p })) }] },
  status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] },
});
const svc = (namespace: string, name: string, ip: string, port: number, targetPort: number, protocol = 'TCP') => ({
  kind: 'Service',
  metadata: { name, namespace },
  spec: { clusterIP: ip, clusterIPs: [ip], selector: { x: name }, ports: [{ name: 'p', port, targetPort, protocol }] },
});
const slice = (namespace: string, service: string, podName: string, ip: string, port: number, protocol = 'TCP') => ({
  kind: 'EndpointSlice',
  metadata: { name: `${service}-abcde`, namespace, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  ports: [{ name: 'p', port, protocol }],
  endpoints: [{ addresses: [ip], conditions: { ready: true }, targetRef: { kind: 'Pod', name: podName, namespace } }],
});

const WEB = { ip: '10.244.0.11', id: { kind: 'pod', namespace: 'a', name: 'web-6d4cf56db6-x7k2p' } };
const API = { ip: '10.244.0.12', id: { kind: 'pod', namespace: 'a', name: 'api-0' } };
const DB = { ip: '10.244.1.7', id: { kind: 'pod', namespace: 'b', name: 'db-7f9c8d5b4-q2w3e' } };
const DNS = { ip: '10.96.0.10', id: { kind: 'service', namespace: 'kube-system', name: 'kube-dns' } };

function objects(extra: unknown[] = []) {
  return [
    ns('a'),
    ns('b', { team: 'data' }),
    ns('kube-system'),
    pod('a', 'web-6d4cf56db6-x7k2p', WEB.ip, { app: 'web', tier: 'front', 'pod-template-hash': '6d4cf56db6' }, { kind: 'ReplicaSet', name: 'web-6d4cf56db6' }),
    pod(
      'a',
      'api-0',
      API.ip,
      { app: 'api', 'controller-revision-hash': 'api-5c9f7', 'statefulset.kubernetes.io/pod-name': 'api-0', 'apps.kubernetes.io/pod-index': '0' },
      { kind: 'StatefulSet', name: 'api' },
      [8080],
    ),
    pod('b', 'db-7f9c8d5b4-q2w3e', DB.ip, { app: 'db', 'pod-template-hash': '7f9c8d5b4' }, { kind: 'ReplicaSet', name: 'db-7f9c8d5b4' }, [5432]),
    pod(
      'kube-system',
      'coredns-668d6bf9bc-7xk2p',
      '10.244.0.5',
      { 'k8s-app': 'kube-dns', 'pod-template-hash': '668d6bf9bc' },
      { kind: 'ReplicaSet', name: 'coredns-668d6bf9bc' },
      [53],
    ),
    svc('a', 'api', '10.96.0.20', 80, 8080),
    slice('a', 'api', 'api-0', API.ip, 8080),
    svc('kube-system', 'kube-dns', DNS.ip, 53, 53, 'UDP'),
    slice('kube-system', 'kube-dns', 'coredns-668d6bf9bc-7xk2p', '10.244.0.5', 53, 'UDP'),
    // What namespace a has now: everything open.
    { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', metadata: { name: 'allow-all', namespace: 'a' }, spec: { podSelector: {}, ingress: [{}] } },
    ...extra,
  ];
}

let ts = 1_000;
const ev = (line: Record<string, unknown>): FlowEvent => ({ ts: (ts += 1_000_000), line: { v: 1, node: 'n1', ...line } });

function events(): FlowEvent[] {
  const out: FlowEvent[] = [];
  for (let i = 0; i < 3; i++) {
    // One connection seen from both ends: the client to the Service, the server from its pod.
    out.push(
      ev({
        type: 'tcp',
        event: 'established',
        role: 'client',
        proto: 'tcp',
        src: WEB.ip,
        sport: 40000 + i,
        dst: '10.96.0.20',
        dport: 80,
        identities: { src: WEB.id, dst: { kind: 'service', namespace: 'a', name: 'api' } },
      }),
    );
    out.push(
      ev({
        type: 'tcp',
        event: 'established',
        role: 'server',
        proto: 'tcp',
        src: `::ffff:${API.ip}`,
        sport: 8080,
        dst: `::ffff:${WEB.ip}`,
        dport: 40000 + i,
        identities: { src: API.id, dst: WEB.id },
      }),
    );
  }
  // A query is no proof; its answer is.
  out.push(
    ev({ type: 'dns', qr: 'query', dir: 'egress', proto: 'udp', src: WEB.ip, sport: 5353, dst: DNS.ip, dport: 53, identities: { src: WEB.id, dst: DNS.id } }),
  );
  out.push(
    ev({
      type: 'dns',
      qr: 'response',
      dir: 'egress',
      proto: 'udp',
      src: DNS.ip,
      sport: 53,
      dst: WEB.ip,
      dport: 5353,
      identities: { src: DNS.id, dst: WEB.id },
    }),
  );
  out.push(
    ev({ type: 'dns', qr: 'query', dir: 'egress', proto: 'udp', src: API.ip, sport: 5300, dst: DNS.ip, dport: 53, identities: { src: API.id, dst: DNS.id } }),
  );
  out.push(
    ev({
      type: 'tcp',
      event: 'established',
      role: 'client',
      proto: 'tcp',
      src: API.ip,
      sport: 41000,
      dst: DB.ip,
      dport: 5432,
      identities: { src: API.id, dst: DB.id },
    }),
  );
  out.push(
    ev({
      type: 'tcp',
      event: 'established',
      role: 'client',
      proto: 'tcp',
      src: WEB.ip,
      sport: 42000,
      dst: '203.0.113.9',
      dport: 443,
      identities: { src: WEB.id },
    }),
  );
  out.push(
    ev({
      type: 'tcp',
      event: 'refused',
      role: 'client',
      proto: 'tcp',
      src: WEB.ip,
      sport: 43000,
      dst: DB.ip,
      dport: 5432,
      identities: { src: WEB.id, dst: DB.id },
    }),
  );
  return out;
}

const text = (f: {
  from: { kind: string; workload?: string; ip?: string };
  to: { kind: string; workload?: string; ip?: string };
  protocol: string;
  port: number;
  count: number;
}) => `${f.from.workload ?? f.from.ip} → ${f.to.workload ?? f.to.ip} ${f.protocol}/${f.port} ×${f.count}`;

describe('observed traffic', () => {
  it('counts what got through, once per connection, Services resolved to their pods and target ports; attempts apart', () => {
    const t = observeTraffic(recordedCluster(new StaticCluster(objects())), events());
    expect(t.flows.map(text)).toEqual([
      'a/api → b/db TCP/5432 ×1',
      'a/web → 203.0.113.9 TCP/443 ×1',
      'a/web → a/api TCP/8080 ×3',
      'a/web → kube-system/coredns UDP/53 ×1',
    ]);
    // api's query got no answer; web's did, so its query is no attempt.
    expect(t.attempts.map(text)).toEqual(['a/api → kube-system/coredns UDP/53 ×1', 'a/web → b/db TCP/5432 ×1']);
  });
});

describe('observed traffic on several nodes', () => {
  it('counts a packet seen at several points (both nodes, a veth and the node interface) once, not once per node', () => {
    const seenEverywhere = events().flatMap((e) => [
      { ...e, line: { ...e.line, node: 'n1', netns: 1, ifindex: 2 } },
      { ...e, line: { ...e.line, node: 'n1', netns: 3, ifindex: 4 } },
      { ...e, line: { ...e.line, node: 'n2', netns: 1, ifindex: 2 } },
    ]);
    const once = observeTraffic(recordedCluster(new StaticCluster(objects())), events());
    const t = observeTraffic(recordedCluster(new StaticCluster(objects())), seenEverywhere);
    expect(t.flows.map(text)).toEqual(once.flows.map(text));
    expect(t.attempts.map(text)).toEqual(once.attempts.map(text));
    expect(t.flows.map(text)).toContain('a/web → a/api TCP/8080 ×3');
  });
});

describe('observed traffic across a rollout', () => {
  it('counts the traffic of pods gone by the end for their workload, and selects old and new pods alike', () => {
    const old = pod(
      'a',
      'web-5b8d7c9f6-old01',
      '10.244.0.31',
      { app: 'web', tier: 'front', 'pod-template-hash': '5b8d7c9f6' },
      { kind: 'ReplicaSet', name: 'web-5b8d7c9f6' },
    );
    const oldId = { kind: 'pod', namespace: 'a', name: 'web-5b8d7c9f6-old01' };
    const line = {
      type: 'tcp',
      event: 'established',
      role: 'client',
      proto: 'tcp',
      src: '10.244.0.31',
      sport: 47000,
      dst: API.ip,
      dport: 8080,
      identities: { src: oldId, dst: API.id },
    };
    const without = recordedCluster(new StaticCluster(objects()));
    expect(observeTraffic(without, [ev(line)])).toMatchObject({ flows: [], unresolved: 1 });
    const c = recordedCluster(new StaticCluster(objects()), [old]);
    const t = observeTraffic(c, [ev(line)]);
    expect(t.flows.map(text)).toEqual(['a/web → a/api TCP/8080 ×1']);
    expect(
      c.policy.workloadById
        .get('a/web')
        ?.pods.map((p) => p.name)
        .sort(),
    ).toEqual(['web-5b8d7c9f6-old01', 'web-6d4cf56db6-x7k2p']);
    expect(stableSelector(c.policy, c.policy.workloadById.get('a/web')!)).toEqual({ app: 'web' });
  });
});

describe('observed traffic to the API server', () => {
  it('goes to the addresses behind default/kubernetes on their port, by /32 in the advice', () => {
    const apiObjects = objects([
      svc('default', 'kubernetes', '10.96.0.1', 443, 6443),
      {
        kind: 'EndpointSlice',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
        addressType: 'IPv4',
        ports: [{ name: 'p', port: 6443, protocol: 'TCP' }],
        endpoints: [{ addresses: ['172.18.0.2'], conditions: { ready: true } }],
      },
    ]);
    const c = recordedCluster(new StaticCluster(apiObjects));
    const t = observeTraffic(c, [
      ev({
        type: 'tcp',
        event: 'established',
        role: 'client',
        proto: 'tcp',
        src: API.ip,
        sport: 46000,
        dst: '10.96.0.1',
        dport: 443,
        identities: { src: API.id, dst: { kind: 'service', namespace: 'default', name: 'kubernetes' } },
      }),
    ]);
    expect(t.flows.map(text)).toEqual(['a/api → 172.18.0.2 TCP/6443 ×1']);
    expect(t.unresolved).toBe(0);
    const advice = advisePolicies(c.policy, t, { namespaces: ['a'] });
    expect(advice.namespaces[0]!.policies[1]!.spec).toMatchObject({
      egress: [{ to: [{ ipBlock: { cidr: '172.18.0.2/32' } }], ports: [{ protocol: 'TCP', port: 6443 }] }],
    });
    expect(advice.verification.verified).toBe(true);
  });
});

describe('policy advice', () => {
  const cluster = recordedCluster(new StaticCluster(objects()));
  const traffic = observeTraffic(cluster, events());

  it('a default deny per namespace and per workload exactly the observed flows, on labels that survive a rollout', () => {
    const advice = advisePolicies(cluster.policy, traffic);
    expect(advice.namespaces.map((n) => n.namespace)).toEqual(['a', 'b']);
    const a = advice.namespaces[0]!;
    expect(a.policies.map((p) => (p.metadata as { name: string }).name)).toEqual(['pathlight-default-deny', 'pathlight-api', 'pathlight-web']);
    expect(a.policies[0]!.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(a.policies[1]!.spec).toEqual({
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b' } }, podSelector: { matchLabels: { app: 'db' } } }],
          ports: [{ protocol: 'TCP', port: 5432 }],
        },
      ],
    });
    expect(a.policies[2]!.spec).toMatchObject({
      podSelector: { matchLabels: { app: 'web' } },
      egress: expect.arrayContaining([
        { to: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
        {
          to: [
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
          ],
          ports: [{ protocol: 'UDP', port: 53 }],
        },
        { to: [{ ipBlock: { cidr: '203.0.113.9/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
      ]),
    });
    expect(a.yaml).not.toMatch(/pod-template-hash|controller-revision-hash|statefulset\.kubernetes\.io|pod-index/);
    expect(a.replaces).toEqual(['allow-all']);
    // The YAML is the objects.
    expect(a.yaml.split(/^---$/m).map((d) => parse(d))).toEqual(a.policies);
    expect(advice.verification).toEqual({ verified: true, allowed: 4, problems: [] });
    expect(advice.notes).toContain('not advised, though the advised namespaces talk with them: kube-system — name them with --namespace to include them');
    expect(advice.attempts.map(text)).toEqual(['a/api → kube-system/coredns UDP/53 ×1', 'a/web → b/db TCP/5432 ×1']);
  });

  it('advises only the namespaces named, and leaves the internet open when asked', () => {
    const advice = advisePolicies(cluster.policy, traffic, { namespaces: ['b'], allowEgressInternet: true });
    expect(advice.namespaces.map((n) => n.namespace)).toEqual(['b']);
    expect(advisePolicies(cluster.policy, traffic, { namespaces: ['typo'] }).notes).toContain(
      'namespace typo is not in the recording: its default deny is advised all the same (a typo?)',
    );
    expect(advice.flows.map(text)).toEqual(['a/api → b/db TCP/5432 ×1']);
    const db = advice.namespaces[0]!.policies[1]!;
    expect((db.spec as { egress: unknown[] }).egress).toEqual([
      {
        to: [
          { ipBlock: { cidr: '0.0.0.0/0', except: expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']) } },
          { ipBlock: { cidr: '::/0', except: expect.arrayContaining(['fc00::/7']) } },
        ],
      },
    ]);
    expect(advice.verification.verified).toBe(true);
  });

  it('fails its own check when another policy would still allow more than was seen, naming it', () => {
    // Open to the whole cluster: coredns (not advised, its egress open) may reach api on any port.
    const cnp = {
      kind: 'CiliumNetworkPolicy',
      apiVersion: 'cilium.io/v2',
      metadata: { name: 'api-open', namespace: 'a' },
      spec: { endpointSelector: { matchLabels: { app: 'api' } }, ingress: [{ fromEntities: ['cluster'] }] },
    };
    const c = recordedCluster(new StaticCluster(objects([cnp])));
    const advice = advisePolicies(c.policy, observeTraffic(c, events()));
    expect(advice.verification.verified).toBe(false);
    expect(advice.verification.problems).toEqual([
      expect.stringMatching(/^not observed but allowed: kube-system\/coredns → a\/api .*\(by CiliumNetworkPolicy a\/api-open\)$/),
    ]);
  });

  it('a workload whose pods share no stable label cannot be selected: said, and its flows fail the check', () => {
    const lonely = pod('a', 'lonely-5f6d7c8b9-abcde', '10.244.0.40', { 'pod-template-hash': '5f6d7c8b9' }, { kind: 'ReplicaSet', name: 'lonely-5f6d7c8b9' });
    const c = recordedCluster(new StaticCluster(objects([lonely])));
    const more = [
      ...events(),
      ev({
        type: 'tcp',
        event: 'established',
        role: 'client',
        proto: 'tcp',
        src: '10.244.0.40',
        sport: 45000,
        dst: API.ip,
        dport: 8080,
        identities: { src: { kind: 'pod', namespace: 'a', name: 'lonely-5f6d7c8b9-abcde' }, dst: API.id },
      }),
    ];
    const w = c.policy.workloadById.get('a/lonely');
    expect(w && stableSelector(c.policy, w)).toBeNull();
    const advice = advisePolicies(c.policy, observeTraffic(c, more));
    expect(advice.notes.some((n) => n.startsWith('a/lonely: its pods share no label that survives a rollout'))).toBe(true);
    expect(advice.verification.verified).toBe(false);
    expect(advice.verification.problems).toEqual([
      expect.stringMatching(/^observed a\/lonely → a\/api TCP\/8080 \(seen 1 time\) is denied: egress isolated by NetworkPolicy a\/pathlight-default-deny/),
    ]);
  });

  it('picks more labels when the usual one is shared with another workload of the namespace', () => {
    const c = recordedCluster(
      new StaticCluster([
        pod('a', 'web-1', '10.0.0.1', { app: 'shop', component: 'web', 'pod-template-hash': 'h1' }, { kind: 'ReplicaSet', name: 'web-h1' }),
        pod('a', 'worker-1', '10.0.0.2', { app: 'shop', component: 'worker', 'pod-template-hash': 'h2' }, { kind: 'ReplicaSet', name: 'worker-h2' }),
      ]),
    );
    expect(stableSelector(c.policy, c.policy.workloadById.get('a/web')!)).toEqual({ component: 'web' });
  });
});

describe('policy impact', () => {
  const cluster = recordedCluster(new StaticCluster(objects()));
  const traffic = observeTraffic(cluster, events());
  const manifests = (text: string) => policy.parseManifests([{ name: 'proposal.yaml', text }]).objects;

  it('the advised policies break nothing that was observed', () => {
    const advice = advisePolicies(cluster.policy, traffic);
    const r = policyImpact(cluster.policy, manifests(advice.namespaces.map((n) => n.yaml).join('---\n')), traffic.flows, traffic.attempts);
    expect(r.newlyDenied).toEqual([]);
    expect(r.added).toContain('NetworkPolicy a/pathlight-web');
  });

  it('an egress policy that forgets DNS: the DNS flow newly denied, with the policy and how often it was seen', () => {
    const r = policyImpact(
      cluster.policy,
      manifests(
        'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web-egress, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {matchLabels: {app: api}}}]\n    ports: [{port: 8080}]\n  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]\n    ports: [{port: 443}]\n',
      ),
      traffic.flows,
      traffic.attempts,
    );
    expect(r.newlyDenied.map((c) => text(c.flow))).toEqual(['a/web → kube-system/coredns UDP/53 ×1']);
    expect(r.newlyDenied[0]!.deniedBy).toEqual([
      { direction: 'egress', reason: 'isolated', tier: 'networkpolicy', policies: [{ kind: 'NetworkPolicy', namespace: 'a', name: 'web-egress' }] },
    ]);
    expect(r.newlyAllowed).toEqual([]);
  });

  it('a policy of the same name replaces the recorded one; a fix shows as newly allowed', () => {
    const closed = recordedCluster(
      new StaticCluster(
        objects([
          {
            kind: 'NetworkPolicy',
            apiVersion: 'networking.k8s.io/v1',
            metadata: { name: 'db', namespace: 'b' },
            spec: { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'] },
          },
        ]),
      ),
    );
    const t = observeTraffic(closed, events());
    const r = policyImpact(
      closed.policy,
      manifests(
        'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: b}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: a}}}]\n    ports: [{port: 5432}]\n',
      ),
      t.flows,
      t.attempts,
    );
    expect(r.replaced).toEqual(['NetworkPolicy b/db']);
    expect(r.added).toEqual([]);
    // The recorded deny-all on db denied even what was seen (it came later): both now allowed.
    expect(r.newlyAllowed.map((c) => [text(c.flow), c.attempted ?? false])).toEqual([
      ['a/api → b/db TCP/5432 ×1', false],
      ['a/web → b/db TCP/5432 ×1', true],
    ]);
    expect(r.newlyDenied).toEqual([]);
  });
});
