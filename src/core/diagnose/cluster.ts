/**
 * The cluster as the checks read it: namespaces, pods with their workload and readiness,
 * Services, EndpointSlices by Service, and the policy index, built once per diagnosis from a
 * ClusterView (live snapshot, replay, or plain objects). Objects listed by the API carry no
 * `kind`/`apiVersion`; the list they came from says what they are.
 */
import { readNode, readPod, readService, readSlice, type KubeNode, type Pod, type Service, type ServicePort, type Slice } from '../cluster/objects.js';
import { clusterKinds, type ClusterKind, type ClusterView } from '../cluster/view.js';
import { indexFromObjects, type PolicyIndex } from '../policy/index.js';
import type { ObjectRef } from './types.js';

export type { KubeNode, Pod, PodPort, Service, ServicePort, Slice, SliceEndpoint } from '../cluster/objects.js';

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

export class Cluster {
  readonly namespaces = new Set<string>();
  readonly pods: Pod[] = [];
  readonly services: Service[] = [];
  readonly slices: Slice[] = [];
  readonly nodes: KubeNode[] = [];
  /** Kinds the view could not provide (e.g. forbidden by RBAC), named in the diagnosis notes. */
  readonly missing: ClusterKind[];
  private readonly podByName = new Map<string, Pod>();
  private readonly podByIp = new Map<string, Pod>();
  private readonly svcByName = new Map<string, Service>();
  private readonly svcByIp = new Map<string, Service>();
  private readonly nodeByIp = new Map<string, KubeNode>();
  private policyIx: PolicyIndex | undefined;

  constructor(
    readonly view: ClusterView,
    missing: readonly ClusterKind[] = [],
  ) {
    this.missing = [...missing];
    for (const o of view.list('Namespace')) if (o.metadata?.name) this.namespaces.add(o.metadata.name);
    for (const o of view.list('Pod')) {
      const p = readPod(o);
      if (!p) continue;
      this.pods.push(p);
      this.podByName.set(`${p.namespace}/${p.name}`, p);
      if (!p.hostNetwork && p.phase !== 'Succeeded' && p.phase !== 'Failed') for (const ip of p.ips) this.podByIp.set(ip, p);
    }
    for (const o of view.list('Service')) {
      const s = readService(o);
      if (!s) continue;
      this.services.push(s);
      this.svcByName.set(`${s.namespace}/${s.name}`, s);
      for (const ip of s.clusterIPs) this.svcByIp.set(ip, s);
    }
    for (const o of view.list('Node')) {
      const n = readNode(o);
      if (!n) continue;
      this.nodes.push(n);
      for (const ip of n.ips) this.nodeByIp.set(ip, n);
    }
    for (const o of view.list('EndpointSlice')) {
      const s = readSlice(o);
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
  nodeByIP(ip: string): KubeNode | undefined {
    return this.nodeByIp.get(ip);
  }
  /** The Service (and its port) that opens this node port, if any. */
  serviceByNodePort(port: number, protocol?: string): { service: Service; port: ServicePort } | undefined {
    for (const s of this.services) for (const p of s.ports) if (p.nodePort === port && (!protocol || p.protocol === protocol)) return { service: s, port: p };
    return undefined;
  }
  slicesOf(svc: Service): Slice[] {
    return this.slices.filter((s) => s.namespace === svc.namespace && s.service === svc.name);
  }
  /** Pods of a workload (kind as spelled by workloadOf in ../cluster/objects.ts; `Pod` for a pod of no workload). */
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
export const selectorText = (sel: Record<string, string>) =>
  Object.entries(sel)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
