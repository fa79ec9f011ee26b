/**
 * The event filters of `pathlight observe`, named as `hubble observe` names them where the
 * meaning is the same. Each flag compiles into one small predicate (a Criterion); the values
 * of one flag are ORed (`--verdict DROPPED --verdict ERROR`, or `--verdict DROPPED,ERROR`),
 * different flags are ANDed — Hubble's rule, and Cilium's flow filter's (docs: the house style
 * in the repository's STYLE notes). A value that cannot mean anything is refused with the
 * values the flag accepts; the CLI exits 2 then.
 *
 * Pods: `[NAMESPACE/]NAME`, NAME a prefix of the pod's name (pods carry generated suffixes), as
 * in Hubble. Without a namespace the one `--namespace` given is meant, else `default` (Hubble's
 * default). Services: `[NAMESPACE/]NAME`, the whole name.
 */
import ipaddr from 'ipaddr.js';
import type { Identity } from '../cluster/identity.js';
import { rfc3339ToNs } from '../flows/hubble.js';
import { canonicalIp, eventTypes, verdicts, type ObservedEvent } from './event.js';

export interface Criterion {
  /** The flag as typed, e.g. `--from-pod`. */
  flag: string;
  /** Its values, ORed. */
  values: readonly string[];
  test(ev: ObservedEvent): boolean;
}

export interface FilterError {
  flag: string;
  value: string;
  message: string;
  /** The values the flag accepts, in words. */
  accepted: string;
}

/** The filter flags that take a list of values (repeated, or comma-separated). */
export const listFlags = [
  'from-pod',
  'to-pod',
  'pod',
  'from-service',
  'to-service',
  'service',
  'namespace',
  'from-namespace',
  'to-namespace',
  'from-ip',
  'to-ip',
  'ip',
  'port',
  'from-port',
  'to-port',
  'protocol',
  'verdict',
  'type',
  'drop-reason',
  'dns-rcode',
  'node-name',
] as const;
export type ListFlag = (typeof listFlags)[number];

export type FilterInput = Partial<Record<ListFlag, readonly string[]>> & { since?: string | undefined; until?: string | undefined };

/** The times relative `--since`/`--until` values count from: a recording's first and last event, or now for a live run. */
export interface TimeRef {
  start?: number | undefined;
  end: number;
}

/** DNS response codes as the agent (native/internal/dnsparse) and the Hubble import name them. */
export const dnsRcodes = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
  'DSOTYPENI',
];

/** `--protocol` values: the transport of the packet, or the application protocol of the event. */
export const protocols = ['tcp', 'udp', 'sctp', 'icmp', 'icmpv4', 'icmpv6', 'dns', 'http'];

const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const namePrefix = /^[a-z0-9][-a-z0-9.]*$/;

type Built = { ok: true; value: Criterion } | { ok: false; error: FilterError };

const bad = (flag: string, value: string, message: string, accepted: string): Built => ({ ok: false, error: { flag: `--${flag}`, value, message, accepted } });

/** Values of a list flag: every repetition, each split at commas, blanks dropped. */
function split(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** A value that does not parse, and why. */
class Refused {
  constructor(readonly message: string) {}
}
const refuse = (message: string) => new Refused(message);

/** Builds one criterion from the parsed values; stops at the first value that does not parse. */
function build<T>(
  flag: string,
  raw: string[],
  parse: (v: string) => T | Refused,
  test: (ev: ObservedEvent, values: readonly T[]) => boolean,
  accepted: string,
): Built {
  const parsed: T[] = [];
  for (const v of raw) {
    const p = parse(v);
    if (p instanceof Refused) return bad(flag, v, p.message, accepted);
    parsed.push(p);
  }
  return { ok: true, value: { flag: `--${flag}`, values: raw, test: (ev) => test(ev, parsed) } };
}

// ---- Endpoints -------------------------------------------------------------------------------

interface NameRef {
  namespace: string;
  name: string;
}

function nameRef(v: string, defaultNamespace: string, what: 'pod' | 'service'): NameRef | Refused {
  const slash = v.indexOf('/');
  const namespace = slash < 0 ? defaultNamespace : v.slice(0, slash);
  const name = slash < 0 ? v : v.slice(slash + 1);
  if (!label.test(namespace)) return refuse(`"${namespace}" is not a namespace name`);
  if (name.includes('/')) return refuse(`a ${what} is NAMESPACE/NAME, with one slash`);
  if (name !== '' && !namePrefix.test(name)) return refuse(`"${name}" is not a ${what} name`);
  if (what === 'service' && name === '') return refuse('give the Service name after the slash');
  return { namespace, name };
}

const podMatches = (who: Identity | undefined, refs: readonly NameRef[]) =>
  who?.kind === 'pod' && refs.some((r) => who.namespace === r.namespace && who.name.startsWith(r.name));
const serviceMatches = (who: Identity | undefined, refs: readonly NameRef[]) =>
  who?.kind === 'service' && refs.some((r) => who.namespace === r.namespace && who.name === r.name);

type End = 'from' | 'to' | 'either';
const ends = (ev: ObservedEvent, end: End): Array<Identity | undefined> => (end === 'from' ? [ev.from] : end === 'to' ? [ev.to] : [ev.from, ev.to]);
const endOf = (flag: string): End => (flag.startsWith('from-') ? 'from' : flag.startsWith('to-') ? 'to' : 'either');

function podCriterion(flag: string, raw: string[], defaultNamespace: string): Built {
  const end = endOf(flag);
  return build(
    flag,
    raw,
    (v) => nameRef(v, defaultNamespace, 'pod'),
    (ev, refs) => ends(ev, end).some((w) => podMatches(w, refs)),
    '[NAMESPACE/]POD-NAME-PREFIX, e.g. shop/frontend (without a namespace: the one --namespace given, else default)',
  );
}

function serviceCriterion(flag: string, raw: string[], defaultNamespace: string): Built {
  const end = endOf(flag);
  return build(
    flag,
    raw,
    (v) => nameRef(v, defaultNamespace, 'service'),
    (ev, refs) => ends(ev, end).some((w) => serviceMatches(w, refs)),
    '[NAMESPACE/]SERVICE, e.g. kube-system/kube-dns (without a namespace: the one --namespace given, else default)',
  );
}

function namespaceCriterion(flag: string, raw: string[]): Built {
  const end = endOf(flag);
  return build(
    flag,
    raw,
    (v) => (label.test(v) ? v : refuse(`"${v}" is not a namespace name`)),
    (ev, names) => ends(ev, end).some((w) => w?.namespace !== undefined && names.includes(w.namespace)),
    'a namespace name (lower-case letters, digits and -)',
  );
}

type IpMatch = (ip: string) => boolean;

/** An address as people write it: four decimal parts (ipaddr.js also takes `10.1`, an old shorthand for 10.0.0.1) or IPv6. */
const strictIp = (v: string) => ipaddr.IPv4.isValidFourPartDecimal(v) || ipaddr.IPv6.isValid(v);

function ipMatcher(v: string): IpMatch | Refused {
  const slash = v.indexOf('/');
  if (!strictIp(slash < 0 ? v : v.slice(0, slash))) return refuse(`"${v}" is not an IP address or CIDR`);
  if (slash < 0) {
    const want = canonicalIp(v);
    return (ip) => canonicalIp(ip) === want;
  }
  if (ipaddr.isValidCIDR(v)) {
    const [range, bits] = ipaddr.parseCIDR(v);
    return (ip) => {
      if (!ipaddr.isValid(ip)) return false;
      const a = ipaddr.process(ip);
      const r = range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress() ? (range as ipaddr.IPv6).toIPv4Address() : range;
      const b = r === range ? bits : bits - 96;
      return a.kind() === r.kind() && a.match(r, b);
    };
  }
  return refuse(`"${v}" is not an IP address or CIDR`);
}

function ipCriterion(flag: string, raw: string[]): Built {
  const end = endOf(flag);
  return build(
    flag,
    raw,
    ipMatcher,
    (ev, ms) => (end === 'to' ? [ev.dst] : end === 'from' ? [ev.src] : [ev.src, ev.dst]).some((ip) => ip !== undefined && ms.some((m) => m(ip))),
    'an IPv4/IPv6 address or a CIDR, e.g. 10.244.0.5 or 10.244.0.0/16',
  );
}

function portCriterion(flag: string, raw: string[]): Built {
  const end = endOf(flag);
  return build(
    flag,
    raw,
    (v) => (/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? Number(v) : refuse(`"${v}" is not a port number`)),
    (ev, ports) => (end === 'to' ? [ev.dport] : end === 'from' ? [ev.sport] : [ev.sport, ev.dport]).some((p) => p !== undefined && ports.includes(p)),
    'a port number from 1 to 65535',
  );
}

// ---- What happened ---------------------------------------------------------------------------

const icmp = (p: string | undefined) => (p === 'icmpv4' || p === 'icmpv6' ? 'icmp' : p);

function enumValue(list: readonly string[], v: string, what: string): string | Refused {
  const hit = list.find((x) => x.toLowerCase() === v.toLowerCase());
  return hit ?? refuse(`"${v}" is not ${what}`);
}

function protocolCriterion(raw: string[]): Built {
  return build(
    'protocol',
    raw,
    (v) => enumValue(protocols, v, 'a protocol'),
    (ev, ps) => ps.some((p) => (p === 'dns' || p === 'http' ? ev.type === p : icmp(ev.proto) === icmp(p))),
    protocols.join(', '),
  );
}

function verdictCriterion(raw: string[]): Built {
  return build(
    'verdict',
    raw,
    (v) => enumValue(verdicts, v, 'a verdict'),
    (ev, vs) => vs.includes(ev.verdict),
    verdicts.join(', '),
  );
}

function typeCriterion(raw: string[]): Built {
  return build(
    'type',
    raw,
    (v) => enumValue(eventTypes, v, 'an event type'),
    (ev, ts) => ts.includes(ev.type),
    eventTypes.join(', '),
  );
}

function dropReasonCriterion(flag: string, raw: string[]): Built {
  return build(
    flag,
    raw,
    (v) => (/^[A-Za-z][A-Za-z0-9_]*$/.test(v) ? v.toUpperCase() : refuse(`"${v}" is not a drop reason name`)),
    (ev, rs) => ev.type === 'drop' && typeof ev.line.reason === 'string' && rs.includes(ev.line.reason.toUpperCase()),
    "a drop reason as the event names it: the kernel's (NETFILTER_DROP, NO_SOCKET, NEIGH_FAILED, …) or Hubble's (POLICY_DENIED, …)",
  );
}

function rcodeCriterion(raw: string[]): Built {
  return build(
    'dns-rcode',
    raw,
    (v) => (/^RCODE\d{1,2}$/i.test(v) ? v.toUpperCase() : enumValue(dnsRcodes, v, 'a DNS response code')),
    (ev, rs) => ev.type === 'dns' && ev.line.qr === 'response' && typeof ev.line.rcode === 'string' && rs.includes(ev.line.rcode.toUpperCase()),
    `${dnsRcodes.join(', ')} (or RCODEn)`,
  );
}

function nodeCriterion(raw: string[]): Built {
  return build(
    'node-name',
    raw,
    (v) => {
      if (!/^[A-Za-z0-9*][-A-Za-z0-9.*]*$/.test(v)) return refuse(`"${v}" is not a node name`);
      const re = new RegExp(`^${v.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
      return (n: string) => re.test(n);
    },
    (ev, ms) => ev.node !== undefined && ms.some((m) => m(ev.node!)),
    'a node name, * matching any characters (node-*)',
  );
}

// ---- Time ------------------------------------------------------------------------------------

/** `90s`, `5m`, `1h30m`, `250ms` → ms. */
export function durationMs(text: string): number | undefined {
  const s = text.trim();
  if (!/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(s)) return undefined;
  let ms = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) ms += Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms'] ?? 0);
  return ms;
}

export const timeAccepted =
  'an RFC 3339 time (2026-12-05T08:37:10Z), a duration before the end (30s, 5m: before now when live), +30s after the start, or ns since the epoch';

/** `--since`/`--until`: RFC 3339, a duration before `ref.end`, `+DURATION` after `ref.start`, or ns. */
export function parseTime(text: string, ref: TimeRef): number | undefined {
  const s = text.trim();
  if (/^\d{16,}$/.test(s)) return Number(s);
  if (s.startsWith('+')) {
    const ms = durationMs(s.slice(1));
    return ms === undefined || ref.start === undefined ? undefined : ref.start + ms * 1e6;
  }
  const ago = durationMs(s);
  if (ago !== undefined) return ref.end - ago * 1e6;
  if (!/^\d{4}-\d\d-\d\d/.test(s)) return undefined;
  const ns = rfc3339ToNs(s);
  if (ns !== undefined) return ns;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms * 1e6;
}

function timeCriterion(flag: 'since' | 'until', text: string, ref: TimeRef): Built {
  const t = parseTime(text, ref);
  if (t === undefined) return bad(flag, text, `"${text}" is not a time`, timeAccepted);
  return { ok: true, value: { flag: `--${flag}`, values: [text], test: flag === 'since' ? (ev) => ev.ts >= t : (ev) => ev.ts <= t } };
}

// ---- All together ----------------------------------------------------------------------------

/** The criteria of the flags given (none: every event), or the first value that does not parse. */
export function parseFilters(input: FilterInput, ref: TimeRef): { ok: true; value: Criterion[] } | { ok: false; error: FilterError } {
  const namespaces = split(input.namespace);
  const defaultNamespace = namespaces.length === 1 ? namespaces[0]! : 'default';
  const out: Criterion[] = [];
  for (const flag of listFlags) {
    const raw = split(input[flag]);
    if (raw.length === 0) continue;
    let b: Built;
    if (flag.endsWith('pod')) b = podCriterion(flag, raw, defaultNamespace);
    else if (flag.endsWith('service')) b = serviceCriterion(flag, raw, defaultNamespace);
    else if (flag.endsWith('namespace')) b = namespaceCriterion(flag, raw);
    else if (flag.endsWith('ip')) b = ipCriterion(flag, raw);
    else if (flag.endsWith('port')) b = portCriterion(flag, raw);
    else if (flag === 'protocol') b = protocolCriterion(raw);
    else if (flag === 'verdict') b = verdictCriterion(raw);
    else if (flag === 'type') b = typeCriterion(raw);
    else if (flag === 'drop-reason') b = dropReasonCriterion(flag, raw);
    else if (flag === 'dns-rcode') b = rcodeCriterion(raw);
    else b = nodeCriterion(raw);
    if (!b.ok) return b;
    out.push(b.value);
  }
  for (const flag of ['since', 'until'] as const) {
    const text = input[flag];
    if (text === undefined) continue;
    const b = timeCriterion(flag, text, ref);
    if (!b.ok) return b;
    out.push(b.value);
  }
  return { ok: true, value: out };
}

/** Whether an event passes every criterion. */
export function matches(criteria: readonly Criterion[], ev: ObservedEvent): boolean {
  for (const c of criteria) if (!c.test(ev)) return false;
  return true;
}

/** `--last N` (and other counts): a whole number of 1 or more. */
export function parseCount(text: string): number | undefined {
  return /^\d+$/.test(text.trim()) && Number(text) >= 1 ? Number(text) : undefined;
}

export interface NoMatch {
  /** Events looked at. */
  events: number;
  /** Per criterion, how many events it lets through alone. */
  alone: Array<{ flag: string; values: readonly string[]; matched: number }>;
  /** For a pod or Service flag that matched nothing: the namespaces where that name (prefix) was seen. */
  elsewhere: Array<{ flag: string; value: string; namespaces: string[] }>;
}

/**
 * Why nothing matched: what each flag lets through on its own (the one at 0, or the pair that
 * excludes each other, is the culprit), and where a pod or Service name given without its
 * namespace was seen instead.
 */
export function explainNoMatch(criteria: readonly Criterion[], events: readonly ObservedEvent[]): NoMatch {
  const alone = criteria.map((c) => ({ flag: c.flag, values: c.values, matched: events.filter((e) => c.test(e)).length }));
  const elsewhere: NoMatch['elsewhere'] = [];
  for (const a of alone) {
    const kind = a.flag.endsWith('pod') ? 'pod' : a.flag.endsWith('service') ? 'service' : undefined;
    if (!kind || a.matched > 0) continue;
    for (const value of a.values) {
      const name = value.includes('/') ? value.slice(value.indexOf('/') + 1) : value;
      const namespaces = new Set<string>();
      for (const e of events)
        for (const w of [e.from, e.to])
          if (w?.kind === kind && w.namespace && (kind === 'pod' ? w.name.startsWith(name) : w.name === name)) namespaces.add(w.namespace);
      if (namespaces.size > 0) elsewhere.push({ flag: a.flag, value, namespaces: [...namespaces].sort() });
    }
  }
  return { events: events.length, alone, elsewhere };
}

/** The no-match explanation in words (lines for stderr). */
export function noMatchText(n: NoMatch, source: string): string[] {
  const lines = [`no event matches the filters (${n.events} event${n.events === 1 ? '' : 's'} in ${source}).`];
  if (n.alone.length > 1) lines.push(`  each filter alone: ${n.alone.map((a) => `${a.flag} ${a.values.join(',')}: ${a.matched}`).join('; ')}`);
  for (const e of n.elsewhere)
    lines.push(
      `  ${e.flag} ${e.value}: seen in namespace${e.namespaces.length === 1 ? '' : 's'} ${e.namespaces.join(', ')} (e.g. ${e.flag} ${e.namespaces[0]}/${e.value.split('/').pop()})`,
    );
  return lines;
}
