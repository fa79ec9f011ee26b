/**
 * The one set of Kubernetes object builders of the tests (policy engine, diagnosis, graph):
 * namespaces, nodes, pods, Services, EndpointSlices, workloads and every policy kind, as
 * plain objects the way the API returns them — with `kind` and `apiVersion`, which list views
 * ignore (see StaticCluster and ClusterView in src/core/cluster/view.ts).
 */
import type { KubeObject } from '../../src/core/index.js';

type Obj = Record<string, unknown>;
/** What every builder returns: an object as the API returns it, kind and apiVersion set. */
export type Built = KubeObject & { apiVersion: string; kind: string };
type Labels = Record<string, string>;

/** A namespace, labelled `kubernetes.io/metadata.name` as the API server labels every namespace. */
export function makeNamespace(name: string, labels: Labels = {}): Built {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels, 'kubernetes.io/metadata.name': name } } };
}

export function makeNode(name: string, ip: string, o: { ready?: boolean; roles?: string[] } = {}): Built {
  const labels = Object.fromEntries((o.roles ?? []).map((r) => [`node-role.kubernetes.io/${r}`, '']));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    status: {
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

export type ContainerPorts = Array<{ name?: string; containerPort: number; protocol?: string }>;

export interface PodOptions {
  labels?: Labels;
  ports?: ContainerPorts;
  ip?: string;
  hostNetwork?: boolean;
  hostIP?: string;
  nodeName?: string;
  /** The controller owner (a ReplicaSet owner gets no pod-template-hash unless `hash` says so). */
  owner?: { kind: string; name: string };
  /** The `pod-template-hash` label. */
  hash?: string;
  /** Owned by the ReplicaSet `<deployment>-<hash>` of this Deployment, with the matching pod-template-hash label. */
  deployment?: string;
  /** With `ready` or `phase`: a started pod with its Ready condition and container status. */
  ready?: boolean;
  phase?: string;
  readinessProbe?: Obj;
}

export const DEFAULT_TEMPLATE_HASH = '7c9d8f6b5';

/**
 * A pod. Without `ready` or `phase` it is as a manifest declares it (no status but its
 * addresses); with either, as a kubelet reports it: phase (Running by default), the Ready
 * condition and the container's status.
 */
export function makePod(ns: string, name: string, o: PodOptions = {}): Built {
  const hash = o.hash ?? (o.deployment ? DEFAULT_TEMPLATE_HASH : undefined);
  const metadata: Obj = { name, namespace: ns, labels: { ...(o.labels ?? {}), ...(hash ? { 'pod-template-hash': hash } : {}) } };
  const owner = o.owner ?? (o.deployment ? { kind: 'ReplicaSet', name: `${o.deployment}-${hash!}` } : undefined);
  if (owner) metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, controller: true }];
  const spec: Obj = { containers: [{ name: 'c', image: 'agnhost', ports: o.ports ?? [], ...(o.readinessProbe ? { readinessProbe: o.readinessProbe } : {}) }] };
  if (o.hostNetwork) spec.hostNetwork = true;
  if (o.nodeName) spec.nodeName = o.nodeName;
  const status: Obj = {};
  if (o.ready !== undefined || o.phase !== undefined) {
    const ready = o.ready ?? true;
    status.phase = o.phase ?? 'Running';
    status.conditions = [{ type: 'Ready', status: ready ? 'True' : 'False', ...(ready ? {} : { reason: 'ContainersNotReady' }) }];
    status.containerStatuses = [{ name: 'c', ready, restartCount: 0, state: { running: {} } }];
  }
  if (o.ip) {
    status.podIP = o.ip;
    status.podIPs = [{ ip: o.ip }];
  }
  if (o.hostIP) status.hostIP = o.hostIP;
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec, status };
}

/** A running pod, Ready unless told otherwise, on node-1. */
export function runningPod(ns: string, name: string, o: PodOptions = {}): Built {
  return makePod(ns, name, { nodeName: 'node-1', ...o, ready: o.ready ?? true });
}

/** A running pod `<deploy>-<hash>-<suffix>` of Deployment `deploy` (through its ReplicaSet `<deploy>-<hash>`), labelled `app: <deploy>`. */
export function deploymentPod(ns: string, deploy: string, suffix: string, ip: string, o: { ready?: boolean; hash?: string } = {}): Built {
  const hash = o.hash ?? DEFAULT_TEMPLATE_HASH;
  return runningPod(ns, `${deploy}-${hash}-${suffix}`, {
    ip,
    hash,
    deployment: deploy,
    labels: { app: deploy },
    ...(o.ready === false ? { ready: false } : {}),
  });
}

export function makeDeployment(ns: string, name: string, labels: Labels, ports: ContainerPorts = []): Built {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', ports }] } } },
  };
}

export type ServicePorts = Array<{ name?: string; port: number; targetPort?: number | string; protocol?: string }>;

/** A ClusterIP Service selecting `app: <name>` unless `selector` says otherwise (null: no selector). */
export function makeService(ns: string, name: string, ip: string, ports: ServicePorts = [{ port: 80 }], o: { selector?: Labels | null } = {}): Built {
  const selector = o.selector === undefined ? { app: name } : o.selector;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], ...(selector ? { selector } : {}), ports: ports.map((p) => ({ protocol: 'TCP', ...p })) },
  };
}

/** The EndpointSlice `<service>-abcde`; `pod` names an endpoint's pod, `ports` the slice's ports (null: none listed). */
export function makeSlice(
  ns: string,
  service: string,
  endpoints: Array<{ ip: string; ready: boolean; pod?: string }>,
  ports?: Array<{ name?: string; port: number }> | null,
): Built {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-abcde`, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ...(ports !== undefined ? { ports: ports ? ports.map((p) => ({ protocol: 'TCP', ...p })) : null } : {}),
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready },
      ...(e.pod ? { targetRef: { kind: 'Pod', name: e.pod, namespace: ns } } : {}),
    })),
  };
}

// ---- policies ----------------------------------------------------------------------------------

export function makePolicy(ns: string, name: string, spec: Obj): Built {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec };
}

export function makeANP(name: string, priority: number, spec: Obj): Built {
  return { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name }, spec: { priority, ...spec } };
}

export function makeBANP(spec: Obj): Built {
  return { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'BaselineAdminNetworkPolicy', metadata: { name: 'default' }, spec };
}

export function makeClusterNetworkPolicy(name: string, tier: 'Admin' | 'Baseline', priority: number, spec: Obj): Built {
  return { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name }, spec: { tier, priority, ...spec } };
}

export function makeCilium(ns: string | null, name: string, spec: Obj): Built {
  return ns === null
    ? { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name }, spec }
    : { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace: ns }, spec };
}
