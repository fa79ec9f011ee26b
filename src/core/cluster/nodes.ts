/**
 * Which nodes to put probes on for "A → B": the nodes running A's pods and B's backends, the node
 * whose node port A calls, and, when DNS is in question, the nodes running the cluster DNS pods. Each node says why it was
 * chosen, so the UI can show "node-2: hosts backend-7f… (B)". Pure: the snapshot gives the pods.
 */
export interface PodRef {
  metadata?: { namespace?: string; name?: string; labels?: Record<string, string> };
  spec?: { nodeName?: string; hostNetwork?: boolean };
  status?: { phase?: string };
}

export interface ProbeNode {
  node: string;
  /** e.g. `A: shop/frontend-1`, `B: shop/backend-2`, `DNS: kube-system/coredns-x`. */
  why: string[];
}

const running = (p: PodRef) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

/** The cluster DNS pods as kubeadm, kind, EKS, GKE and AKS label them. */
export function dnsPods(pods: readonly PodRef[]): PodRef[] {
  return pods.filter((p) => {
    const l = p.metadata?.labels ?? {};
    return l['k8s-app'] === 'kube-dns' || l['k8s-app'] === 'coredns' || l['app.kubernetes.io/name'] === 'coredns';
  });
}

export function probeNodes(sides: {
  a: readonly PodRef[];
  b: readonly PodRef[];
  dns?: readonly PodRef[];
  targeted?: { node: string; why: string };
}): ProbeNode[] {
  const out = new Map<string, ProbeNode>();
  const add = (label: string, pods: readonly PodRef[]) => {
    for (const p of pods) {
      const node = p.spec?.nodeName;
      if (!node || !running(p)) continue; // not scheduled yet, or ended: nothing to watch
      const entry = out.get(node) ?? { node, why: [] };
      entry.why.push(`${label}: ${p.metadata?.namespace ? `${p.metadata.namespace}/` : ''}${p.metadata?.name ?? '?'}`);
      out.set(node, entry);
    }
  };
  add('A', sides.a);
  add('B', sides.b);
  if (sides.dns) add('DNS', sides.dns);
  // The node whose node port A calls: kube-proxy there DNATs (and SNATs) A's packets.
  if (sides.targeted) {
    const entry = out.get(sides.targeted.node) ?? { node: sides.targeted.node, why: [] };
    entry.why.push(sides.targeted.why);
    out.set(sides.targeted.node, entry);
  }
  return [...out.values()];
}

/** A Node object's InternalIP: where SSH goes when the SSH config has no HostName for the node. */
export function nodeInternalIp(node: unknown): string | undefined {
  const addresses = (node as { status?: { addresses?: Array<{ type?: string; address?: string }> } } | undefined)?.status?.addresses;
  return addresses?.find((a) => a.type === 'InternalIP')?.address;
}
