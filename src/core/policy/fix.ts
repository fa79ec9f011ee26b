/**
 * Fix suggestions for a denied connection: the smallest change per blocker, re-evaluated until
 * the connection is allowed. A connection isolated by NetworkPolicy gets a new NetworkPolicy
 * allowing exactly that peer and port; one denied by an admin or baseline rule gets an Allow
 * rule inserted in front of that rule in the same policy; a Cilium deny rule can only be
 * removed. Every suggestion is applied to a copy of the manifests and checked again.
 */
import { stringify } from 'yaml';
import type { Direction, Endpoint, PodInfo, PolicyRef } from './model.js';
import type { ManifestObject } from './manifests.js';
import { isObj, type Obj } from './issues.js';
import { PolicyIndex } from './policyIndex.js';
import { evaluatePair, type Decision, type PairResult } from './evaluate.js';
import { NS_NAME_LABEL } from './inventory.js';
import { isEmpty, subtract, type ConnSet, type Protocol } from './ports.js';
import { refText } from './explain.js';

export interface FixChange {
  kind: 'new-policy' | 'patch';
  description: string;
  /** For a patch: the policy changed. */
  target?: { kind: string; namespace?: string; name: string; file: string };
  /** RFC 6902 operations on the target (patch only). */
  jsonPatch?: Array<{ op: 'add' | 'remove'; path: string; value?: unknown }>;
  /** The new policy, or the inserted rule. */
  manifest?: Obj;
  /** What to apply, as YAML. */
  yaml: string;
  warnings: string[];
}

export interface FixSuggestion {
  changes: FixChange[];
  /** True when the connection re-evaluates to allowed with every change applied. */
  verified: boolean;
  /** Why no complete fix could be made, when `verified` is false. */
  problem?: string;
}

export interface Query {
  src: Endpoint;
  dst: Endpoint;
  protocol: Protocol;
  port: number;
  scope: ConnSet;
}

const MAX_ROUNDS = 8;

/**
 * Labels that controllers stamp on each revision of a workload's pods: a selector with them
 * stops matching at the next rollout, so fixes select on the others.
 */
const volatileLabels = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'batch.kubernetes.io/controller-uid',
  'controller-uid',
  'batch.kubernetes.io/job-name',
  'job-name',
]);

function stable(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out = Object.fromEntries(Object.entries(labels).filter(([k]) => !volatileLabels.has(k)));
  // Nothing but revision labels: keep them rather than select every pod of the namespace.
  return Object.keys(out).length > 0 ? out : { ...labels };
}

export function suggestFix(index: PolicyIndex, q: Query): FixSuggestion {
  // Objects are never modified in place: a patched policy is a copy, so the derived index
  // reuses everything else.
  let objects = [...index.objects];
  let current = index;
  let query = q;
  const changes: FixChange[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const r = evaluatePair(current, query.src, query.dst, query.scope);
    if (isEmpty(subtract(query.scope, r.allowed))) return { changes, verified: changes.length > 0 };
    const blocker = firstBlocker(r);
    if (!blocker) return { changes, verified: false, problem: 'no blocking decision found' };
    const made = changeFor(blocker.dir, blocker.decision, r, query, objects);
    if ('problem' in made) return { changes, verified: false, problem: made.problem };
    changes.push(made.change);
    objects = made.objects;
    current = new PolicyIndex(objects, [], current);
    const moved = rebind(current, query);
    if (!moved) return { changes, verified: false, problem: 'the endpoints could not be found again after applying the change' };
    query = moved;
  }
  return { changes, verified: false, problem: `still denied after ${MAX_ROUNDS} changes` };
}

function firstBlocker(r: PairResult): { dir: Direction; decision: Decision } | undefined {
  for (const dir of ['egress', 'ingress'] as const) {
    const d = r[dir].decisions.find((x) => x.verdict === 'deny');
    if (d) return { dir, decision: d };
  }
  return undefined;
}

function rebind(index: PolicyIndex, q: Query): Query | null {
  const again = (e: Endpoint): Endpoint | null => {
    if (e.kind === 'ip') return e;
    const p = index.pods.find((x) => x.namespace === e.pod.namespace && x.name === e.pod.name);
    return p ? { kind: 'pod', pod: p } : null;
  };
  const src = again(q.src);
  const dst = again(q.dst);
  return src && dst ? { ...q, src, dst } : null;
}

type Made = { change: FixChange; objects: ManifestObject[] } | { problem: string };

function changeFor(dir: Direction, d: Decision, r: PairResult, q: Query, objects: ManifestObject[]): Made {
  const subject = r[dir].subject;
  if (!subject) return { problem: `the ${dir} side is not a pod` };
  const peer = dir === 'egress' ? q.dst : q.src;
  if (d.reason === 'isolated') return newNetworkPolicy(dir, subject, peer, q, objects);
  if (d.reason !== 'rule') return { problem: 'unexpected decision' };
  const rule = d.rules[0];
  if (!rule) return { problem: 'unexpected decision' };
  if (rule.tier === 'networkpolicy') return removeRule(rule.policy, rule.path, objects);
  return insertAllow(rule.policy, dir, peer, q, objects);
}

function peerLabels(peer: Endpoint): { pod: PodInfo } | { cidr: string } | null {
  if (peer.kind === 'ip') return { cidr: `${peer.ip}/${peer.v6 ? 128 : 32}` };
  if (peer.pod.hostNetwork) {
    const ip = peer.pod.hostIP ?? peer.pod.ips[0];
    return ip ? { cidr: `${ip}/${ip.includes(':') ? 128 : 32}` } : null;
  }
  return { pod: peer.pod };
}

function newNetworkPolicy(dir: Direction, subject: PodInfo, peer: Endpoint, q: Query, objects: ManifestObject[]): Made {
  const p = peerLabels(peer);
  if (!p) return { problem: 'the peer is a host-network pod with no known address' };
  const npPeer =
    'cidr' in p
      ? { ipBlock: { cidr: p.cidr } }
      : { namespaceSelector: { matchLabels: { [NS_NAME_LABEL]: p.pod.namespace } }, podSelector: { matchLabels: stable(p.pod.labels) } };
  const peerName = peer.kind === 'ip' ? peer.ip.replace(/[.:]/g, '-') : peer.pod.workload.replace('/', '-');
  const name = `allow-${dir}-${dir === 'ingress' ? 'from' : 'to'}-${peerName}-${q.protocol.toLowerCase()}-${q.port}`.slice(0, 253).toLowerCase();
  const manifest: Obj = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: subject.namespace },
    spec: {
      podSelector: { matchLabels: stable(subject.labels) },
      policyTypes: [dir === 'ingress' ? 'Ingress' : 'Egress'],
      [dir]: [{ [dir === 'ingress' ? 'from' : 'to']: [npPeer], ports: [{ protocol: q.protocol, port: q.port }] }],
    },
  };
  const warnings: string[] = [];
  if (Object.keys(subject.labels).length === 0)
    warnings.push(
      `${subject.namespace}/${subject.name} has no labels: the policy selects every pod in namespace ${subject.namespace} and isolates them for ${dir}`,
    );
  if ('pod' in p && Object.keys(p.pod.labels).length === 0) warnings.push(`the peer has no labels: the rule admits every pod in namespace ${p.pod.namespace}`);
  const change: FixChange = {
    kind: 'new-policy',
    description: `Add NetworkPolicy ${subject.namespace}/${name} allowing ${q.protocol}/${q.port} ${dir === 'ingress' ? 'from' : 'to'} ${peer.kind === 'ip' ? peer.ip : peer.pod.workload} for ${subject.workload}`,
    manifest,
    yaml: stringify(manifest),
    warnings,
  };
  const added: ManifestObject = { obj: manifest, file: '(suggested fix)', line: 1, column: 1, locate: () => ({ line: 1, column: 1 }) };
  return { change, objects: [...objects, added] };
}

function findObject(objects: ManifestObject[], ref: PolicyRef): number {
  return objects.findIndex((o) => {
    const m = isObj(o.obj.metadata) ? o.obj.metadata : {};
    return o.obj.kind === ref.kind && m.name === ref.name && (ref.namespace === undefined || (m.namespace ?? 'default') === ref.namespace);
  });
}

function insertAllow(ref: PolicyRef, dir: Direction, peer: Endpoint, q: Query, objects: ManifestObject[]): Made {
  const i = findObject(objects, ref);
  const target = objects[i];
  if (!target) return { problem: `${refText(ref)} not found` };
  const p = peerLabels(peer);
  if (!p) return { problem: 'the peer is a host-network pod with no known address' };
  const isClusterNetworkPolicy = ref.kind === 'ClusterNetworkPolicy';
  const adminPeer =
    'cidr' in p
      ? { networks: [p.cidr] }
      : { pods: { namespaceSelector: { matchLabels: { [NS_NAME_LABEL]: p.pod.namespace } }, podSelector: { matchLabels: stable(p.pod.labels) } } };
  if ('cidr' in p && dir === 'ingress' && !isClusterNetworkPolicy) return { problem: `${refText(ref)}: ingress rules cannot name addresses` };
  const ports = isClusterNetworkPolicy
    ? { protocols: [{ [q.protocol.toLowerCase()]: { destinationPort: { number: q.port } } }] }
    : { ports: [{ portNumber: { protocol: q.protocol, port: q.port } }] };
  const rule: Obj = {
    name: `pathlight-allow-${q.protocol.toLowerCase()}-${q.port}`,
    action: isClusterNetworkPolicy ? 'Accept' : 'Allow',
    [dir === 'ingress' ? 'from' : 'to']: [adminPeer],
    ...ports,
  };
  const obj = clone(target.obj);
  const spec = isObj(obj.spec) ? obj.spec : (obj.spec = {});
  const list = Array.isArray(spec[dir]) ? (spec[dir] as unknown[]) : (spec[dir] = []);
  list.unshift(rule);
  const change: FixChange = {
    kind: 'patch',
    description: `Insert an ${isClusterNetworkPolicy ? 'Accept' : 'Allow'} rule for ${q.protocol}/${q.port} ${dir === 'ingress' ? 'from' : 'to'} ${peer.kind === 'ip' ? peer.ip : peer.pod.workload} at the top of ${refText(ref)}'s ${dir} rules`,
    target: targetOf(ref, target),
    jsonPatch: [{ op: 'add', path: `/spec/${dir}/0`, value: rule }],
    manifest: rule,
    yaml: stringify([{ op: 'add', path: `/spec/${dir}/0`, value: rule }]),
    warnings: [],
  };
  const next = [...objects];
  next[i] = { ...target, obj };
  return { change, objects: next };
}

function removeRule(ref: PolicyRef, path: string, objects: ManifestObject[]): Made {
  const i = findObject(objects, ref);
  const target = objects[i];
  if (!target) return { problem: `${refText(ref)} not found` };
  const m = /^(spec|specs\[(\d+)\])\.(\w+)\[(\d+)\]$/.exec(path);
  if (!m) return { problem: `cannot address rule ${path}` };
  const obj = clone(target.obj);
  const container = m[2] !== undefined ? (obj.specs as Obj[])[Number(m[2])] : (obj.spec as Obj);
  const list = container && Array.isArray(container[m[3] as string]) ? (container[m[3] as string] as unknown[]) : null;
  if (!list) return { problem: `cannot address rule ${path}` };
  list.splice(Number(m[4]), 1);
  const pointer = `/${m[2] !== undefined ? `specs/${m[2]}` : 'spec'}/${m[3]}/${m[4]}`;
  const change: FixChange = {
    kind: 'patch',
    description: `Remove deny rule ${path} of ${refText(ref)} (deny rules take precedence over every allow)`,
    target: targetOf(ref, target),
    jsonPatch: [{ op: 'remove', path: pointer }],
    yaml: stringify([{ op: 'remove', path: pointer }]),
    warnings: ['this also allows other traffic the rule denied'],
  };
  const next = [...objects];
  next[i] = { ...target, obj };
  return { change, objects: next };
}

function targetOf(ref: PolicyRef, mo: ManifestObject): NonNullable<FixChange['target']> {
  const t: NonNullable<FixChange['target']> = { kind: ref.kind, name: ref.name, file: mo.file };
  if (ref.namespace) t.namespace = ref.namespace;
  return t;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
