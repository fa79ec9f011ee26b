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

  /** Records that `who` holds exactly `ips` from time `ts` on (ns); IPs it no longer lists are released. */
  set(who: Identity, ips: readonly string[], ts: number): void {
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
}

export interface EventIdentities {
  src?: Identity | undefined;
  dst?: Identity | undefined;
  /** The pod whose network namespace the event was seen in. */
  netns?: Identity;
}

/**
 * Who an agent event's addresses and netns belong to, at the event's time. A TCP socket's
 * netns is its pod's, so a TCP event whose local address is a pod's teaches netns → pod for
 * the events after it. Undefined for lines without addresses (hello, stats, …).
 */
export function identify(
  ix: IdentityIndex,
  ev: { type?: unknown; ts?: unknown; src?: unknown; dst?: unknown; netns?: unknown; node?: unknown },
  node: string,
): EventIdentities | undefined {
  if (typeof ev.ts !== 'number' || typeof ev.src !== 'string' || typeof ev.dst !== 'string') return undefined;
  const at = typeof ev.node === 'string' ? ev.node : node;
  const src = ix.at(ev.src, ev.ts);
  if (ev.type === 'tcp' && src?.kind === 'pod' && typeof ev.netns === 'number') ix.setNetns(at, ev.netns, src);
  const inNs = typeof ev.netns === 'number' ? ix.netns(at, ev.netns) : undefined;
  return { src, dst: ix.at(ev.dst, ev.ts), ...(inNs ? { netns: inNs } : {}) };
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
