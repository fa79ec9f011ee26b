/**
 * The cluster as the checks read it: namespaces, pods with their workload and readiness,
 * Services, EndpointSlices by Service, and the policy index, built once per diagnosis from a
 * ClusterView (live snapshot, replay, or plain objects). Objects listed by the API carry no
 * `kind`/`apiVersion`; the list they came from says what they are.
 */
import { clusterKinds, type ClusterKind, type ClusterView, type KubeObject } from '../cluster/view.js';
import { indexFromObjects, type PolicyIndex } from '../policy/index.js';
import type { ObjectRef } from './types.js';

const apiVersions: Record<ClusterKind, string> = {
  Namespace: 'v1',
  Node: 'v1',
  Pod: 'v1',
  Service: 'v1',
  EndpointSlice: 'discovery.k8s.io/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  AdminNetworkPolicy: 'policy.networking.k8s.io/v1alpha1',
  BaselineAdminNetworkPolicy: 'policy.networking.k8s.io/v1alpha1',
  ClusterNetworkPolicy: 'policy.networking.k8s.io/v1alpha2',
  CiliumNetworkPolicy: 'cilium.io/v2',
  CiliumClusterwideNetworkPolicy: 'cilium.io/v2',
};

export interface PodPort {
  name?: string;
  containerPort: number;
  protocol: string;
}

export interface Pod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ips: string[];
  node?: string;
  hostNetwork: boolean;
  phase: string;
  ready: boolean;
  /** The Ready condition's reason/message and not-ready containers, for "why not ready". */
  readiness: string[];
  ports: PodPort[];
  /** `Deployment/frontend`, `StatefulSet/db`, … or `Pod/<name>` for a bare pod. */
  workload: { kind: string; name: string };
  dnsPolicy: string;
  dnsConfig?: { searches?: string[]; options?: Array<{ name?: string; value?: string }>; nameservers?: string[] };
  /** Readiness probes, described (`GET /healthz on 8080`). */
  probes: string[];
  obj: KubeObject;
}

export interface ServicePort {
  name?: string;
  port: number;
  protocol: string;
  targetPort: number | string;
}

export interface Service {
  namespace: string;
  name: string;
  type: string;
  clusterIPs: string[];
  headless: boolean;
  externalName?: string;
  selector: Record<string, string> | null;
  ports: ServicePort[];
  obj: KubeObject;
}

export interface SliceEndpoint {
  addresses: string[];
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  pod?: string;
  node?: string;
  hostname?: string;
}

export interface Slice {
  namespace: string;
  name: string;
  service: string;
  /** null: the slice lists no ports (a named targetPort no pod declares). */
  ports: Array<{ name?: string; port: number; protocol: string }> | null;
  endpoints: SliceEndpoint[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const labels = (v: unknown): Record<string, string> => (isObj(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : {});

/** `frontend-7c9d8f6b5` owned by ReplicaSet whose pods carry `pod-template-hash: 7c9d8f6b5` → Deployment `frontend`. */
function workloadOf(meta: Obj, podName: string): { kind: string; name: string } {
  const refs = arr(meta.ownerReferences).filter(isObj);
  const ref = refs.find((r) => r.controller === true) ?? refs[0];
  const kind = str(ref?.kind);
  const name = str(ref?.name);
  if (!kind || !name) return { kind: 'Pod', name: podName };
  const hash = labels(meta.labels)['pod-template-hash'];
  if (kind === 'ReplicaSet' && hash && name.endsWith(`-${hash}`)) return { kind: 'Deployment', name: name.slice(0, -hash.length - 1) };
  if (kind === 'Job') {
    const cron = /^(.*)-\d{8,}$/.exec(name);
    if (cron && labels(meta.labels)['batch.kubernetes.io/cronjob-name'] === cron[1]) return { kind: 'CronJob', name: cron[1]! };
  }
  return { kind, name };
}

function describeProbe(p: Obj): string {
  const h = isObj(p.httpGet) ? p.httpGet : undefined;
  if (h) return `GET ${str(h.path) ?? '/'} on ${String(h.port)}`;
  const t = isObj(p.tcpSocket) ? p.tcpSocket : undefined;
  if (t) return `TCP connect to ${String(t.port)}`;
  const e = isObj(p.exec) ? p.exec : undefined;
  if (e) return `exec ${arr(e.command).join(' ')}`;
  const g = isObj(p.grpc) ? p.grpc : undefined;
  if (g) return `gRPC health on ${String(g.port)}`;
  return 'a probe';
}

function toPod(o: KubeObject): Pod | undefined {
  const meta = isObj(o.metadata) ? (o.metadata as Obj) : {};
  const name = str(meta.name);
  if (!name) return undefined;
  const spec = isObj(o.spec) ? o.spec : {};
  const status = isObj(o.status) ? o.status : {};
  const ips = arr(status.podIPs).filter(isObj).map((x) => String(x.ip));
  if (ips.length === 0 && str(status.podIP)) ips.push(String(status.podIP));
  const conds = arr(status.conditions).filter(isObj);
  const readyCond = conds.find((c) => c.type === 'Ready');
  const readiness: string[] = [];
  if (readyCond && readyCond.status !== 'True') readiness.push([str(readyCond.reason), str(readyCond.message)].filter(Boolean).join(': ') || 'Ready is False');
  for (const cs of arr(status.containerStatuses).filter(isObj)) {
    if (cs.ready === true) continue;
    const state = isObj(cs.state) ? cs.state : {};
    const waiting = isObj(state.waiting) ? state.waiting : undefined;
    const terminated = isObj(state.terminated) ? state.terminated : undefined;
    const what = waiting ? `waiting (${str(waiting.reason) ?? '?'})` : terminated ? `terminated (${str(terminated.reason) ?? '?'})` : 'running but not ready';
    readiness.push(`container ${String(cs.name)} ${what}${Number(cs.restartCount) > 0 ? `, ${String(cs.restartCount)} restarts` : ''}`);
  }
  const containers = arr(spec.containers).filter(isObj);
  const ports: PodPort[] = [];
  const probes: string[] = [];
  for (const c of containers) {
    for (const p of arr(c.ports).filter(isObj)) {
      const n = Number(p.containerPort);
      if (!Number.isInteger(n)) continue;
      ports.push({ ...(str(p.name) ? { name: String(p.name) } : {}), containerPort: n, protocol: str(p.protocol) ?? 'TCP' });
    }
    if (isObj(c.readinessProbe)) probes.push(`container ${String(c.name)}: readiness ${describeProbe(c.readinessProbe)}`);
  }
  const pod: Pod = {
    namespace: str(meta.namespace) ?? 'default',
    name,
    labels: labels(meta.labels),
    ips,
    hostNetwork: spec.hostNetwork === true,
    phase: str(status.phase) ?? 'Unknown',
    ready: readyCond?.status === 'True',
    readiness,
    ports,
    workload: workloadOf(meta, name),
    dnsPolicy: str(spec.dnsPolicy) ?? 'ClusterFirst',
    probes,
    obj: o,
  };
  if (str(spec.nodeName)) pod.node = String(spec.nodeName);
  if (isObj(spec.dnsConfig)) pod.dnsConfig = spec.dnsConfig as Pod['dnsConfig'];
  return pod;
}

function toService(o: KubeObject): Service | undefined {
  const meta = isObj(o.metadata) ? (o.metadata as Obj) : {};
  const name = str(meta.name);
  if (!name) return undefined;
  const spec = isObj(o.spec) ? o.spec : {};
  const ips = arr(spec.clusterIPs).map(String);
  if (ips.length === 0 && str(spec.clusterIP)) ips.push(String(spec.clusterIP));
  const svc: Service = {
    namespace: str(meta.namespace) ?? 'default',
    name,
    type: str(spec.type) ?? 'ClusterIP',
    clusterIPs: ips.filter((ip) => ip !== 'None'),
    headless: ips.includes('None'),
    selector: isObj(spec.selector) && Object.keys(spec.selector).length > 0 ? labels(spec.selector) : null,
    ports: arr(spec.ports)
      .filter(isObj)
      .map((p) => ({
        ...(str(p.name) ? { name: String(p.name) } : {}),
        port: Number(p.port),
        protocol: str(p.protocol) ?? 'TCP',
        targetPort: typeof p.targetPort === 'number' || typeof p.targetPort === 'string' ? (p.targetPort as number | string) : Number(p.port),
      })),
    obj: o,
  };
  if (str(spec.externalName)) svc.externalName = String(spec.externalName);
  return svc;
}

function toSlice(o: KubeObject): Slice | undefined {
  const meta = isObj(o.metadata) ? (o.metadata as Obj) : {};
  const service = labels(meta.labels)['kubernetes.io/service-name'];
  const name = str(meta.name);
  if (!service || !name) return undefined;
  const ports = Array.isArray(o.ports) ? o.ports.filter(isObj).map((p) => ({ ...(str(p.name) ? { name: String(p.name) } : {}), port: Number(p.port), protocol: str(p.protocol) ?? 'TCP' })) : null;
  return {
    namespace: str(meta.namespace) ?? 'default',
    name,
    service,
    ports: ports && ports.length > 0 ? ports : null,
    endpoints: arr(o.endpoints)
      .filter(isObj)
      .map((e) => {
        const c = isObj(e.conditions) ? e.conditions : {};
        const ref = isObj(e.targetRef) ? e.targetRef : {};
        const ep: SliceEndpoint = {
          addresses: arr(e.addresses).map(String),
          // Unset `ready` means ready (discovery.k8s.io/v1).
          ready: c.ready !== false,
          serving: c.serving !== false,
          terminating: c.terminating === true,
        };
        if (ref.kind === 'Pod' && str(ref.name)) ep.pod = String(ref.name);
        if (str(e.nodeName)) ep.node = String(e.nodeName);
        if (str(e.hostname)) ep.hostname = String(e.hostname);
        return ep;
      }),
  };
}

export class Cluster {
  readonly namespaces = new Set<string>();
  readonly pods: Pod[] = [];
  readonly services: Service[] = [];
  readonly slices: Slice[] = [];
  /** Kinds the view could not provide (e.g. forbidden by RBAC), named in the diagnosis notes. */
  readonly missing: ClusterKind[];
  private readonly podByName = new Map<string, Pod>();
  private readonly podByIp = new Map<string, Pod>();
  private readonly svcByName = new Map<string, Service>();
  private readonly svcByIp = new Map<string, Service>();
  private policyIx: PolicyIndex | undefined;

  constructor(readonly view: ClusterView, missing: readonly ClusterKind[] = []) {
    this.missing = [...missing];
    for (const o of view.list('Namespace')) if (o.metadata?.name) this.namespaces.add(o.metadata.name);
    for (const o of view.list('Pod')) {
      const p = toPod(o);
      if (!p) continue;
      this.pods.push(p);
      this.podByName.set(`${p.namespace}/${p.name}`, p);
      if (!p.hostNetwork && p.phase !== 'Succeeded' && p.phase !== 'Failed') for (const ip of p.ips) this.podByIp.set(ip, p);
    }
    for (const o of view.list('Service')) {
      const s = toService(o);
      if (!s) continue;
      this.services.push(s);
      this.svcByName.set(`${s.namespace}/${s.name}`, s);
      for (const ip of s.clusterIPs) this.svcByIp.set(ip, s);
    }
    for (const o of view.list('EndpointSlice')) {
      const s = toSlice(o);
      if (s) this.slices.push(s);
    }
    // Namespaces the user may not list still exist where their objects are.
    for (const p of this.pods) this.namespaces.add(p.namespace);
    for (const s of this.services) this.namespaces.add(s.namespace);
  }

  pod(namespace: string, name: string): Pod | undefined {
    return this.podByName.get(`${namespace}/${name}`);
  }
  podByIP(ip: string): Pod | undefined {
    return this.podByIp.get(ip);
  }
  service(namespace: string, name: string): Service | undefined {
    return this.svcByName.get(`${namespace}/${name}`);
  }
  serviceByIP(ip: string): Service | undefined {
    return this.svcByIp.get(ip);
  }
  slicesOf(svc: Service): Slice[] {
    return this.slices.filter((s) => s.namespace === svc.namespace && s.service === svc.name);
  }
  /** Pods of a workload (kind as spelled by workloadOf; `Pod` for a bare pod). */
  podsOf(namespace: string, kind: string, name: string): Pod[] {
    return this.pods.filter((p) => p.namespace === namespace && p.workload.kind === kind && p.workload.name === name);
  }
  selected(namespace: string, selector: Record<string, string>): Pod[] {
    return this.pods.filter((p) => p.namespace === namespace && !isEnded(p) && matches(p.labels, selector));
  }

  /** The policy engine's index over the same objects (built on first use). */
  get policy(): PolicyIndex {
    if (!this.policyIx) {
      const objects: unknown[] = [];
      for (const kind of clusterKinds) {
        if (kind === 'Service' || kind === 'EndpointSlice') continue;
        for (const o of this.view.list(kind)) objects.push({ ...o, kind, apiVersion: o.apiVersion ?? apiVersions[kind] });
      }
      this.policyIx = indexFromObjects(objects, 'cluster');
    }
    return this.policyIx;
  }
}

export const isEnded = (p: Pod) => p.phase === 'Succeeded' || p.phase === 'Failed';
export const matches = (l: Record<string, string>, sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => l[k] === v);
export const podRef = (p: Pod): ObjectRef => ({ kind: 'Pod', namespace: p.namespace, name: p.name });
export const svcRef = (s: Service): ObjectRef => ({ kind: 'Service', namespace: s.namespace, name: s.name });
export const selectorText = (sel: Record<string, string>) => Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',');
