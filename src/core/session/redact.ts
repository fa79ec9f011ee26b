/**
 * Redaction for sharing: consistent pseudonyms for the names and addresses of a recording, so
 * it can go to a vendor or a public issue and still replay. Within one redaction the same
 * input always gives the same output, in every record kind (objects, watch changes, probe
 * events and their identities, questions, diagnoses and their texts):
 *
 * - names become `ns-1`, `pod-3`, `svc-2`, `node-1`, `policy-4`, `wl-2` (workloads), `label-5`,
 *   numbered in order of first appearance; a pod reads `ns-1/pod-3` wherever it was
 *   `shop/frontend-7c9f`. Label values follow the same table, so selectors still select.
 * - IP addresses keep their family and their well-known range (10/8, 172.16/12, 192.168/16,
 *   100.64/10, fc00::/7, fe80::/10, loopback, …): the bits after the range are permuted with a
 *   keyed, prefix-preserving function (as Crypto-PAn does), so two addresses in one /24 stay
 *   in one /24 and a CIDR still contains the addresses it contained. Other addresses keep only
 *   their first octet (v4) or 16 bits (v6).
 * - Built-in names that identify nobody (`default`, `kube-system`, `kubernetes`, `coredns`, …)
 *   are kept, so the cluster's structure stays recognisable.
 *
 * Two passes: `learn` every record (the table is complete before anything is written, so a
 * name in a diagnosis text that precedes its object is still replaced), then `redact` each.
 * The salt must be secret and random per redaction: with a known salt, the small private
 * address space could be reversed by trying every address.
 */
import ipaddr from 'ipaddr.js';
import { fmix32, fnv1a, FNV_OFFSET } from '../hash.js';
import { isRecord, type SessionRecord } from './records.js';

/** Pseudonym categories, strongest first: a name seen as both a Service and a label value is a Service. */
const categories = ['ns', 'node', 'svc', 'pod', 'wl', 'policy', 'slice', 'obj', 'cluster', 'context', 'host', 'label'] as const;
type Category = (typeof categories)[number];

const kindCategory: Record<string, Category> = {
  Namespace: 'ns',
  Node: 'node',
  Service: 'svc',
  Pod: 'pod',
  Deployment: 'wl',
  ReplicaSet: 'wl',
  StatefulSet: 'wl',
  DaemonSet: 'wl',
  Job: 'wl',
  CronJob: 'wl',
  EndpointSlice: 'slice',
  NetworkPolicy: 'policy',
  AdminNetworkPolicy: 'policy',
  BaselineAdminNetworkPolicy: 'policy',
  ClusterNetworkPolicy: 'policy',
  CiliumNetworkPolicy: 'policy',
  CiliumClusterwideNetworkPolicy: 'policy',
  pod: 'pod',
  service: 'svc',
  node: 'node',
};

/** Names that identify no one and that people look for (kept as they are). */
const builtIn = new Set([
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'kubernetes',
  'kube-dns',
  'coredns',
  'kube-proxy',
  'cluster.local',
  'svc',
  'true',
  'false',
]);

/**
 * Fields whose strings are the product's or Kubernetes' vocabulary, never a name: a hop
 * `backend` or a finding kind stays as it is even when a Service is called `backend`.
 */
const vocabularyKeys = new Set(['kind', 'type', 'hop', 'verdict', 'severity', 'confidence', 'source', 'protocol', 'reason', 'event', 'state', 'errno', 'operator', 'apiVersion', 'phase', 'qr', 'dir', 'qtype', 'rcode', 'findings']);

/** Well-known ranges whose prefix is kept, so a private address stays private. */
const keptRanges = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '224.0.0.0/4',
  '0.0.0.0/8',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
].map((c) => ipaddr.parseCIDR(c));

/**
 * The keyed function of the prefix-preserving permutation: FNV-1a over the salt, the bit
 * position and the bytes, each taken as one byte, then an avalanche so that one changed input
 * bit flips the output's low bit half the time. Redacted recordings are shared: changing this
 * changes every pseudonymous address (test/unit/core/session/redact.test.ts pins some).
 */
function keyed(salt: string, bytes: readonly number[], bits: number): number {
  return fmix32(fnv1a(bytes, fnv1a([bits], fnv1a(salt, FNV_OFFSET, 0xff), 0xff), 0xff));
}

// Candidate IPs in free text: dotted quads, and runs of hex and colons validated by ipaddr.js.
// A v6 run is tried first, so `::ffff:10.0.0.1` is one address; a v4 address may be followed by `:port`.
const ipInText =
  /(?<![\w.:])[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}(?:(?<=:)(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])|(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;

export interface RedactOptions {
  /** Secret, random per redaction (the CLI draws 32 random bytes). */
  salt: string;
}

export class Redactor {
  private readonly seen = new Map<string, { category: Category; order: number }>();
  private table: Map<string, string> | undefined;
  /** IP candidates and known names in one alternation, so a name never matches inside an address. */
  private pattern: RegExp = ipInText;
  private readonly ips = new Map<string, string>();

  constructor(private readonly options: RedactOptions) {}

  // ---- pass 1: learn the names --------------------------------------------------------------

  private note(name: unknown, category: Category) {
    if (typeof name !== 'string' || name.length < 2 || builtIn.has(name) || /^\d+$/.test(name) || ipaddr.isValid(name)) return;
    if (this.table) throw new Error('Redactor: learn() after redact() started');
    const had = this.seen.get(name);
    if (!had) this.seen.set(name, { category, order: this.seen.size });
    else if (categories.indexOf(category) < categories.indexOf(had.category)) had.category = category;
  }

  /** Learns the names a record mentions (objects, identities, refs, questions, metadata). */
  learn(record: SessionRecord): void {
    if (record.kind === 'meta' && isRecord(record.data)) this.learnMeta(record.data);
    if (record.kind === 'question' && isRecord(record.data)) {
      for (const end of [record.data.from, record.data.to]) if (typeof end === 'string') this.learnPath(end);
    }
    this.walk(record.data, undefined);
  }

  private learnMeta(meta: Record<string, unknown>) {
    const cluster = isRecord(meta.cluster) ? meta.cluster : {};
    this.note(cluster.name, 'cluster');
    // The API server's host name (an address is handled as an IP wherever it appears).
    const host = typeof cluster.server === 'string' ? /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^:/?#[\]]+)/i.exec(cluster.server)?.[1] : undefined;
    if (host && !ipaddr.isValid(host)) this.note(host, 'host');
    this.note(meta.context, 'context');
    if (Array.isArray(meta.nodes)) for (const n of meta.nodes) this.note(n, 'node');
    if (isRecord(meta.agents)) for (const n of Object.keys(meta.agents)) this.note(n, 'node');
  }

  /** `ns/name`, `ns/kind/name`, `name.ns.svc…`: the first segment of a slash path is a namespace. */
  private learnPath(text: string) {
    const [host] = text.split(':');
    const parts = (host ?? '').split('/');
    if (parts.length >= 2) {
      this.note(parts[0], 'ns');
      this.note(parts.at(-1), 'obj');
    } else if (parts[0]?.includes('.svc')) {
      const [svc, ns] = parts[0].split('.');
      this.note(svc, 'svc');
      this.note(ns, 'ns');
    }
  }

  private walk(v: unknown, kind: string | undefined) {
    if (Array.isArray(v)) {
      for (const x of v) this.walk(x, kind);
      return;
    }
    if (!isRecord(v)) return;
    const ownKind = typeof v.kind === 'string' ? v.kind : kind;
    // A Kubernetes object: metadata + labels + owners + the node it runs on.
    if (isRecord(v.metadata)) {
      const m = v.metadata;
      this.note(m.name, kindCategory[ownKind ?? ''] ?? 'obj');
      this.note(m.namespace, 'ns');
      if (isRecord(m.labels)) {
        for (const [k, value] of Object.entries(m.labels)) this.note(value, k === 'kubernetes.io/service-name' ? 'svc' : k === 'kubernetes.io/metadata.name' ? 'ns' : 'label');
      }
      if (Array.isArray(m.ownerReferences)) for (const o of m.ownerReferences) if (isRecord(o)) this.note(o.name, kindCategory[String(o.kind)] ?? 'wl');
      if (typeof m.generateName === 'string') this.note(m.generateName.replace(/-$/, ''), 'wl');
    }
    // Identities, ObjectRefs, probe lines: {kind, namespace, name}, {node}.
    if (typeof v.name === 'string' && typeof v.kind === 'string' && !isRecord(v.metadata)) this.note(v.name, kindCategory[v.kind] ?? 'obj');
    if (typeof v.namespace === 'string') this.note(v.namespace, 'ns');
    for (const key of ['node', 'nodeName']) if (typeof v[key] === 'string') this.note(v[key], 'node');
    // Selectors: label values must map like the labels they select.
    if (isRecord(v.matchLabels)) for (const value of Object.values(v.matchLabels)) this.note(value, 'label');
    if (isRecord(v.selector) && !isRecord(v.selector.matchLabels) && !Array.isArray(v.selector.matchExpressions)) {
      for (const value of Object.values(v.selector)) this.note(value, 'label');
    }
    if (typeof v.operator === 'string' && Array.isArray(v.values)) for (const value of v.values) this.note(value, 'label');
    for (const [k, x] of Object.entries(v)) if (k !== 'metadata' || !isRecord(x)) this.walk(x, ownKind);
    if (isRecord(v.metadata)) this.walk(v.metadata.annotations, ownKind);
  }

  // ---- pass 2: rewrite ----------------------------------------------------------------------

  /** The pseudonym table (original → pseudonym), complete once redaction has started. */
  pseudonyms(): ReadonlyMap<string, string> {
    return this.freeze();
  }

  private freeze(): Map<string, string> {
    if (this.table) return this.table;
    const counters = new Map<Category, number>();
    const table = new Map<string, string>();
    for (const [name, { category }] of [...this.seen].sort((a, b) => a[1].order - b[1].order)) {
      const n = (counters.get(category) ?? 0) + 1;
      counters.set(category, n);
      table.set(name, `${category}-${n}`);
    }
    this.table = table;
    const names = [...table.keys()].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    // Whole names only: `backend` in `backend.shop.svc` or `shop/backend`, not in `backend-v2` (its own name).
    if (names.length > 0) this.pattern = new RegExp(`${ipInText.source}|(?<![A-Za-z0-9_-])(?:${names.join('|')})(?![A-Za-z0-9_-])`, 'g');
    return table;
  }

  /** The pseudonym of one IP address (same family, kept range, prefix relations preserved). */
  ip(text: string): string {
    const done = this.ips.get(text);
    if (done !== undefined) return done;
    if (!ipaddr.isValid(text)) return text;
    const addr = ipaddr.parse(text);
    // A v4-mapped v6 address (`::ffff:10.0.0.1`) maps like its v4 address.
    if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
      const v4 = this.ip((addr as ipaddr.IPv6).toIPv4Address().toString());
      const mappedBack = `::ffff:${v4}`;
      this.ips.set(text, mappedBack);
      return mappedBack;
    }
    const bytes = addr.toByteArray();
    const range = keptRanges.find(([net, bits]) => net.kind() === addr.kind() && (addr as ipaddr.IPv4).match(net as ipaddr.IPv4, bits));
    const keep = range ? range[1] : addr.kind() === 'ipv4' ? 8 : 16;
    const out = [...bytes];
    const prefix: number[] = new Array<number>(bytes.length).fill(0);
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const byte = bit >> 3;
      const mask = 0x80 >> (bit & 7);
      const original = (bytes[byte]! & mask) !== 0;
      if (bit >= keep) {
        // Output bit = input bit XOR f(salt, the input bits before it): prefix-preserving.
        const flip = (keyed(this.options.salt, prefix.slice(0, byte + 1), bit) & 1) === 1;
        out[byte] = original !== flip ? out[byte]! | mask : out[byte]! & ~mask;
      }
      if (original) prefix[byte] = prefix[byte]! | mask;
    }
    const result = ipaddr.fromByteArray(out).toString();
    this.ips.set(text, result);
    return result;
  }

  /** A string with every known name and every IP address replaced. */
  text(s: string): string {
    const table = this.freeze();
    return s.replace(this.pattern, (m) => table.get(m) ?? (ipaddr.isValid(m) ? this.ip(m) : m));
  }

  private value(v: unknown, vocabulary = false): unknown {
    if (typeof v === 'string') return vocabulary ? v : this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.value(x, vocabulary));
    if (!isRecord(v)) return v;
    const out: Record<string, unknown> = {};
    // Keys stay (field names, label keys), except where a key is itself a name (agents by node).
    for (const [k, x] of Object.entries(v)) out[this.table!.has(k) || ipaddr.isValid(k) ? this.text(k) : k] = this.value(x, vocabularyKeys.has(k));
    return out;
  }

  /** The record with names and addresses replaced; a meta record says it was redacted. */
  redact(record: SessionRecord): SessionRecord {
    this.freeze();
    const data = this.value(record.data);
    return { ...record, data: record.kind === 'meta' && isRecord(data) ? { ...data, redacted: true } : data };
  }
}

/** Both passes over records already in memory. */
export function redactRecords(records: readonly SessionRecord[], options: RedactOptions): SessionRecord[] {
  const r = new Redactor(options);
  for (const rec of records) r.learn(rec);
  return records.map((rec) => r.redact(rec));
}
