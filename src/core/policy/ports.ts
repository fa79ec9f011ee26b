/**
 * Sets of connections (protocol × destination port) and the port clauses of rules.
 * A ConnSet is what a rule allows or denies once named ports are resolved against the
 * destination pod; the tiers combine them with union / intersection / difference, so a Deny on
 * 80 followed by an Allow of everything leaves exactly "everything but 80".
 */
import type { ContainerPort } from './model.js';

export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const MIN_PORT = 1;
export const MAX_PORT = 65535;

/** Sorted, disjoint, non-adjacent inclusive ranges, flattened as [lo0, hi0, lo1, hi1, …]. */
export type Ranges = readonly number[];

export interface ConnSet {
  TCP: Ranges;
  UDP: Ranges;
  SCTP: Ranges;
  /** Protocols other than TCP/UDP/SCTP (ICMP…): only rules without ports reach them. */
  other: boolean;
  /**
   * Named ports that could not be resolved because the destination is not a pod (an address):
   * `PROTO/name`, sorted. Only ever non-empty for traffic to addresses.
   */
  named: readonly string[];
}

const FULL: Ranges = [MIN_PORT, MAX_PORT];
export const ALL: ConnSet = { TCP: FULL, UDP: FULL, SCTP: FULL, other: true, named: [] };
export const NONE: ConnSet = { TCP: [], UDP: [], SCTP: [], other: false, named: [] };

function normalize(pairs: Array<[number, number]>): number[] {
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= (out[n - 1] as number) + 1) out[n - 1] = Math.max(out[n - 1] as number, hi);
    else out.push(lo, hi);
  }
  return out;
}

function toPairs(r: Ranges): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < r.length; i += 2) pairs.push([r[i] as number, r[i + 1] as number]);
  return pairs;
}

export function rangesUnion(a: Ranges, b: Ranges): Ranges {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return normalize([...toPairs(a), ...toPairs(b)]);
}

export function rangesIntersect(a: Ranges, b: Ranges): Ranges {
  if (a.length === 0 || b.length === 0) return [];
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i] as number, b[j] as number);
    const hi = Math.min(a[i + 1] as number, b[j + 1] as number);
    if (lo <= hi) out.push(lo, hi);
    if ((a[i + 1] as number) < (b[j + 1] as number)) i += 2;
    else j += 2;
  }
  return out;
}

export function rangesSubtract(a: Ranges, b: Ranges): Ranges {
  if (a.length === 0 || b.length === 0) return a;
  return rangesIntersect(a, complement(b));
}

function complement(r: Ranges): Ranges {
  const out: number[] = [];
  let next = MIN_PORT;
  for (let i = 0; i < r.length; i += 2) {
    if ((r[i] as number) > next) out.push(next, (r[i] as number) - 1);
    next = (r[i + 1] as number) + 1;
  }
  if (next <= MAX_PORT) out.push(next, MAX_PORT);
  return out;
}

function sameRanges(a: Ranges, b: Ranges): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

const sortedUnion = (a: readonly string[], b: readonly string[]) => (b.length === 0 ? a : a.length === 0 ? b : [...new Set([...a, ...b])].sort());

export function union(a: ConnSet, b: ConnSet): ConnSet {
  return {
    TCP: rangesUnion(a.TCP, b.TCP),
    UDP: rangesUnion(a.UDP, b.UDP),
    SCTP: rangesUnion(a.SCTP, b.SCTP),
    other: a.other || b.other,
    named: sortedUnion(a.named, b.named),
  };
}

export function intersect(a: ConnSet, b: ConnSet): ConnSet {
  return {
    TCP: rangesIntersect(a.TCP, b.TCP),
    UDP: rangesIntersect(a.UDP, b.UDP),
    SCTP: rangesIntersect(a.SCTP, b.SCTP),
    other: a.other && b.other,
    named: a.named.filter((n) => b.named.includes(n) || isFullFor(b, n)),
  };
}

/** A symbolic named port survives intersection with a set holding every port of its protocol. */
function isFullFor(s: ConnSet, named: string): boolean {
  const proto = named.split('/')[0] as Protocol;
  return sameRanges(s[proto] ?? [], FULL);
}

export function subtract(a: ConnSet, b: ConnSet): ConnSet {
  return {
    TCP: rangesSubtract(a.TCP, b.TCP),
    UDP: rangesSubtract(a.UDP, b.UDP),
    SCTP: rangesSubtract(a.SCTP, b.SCTP),
    other: a.other && !b.other,
    named: a.named.filter((n) => !b.named.includes(n) && !isFullFor(b, n)),
  };
}

export function isEmpty(s: ConnSet): boolean {
  return s.TCP.length === 0 && s.UDP.length === 0 && s.SCTP.length === 0 && !s.other && s.named.length === 0;
}

export function isAll(s: ConnSet): boolean {
  return s.other && sameRanges(s.TCP, FULL) && sameRanges(s.UDP, FULL) && sameRanges(s.SCTP, FULL);
}

export function equals(a: ConnSet, b: ConnSet): boolean {
  return (
    a.other === b.other &&
    sameRanges(a.TCP, b.TCP) &&
    sameRanges(a.UDP, b.UDP) &&
    sameRanges(a.SCTP, b.SCTP) &&
    a.named.length === b.named.length &&
    a.named.every((n, i) => n === b.named[i])
  );
}

/** One protocol and port (or range): the unit of `policy check`. */
export function single(protocol: Protocol, port: number, endPort = port): ConnSet {
  return { ...NONE, [protocol]: [port, endPort] };
}

/** A port clause of a rule, before named ports are resolved. */
export type PortSpec =
  /** `protocol` 'ANY' = TCP, UDP and SCTP (Cilium). Missing `port` = every port of the protocol. */
  | { protocol: Protocol | 'ANY'; port?: number; endPort?: number }
  /** A container port name; `protocol` undefined matches the named port whatever its protocol (ANP). */
  | { protocol: Protocol | undefined; name: string };

export function describePortSpec(p: PortSpec): string {
  if ('name' in p) return `${p.protocol ?? 'any'}/${p.name}`;
  if (p.port === undefined) return `${p.protocol}/*`;
  return p.endPort !== undefined && p.endPort !== p.port ? `${p.protocol}/${p.port}-${p.endPort}` : `${p.protocol}/${p.port}`;
}

/**
 * What a port clause list allows, resolved against the destination's container ports.
 * `dstPorts` null = the destination is an address: named ports stay symbolic.
 */
export function resolvePorts(specs: readonly PortSpec[] | null, dstPorts: readonly ContainerPort[] | null): ConnSet {
  if (specs === null) return ALL;
  let out: ConnSet = NONE;
  for (const p of specs) out = union(out, resolveOne(p, dstPorts));
  return out;
}

function resolveOne(p: PortSpec, dstPorts: readonly ContainerPort[] | null): ConnSet {
  if ('name' in p) {
    if (dstPorts === null) return { ...NONE, named: [`${p.protocol ?? 'TCP'}/${p.name}`] };
    let out: ConnSet = NONE;
    for (const c of dstPorts) {
      if (c.name === p.name && (p.protocol === undefined || p.protocol === c.protocol)) out = union(out, single(c.protocol, c.port));
    }
    return out;
  }
  const range: Ranges = p.port === undefined ? FULL : [p.port, p.endPort ?? p.port];
  if (p.protocol === 'ANY') return { TCP: range, UDP: range, SCTP: range, other: false, named: [] };
  return { ...NONE, [p.protocol]: range };
}

/** Stable text key of a set (for memoising and grouping). */
export function connKey(s: ConnSet): string {
  return `${s.TCP.join(',')}|${s.UDP.join(',')}|${s.SCTP.join(',')}|${s.other ? 1 : 0}|${s.named.join(',')}`;
}

/** The `ports` list of the matrix JSON. */
export type PortEntry = { protocol: Protocol; port: number; endPort?: number } | { protocol: Protocol; namedPort: string };

export function toPortEntries(s: ConnSet): PortEntry[] {
  const out: PortEntry[] = [];
  for (const proto of PROTOCOLS) {
    const r = s[proto];
    for (let i = 0; i < r.length; i += 2) {
      const lo = r[i] as number;
      const hi = r[i + 1] as number;
      out.push(lo === hi ? { protocol: proto, port: lo } : { protocol: proto, port: lo, endPort: hi });
    }
  }
  for (const n of s.named) {
    const [proto, name] = n.split('/') as [Protocol, string];
    out.push({ protocol: proto, namedPort: name });
  }
  return out;
}

export function describeConnSet(s: ConnSet): string {
  if (isAll(s)) return 'all ports and protocols';
  if (isEmpty(s)) return 'nothing';
  const parts = toPortEntries(s).map((e) =>
    'namedPort' in e ? `${e.protocol}/${e.namedPort}` : e.endPort !== undefined ? `${e.protocol}/${e.port}-${e.endPort}` : `${e.protocol}/${e.port}`,
  );
  if (s.other) parts.push('other protocols (ICMP…)');
  return parts.join(', ');
}
