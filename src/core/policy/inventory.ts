/**
 * Kubernetes objects → namespaces, nodes, pods and workloads. Workload templates become
 * representative pods; pods are grouped under their top owner present in the input, else
 * the workload workloadOf names (../cluster/objects.ts, the rule of the graph and the
 * diagnosis), else their own name. Namespaces that nothing declares are
 * implied, labelled `kubernetes.io/metadata.name` like the API server labels every namespace.
 */
import type { ContainerPort, Diagnostic, NamespaceInfo, NodeInfo, PodInfo, Workload } from './model.js';
import type { ManifestObject } from './manifests.js';
import { controllerRef, labelsOf, objOf, str, workloadOf, type OwnerRef } from '../cluster/objects.js';
import { isObj, type Obj } from './issues.js';
import { PROTOCOLS, type Protocol } from './ports.js';

export const NS_NAME_LABEL = 'kubernetes.io/metadata.name';

export const TEMPLATE_KINDS: ReadonlySet<string> = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController']);

export interface Inventory {
  namespaces: Map<string, NamespaceInfo>;
  nodes: NodeInfo[];
  pods: PodInfo[];
  workloads: Workload[];
}

interface Candidate {
  ns: string;
  name: string;
  kind: string;
  uid?: string;
  owner?: OwnerRef;
}

const meta = (o: Obj): Obj => objOf(o.metadata);

export function isTemplateKind(kind: string): boolean {
  return TEMPLATE_KINDS.has(kind);
}

export function buildInventory(objects: readonly ManifestObject[], diagnostics: Diagnostic[]): Inventory {
  const namespaces = new Map<string, NamespaceInfo>();
  const nodes: NodeInfo[] = [];
  const owners = new Map<string, Candidate>();
  const uids = new Map<string, Candidate>();
  const podSources: Array<{ mo: ManifestObject; ns: string; name: string; kind: string; template: Obj; real: boolean }> = [];

  for (const mo of objects) {
    const o = mo.obj;
    const kind = String(o.kind ?? '');
    const m = meta(o);
    const name = str(m.name);
    const report = (message: string, field?: string) =>
      diagnostics.push({ severity: 'error', file: mo.file, ...mo.locate(field ?? 'metadata'), ...(field ? { field } : {}), kind, message });
    if (kind === 'Namespace') {
      if (!name) report('a Namespace needs metadata.name', 'metadata.name');
      else namespaces.set(name, { name, labels: { ...labelsOf(m.labels), [NS_NAME_LABEL]: name }, implied: false });
    } else if (kind === 'Node') {
      if (!name) report('a Node needs metadata.name', 'metadata.name');
      else nodes.push({ name, labels: labelsOf(m.labels), addresses: nodeAddresses(o) });
    } else if (kind === 'Pod' || TEMPLATE_KINDS.has(kind)) {
      if (!name) {
        report(`a ${kind} needs metadata.name`, 'metadata.name');
        continue;
      }
      const ns = str(m.namespace) ?? 'default';
      const c: Candidate = { ns, name, kind };
      if (str(m.uid)) c.uid = String(m.uid);
      const owner = controllerRef(o);
      if (owner) c.owner = owner;
      if (kind !== 'Pod') owners.set(`${ns}/${kind}/${name}`, c);
      if (c.uid) uids.set(c.uid, c);
      const template = kind === 'Pod' ? o : templateOf(o, kind);
      if (!template) report(`${kind} ${ns}/${name} has no pod template`, kind === 'CronJob' ? 'spec.jobTemplate.spec.template' : 'spec.template');
      else podSources.push({ mo, ns, name, kind, template, real: kind === 'Pod' });
    }
  }

  // A real pod whose owner is not in the input (a live cluster lists no ReplicaSets or Jobs) is
  // named by workloadOf, like the graph and the diagnosis name it; a pod of no workload (a bare
  // or static pod) by itself.
  const topOwner = (c: Candidate, pod?: Obj): { id: string; kind: string } => {
    let cur = c;
    const seen = new Set<Candidate>();
    for (;;) {
      const ref = cur.owner;
      if (!ref || seen.has(cur)) break;
      seen.add(cur);
      const found = (ref.uid ? uids.get(ref.uid) : undefined) ?? owners.get(`${cur.ns}/${ref.kind}/${ref.name}`);
      if (!found) {
        if (cur !== c) return { id: `${cur.ns}/${cur.name}`, kind: cur.kind };
        if (!pod) return { id: `${c.ns}/${ref.name}`, kind: ref.kind };
        const wl = workloadOf(pod);
        return wl ? { id: `${c.ns}/${wl.name}`, kind: wl.kind } : { id: `${c.ns}/${c.name}`, kind: 'Pod' };
      }
      cur = found;
    }
    return { id: `${cur.ns}/${cur.name}`, kind: cur.kind };
  };

  const byWorkload = new Map<string, { kind: string; real: PodInfo[]; templates: PodInfo[] }>();
  let idx = 0;
  for (const src of podSources) {
    const cand: Candidate = { ns: src.ns, name: src.name, kind: src.kind };
    const owner = controllerRef(src.mo.obj);
    if (owner) cand.owner = owner;
    const wl = topOwner(cand, src.real ? src.mo.obj : undefined);
    const pod = makePod(idx++, src.template, src.ns, src.real ? src.name : wl.id.slice(src.ns.length + 1), wl.id, !src.real, src.real ? src.mo.obj : undefined);
    const entry = byWorkload.get(wl.id) ?? { kind: wl.kind, real: [], templates: [] };
    if (src.real) entry.real.push(pod);
    else if (`${src.ns}/${src.name}` === wl.id) entry.templates.unshift(pod);
    else entry.templates.push(pod);
    byWorkload.set(wl.id, entry);
    if (!namespaces.has(src.ns)) namespaces.set(src.ns, impliedNamespace(src.ns));
  }

  const pods: PodInfo[] = [];
  const workloads: Workload[] = [];
  for (const [id, e] of byWorkload) {
    // Real pods win over templates; of the templates, the top owner's own comes first.
    const chosen = e.real.length > 0 ? e.real : e.templates.slice(0, 1);
    const ns = id.slice(0, id.indexOf('/'));
    workloads.push({ id, namespace: ns, name: id.slice(ns.length + 1), kind: e.kind, pods: chosen });
    pods.push(...chosen);
  }
  pods.forEach((p, i) => (p.idx = i));
  workloads.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { namespaces, nodes, pods, workloads };
}

export function impliedNamespace(name: string): NamespaceInfo {
  return { name, labels: { [NS_NAME_LABEL]: name }, implied: true };
}

function templateOf(o: Obj, kind: string): Obj | undefined {
  const spec = isObj(o.spec) ? o.spec : {};
  if (kind === 'CronJob') {
    const jt = isObj(spec.jobTemplate) ? spec.jobTemplate : {};
    const js = isObj(jt.spec) ? jt.spec : {};
    return isObj(js.template) ? js.template : undefined;
  }
  return isObj(spec.template) ? spec.template : undefined;
}

function makePod(idx: number, template: Obj, ns: string, name: string, workload: string, representative: boolean, real?: Obj): PodInfo {
  const m = meta(template);
  const spec = isObj(template.spec) ? template.spec : {};
  const status = real && isObj(real.status) ? real.status : {};
  const ips = Array.isArray(status.podIPs) ? status.podIPs.filter(isObj).map((x) => String(x.ip)) : [];
  if (ips.length === 0 && str(status.podIP)) ips.push(String(status.podIP));
  const pod: PodInfo = {
    idx,
    namespace: ns,
    name,
    labels: labelsOf(m.labels),
    ports: containerPorts(spec),
    ips,
    hostNetwork: spec.hostNetwork === true,
    serviceAccount: str(spec.serviceAccountName) ?? str(spec.serviceAccount) ?? 'default',
    workload,
    representative,
  };
  if (str(spec.nodeName)) pod.nodeName = String(spec.nodeName);
  if (str(status.hostIP)) pod.hostIP = String(status.hostIP);
  return pod;
}

function containerPorts(spec: Obj): ContainerPort[] {
  const out: ContainerPort[] = [];
  const containers = [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])];
  for (const c of containers.filter(isObj)) {
    for (const p of Array.isArray(c.ports) ? c.ports.filter(isObj) : []) {
      const port = Number(p.containerPort);
      if (!Number.isInteger(port) || port < 1 || port > 65535) continue;
      const proto = String(p.protocol ?? 'TCP');
      const cp: ContainerPort = { port, protocol: (PROTOCOLS as readonly string[]).includes(proto) ? (proto as Protocol) : 'TCP' };
      if (str(p.name)) cp.name = String(p.name);
      out.push(cp);
    }
  }
  return out;
}

function nodeAddresses(o: Obj): string[] {
  const status = isObj(o.status) ? o.status : {};
  return Array.isArray(status.addresses) ? status.addresses.filter(isObj).map((a) => String(a.address)) : [];
}
