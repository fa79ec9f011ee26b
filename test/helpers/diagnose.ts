/**
 * Builders for diagnosis tests: a small app (frontend → backend Service → backend pods) in a
 * namespace with cluster DNS, as the API returns it (pods with owners, readiness and IPs,
 * Services with ClusterIPs, EndpointSlices), plus the golden fixtures captured from the lab
 * (test/lab/capture-why.mjs) and a seeded shuffle for the property tests.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { diagnose as d, type ClusterKind, type ClusterView, type KubeObject } from '../../src/core/index.js';
import { fixture } from './paths.js';

type Obj = Record<string, unknown>;

export interface PodSpec {
  ns: string;
  name: string;
  labels: Record<string, string>;
  ip?: string;
  ready?: boolean;
  phase?: string;
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  deployment?: string;
  node?: string;
  readinessProbe?: Obj;
}

export function pod(p: PodSpec): KubeObject {
  const hash = 'abc12';
  const metadata: Obj = { name: p.name, namespace: p.ns, labels: { ...p.labels, ...(p.deployment ? { 'pod-template-hash': hash } : {}) } };
  if (p.deployment) metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${p.deployment}-${hash}`, controller: true }];
  const ready = p.ready ?? true;
  return {
    metadata,
    spec: { nodeName: p.node ?? 'node-1', containers: [{ name: 'c', ports: p.ports ?? [], ...(p.readinessProbe ? { readinessProbe: p.readinessProbe } : {}) }] },
    status: {
      phase: p.phase ?? 'Running',
      ...(p.ip ? { podIP: p.ip, podIPs: [{ ip: p.ip }] } : {}),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', ...(ready ? {} : { reason: 'ContainersNotReady' }) }],
      containerStatuses: [{ name: 'c', ready, restartCount: 0, state: { running: {} } }],
    },
  } as KubeObject;
}

export function service(ns: string, name: string, ip: string, selector: Record<string, string> | null, ports: Array<{ name?: string; port: number; targetPort?: number | string; protocol?: string }>): KubeObject {
  return { metadata: { name, namespace: ns }, spec: { clusterIP: ip, clusterIPs: [ip], ...(selector ? { selector } : {}), ports: ports.map((p) => ({ protocol: 'TCP', ...p })) } } as KubeObject;
}

export function slice(ns: string, svc: string, endpoints: Array<{ pod: string; ip: string; ready: boolean }>, ports: Array<{ name?: string; port: number }> | null): KubeObject {
  return {
    metadata: { name: `${svc}-x1`, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: ports ? ports.map((p) => ({ protocol: 'TCP', ...p })) : null,
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready }, targetRef: { kind: 'Pod', name: e.pod, namespace: ns } })),
  } as KubeObject;
}

export const namespace = (name: string): KubeObject => ({ metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
export const policy = (ns: string, name: string, spec: Obj): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', metadata: { name, namespace: ns }, spec }) as KubeObject;

/** Objects by the kind they are listed as (the API's list items carry no `kind`). */
export type Objects = Partial<Record<ClusterKind, KubeObject[]>>;
export const view = (o: Objects): ClusterView => ({ list: (k) => o[k] ?? [] });

/** Cluster DNS: kube-system/kube-dns 10.96.0.10 → one ready CoreDNS pod. */
export function clusterDns(): Objects {
  return {
    Namespace: [namespace('kube-system')],
    Pod: [pod({ ns: 'kube-system', name: 'coredns-1', labels: { 'k8s-app': 'kube-dns' }, ip: '10.244.0.2', deployment: 'coredns', ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53 }] })],
    Service: [service('kube-system', 'kube-dns', '10.96.0.10', { 'k8s-app': 'kube-dns' }, [{ name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' }])],
    EndpointSlice: [slice('kube-system', 'kube-dns', [{ pod: 'coredns-1', ip: '10.244.0.2', ready: true }], [{ name: 'dns', port: 53 }])],
  };
}

export interface AppOptions {
  selector?: Record<string, string>;
  targetPort?: number | string;
  backendReady?: boolean;
  sliceReady?: boolean;
  slicePorts?: Array<{ name?: string; port: number }> | null;
  policies?: KubeObject[];
  extra?: Objects;
}

/** ns `shop`: frontend (10.244.1.10) → Service backend 10.96.1.1:8080 (targetPort http) → backend (10.244.1.20, port http 8080). */
export function app(o: AppOptions = {}): Objects {
  const ns = 'shop';
  const dns = clusterDns();
  const backendReady = o.backendReady ?? true;
  const objs: Objects = {
    Namespace: [...dns.Namespace!, namespace(ns)],
    Pod: [
      ...dns.Pod!,
      pod({ ns, name: 'frontend-1', labels: { app: 'frontend' }, ip: '10.244.1.10', deployment: 'frontend' }),
      pod({ ns, name: 'backend-1', labels: { app: 'backend' }, ip: '10.244.1.20', deployment: 'backend', ready: backendReady, ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { httpGet: { path: '/healthz', port: 8080 } } }),
    ],
    Service: [...dns.Service!, service(ns, 'backend', '10.96.1.1', o.selector ?? { app: 'backend' }, [{ name: 'http', port: 8080, targetPort: o.targetPort ?? 'http' }])],
    EndpointSlice: [...dns.EndpointSlice!, slice(ns, 'backend', (o.selector ?? { app: 'backend' }).app === 'backend' ? [{ pod: 'backend-1', ip: '10.244.1.20', ready: o.sliceReady ?? backendReady }] : [], o.slicePorts === undefined ? [{ name: 'http', port: 8080 }] : o.slicePorts)],
    NetworkPolicy: o.policies ?? [],
  };
  for (const [k, list] of Object.entries(o.extra ?? {})) objs[k as ClusterKind] = [...(objs[k as ClusterKind] ?? []), ...(list ?? [])];
  return objs;
}

export function why(objects: Objects, q: d.WhyQuery, opts: d.DiagnoseOptions = {}): d.Diagnosis {
  const r = d.diagnose(view(objects), q, opts);
  if (!r.ok) throw new Error(`${r.error.message} (${r.error.hint})`);
  return r.value;
}

// ---- Lab fixtures ------------------------------------------------------------------------------

export interface LabFixture {
  scenario: string;
  query: { from: string; to: string };
  expected: { verdict: d.Verdict; kind: d.FindingKind };
  objects: Objects;
  events: Array<Record<string, unknown> & { type: string; ts: number; node: string }>;
}

export function labFixtures(): LabFixture[] {
  const dir = fixture('diagnose');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as LabFixture);
}

export function correlate(events: LabFixture['events']): d.Correlator {
  const c = new d.Correlator();
  for (const e of events) c.add(e as d.EvidenceLine);
  return c;
}

export { rng, shuffle as shuffled } from './random.js';
