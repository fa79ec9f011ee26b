/**
 * Cluster objects → graph nodes: namespaces, workloads (from the pods' owners), pods,
 * Services and Kubernetes nodes, plus the lookups events and the diagnosis need (which node
 * holds an IP now, which Service an EndpointSlice belongs to, which workload a ReplicaSet is).
 * Objects are read by the kind of the list they come in: live API objects lack `kind`; a pod's
 * workload is named by workloadOf (../cluster/objects.ts), the rule the diagnosis uses too.
 */
import { ipsOf } from '../cluster/identity.js';
import { arr, conditionTrue, labelsOf, metaOf as meta, objOf as obj, readNode, readSlice, str, workloadOf } from '../cluster/objects.js';
import type { ClusterView, KubeObject } from '../cluster/view.js';
import { canonicalIp, kubeNodeId, nsId, podId, svcId, workloadId } from './ids.js';
import type { GraphNode, PortJson, ServiceData } from './types.js';

export interface ClusterNodes {
  /** Every node the cluster itself gives, by id (child counts not set). */
  nodes: Map<string, GraphNode>;
  /** Canonical IP → id of the pod, Service or node holding it now. */
  byIp: Map<string, string>;
  /** `ns/slice` → id of the Service of an EndpointSlice. */
  sliceService: Map<string, string>;
  /** `ns/Kind/name` of an owner (e.g. a ReplicaSet) → workload node id. */
  owners: Map<string, string>;
}

function containerPorts(pod: KubeObject): PortJson[] {
  const out: PortJson[] = [];
  for (const c of arr(obj(pod.spec).containers)) {
    for (const p of arr(obj(c).ports).map(obj)) {
      if (typeof p.containerPort !== 'number') continue;
      const port: PortJson = { port: p.containerPort, protocol: str(p.protocol) ?? 'TCP' };
      const name = str(p.name);
      if (name) port.name = name;
      out.push(port);
    }
  }
  return out;
}

function servicePorts(svc: KubeObject): ServiceData['ports'] {
  return arr(obj(svc.spec).ports)
    .map(obj)
    .filter((p) => typeof p.port === 'number')
    .map((p) => {
      const port: ServiceData['ports'][number] = { port: p.port as number, protocol: str(p.protocol) ?? 'TCP' };
      const name = str(p.name);
      if (name) port.name = name;
      if (typeof p.targetPort === 'number' || typeof p.targetPort === 'string') port.targetPort = p.targetPort;
      if (typeof p.nodePort === 'number') port.nodePort = p.nodePort;
      return port;
    });
}

/** Ready / not-ready endpoints of each Service, from its EndpointSlices (a missing `ready` means ready). */
function sliceEndpoints(view: ClusterView, sliceService: Map<string, string>): Map<string, { ready: number; notReady: number }> {
  const out = new Map<string, { ready: number; notReady: number }>();
  for (const o of view.list('EndpointSlice')) {
    const slice = readSlice(o);
    if (!slice || !meta(o).namespace) continue;
    const id = svcId(slice.namespace, slice.service);
    sliceService.set(`${slice.namespace}/${slice.name}`, id);
    const counts = out.get(id) ?? { ready: 0, notReady: 0 };
    for (const ep of slice.endpoints) {
      const n = ep.addresses.length || 1;
      if (ep.ready) counts.ready += n;
      else counts.notReady += n;
    }
    out.set(id, counts);
  }
  return out;
}

export function clusterNodes(view: ClusterView): ClusterNodes {
  const nodes = new Map<string, GraphNode>();
  const byIp = new Map<string, string>();
  const sliceService = new Map<string, string>();
  const owners = new Map<string, string>();
  const holds = (id: string, ips: readonly string[]) => {
    for (const ip of ips) if (ip !== '') byIp.set(canonicalIp(ip), id);
  };
  const ensureNs = (name: string) => {
    const id = nsId(name);
    if (!nodes.has(id)) nodes.set(id, { id, kind: 'namespace', label: name, data: { name, labels: {} } });
    return id;
  };

  for (const ns of view.list('Namespace')) {
    const m = meta(ns);
    if (m.name) nodes.set(nsId(m.name), { id: nsId(m.name), kind: 'namespace', label: m.name, data: { name: m.name, labels: m.labels } });
  }

  for (const o of view.list('Node')) {
    const node = readNode(o);
    if (!node) continue;
    const id = kubeNodeId(node.name);
    nodes.set(id, { id, kind: 'node', label: node.name, data: node });
    holds(id, node.ips);
  }

  for (const pod of view.list('Pod')) {
    const m = meta(pod);
    if (!m.name || !m.namespace) continue;
    const parentNs = ensureNs(m.namespace);
    const wl = workloadOf(pod);
    const ready = conditionTrue(pod, 'Ready');
    let parent = parentNs;
    if (wl) {
      parent = workloadId(m.namespace, wl.kind, wl.name);
      owners.set(`${m.namespace}/${wl.owner.kind}/${wl.owner.name}`, parent);
      owners.set(`${m.namespace}/${wl.kind}/${wl.name}`, parent);
      const existing = nodes.get(parent);
      if (existing?.kind === 'workload') {
        existing.data.pods += 1;
        if (ready) existing.data.readyPods += 1;
      } else {
        nodes.set(parent, {
          id: parent,
          kind: 'workload',
          label: wl.name,
          parent: parentNs,
          data: { namespace: m.namespace, workloadKind: wl.kind, name: wl.name, pods: 1, readyPods: ready ? 1 : 0 },
        });
      }
    }
    const spec = obj(pod.spec);
    const ips = ipsOf('pod', pod);
    const id = podId(m.namespace, m.name);
    const node = str(spec.nodeName);
    const phase = str(obj(pod.status).phase);
    nodes.set(id, {
      id,
      kind: 'pod',
      label: m.name,
      parent,
      data: {
        namespace: m.namespace,
        name: m.name,
        labels: m.labels,
        ips,
        ...(node ? { node } : {}),
        ...(phase ? { phase } : {}),
        ready,
        hostNetwork: spec.hostNetwork === true,
        ports: containerPorts(pod),
        ...(wl ? { workload: parent } : {}),
      },
    });
    holds(id, ips);
  }

  const endpoints = sliceEndpoints(view, sliceService);
  for (const svc of view.list('Service')) {
    const m = meta(svc);
    if (!m.name || !m.namespace) continue;
    const id = svcId(m.namespace, m.name);
    const spec = obj(svc.spec);
    const clusterIPs = ipsOf('service', svc);
    const externalName = str(spec.externalName);
    nodes.set(id, {
      id,
      kind: 'service',
      label: m.name,
      parent: ensureNs(m.namespace),
      data: {
        namespace: m.namespace,
        name: m.name,
        labels: m.labels,
        type: str(spec.type) ?? 'ClusterIP',
        clusterIPs,
        ...(externalName ? { externalName } : {}),
        ports: servicePorts(svc),
        selector: labelsOf(spec.selector),
        endpoints: endpoints.get(id) ?? { ready: 0, notReady: 0 },
      },
    });
    holds(id, clusterIPs);
  }
  return { nodes, byIp, sliceService, owners };
}
