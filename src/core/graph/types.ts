/**
 * The workbench graph as plain data: what the UI renders (through a pure `model → elements`
 * mapping, no cytoscape types here), what a details panel reads, and the deltas that let the
 * view update in place. Everything is JSON: no Maps, no class instances, no shared objects
 * between two answers of the model.
 */
import type { FindingKind, HopKind, HopVerdict, Verdict } from '../diagnose/types.js';

export type NodeKind = 'namespace' | 'workload' | 'pod' | 'service' | 'dns' | 'external' | 'node';

export interface PortJson {
  name?: string;
  port: number;
  protocol: string;
}

export interface NamespaceData {
  name: string;
  labels: Record<string, string>;
}

export interface WorkloadData {
  namespace: string;
  /** Deployment, StatefulSet, DaemonSet, Job, ReplicaSet (no Deployment found), or a custom controller's kind. */
  workloadKind: string;
  name: string;
  /** Pods of the workload in the last cluster sync, and how many of them are ready. */
  pods: number;
  readyPods: number;
}

export interface PodData {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ips: string[];
  /** Kubernetes node the pod runs on. */
  node?: string;
  phase?: string;
  ready: boolean;
  hostNetwork: boolean;
  /** Container ports. */
  ports: PortJson[];
  /** Id of the workload node that owns it. */
  workload?: string;
}

export interface ServiceData {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** ClusterIP, NodePort, LoadBalancer, ExternalName. */
  type: string;
  clusterIPs: string[];
  externalName?: string;
  ports: Array<PortJson & { targetPort?: number | string; nodePort?: number }>;
  selector: Record<string, string>;
  /** Endpoints of the Service's EndpointSlices, by readiness. */
  endpoints: { ready: number; notReady: number };
}

export interface KubeNodeData {
  name: string;
  labels: Record<string, string>;
  /** InternalIP and ExternalIP addresses. */
  ips: string[];
  ready: boolean;
  /** From `node-role.kubernetes.io/<role>` labels. */
  roles: string[];
}

export interface DnsData {
  /** Lower case, without the trailing dot. */
  name: string;
}

export interface ExternalData {
  /** e.g. `203.0.113.0/24`, `2001:db8::/64`; `0.0.0.0/0` for the world node. */
  cidr: string;
  world: boolean;
  /** The addresses seen, sorted, at most `maxListed`. */
  addresses: string[];
  /** How many distinct addresses were seen in all. */
  addressCount: number;
}

interface NodeBase {
  /** Stable: `ns:name`, `wl:ns/Kind/name`, `pod:ns/name`, `svc:ns/name`, `node:name`, `dns:name`, `ext:cidr`. */
  id: string;
  label: string;
  /** Id of the compound node it sits in (a namespace or a workload); that node always exists. */
  parent?: string;
  /** Compound nodes (namespaces, workloads): how many nodes sit directly inside, for collapsing. */
  childCount?: number;
  /**
   * The cluster object is not in the last sync (deleted, not synced yet, or never existed) but
   * events or the diagnosis refer to it, so it stays to carry that evidence.
   */
  missing?: boolean;
}

export type GraphNode =
  | (NodeBase & { kind: 'namespace'; data: NamespaceData })
  | (NodeBase & { kind: 'workload'; data: WorkloadData })
  | (NodeBase & { kind: 'pod'; data: PodData })
  | (NodeBase & { kind: 'service'; data: ServiceData })
  | (NodeBase & { kind: 'node'; data: KubeNodeData })
  | (NodeBase & { kind: 'dns'; data: DnsData })
  | (NodeBase & { kind: 'external'; data: ExternalData });

/**
 * Colour of an edge. `dropped`: the traffic failed in the network or at the peer (drops,
 * refused, timed out, unreachable); `dns-error`: lookups answered with an error rcode;
 * `policy-denied`: the policy engine denies it; `mixed`: successes and failures, or failures
 * of different kinds; `unknown`: nothing conclusive (only queries, retransmits, resets).
 */
export type EdgeVerdict = 'forwarded' | 'dropped' | 'dns-error' | 'policy-denied' | 'mixed' | 'unknown';

/**
 * What the probes saw between two ends. Drops count packets (events); TCP outcomes count
 * connections (one connection seen by both of its sockets counts once); DNS counts
 * transactions (one message seen in two network namespaces counts once).
 */
export interface FlowStats {
  /** Distinct events aggregated (duplicates are ignored). */
  events: number;
  /** Connections that got through: TCP established, DNS answered with NOERROR. */
  forwarded: number;
  established: number;
  refused: number;
  timeout: number;
  unreachable: number;
  reset: number;
  retransmit: number;
  /** Dropped packets, in all and by the kernel's drop reason. */
  dropped: number;
  dropReasons: Record<string, number>;
  dns: {
    queries: number;
    /** Responses with NOERROR. */
    answered: number;
    /** Responses by error rcode (NXDOMAIN, SERVFAIL, REFUSED…). */
    errors: Record<string, number>;
  };
  /** Event times, ns since the Unix epoch. */
  first: number;
  last: number;
  /** Distinct connections (5-tuples) seen. */
  volume: number;
  /** HTTP exchanges on this edge (the http probe), when any was seen: as the client's sockets saw them, and as the server's. */
  http?: { client?: HttpTally; server?: HttpTally };
}

/** HTTP exchanges as one side's sockets saw them (`httpView` in flows.ts reads them as rate, error % and p99). */
export interface HttpTally {
  requests: number;
  /** TLS connections (their ClientHello): encrypted, not decoded; not among the requests. */
  encrypted?: number;
  /** By status class: `2xx`, `3xx`, `4xx`, `5xx` (and `1xx`). */
  classes: Record<string, number>;
  /** Exchanges with a latency, and their latencies as a log histogram: bucket b holds [1.05^b, 1.05^(b+1)) ns. */
  timed: number;
  latency: Record<string, number>;
  /** Times of the first and last exchange, ns since the Unix epoch. */
  first: number;
  last: number;
}

export interface PolicyRelation {
  allowed: boolean;
  /** The direction that denies, when denied. */
  direction?: 'egress' | 'ingress';
  /** `ns/name` (or `name` for cluster-scoped policies) of the first deciding policy. */
  policy?: string;
  /** Every deciding policy (the rule's policies, or those that isolate the pod). */
  decidedBy: Array<{ kind: string; namespace?: string; name: string }>;
}

interface EdgeBase {
  /** Stable: `flow|<source>|<target>|<proto>/<port>`, `dns|<client>|dns:<name>`, `policy|…`, `path|…`. */
  id: string;
  source: string;
  target: string;
  label: string;
  verdict: EdgeVerdict;
}

export type GraphEdge =
  /** Observed traffic between two identities, per protocol and server port. */
  | (EdgeBase & { kind: 'flow'; protocol: string; port: number; stats: FlowStats })
  /** A client's lookups of a DNS name, with the addresses answered (sorted, at most `maxListed`). */
  | (EdgeBase & { kind: 'dns'; stats: FlowStats; answers: string[] })
  /** The policy engine's verdict for the diagnosed connection. */
  | (EdgeBase & { kind: 'policy'; protocol: string; port?: number; policy: PolicyRelation })
  /** A step of the diagnosed path (A → name → Service → backend). */
  | (EdgeBase & { kind: 'path'; hop: HopKind });

export interface PathHopOverlay {
  hop: HopKind;
  label: string;
  verdict: HopVerdict;
  findings: FindingKind[];
  /** Graph nodes and edges standing for this hop. */
  nodes: string[];
  edges: string[];
  /** The first hop that fails. */
  failing: boolean;
}

/** The A → B path of the current diagnosis, laid over the graph. */
export interface PathOverlay {
  verdict: Verdict;
  query: { from: string; to: string; port?: number; protocol: 'TCP' | 'UDP' };
  hops: PathHopOverlay[];
  /** Node id → verdict of the hops it stands for (the worst when several). */
  nodes: Record<string, HopVerdict>;
  edges: Record<string, HopVerdict>;
  /** Index in `hops` of the first failing hop, or null. */
  failing: number | null;
}

/**
 * What changed since the last drain. Apply in order: remove edges, remove nodes, add nodes
 * (listed parents first), update nodes, add and update edges. `path` is present only when
 * the overlay changed (null: cleared).
 */
export interface GraphDelta {
  added: { nodes: GraphNode[]; edges: GraphEdge[] };
  updated: { nodes: GraphNode[]; edges: GraphEdge[] };
  removed: { nodes: string[]; edges: string[] };
  path?: PathOverlay | null;
}

export interface GraphSnapshot {
  /** Parents before their children, then by id. */
  nodes: GraphNode[];
  /** By id. */
  edges: GraphEdge[];
  path: PathOverlay | null;
}
