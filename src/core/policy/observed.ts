/**
 * The flows a recording saw succeed, between workloads (and addresses outside the pods): what
 * policy advice allows and what impact checks a proposed change against. A flow is counted from
 * evidence that traffic went through, never from an attempt:
 * - a TCP connection established (the client's event, to a pod or a Service address; the
 *   server's, whose source port is the service port);
 * - a DNS response (the server answered the client on the port it was asked on).
 * A Service address is resolved to the pods behind it (EndpointSlices) and the service port to
 * the port on those pods, as a NetworkPolicy sees traffic after the Service's translation.
 * Attempts that never got through (refused, retransmitted, dropped, queries without answer) are
 * counted apart, as what advice leaves closed.
 */
import { Cluster, type Pod, type Service } from '../diagnose/cluster.js';
import type { ClusterView, KubeObject } from '../cluster/view.js';
import type { PodInfo } from './model.js';
import type { Protocol } from './ports.js';

/** One end of a flow: a pod of a workload, or an address no (pod-network) pod holds. */
export type FlowEnd =
  { kind: 'pod'; workload: string; pod: string } | { kind: 'ip'; ip: string; /** who holds it, when known (a node, a host-network pod) */ name?: string };

export interface ObservedFlow {
  from: FlowEnd;
  to: FlowEnd;
  protocol: Protocol;
  /** Port on the destination (after a Service's translation). */
  port: number;
  /** Times seen (connections established, DNS answers). */
  count: number;
  /** First and last time seen (ns since the Unix epoch). */
  first: number;
  last: number;
}

/** A recorded probe event: the agent's line with, when recorded, who its ends were. */
export interface FlowEvent {
  ts: number;
  line: Record<string, unknown>;
}

export interface ObservedTraffic {
  flows: ObservedFlow[];
  /** Attempts with no sign of success (refused, retransmitted, dropped), by the same key. */
  attempts: ObservedFlow[];
  /** Events whose ends could not be placed (a pod gone before the last snapshot, a Service without endpoints). */
  unresolved: number;
  /** Those events by addresses and port (the first 100 distinct), so they can be named. */
  unplaced: UnplacedFlow[];
}

/** Traffic whose ends could not be placed, by the addresses the probe saw. */
export interface UnplacedFlow {
  src: string;
  dst: string;
  protocol: Protocol;
  port: number;
  count: number;
}

const MAX_UNPLACED = 100;

interface Identity {
  kind?: string;
  namespace?: string;
  name?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
/** `::ffff:10.0.0.1` (an IPv4 peer of a dual-stack socket) → `10.0.0.1`. */
const plainIp = (ip: string) => (ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip);

const endKey = (e: FlowEnd) => (e.kind === 'pod' ? `w:${e.workload}` : `ip:${e.ip}`);
/** Flows are kept per workload pair, not per pod: what a policy (selecting by labels) can tell apart. */
export const flowKey = (f: { from: FlowEnd; to: FlowEnd; protocol: string; port: number }) => `${endKey(f.from)} ${endKey(f.to)} ${f.protocol}/${f.port}`;

/**
 * The recorded cluster as the flows and the policy engine read it (its `policy` index built
 * once): the last state, plus `earlierPods` — pods seen during the recording and gone by its
 * end (a rollout), so their traffic still counts for their workload. A pod of the last state
 * wins over an earlier one of the same name or address.
 */
export function recordedCluster(view: ClusterView, earlierPods: readonly KubeObject[] = []): Cluster {
  if (earlierPods.length === 0) return new Cluster(view);
  const last = view.list('Pod');
  const names = new Set(last.map((p) => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`));
  const gone = earlierPods.filter((p) => !names.has(`${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`));
  const pods = [...gone, ...last];
  return new Cluster({ list: (kind) => (kind === 'Pod' ? pods : view.list(kind)) });
}

/** Flows counted one event at a time (`add`), so a caller can spread a long recording over slices of time. */
export interface TrafficObserver {
  add(ev: FlowEvent): void;
  result(): ObservedTraffic;
}

export function observeTraffic(cluster: Cluster, events: Iterable<FlowEvent>): ObservedTraffic {
  const o = trafficObserver(cluster);
  for (const ev of events) o.add(ev);
  return o.result();
}

export function trafficObserver(cluster: Cluster): TrafficObserver {
  const index = cluster.policy;
  const podInfo = new Map<string, PodInfo>();
  for (const p of index.pods) if (!p.representative) podInfo.set(`${p.namespace}/${p.name}`, p);
  const nodeByIp = new Map<string, string>();
  for (const n of index.nodes) for (const a of n.addresses) nodeByIp.set(a, n.name);

  /** Per flow key and kind of evidence (each kind counts the same connection once): the tally. */
  const seen = new Map<string, { flow: ObservedFlow; byEvidence: Map<string, number> }>();
  const tried = new Map<string, { flow: ObservedFlow; byEvidence: Map<string, number> }>();
  let unresolved = 0;
  const unplaced = new Map<string, UnplacedFlow>();

  const podEnd = (p: Pod | undefined): FlowEnd | undefined => {
    if (!p) return undefined;
    if (p.hostNetwork) return p.ips[0] ? { kind: 'ip', ip: p.ips[0], name: `${p.namespace}/${p.name} (host network)` } : undefined;
    const info = podInfo.get(`${p.namespace}/${p.name}`);
    return info ? { kind: 'pod', workload: info.workload, pod: `${p.namespace}/${p.name}` } : undefined;
  };
  const ipEnd = (ip: string): FlowEnd => {
    const node = nodeByIp.get(ip);
    return node ? { kind: 'ip', ip, name: `node ${node}` } : { kind: 'ip', ip };
  };

  /** The client end: a pod, else the address. */
  const client = (ip: string, id: Identity | undefined): FlowEnd | undefined => {
    if (id?.kind === 'pod' && id.namespace && id.name) return podEnd(cluster.pod(id.namespace, id.name));
    return podEnd(cluster.podByIP(ip)) ?? ipEnd(ip);
  };

  /** The server end(s) and port: a pod; a Service's endpoints on the service port's target; else the address. */
  const servers = (ip: string, port: number, protocol: Protocol, id: Identity | undefined): Array<{ end: FlowEnd; port: number }> | undefined => {
    const svc = id?.kind === 'service' && id.namespace && id.name ? cluster.service(id.namespace, id.name) : cluster.serviceByIP(ip);
    if (svc) return serviceBackends(cluster, svc, port, protocol, podEnd, ipEnd);
    if (id?.kind === 'pod' && id.namespace && id.name) {
      const end = podEnd(cluster.pod(id.namespace, id.name));
      return end ? [{ end, port }] : undefined;
    }
    const byIp = podEnd(cluster.podByIP(ip));
    return [{ end: byIp ?? ipEnd(ip), port }];
  };

  const add = (
    into: typeof seen,
    evidence: string,
    ts: number,
    protocol: Protocol,
    cIp: string,
    cId: Identity | undefined,
    sIp: string,
    sPort: number,
    sId: Identity | undefined,
  ) => {
    const from = client(cIp, cId);
    const to = servers(sIp, sPort, protocol, sId);
    if (!from || !to || to.length === 0) {
      unresolved++;
      const key = `${cIp} ${sIp} ${protocol}/${sPort}`;
      const u = unplaced.get(key);
      if (u) u.count++;
      else if (unplaced.size < MAX_UNPLACED) unplaced.set(key, { src: cIp, dst: sIp, protocol, port: sPort, count: 1 });
      return;
    }
    for (const t of to) {
      if (from.kind === 'pod' && t.end.kind === 'pod' && from.pod === t.end.pod) continue;
      const flow: ObservedFlow = { from, to: t.end, protocol, port: t.port, count: 0, first: ts, last: ts };
      const key = flowKey(flow);
      let e = into.get(key);
      if (!e) into.set(key, (e = { flow, byEvidence: new Map() }));
      e.byEvidence.set(evidence, (e.byEvidence.get(evidence) ?? 0) + 1);
      e.flow.first = Math.min(e.flow.first, ts);
      e.flow.last = Math.max(e.flow.last, ts);
    }
  };

  const add1 = (ev: FlowEvent): void => {
    const l = ev.line;
    const type = l.type;
    if (type !== 'tcp' && type !== 'dns' && type !== 'drop') return;
    const src = str(l.src);
    const dst = str(l.dst);
    const sport = num(l.sport);
    const dport = num(l.dport);
    if (!src || !dst) return;
    const ids = (typeof l.identities === 'object' && l.identities !== null ? l.identities : {}) as { src?: Identity; dst?: Identity };
    const proto: Protocol = String(l.proto).toUpperCase() === 'UDP' ? 'UDP' : String(l.proto).toUpperCase() === 'SCTP' ? 'SCTP' : 'TCP';
    const sIp = plainIp(src);
    const dIp = plainIp(dst);
    // Where the event was seen (node, network namespace, interface): one packet passes several
    // such points (both nodes of a cross-node flow, a veth and the node's interface), each
    // counting it once, so a flow's count is what one point saw, not the sum over the nodes.
    const at = `@${String(l.node ?? '')}/${String(l.netns ?? '')}/${String(l.ifindex ?? '')}`;
    if (type === 'tcp') {
      if (l.event === 'established') {
        if (l.role === 'server' && sport !== undefined) add(seen, `tcp-server${at}`, ev.ts, 'TCP', dIp, ids.dst, sIp, sport, ids.src);
        else if (dport !== undefined) add(seen, `tcp-client${ids.dst?.kind === 'service' ? '-svc' : ''}${at}`, ev.ts, 'TCP', sIp, ids.src, dIp, dport, ids.dst);
      } else if ((l.event === 'refused' || l.event === 'retransmit') && l.role !== 'server' && dport !== undefined)
        add(tried, `tcp-${String(l.event)}${at}`, ev.ts, 'TCP', sIp, ids.src, dIp, dport, ids.dst);
    } else if (type === 'dns') {
      // The answer, from the server (its source port is the one asked) to the client; both
      // directions of the server's interface and both the Service and pod addresses may be seen.
      if (l.qr === 'response' && sport !== undefined)
        add(seen, `dns-${String(l.dir)}-${ids.src?.kind ?? 'ip'}${at}`, ev.ts, proto, dIp, ids.dst, sIp, sport, ids.src);
      // A query leaving its client: an attempt, dropped from the attempts once any answer on that flow is seen.
      else if (l.qr === 'query' && l.dir === 'egress' && dport !== undefined)
        add(tried, `dns-query-${ids.dst?.kind ?? 'ip'}${at}`, ev.ts, proto, sIp, ids.src, dIp, dport, ids.dst);
    } else if (dport !== undefined && proto !== 'SCTP' && String(l.proto).toLowerCase() !== 'icmp' && l.reason !== 'QUEUE_PURGE' && l.reason !== 'NO_SOCKET') {
      add(tried, `drop-${String(l.reason)}${at}`, ev.ts, proto, sIp, ids.src, dIp, dport, ids.dst);
    }
  };

  const result = (): ObservedTraffic => {
    const tally = (m: typeof seen) =>
      [...m.values()]
        .map(({ flow, byEvidence }) => ({ ...flow, count: Math.max(...byEvidence.values()) }))
        .sort((a, b) => (flowKey(a) < flowKey(b) ? -1 : flowKey(a) > flowKey(b) ? 1 : 0));
    const flows = tally(seen);
    const ok = new Set(flows.map(flowKey));
    return { flows, attempts: tally(tried).filter((f) => !ok.has(flowKey(f))), unresolved, unplaced: [...unplaced.values()] };
  };
  return { add: add1, result };
}

/**
 * A Service's ready endpoints, each on the port the service port targets there: pods, or
 * addresses no pod holds (the API server behind `default/kubernetes`, a Service of hand-made
 * endpoints).
 */
function serviceBackends(
  cluster: Cluster,
  svc: Service,
  port: number,
  protocol: Protocol,
  podEnd: (p: Pod | undefined) => FlowEnd | undefined,
  ipEnd: (ip: string) => FlowEnd,
): Array<{ end: FlowEnd; port: number }> | undefined {
  const sp = svc.ports.find((p) => p.port === port && (p.protocol || 'TCP').toUpperCase() === protocol);
  if (!sp) return undefined;
  const out: Array<{ end: FlowEnd; port: number }> = [];
  for (const slice of cluster.slicesOf(svc)) {
    const target = slice.ports?.find((p) => (p.name ?? '') === (sp.name ?? '') && (p.protocol || 'TCP').toUpperCase() === protocol)?.port;
    for (const ep of slice.endpoints) {
      if (!ep.ready) continue;
      const pod = ep.pod ? cluster.pod(slice.namespace, ep.pod) : ep.addresses[0] ? cluster.podByIP(ep.addresses[0]) : undefined;
      const end = pod ? podEnd(pod) : ep.addresses[0] ? ipEnd(ep.addresses[0]) : undefined;
      const p = target ?? (typeof sp.targetPort === 'number' ? sp.targetPort : pod?.ports.find((x) => x.name === sp.targetPort)?.containerPort);
      if (end && p !== undefined) out.push({ end, port: p });
    }
  }
  return out.length > 0 ? out : undefined;
}
