/**
 * The one reader of Kubernetes objects: the untyped object helpers (metadata, labels, owner
 * references, conditions), the typed Pod / Service / EndpointSlice / Node accessors the
 * engines read, and `workloadOf`, the one rule that names a pod's workload. The diagnosis,
 * the graph and the policy inventory all go through here, so the workload a graph node shows
 * is the one the answer names and the one a policy explanation cites.
 *
 * Objects listed by the API carry no `kind`/`apiVersion`: callers know what they read from the
 * list it came in (see ClusterView in ./view.ts). Every reader tolerates missing or mistyped
 * fields: manifests and recordings are user input.
 */
import { ipsOf } from './identity.js';
import type { KubeObject } from './view.js';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** `v` as an object, or an empty one. */
export const objOf = (v: unknown): Obj => (isObj(v) ? v : {});
/** `v` as an array, or an empty one. */
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** A non-empty string, else undefined. */
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Label (or selector) values as strings: manifests written by hand may say `version: 2`. */
export function labelsOf(v: unknown): Record<string, string> {
  if (!isObj(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) out[k] = val === null || val === undefined ? '' : String(val);
  return out;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels: Record<string, string>;
}

/** The name, namespace and labels of any object. */
export function metaOf(o: { metadata?: unknown }): ObjectMeta {
  const m = objOf(o.metadata);
  const out: ObjectMeta = { labels: labelsOf(m.labels) };
  const name = str(m.name);
  const namespace = str(m.namespace);
  if (name) out.name = name;
  if (namespace) out.namespace = namespace;
  return out;
}

export interface OwnerRef {
  kind: string;
  name: string;
  uid?: string;
}

/** The controller owner of an object (or, failing one, its first owner). */
export function controllerRef(o: { metadata?: unknown }): OwnerRef | undefined {
  const refs = arr(objOf(o.metadata).ownerReferences).filter(isObj);
  const ref = refs.find((r) => r.controller === true) ?? refs[0];
  const kind = str(ref?.kind);
  const name = str(ref?.name);
  if (!kind || !name) return undefined;
  const uid = str(ref?.uid);
  return uid ? { kind, name, uid } : { kind, name };
}

/** Whether the object's status lists condition `type` as True. */
export const conditionTrue = (o: { status?: unknown }, type: string): boolean =>
  arr(objOf(o.status).conditions).some((c) => isObj(c) && c.type === type && c.status === 'True');

// ---- workloads ---------------------------------------------------------------------------------

export interface WorkloadName {
  /** `Deployment`, `StatefulSet`, `DaemonSet`, `CronJob`, `Job`, `ReplicaSet`, … */
  kind: string;
  name: string;
  /** The pod's own controller (the ReplicaSet of a Deployment's pod, the Job of a CronJob's). */
  owner: OwnerRef;
}

/** Kinds that run pods from a template: an owner of one of these kinds is the pod's workload even when not marked as its controller. */
const WORKLOAD_KINDS: ReadonlySet<string> = new Set(['ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController']);

const hasControllerRef = (o: { metadata?: unknown }): boolean => arr(objOf(o.metadata).ownerReferences).some((r) => isObj(r) && r.controller === true);

/** The characters of a pod-template-hash (Kubernetes' SafeEncodeString: no vowels, no 0, 1, 3). */
const hashSuffix = /^(.+)-[bcdfghjklmnpqrstvwxz2456789]{5,10}$/;
/** A CronJob names each Job `<cronjob>-<scheduled time in minutes>`. */
const cronJobSuffix = /^(.+)-\d{8,}$/;

/**
 * The workload a pod belongs to, as `kubectl` users name it:
 * - a ReplicaSet named `<deployment>-<pod-template-hash>` is its Deployment's (the hash is the
 *   pod's `pod-template-hash` label; without the label, a suffix of the hash alphabet);
 * - a Job named `<cronjob>-<minutes>` whose pod carries `batch.kubernetes.io/cronjob-name` is
 *   its CronJob's;
 * - any other controller (StatefulSet, DaemonSet, Job, a ReplicaSet of its own) is the workload;
 * - a bare pod, a static pod (whose mirror is owned by its Node) and a pod whose only owners are
 *   not its controller and not of a workload kind, belong to none: undefined.
 */
export function workloadOf(pod: { metadata?: unknown }): WorkloadName | undefined {
  const owner = controllerRef(pod);
  if (!owner || owner.kind === 'Node') return undefined;
  // An owner that is not the pod's controller (a garbage-collection link to a ConfigMap, a
  // custom resource, a Service) does not make the pod part of a workload — unless it is of a
  // workload kind: hand-written manifests often leave `controller: true` out.
  if (!hasControllerRef(pod) && !WORKLOAD_KINDS.has(owner.kind)) return undefined;
  const labels = metaOf(pod).labels;
  if (owner.kind === 'ReplicaSet') {
    const hash = labels['pod-template-hash'];
    if (hash && owner.name.endsWith(`-${hash}`) && owner.name.length > hash.length + 1) {
      return { kind: 'Deployment', name: owner.name.slice(0, -(hash.length + 1)), owner };
    }
    const m = hashSuffix.exec(owner.name);
    if (m?.[1] && !hash) return { kind: 'Deployment', name: m[1], owner };
  }
  if (owner.kind === 'Job') {
    const m = cronJobSuffix.exec(owner.name);
    if (m?.[1] && labels['batch.kubernetes.io/cronjob-name'] === m[1]) return { kind: 'CronJob', name: m[1], owner };
  }
  return { kind: owner.kind, name: owner.name, owner };
}

// ---- typed accessors ---------------------------------------------------------------------------

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
  /** `Deployment/frontend`, `StatefulSet/db`, … (workloadOf) or `Pod/<name>` for a pod of no workload. */
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
  /** The port opened on every node (NodePort and LoadBalancer Services). */
  nodePort?: number;
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
  /** `Local` keeps the client's address and serves node ports only from the node's own backends. */
  externalTrafficPolicy: 'Cluster' | 'Local';
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

export interface KubeNode {
  name: string;
  labels: Record<string, string>;
  /** InternalIP and ExternalIP addresses. */
  ips: string[];
  ready: boolean;
  /** From the `node-role.kubernetes.io/<role>` labels, sorted. */
  roles: string[];
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

/** A pod as the engines read it; undefined without a name. */
export function readPod(o: KubeObject): Pod | undefined {
  const meta = objOf(o.metadata);
  const name = str(meta.name);
  if (!name) return undefined;
  const spec = objOf(o.spec);
  const status = objOf(o.status);
  const ips = arr(status.podIPs)
    .filter(isObj)
    .map((x) => String(x.ip));
  if (ips.length === 0 && str(status.podIP)) ips.push(String(status.podIP));
  const conds = arr(status.conditions).filter(isObj);
  const readyCond = conds.find((c) => c.type === 'Ready');
  const readiness: string[] = [];
  if (readyCond && readyCond.status !== 'True') readiness.push([str(readyCond.reason), str(readyCond.message)].filter(Boolean).join(': ') || 'Ready is False');
  for (const cs of arr(status.containerStatuses).filter(isObj)) {
    if (cs.ready === true) continue;
    const state = objOf(cs.state);
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
  const wl = workloadOf(o);
  const pod: Pod = {
    namespace: str(meta.namespace) ?? 'default',
    name,
    labels: labelsOf(meta.labels),
    ips,
    hostNetwork: spec.hostNetwork === true,
    phase: str(status.phase) ?? 'Unknown',
    ready: readyCond?.status === 'True',
    readiness,
    ports,
    workload: wl ? { kind: wl.kind, name: wl.name } : { kind: 'Pod', name },
    dnsPolicy: str(spec.dnsPolicy) ?? 'ClusterFirst',
    probes,
    obj: o,
  };
  if (str(spec.nodeName)) pod.node = String(spec.nodeName);
  if (isObj(spec.dnsConfig)) pod.dnsConfig = spec.dnsConfig as Pod['dnsConfig'];
  return pod;
}

/** A Service as the engines read it; undefined without a name. */
export function readService(o: KubeObject): Service | undefined {
  const meta = objOf(o.metadata);
  const name = str(meta.name);
  if (!name) return undefined;
  const spec = objOf(o.spec);
  const ips = arr(spec.clusterIPs).map(String);
  if (ips.length === 0 && str(spec.clusterIP)) ips.push(String(spec.clusterIP));
  const svc: Service = {
    namespace: str(meta.namespace) ?? 'default',
    name,
    type: str(spec.type) ?? 'ClusterIP',
    clusterIPs: ips.filter((ip) => ip !== 'None'),
    headless: ips.includes('None'),
    selector: isObj(spec.selector) && Object.keys(spec.selector).length > 0 ? labelsOf(spec.selector) : null,
    ports: arr(spec.ports)
      .filter(isObj)
      .map((p) => ({
        ...(str(p.name) ? { name: String(p.name) } : {}),
        port: Number(p.port),
        protocol: str(p.protocol) ?? 'TCP',
        targetPort: typeof p.targetPort === 'number' || typeof p.targetPort === 'string' ? (p.targetPort as number | string) : Number(p.port),
        ...(typeof p.nodePort === 'number' ? { nodePort: p.nodePort } : {}),
      })),
    externalTrafficPolicy: spec.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
    obj: o,
  };
  if (str(spec.externalName)) svc.externalName = String(spec.externalName);
  return svc;
}

/** An EndpointSlice as the engines read it; undefined without a name or a Service. */
export function readSlice(o: KubeObject): Slice | undefined {
  const meta = objOf(o.metadata);
  const service = labelsOf(meta.labels)['kubernetes.io/service-name'];
  const name = str(meta.name);
  if (!service || !name) return undefined;
  const ports = Array.isArray(o.ports)
    ? o.ports.filter(isObj).map((p) => ({ ...(str(p.name) ? { name: String(p.name) } : {}), port: Number(p.port), protocol: str(p.protocol) ?? 'TCP' }))
    : null;
  return {
    namespace: str(meta.namespace) ?? 'default',
    name,
    service,
    ports: ports && ports.length > 0 ? ports : null,
    endpoints: arr(o.endpoints)
      .filter(isObj)
      .map((e) => {
        const c = objOf(e.conditions);
        const ref = objOf(e.targetRef);
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

/** A Node as the engines read it; undefined without a name. */
export function readNode(o: { metadata?: unknown; status?: unknown }): KubeNode | undefined {
  const m = metaOf(o);
  if (!m.name) return undefined;
  const roles = Object.keys(m.labels)
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter((r) => r !== '')
    .sort();
  return { name: m.name, labels: m.labels, ips: ipsOf('node', o), ready: conditionTrue(o, 'Ready'), roles };
}
