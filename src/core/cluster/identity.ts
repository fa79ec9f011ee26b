/**
 * Time-aware identities: which pod, Service or node held an IP at a given instant. Pod IPs
 * are reused as pods come and go, so a drop seen at 10:02 must be attributed to the pod that
 * had the address at 10:02, not to the one that has it now. Built from the snapshot's watch
 * changes (with their times); pure, so a replay rebuilds exactly the same index.
 */
import ipaddr from 'ipaddr.js';

export type IdentityKind = 'pod' | 'service' | 'node';

export interface Identity {
  kind: IdentityKind;
  namespace?: string;
  name: string;
  /** The node a pod runs on. */
  node?: string;
}

/**
 * The process behind an event (the agent's `proc`), placed in the cluster: the pod whose uid its
 * cgroup names and, when its container id is one of the pod's container statuses, that
 * container's name and image. Pod uids and container ids are never reused, so no time is needed.
 */
export interface ProcIdentity {
  pod: Identity;
  container?: string;
  image?: string;
}

interface ContainerOf {
  pod: Identity;
  name: string;
  image?: string;
}

/** `containerd://<id>`, `cri-o://<id>`, `docker://<id>` → `<id>`. */
const bareContainerId = (id: string) => id.replace(/^[a-z0-9.+-]+:\/\//i, '');

/** A pod's uid and its containers' ids (every kind of container status), as the object lists them. */
function containersOf(obj: unknown): { uid?: string; containers: Array<{ id: string; name: string; image?: string }> } {
  if (typeof obj !== 'object' || obj === null) return { containers: [] };
  const o = obj as { metadata?: { uid?: unknown }; status?: Record<string, unknown> };
  const uid = typeof o.metadata?.uid === 'string' ? o.metadata.uid : undefined;
  const containers: Array<{ id: string; name: string; image?: string }> = [];
  for (const field of ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses']) {
    const list = o.status?.[field];
    if (!Array.isArray(list)) continue;
    for (const c of list as Array<{ containerID?: unknown; name?: unknown; image?: unknown }>)
      if (typeof c.containerID === 'string' && c.containerID !== '' && typeof c.name === 'string')
        containers.push({ id: bareContainerId(c.containerID), name: c.name, ...(typeof c.image === 'string' ? { image: c.image } : {}) });
  }
  return { ...(uid ? { uid } : {}), containers };
}

interface Interval {
  from: number;
  /** Exclusive; undefined while the object still holds the IP. */
  to?: number;
  who: Identity;
}

/** One spelling per address: `::ffff:10.0.0.1` (a v4 peer of a dual-stack socket, as the
 * agent reports it) and `10.0.0.1` (as Kubernetes lists it) are the same holder. */
function canonical(ip: string): string {
  return ipaddr.isValid(ip) ? ipaddr.process(ip).toString() : ip;
}

const key = (who: Identity) => `${who.kind}/${who.namespace ?? ''}/${who.name}`;

export class IdentityIndex {
  private byIp = new Map<string, Interval[]>();
  /** The IPs each object currently holds. */
  private held = new Map<string, Set<string>>();
  private byNetns = new Map<string, Identity>();
  private byPodUid = new Map<string, Identity>();
  private byContainer = new Map<string, ContainerOf>();

  /**
   * Records that `who` holds exactly `ips` from time `ts` on (ns); IPs it no longer lists are
   * released. A pod's `object` also teaches its uid and container ids (for `proc`).
   */
  set(who: Identity, ips: readonly string[], ts: number, object?: unknown): void {
    if (who.kind === 'pod' && object !== undefined) {
      const { uid, containers } = containersOf(object);
      if (uid) this.byPodUid.set(uid, who);
      for (const c of containers) this.byContainer.set(c.id, { pod: who, name: c.name, ...(c.image ? { image: c.image } : {}) });
    }
    const k = key(who);
    const before = this.held.get(k) ?? new Set<string>();
    const now = new Set(ips.filter((ip) => ip !== '').map(canonical));
    for (const ip of before) if (!now.has(ip)) this.close(ip, k, ts);
    for (const ip of now) {
      const list = this.byIp.get(ip) ?? [];
      const open = list.find((iv) => iv.to === undefined && key(iv.who) === k);
      if (open) {
        open.who = who; // same holder, newer details (e.g. node name filled in)
        continue;
      }
      // Another object still listed as holding it lost it now (its delete may arrive later).
      for (const iv of list) if (iv.to === undefined) iv.to = ts;
      list.push({ from: ts, who });
      this.byIp.set(ip, list);
    }
    if (now.size > 0) this.held.set(k, now);
    else this.held.delete(k);
  }

  /** The object is gone at `ts`. */
  remove(who: Identity, ts: number): void {
    this.set(who, [], ts);
  }

  private close(ip: string, k: string, ts: number) {
    for (const iv of this.byIp.get(ip) ?? []) if (iv.to === undefined && key(iv.who) === k) iv.to = ts;
  }

  /** Who held `ip` at `ts` (ns); undefined when nobody known did. */
  at(ip: string, ts: number): Identity | undefined {
    const list = this.byIp.get(canonical(ip));
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const iv = list[i]!;
      if (iv.from <= ts && (iv.to === undefined || ts < iv.to)) return iv.who;
    }
    return undefined;
  }

  /** Every holder of `ip` over time, oldest first. */
  history(ip: string): ReadonlyArray<{ from: number; to?: number; who: Identity }> {
    return this.byIp.get(canonical(ip)) ?? [];
  }

  /** The agent reports network namespaces by inode; a node's netns inode → pod mapping. */
  setNetns(node: string, inode: number, pod: Identity): void {
    this.byNetns.set(`${node}/${inode}`, pod);
  }

  netns(node: string, inode: number): Identity | undefined {
    return this.byNetns.get(`${node}/${inode}`);
  }

  /** The pod (and container) a process's cgroup names; undefined when no pod known has that uid or container. */
  process(proc: { podUid?: string; containerId?: string }): ProcIdentity | undefined {
    const c = proc.containerId ? this.byContainer.get(bareContainerId(proc.containerId)) : undefined;
    if (c) return { pod: c.pod, container: c.name, ...(c.image ? { image: c.image } : {}) };
    const pod = proc.podUid ? (this.byPodUid.get(proc.podUid) ?? this.byPodUid.get(proc.podUid.replaceAll('_', '-'))) : undefined;
    return pod ? { pod } : undefined;
  }
}

export interface EventIdentities {
  src?: Identity | undefined;
  dst?: Identity | undefined;
  /** The pod whose network namespace the event was seen in. */
  netns?: Identity;
  /** Where the event's process (`proc`) runs: its pod, container and image. */
  proc?: ProcIdentity;
}

/**
 * Who an agent event's addresses and netns belong to, at the event's time. A TCP socket's
 * netns is its pod's, so a TCP event whose local address is a pod's teaches netns → pod for
 * the events after it. Undefined for lines without addresses (hello, stats, …).
 */
export function identify(
  ix: IdentityIndex,
  ev: { type?: unknown; ts?: unknown; src?: unknown; dst?: unknown; netns?: unknown; node?: unknown; proc?: unknown },
  node: string,
): EventIdentities | undefined {
  if (typeof ev.ts !== 'number' || typeof ev.src !== 'string' || typeof ev.dst !== 'string') return undefined;
  const at = typeof ev.node === 'string' ? ev.node : node;
  const src = ix.at(ev.src, ev.ts);
  if (ev.type === 'tcp' && src?.kind === 'pod' && typeof ev.netns === 'number') ix.setNetns(at, ev.netns, src);
  const inNs = typeof ev.netns === 'number' ? ix.netns(at, ev.netns) : undefined;
  const proc = typeof ev.proc === 'object' && ev.proc !== null ? ix.process(ev.proc as { podUid?: string; containerId?: string }) : undefined;
  return { src, dst: ix.at(ev.dst, ev.ts), ...(inNs ? { netns: inNs } : {}), ...(proc ? { proc } : {}) };
}

/** The IPs a Kubernetes object holds, by kind (pods: status.podIPs; Services: spec.clusterIPs; nodes: addresses). */
export function ipsOf(kind: IdentityKind, obj: { spec?: unknown; status?: unknown }): string[] {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const status = (obj.status ?? {}) as Record<string, unknown>;
  if (kind === 'pod') {
    if (spec.hostNetwork === true) return []; // the node's own address: attributed to the node
    const list = Array.isArray(status.podIPs) ? status.podIPs.map((p) => (p as { ip?: string }).ip ?? '') : [];
    return list.length > 0 ? list : typeof status.podIP === 'string' ? [status.podIP] : [];
  }
  if (kind === 'service') {
    const ips = Array.isArray(spec.clusterIPs) ? (spec.clusterIPs as string[]) : typeof spec.clusterIP === 'string' ? [spec.clusterIP] : [];
    return ips.filter((ip) => ip !== 'None');
  }
  const addrs = Array.isArray(status.addresses) ? (status.addresses as Array<{ type?: string; address?: string }>) : [];
  return addrs.filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address ?? '');
}

/**
 * The process of an event in words: `wget (pid 3450) in shop/frontend-7d9/frontend`, or with
 * the container id's first 12 digits when the cluster does not know it; undefined without `proc`.
 */
export function describeProcess(proc: { pid?: unknown; comm?: unknown; containerId?: unknown } | undefined, who?: ProcIdentity): string | undefined {
  if (!proc || typeof proc.comm !== 'string' || typeof proc.pid !== 'number') return undefined;
  const where = who
    ? ` in ${who.pod.namespace ? `${who.pod.namespace}/` : ''}${who.pod.name}${who.container ? `/${who.container}` : ''}`
    : typeof proc.containerId === 'string' && proc.containerId !== ''
      ? `, container ${proc.containerId.slice(0, 12)}`
      : '';
  return who ? `${proc.comm} (pid ${proc.pid})${where}` : `${proc.comm} (pid ${proc.pid}${where})`;
}
