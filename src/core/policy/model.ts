/**
 * The cluster as the policy engine sees it: namespaces, pods (real or representative pods of
 * workload templates), nodes, and every policy compiled into predicates. Pure data; built by
 * index.ts from parsed manifests or from a live snapshot.
 */
import type { ConnSet, PortSpec } from './ports.js';
import type { IpSet } from './ipblock.js';

export type Labels = Readonly<Record<string, string>>;

/** Where a Kubernetes object came from, for reporting. */
export interface Origin {
  file: string;
  /** 1-based line/column of the document's start. */
  line?: number;
  column?: number;
}

export interface NamespaceInfo {
  name: string;
  /** Labels, always including `kubernetes.io/metadata.name` (the API server sets it). */
  labels: Labels;
  /** True when no Namespace object was given and the namespace was implied by a pod or policy. */
  implied: boolean;
}

export interface ContainerPort {
  name?: string;
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
}

export interface PodInfo {
  /** Dense index, used by the per-rule match caches. */
  idx: number;
  namespace: string;
  name: string;
  labels: Labels;
  ports: ContainerPort[];
  /** Pod IPs (status.podIPs / podIP); empty offline for templates. */
  ips: string[];
  hostNetwork: boolean;
  /** Node the pod runs on and that node's IP, when known. */
  nodeName?: string;
  hostIP?: string;
  serviceAccount: string;
  /** Workload id `NS/NAME` this pod belongs to. */
  workload: string;
  /** True for a pod made from a workload template (no real pod in the input). */
  representative: boolean;
}

export interface NodeInfo {
  name: string;
  labels: Labels;
  addresses: string[];
}

export interface Workload {
  id: string;
  namespace: string;
  name: string;
  kind: string;
  pods: PodInfo[];
}

/** A traffic end: a pod, or an address outside every pod (external, or a node). */
export type Endpoint = { kind: 'pod'; pod: PodInfo } | { kind: 'ip'; ip: string; /** numeric form */ n: bigint; v6: boolean };

export type Tier = 'admin' | 'networkpolicy' | 'baseline';
export type Direction = 'ingress' | 'egress';
export type Action = 'allow' | 'deny' | 'pass';

export type PolicyKind =
  'NetworkPolicy' | 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy' | 'ClusterNetworkPolicy' | 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';

export interface PolicyRef {
  kind: PolicyKind;
  namespace?: string;
  name: string;
  origin?: Origin;
}

/** A peer of a rule: which pods and which addresses it matches. */
export interface PeerMatcher {
  /** Human description, e.g. `pods app=web in namespaces team=a`. */
  text: string;
  pod(pod: PodInfo): boolean;
  /** Addresses (outside pods) matched; null when the peer matches no address. */
  ips: IpSet | null;
  /** Whether `ips` also matches pods by their IPs (NetworkPolicy ipBlock, ANP networks: yes; Cilium CIDR: no). */
  ipsMatchPods: boolean;
}

export interface CompiledRule {
  policy: PolicyRef;
  direction: Direction;
  /** 0-based position in the policy's ingress/egress (or ingressDeny/egressDeny) list. */
  index: number;
  /** Field path of the rule inside the manifest, e.g. `spec.ingress[1]`. */
  path: string;
  name?: string;
  action: Action;
  /** Peers (ORed); `null` means every source/destination. */
  peers: PeerMatcher[] | null;
  /** Ports; `null` means every port and protocol. */
  ports: PortSpec[] | null;
  /** Notes such as "L7 rules not evaluated (L7)", reported when the rule matches. */
  notes: string[];
  /** Peers that cannot be evaluated (toFQDNs, kube-apiserver…), reported whenever the rule is consulted. */
  unevaluated?: string[];
}

export interface CompiledPolicy {
  ref: PolicyRef;
  tier: Tier;
  /** Precedence inside the tier: lower first. NetworkPolicy tier: 0. */
  priority: number;
  /** Whether the policy selects (applies to) a pod. Host-network pods are never selected. */
  selects(pod: PodInfo): boolean;
  /** NetworkPolicy tier only: directions in which a selected pod becomes default-deny. */
  isolates: { ingress: boolean; egress: boolean };
  ingress: CompiledRule[];
  egress: CompiledRule[];
  /** Policy-level notes (unsupported fields and the like). */
  notes: string[];
}

/** A problem in the input: a document that could not be used, or a part that was ignored. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  file: string;
  line?: number;
  column?: number;
  /** Field path inside the document, e.g. `spec.ingress[0].from[1].ipBlock.cidr`. */
  field?: string;
  kind?: string;
  name?: string;
  message: string;
}

export type { ConnSet };
