/**
 * Hubble Relay through the API server: the cluster's `hubble-relay` Service (kube-system first,
 * as Cilium installs it), a ready pod behind it from its EndpointSlices, and a listener on this
 * machine's loopback whose connections each become a port-forward to that pod (what
 * `kubectl port-forward svc/hubble-relay` does). Relay answers for every node of the cluster at
 * once, so a question needs neither SSH nor a pod per node to read Cilium's verdicts.
 */
import type { ClusterKind, KubeObject } from '../../core/index.js';
import { PathlightError } from '../../api/index.js';
import type { HubbleQuery } from './client.js';
import { forwardPodPort, servicesNamed } from '../cluster/portforward.js';

type KubeConfig = Parameters<typeof forwardPodPort>[0];

export const relayServiceName = 'hubble-relay';

export interface RelayEndpoint {
  namespace: string;
  service: string;
  /** A ready pod behind the Service, and the port it serves the observer API on. */
  pod: string;
  port: number;
}

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The Relay of the cluster the view shows, or undefined when there is none (or none ready). */
export function findRelay(view: { list(kind: ClusterKind): readonly object[] }): RelayEndpoint | undefined {
  const list = (kind: ClusterKind) => view.list(kind) as readonly KubeObject[];
  const services = list('Service')
    .filter((s) => s.metadata?.name === relayServiceName)
    .sort((a, b) => Number(b.metadata?.namespace === 'kube-system') - Number(a.metadata?.namespace === 'kube-system'));
  for (const svc of services) {
    const ns = svc.metadata!.namespace ?? 'default';
    const svcPort = rec(arr(rec(svc.spec).ports)[0]);
    const slices = list('EndpointSlice').filter((s) => s.metadata?.namespace === ns && s.metadata?.labels?.['kubernetes.io/service-name'] === relayServiceName);
    for (const slice of slices) {
      const ports = arr((slice as Obj).ports).map(rec);
      // The slice port of the Service's port (by name; a Service with one unnamed port has one).
      const port = ports.find((p) => (p.name ?? '') === (svcPort.name ?? ''))?.port ?? ports[0]?.port;
      if (typeof port !== 'number') continue;
      for (const ep of arr((slice as Obj).endpoints).map(rec)) {
        const ref = rec(ep.targetRef);
        if (ref.kind === 'Pod' && typeof ref.name === 'string' && rec(ep.conditions).ready !== false)
          return { namespace: ns, service: relayServiceName, pod: ref.name, port };
      }
    }
  }
  return undefined;
}

/** The flows of a query, read from the cluster's Relay through a port-forward. */
export async function relayLines(kc: KubeConfig, r: RelayEndpoint, q: Omit<HubbleQuery, 'target'>): Promise<string[]> {
  const [{ hubbleFlowLines }, bridge] = await Promise.all([import('./client.js'), forwardPodPort(kc, r.namespace, r.pod, r.port)]);
  try {
    return await hubbleFlowLines({ ...q, target: bridge.target, label: q.label ?? `Hubble Relay (${r.namespace}/svc/${r.service}, pod ${r.pod}:${r.port})` });
  } finally {
    bridge.close();
  }
}

/** The Relay of the cluster behind a kubeconfig, read from the API (its Service and EndpointSlices only); a PathlightError when there is none. */
export async function findRelayInCluster(kc: KubeConfig): Promise<RelayEndpoint> {
  const { services, slices } = await servicesNamed(kc, relayServiceName);
  const byKind: Partial<Record<ClusterKind, readonly object[]>> = { Service: services, EndpointSlice: slices };
  const relay = findRelay({ list: (k) => byKind[k] ?? [] });
  if (!relay)
    throw new PathlightError({
      code: 'probe-failed',
      message: `The cluster has no ${relayServiceName} Service with a ready pod.`,
      hint: "Enable Relay (Cilium's Helm value hubble.relay.enabled), or read a node's Hubble: --hubble ssh://NODE.",
    });
  return relay;
}
