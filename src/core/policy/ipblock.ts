/**
 * Address sets for ipBlock / networks / CIDR peers: CIDR math by ipaddr.js, sets kept as
 * sorted inclusive bigint intervals per family so `except` holes and the matrix's address
 * ranges are exact.
 */
import ipaddr from 'ipaddr.js';

export type Interval = readonly [bigint, bigint];

export interface IpSet {
  v4: readonly Interval[];
  v6: readonly Interval[];
}

export const V4_MAX = (1n << 32n) - 1n;
export const V6_MAX = (1n << 128n) - 1n;
export const EMPTY_IPS: IpSet = { v4: [], v6: [] };
export const ALL_IPS: IpSet = { v4: [[0n, V4_MAX]], v6: [[0n, V6_MAX]] };

function bytesToBig(bytes: number[]): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/** Parses an address; IPv4-mapped IPv6 addresses count as IPv4. */
export function parseAddress(text: string): { n: bigint; v6: boolean } | null {
  if (!ipaddr.isValid(text)) return null;
  let addr = ipaddr.parse(text);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  return { n: bytesToBig(addr.toByteArray()), v6: addr.kind() === 'ipv6' };
}

export function formatAddress(n: bigint, v6: boolean): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  const bytes: number[] = [];
  for (let s = 120n; s >= 0n; s -= 8n) bytes.push(Number((n >> s) & 255n));
  return ipaddr.fromByteArray(bytes).toString();
}

/** `10.0.0.0/8` → its interval; null when the text is not a CIDR. */
export function parseCidr(text: string): { v6: boolean; interval: Interval } | null {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(text.trim());
  } catch {
    return null;
  }
  const [addr, prefix] = parsed;
  const v6 = addr.kind() === 'ipv6';
  const bits = v6 ? 128n : 32n;
  const host = bits - BigInt(prefix);
  const n = bytesToBig(addr.toByteArray());
  const lo = (n >> host) << host;
  return { v6, interval: [lo, lo + (1n << host) - 1n] };
}

function normalize(list: Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Array<[bigint, bigint]> = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1n) last[1] = last[1] > hi ? last[1] : hi;
    else out.push([lo, hi]);
  }
  return out;
}

function subtractIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  let cur: Interval[] = [...a];
  for (const [blo, bhi] of b) {
    const next: Interval[] = [];
    for (const [lo, hi] of cur) {
      if (bhi < lo || blo > hi) next.push([lo, hi]);
      else {
        if (lo < blo) next.push([lo, blo - 1n]);
        if (bhi < hi) next.push([bhi + 1n, hi]);
      }
    }
    cur = next;
  }
  return cur;
}

export function ipsUnion(a: IpSet, b: IpSet): IpSet {
  return { v4: normalize([...a.v4, ...b.v4]), v6: normalize([...a.v6, ...b.v6]) };
}

export function ipsSubtract(a: IpSet, b: IpSet): IpSet {
  return { v4: subtractIntervals(a.v4, b.v4), v6: subtractIntervals(a.v6, b.v6) };
}

/** A CIDR with `except` holes, as NetworkPolicy ipBlock and Cilium toCIDRSet give them. */
export function cidrWithExcept(cidr: string, except: readonly string[]): { set: IpSet } | { error: string } {
  const base = parseCidr(cidr);
  if (!base) return { error: `"${cidr}" is not a valid CIDR` };
  let set: IpSet = base.v6 ? { v4: [], v6: [base.interval] } : { v4: [base.interval], v6: [] };
  for (const e of except) {
    const hole = parseCidr(e);
    if (!hole) return { error: `except entry "${e}" is not a valid CIDR` };
    const [lo, hi] = hole.interval;
    if (hole.v6 !== base.v6 || lo < base.interval[0] || hi > base.interval[1]) return { error: `except entry "${e}" is not inside ${cidr}` };
    set = ipsSubtract(set, hole.v6 ? { v4: [], v6: [hole.interval] } : { v4: [hole.interval], v6: [] });
  }
  return { set };
}

export function ipsContains(set: IpSet, n: bigint, v6: boolean): boolean {
  for (const [lo, hi] of v6 ? set.v6 : set.v4) if (n >= lo && n <= hi) return true;
  return false;
}

export function containsAddress(set: IpSet, text: string): boolean {
  const a = parseAddress(text);
  return a !== null && ipsContains(set, a.n, a.v6);
}

export function describeIps(set: IpSet): string {
  const parts = [...set.v4.map((i) => rangeText(i, false)), ...set.v6.map((i) => rangeText(i, true))];
  return parts.length ? parts.join(', ') : 'no address';
}

export function rangeText([lo, hi]: Interval, v6: boolean): string {
  return `${formatAddress(lo, v6)}-${formatAddress(hi, v6)}`;
}
