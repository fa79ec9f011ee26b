/**
 * Stable ids of graph nodes and edges. The UI keys its elements on them across deltas and
 * sessions, so they depend only on what they name (never on arrival order).
 */
import ipaddr from 'ipaddr.js';

export const nsId = (name: string) => `ns:${name}`;
export const podId = (namespace: string, name: string) => `pod:${namespace}/${name}`;
export const svcId = (namespace: string, name: string) => `svc:${namespace}/${name}`;
export const workloadId = (namespace: string, kind: string, name: string) => `wl:${namespace}/${kind}/${name}`;
export const kubeNodeId = (name: string) => `node:${name}`;
export const dnsId = (name: string) => `dns:${dnsName(name)}`;
export const externalId = (cidr: string) => `ext:${cidr}`;
/** The node every external address goes to when ranges are not wanted. */
export const worldId = externalId('world');

export const flowEdgeId = (source: string, target: string, protocol: string, port: number) => `flow|${source}|${target}|${protocol}/${port}`;
export const dnsEdgeId = (client: string, name: string) => `dns|${client}|${dnsId(name)}`;
export const policyEdgeId = (source: string, target: string, protocol: string, port?: number) =>
  `policy|${source}|${target}|${protocol.toLowerCase()}/${port ?? '*'}`;
export const pathEdgeId = (source: string, target: string) => `path|${source}|${target}`;

/** DNS names compare case-insensitively and with or without the root dot. */
export function dnsName(name: string): string {
  const lower = name.toLowerCase();
  const trimmed = lower.endsWith('.') && lower.length > 1 ? lower.slice(0, -1) : lower;
  return trimmed === '' ? '.' : trimmed;
}

/** One spelling per address: v4-mapped IPv6 becomes IPv4, IPv6 is compressed. Text that is no address stays as it is. */
export function canonicalIp(ip: string): string {
  return ipaddr.isValid(ip) ? ipaddr.process(ip).toString() : ip;
}

/** The /24 (IPv4) or /64 (IPv6) an address falls in; undefined for text that is no address. */
export function rangeOf(ip: string): string | undefined {
  if (!ipaddr.isValid(ip)) return undefined;
  const addr = ipaddr.process(ip);
  const bytes = addr.toByteArray();
  const keep = addr.kind() === 'ipv4' ? 3 : 8;
  for (let i = keep; i < bytes.length; i++) bytes[i] = 0;
  return `${ipaddr.fromByteArray(bytes).toString()}/${keep * 8}`;
}
