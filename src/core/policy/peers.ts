/** Peer building blocks shared by the policy kinds: pods by namespace/pod selectors, addresses. */
import type { Labels, NodeInfo, PeerMatcher, PodInfo } from './model.js';
import type { CompiledSelector } from './selectors.js';
import { EMPTY_IPS, describeIps, ipsContains, ipsUnion, parseAddress, type IpSet } from './ipblock.js';

/** What compiling a policy needs to know about the cluster. */
export interface CompileContext {
  nsLabels(namespace: string): Labels;
  nodes: readonly NodeInfo[];
  /** The Kubernetes API server, when the input shows it (static pods, `default/kubernetes` endpoints). */
  apiServer: { pod(p: PodInfo): boolean; ips: IpSet } | null;
}

/** Pods (never host-network ones) in namespaces matched by `ns` (or in `inNamespace`) and matched by `pods`. */
export function podPeer(ctx: CompileContext, pods: CompiledSelector, ns: CompiledSelector | { only: string }): PeerMatcher {
  const nsText = 'only' in ns ? `namespace ${ns.only}` : ns.empty ? 'all namespaces' : `namespaces ${ns.text}`;
  const text = `${pods.empty ? 'all pods' : `pods ${pods.text}`} in ${nsText}`;
  const nsMatch = 'only' in ns ? (p: PodInfo) => p.namespace === ns.only : (p: PodInfo) => ns.match(ctx.nsLabels(p.namespace));
  return {
    text,
    pod: (p) => !p.hostNetwork && nsMatch(p) && pods.match(p.labels),
    ips: null,
    ipsMatchPods: false,
  };
}

export function ipPeer(set: IpSet, text: string, matchPods: boolean): PeerMatcher {
  return {
    text: `${text} (${describeIps(set)})`,
    pod: matchPods ? (p) => podNumericAddresses(p).some((a) => ipsContains(set, a.n, a.v6)) : () => false,
    ips: set,
    ipsMatchPods: matchPods,
  };
}

const addressCache = new WeakMap<PodInfo, Array<{ n: bigint; v6: boolean }>>();

/** podAddresses, parsed once per pod. */
export function podNumericAddresses(p: PodInfo): Array<{ n: bigint; v6: boolean }> {
  let a = addressCache.get(p);
  if (!a) addressCache.set(p, (a = podAddresses(p).flatMap((ip) => parseAddress(ip) ?? [])));
  return a;
}

/** The addresses a pod's traffic carries: its pod IPs, or its node's IP on the host network. */
export function podAddresses(p: PodInfo): string[] {
  if (p.hostNetwork) return p.hostIP ? [p.hostIP] : p.ips;
  return p.ips;
}

/** Nodes peer (AdminNetworkPolicy, ClusterNetworkPolicy): the addresses of matching nodes, and host-network pods on them. */
export function nodePeer(ctx: CompileContext, sel: CompiledSelector): PeerMatcher {
  const nodes = ctx.nodes.filter((n) => sel.match(n.labels));
  const names = new Set(nodes.map((n) => n.name));
  const addrs = new Set(nodes.flatMap((n) => n.addresses));
  let ips: IpSet = EMPTY_IPS;
  for (const a of addrs) {
    const p = parseAddress(a);
    if (p) ips = ipsUnion(ips, p.v6 ? { v4: [], v6: [[p.n, p.n]] } : { v4: [[p.n, p.n]], v6: [] });
  }
  return {
    text: `nodes ${sel.empty ? '(all)' : sel.text}`,
    pod: (p) => p.hostNetwork && ((p.nodeName !== undefined && names.has(p.nodeName)) || (p.hostIP !== undefined && addrs.has(p.hostIP))),
    // Node addresses as traffic ends, e.g. `policy check --to <node IP>`.
    ips,
    ipsMatchPods: false,
  };
}

export const NO_PEER: PeerMatcher = { text: 'nothing', pod: () => false, ips: null, ipsMatchPods: false };
