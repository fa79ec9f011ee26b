/**
 * Redaction for sharing: consistent pseudonyms for the names and addresses of a recording, so
 * it can go to a vendor or a public issue and still replay. Within one redaction the same
 * input always gives the same output, in every record kind (objects, watch changes, probe
 * events and their identities, questions, diagnoses and their texts):
 *
 * - every string the recording got from the cluster becomes a pseudonym unless the allow-list
 *   in redactFields.ts lets it stay (vocabulary fields, timestamps and numbers, built-in and
 *   protocol names, field names and keys): `ns-1`, `pod-3`, `svc-2`, `node-1`, `policy-4`,
 *   `rule-1`, `wl-2` (workloads), `container-1`, `image-2`, `registry-1`, `port-1`, `dns-3`
 *   (DNS labels), `label-5`, `value-7` (anything else), numbered in order of first appearance;
 *   a pod reads `ns-1/pod-3` wherever it was `shop/frontend-7c9f`. Label values follow the
 *   same table, so selectors still select; named ports still name their ports.
 * - what nothing in Pathlight reads is dropped as the recorder drops it (recordObject in
 *   scrub.ts: env values, command lines, ConfigMap data), for recordings made before it did.
 * - texts (diagnoses, fixes, messages, notes) keep their words; every name in them is
 *   replaced, also inside a compound such as a generated policy name
 *   (`allow-ingress-from-shop-frontend-7c9f-tcp-8080` → `allow-ingress-from-ns-1-wl-2-tcp-8080`),
 *   while the product's own terms (finding kinds, hops) and label keys stay. A `value-N` that
 *   is a plain word (a volume path `namespace`) is replaced where it stands, not in sentences.
 * - relations the engine reads survive: a ReplicaSet `frontend-7c9f` becomes `wl-1-label-4`
 *   (its Deployment and pod-template hash), a selector's near-miss value and a mistyped
 *   namespace become a near miss of the right pseudonym (`svc-1x`, `ns-9x`), so the redacted
 *   copy replays to the same answers (test/integration/cli/redact.test.ts, on the demo).
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
import { distance } from 'fastest-levenshtein';
import ipaddr from 'ipaddr.js';
import { fmix32, fnv1a, FNV_OFFSET } from '../hash.js';
import { closest } from '../diagnose/dns.js';
import { findingKinds, hopKinds } from '../diagnose/types.js';
import { mapRule } from '../rules/map.js';
import type { RuleRecord } from '../rules/types.js';
import { isRecord, type SessionRecord } from './records.js';
import {
  builtIn,
  categories,
  childKind,
  fieldClass,
  harmlessShape,
  keptDnsLabels,
  keptPortNames,
  kindCategory,
  nameKind,
  vocabularyKeys,
  vocabularyShape,
  type Category,
} from './redactFields.js';
import { recordObject } from './scrub.js';

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
 * changes every pseudonymous address (test/unit/core/recording/redact.test.ts pins some).
 */
function keyed(salt: string, bytes: readonly number[], bits: number): number {
  return fmix32(fnv1a(bytes, fnv1a([bits], fnv1a(salt, FNV_OFFSET, 0xff), 0xff), 0xff));
}

// Candidate IPs in free text: dotted quads, and runs of hex and colons validated by ipaddr.js.
// A v6 run is tried first, so `::ffff:10.0.0.1` is one address (never `::ffff:10` and the
// rest of the quad after it); a v4 address may be followed by `:port`.
const ipInText =
  /(?<![\w.:])[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}(?:(?<=:)(?:\d{1,3}\.){3}\d{1,3})?(?![\w:]|\.\d)|(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;

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
  /** Label keys seen: they stay, also inside texts, where a name could otherwise match a part of one. */
  private readonly keys = new Set<string>();
  /** Strings seen as label values (selected by selectors, compared by the near-miss checks). */
  private readonly labelValues = new Set<string>();

  constructor(private readonly options: RedactOptions) {}

  // ---- pass 1: learn the names --------------------------------------------------------------

  private note(name: unknown, category: Category) {
    if (typeof name !== 'string' || name.length < 2 || builtIn.has(name) || harmlessShape.test(name) || addressOnly(name)) return;
    if (category === 'port' && keptPortNames.has(name)) return;
    if (this.table) throw new Error('Redactor: learn() after redact() started');
    const had = this.seen.get(name);
    if (!had) this.seen.set(name, { category, order: this.seen.size });
    else if (categories.indexOf(category) < categories.indexOf(had.category)) had.category = category;
  }

  /** Each label of a DNS name (`backend.shop.svc.cluster.local.`, `*.example.com`) but the zone's structure. */
  private noteDns(name: unknown) {
    if (typeof name !== 'string' || addressOnly(name)) return;
    for (const label of name.split('.')) if (!keptDnsLabels.has(label.toLowerCase())) this.note(label, 'dns');
  }

  /** An image reference: the whole of it, its registry and the parts of its repository path. */
  private noteImage(ref: string) {
    this.note(ref, 'image');
    const path = ref
      .replace(/@.*$/, '')
      .replace(/:[^/:]*$/, '')
      .split('/');
    if (path.length > 1 && /[.:]|^localhost$/.test(path[0]!)) {
      const registry = path.shift()!;
      this.note(registry, 'registry');
      this.note(registry.replace(/:\d+$/, ''), 'registry');
    }
    for (const part of path) this.note(part, 'image');
  }

  /** Learns the names a record mentions (objects, identities, refs, questions, metadata). */
  learn(record: SessionRecord): void {
    const data = prepare(record).data;
    if (record.kind === 'meta' && isRecord(data)) {
      this.learnMeta(data);
      const { cluster: _c, context: _x, nodes: _n, agents: _a, ...rest } = data;
      this.sweep(rest, undefined, undefined);
    }
    if (record.kind === 'question' && isRecord(data)) {
      for (const end of [data.from, data.to]) if (typeof end === 'string') this.learnPath(end);
      if (typeof data.port === 'string') this.note(data.port, 'port');
      this.sweep(data.options, 'options', undefined);
    }
    this.walk(data, undefined);
    // What the cluster and the agents said: every string the allow-list does not keep is a name.
    if (record.kind === 'snapshot' || record.kind === 'watch' || record.kind === 'probe') this.sweep(data, undefined, undefined);
    if (record.kind === 'probe' && isRecord(data) && data.type === 'rule') this.learnRule(data);
  }

  /**
   * The objects a netfilter rule names in its comments and chains (a kube-router pod and
   * policy, a kube-proxy Service, a Calico policy), read as the rule mappers read them: the
   * rule itself, then each step of its path on its own, since the mapper of a rule reads only
   * the steps that concern it and a step can name a pod no snapshot holds any more. The
   * comments stay as text, with these names replaced.
   */
  private learnRule(line: Record<string, unknown>) {
    const steps = Array.isArray(line.path) ? line.path.filter(isRecord) : [];
    for (const rule of [line, ...steps.map((step): Record<string, unknown> => ({ ...step, path: [step] }))]) {
      if (typeof rule.chain !== 'string' || typeof rule.table !== 'string') continue;
      const mapping = mapRule(rule as unknown as RuleRecord);
      for (const o of [mapping.pod, mapping.service, ...mapping.policies]) {
        if (!o) continue;
        this.note(o.namespace, 'ns');
        this.note(o.name, kindCategory[o.kind] ?? 'obj');
      }
      const port = mapping.service?.port;
      if (port !== undefined && !/^\d+$/.test(port)) this.note(port, 'port');
    }
  }

  /** Notes every string of cluster data by its field (redactFields.ts), keys aside. */
  private sweep(v: unknown, key: string | undefined, parent: string | undefined, kind?: string) {
    if (typeof v === 'string') {
      if (key === undefined) return;
      const c = fieldClass(key, parent, kind);
      if ('dns' in c) this.noteDns(v);
      else if ('category' in c) {
        if (c.category === 'image') this.noteImage(v);
        else this.note(c.category === 'wl' && key === 'generateName' ? v.replace(/-$/, '') : v, c.category);
      }
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) this.sweep(x, key, parent, kind);
      return;
    }
    if (!isRecord(v)) return;
    const named = nameKind(v, key, kind);
    for (const [k, x] of Object.entries(v)) {
      if (isRecord(x) || Array.isArray(x)) this.sweep(x, k, k, childKind(v, key, k, kind));
      else this.sweep(x, k, key, named);
    }
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
    // A DNS name asked for (`backend.other-ns`, `api.example.com`): every label is a name.
    if (parts.length === 1) this.noteDns(parts[0]);
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
        for (const k of Object.keys(m.labels)) this.keys.add(k);
        for (const value of Object.values(m.labels)) if (typeof value === 'string') this.labelValues.add(value);
        for (const [k, value] of Object.entries(m.labels))
          this.note(value, k === 'kubernetes.io/service-name' ? 'svc' : k === 'kubernetes.io/metadata.name' ? 'ns' : 'label');
      }
      if (Array.isArray(m.ownerReferences)) for (const o of m.ownerReferences) if (isRecord(o)) this.note(o.name, kindCategory[String(o.kind)] ?? 'wl');
      // A ReplicaSet is its Deployment's name and the pod-template hash: both are names, so the
      // pseudonym keeps the shape (see freeze) and the Deployment is still found by its pods.
      const hash = isRecord(m.labels) ? m.labels['pod-template-hash'] : undefined;
      if (typeof hash === 'string' && Array.isArray(m.ownerReferences)) {
        for (const o of m.ownerReferences) {
          if (isRecord(o) && o.kind === 'ReplicaSet' && typeof o.name === 'string' && o.name.endsWith(`-${hash}`))
            this.note(o.name.slice(0, -hash.length - 1), 'wl');
        }
      }
      if (typeof m.generateName === 'string') this.note(m.generateName.replace(/-$/, ''), 'wl');
    }
    // Identities, ObjectRefs, probe lines: {kind, namespace, name}, {node}.
    if (typeof v.name === 'string' && typeof v.kind === 'string' && !isRecord(v.metadata)) this.note(v.name, kindCategory[v.kind] ?? 'obj');
    if (typeof v.namespace === 'string') this.note(v.namespace, 'ns');
    for (const key of ['node', 'nodeName']) if (typeof v[key] === 'string') this.note(v[key], 'node');
    // Selectors: label values must map like the labels they select.
    if (isRecord(v.matchLabels)) for (const value of Object.values(v.matchLabels)) this.note(value, 'label');
    if (isRecord(v.matchLabels)) for (const value of Object.values(v.matchLabels)) if (typeof value === 'string') this.labelValues.add(value);
    if (isRecord(v.matchLabels)) for (const k of Object.keys(v.matchLabels)) this.keys.add(k);
    if (isRecord(v.selector) && !isRecord(v.selector.matchLabels) && !Array.isArray(v.selector.matchExpressions)) {
      for (const value of Object.values(v.selector)) this.note(value, 'label');
      for (const value of Object.values(v.selector)) if (typeof value === 'string') this.labelValues.add(value);
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
    const ordered = [...this.seen].sort((a, b) => a[1].order - b[1].order);
    // Workload names made of a workload's name and a hash (`frontend-7c9d8f6b5`, a
    // ReplicaSet) map to the same composition of pseudonyms (`wl-1-label-4`): the engine
    // finds a Deployment by its ReplicaSet's name without the pod-template hash.
    const composite = new Map<string, [string, string]>();
    for (const [name, { category }] of ordered) {
      if (category !== 'wl') continue;
      for (let i = name.indexOf('-'); i > 0; i = name.indexOf('-', i + 1)) {
        const [head, tail] = [name.slice(0, i), name.slice(i + 1)];
        // The head may be a built-in name kept as it is (`coredns-7c9f` → `coredns-label-4`).
        if ((this.seen.has(head) || builtIn.has(head)) && this.seen.get(tail)?.category === 'label') composite.set(name, [head, tail]);
      }
    }
    // A label value that is a near miss of another (`backend-api` beside `backend`, a selector's
    // typo) becomes a near miss of that one's pseudonym (`svc-1x`), so the selector check names
    // the same workload as the original.
    const nearLabels = [...this.labelValues].filter((v) => this.seen.has(v) && this.seen.get(v)!.category !== 'label');
    const derived = new Map<string, string>();
    for (const [name, { category }] of ordered) {
      if (category !== 'label' || composite.has(name)) continue;
      let best: [string, number] | undefined;
      for (const other of nearLabels) {
        const d = distance(name, other) / Math.max(name.length, other.length);
        if (d < 0.5 && (!best || d < best[1])) best = [other, d];
      }
      if (best) derived.set(name, best[0]);
    }
    for (const [name, { category }] of ordered) {
      if (composite.has(name) || derived.has(name) || category === 'dns') continue;
      const n = (counters.get(category) ?? 0) + 1;
      counters.set(category, n);
      table.set(name, `${category}-${n}`);
    }
    for (const [name, [head, tail]] of composite) table.set(name, `${table.get(head) ?? head}-${table.get(tail) ?? tail}`);
    // DNS labels that name nothing in the cluster (a mistyped namespace in a question, an
    // outside domain). A typo stays a typo of the same pseudonym (`lab-wrongns` → `ns-9x` when
    // `lab-wrong-ns` is `ns-9`), so the diagnosis suggests the same namespace or Service; the
    // others get a pseudonym far from every other (`dnsname-1`), so none becomes a near miss.
    const near = ordered.filter(([, { category }]) => category === 'ns' || category === 'svc').map(([name]) => name);
    let dnsNames = 0;
    for (const [name, { category }] of ordered) {
      if (category !== 'dns') continue;
      const like = closest(name, near);
      if (like) derived.set(name, like);
      else table.set(name, `dnsname-${++dnsNames}`);
    }
    // Near misses of one name get distinct suffixes, so two of them never share a pseudonym.
    const suffixes = new Map<string, number>();
    for (const [name, like] of derived) {
      const i = suffixes.get(like) ?? 0;
      suffixes.set(like, i + 1);
      table.set(name, `${table.get(like)!}${nearSuffix(i)}`);
    }
    this.table = table;
    // The product's terms and label keys match as themselves (they are not in the table), so a
    // name never matches a part of them: `policy-deny-ingress` stays when a label value is `deny-ingress`.
    const kept = [...findingKinds, ...hopKinds, ...this.keys].filter((k) => !table.has(k));
    // Other strings (`value-N`: paths, annotation values, IDs) are replaced where they stand,
    // and in texts only when they cannot be an ordinary word of a sentence (a volume's path
    // `namespace` must not turn "in namespace shop" into nonsense).
    const inText = [...table.keys()].filter((k) => this.seen.get(k)?.category !== 'value' || !/^[A-Za-z]+$/.test(k));
    const words = [...new Set([...inText, ...kept])].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    // A name as a whole word or a part of a compound: `backend` in `backend.shop.svc`,
    // `shop/backend` and `allow-to-backend-tcp-8080`; the longest name wins (`backend-v2`, its own name).
    if (words.length > 0) this.pattern = new RegExp(`${ipInText.source}|(?<![A-Za-z0-9_])(?:${words.join('|')})(?![A-Za-z0-9_])`, 'g');
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

  /** Pathlight's own output (answers, notes): vocabulary fields stay, every other string is text. */
  private value(v: unknown, vocabulary = false, key?: string): unknown {
    // A vocabulary field keeps one token; a longer string there (a rule's text in a rule's
    // evidence) is text, as in cluster data (field below).
    if (typeof v === 'string') return vocabulary && vocabularyShape.test(v) ? v : this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.value(x, vocabulary, key));
    if (!isRecord(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[this.key(k, key)] = this.value(x, vocabularyKeys.has(k), k);
    return out;
  }

  /** Keys stay (field names, label keys), except an address and where a key is a name: the agents of a recording by node. */
  private key(k: string, parent: string | undefined): string {
    return parent === 'agents' || ipaddr.isValid(k) ? this.text(k) : k;
  }

  /** Cluster and agent data: each string by the allow-list (redactFields.ts), the same way it was learned. */
  private field(v: unknown, key: string | undefined, parent: string | undefined, kind?: string): unknown {
    if (typeof v === 'string') {
      if (key === undefined) return this.text(v);
      const c = fieldClass(key, parent, kind);
      if ('keep' in c) return vocabularyShape.test(v) ? v : this.text(v);
      if ('category' in c) return this.table!.get(v) ?? (harmlessShape.test(v) || builtIn.has(v) ? v : this.text(v));
      return this.text(v);
    }
    if (Array.isArray(v)) return v.map((x) => this.field(x, key, parent, kind));
    if (!isRecord(v)) return v;
    const named = nameKind(v, key, kind);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      out[this.key(k, key)] = isRecord(x) || Array.isArray(x) ? this.field(x, k, k, childKind(v, key, k, kind)) : this.field(x, k, key, named);
    return out;
  }

  /** The record with names and addresses replaced; a meta record says it was redacted. */
  redact(record: SessionRecord): SessionRecord {
    this.freeze();
    const { data } = prepare(record);
    switch (record.kind) {
      case 'snapshot':
      case 'watch':
      case 'probe':
        return { ...record, data: this.field(data, undefined, undefined) };
      case 'meta': {
        if (!isRecord(data)) return record;
        const { cluster, context, nodes, agents, ...rest } = data;
        const known = this.value({ cluster, context, nodes, agents }) as Record<string, unknown>;
        return { ...record, data: { ...(this.field(rest, undefined, undefined) as Record<string, unknown>), ...dropUndefined(known), redacted: true } };
      }
      case 'question': {
        if (!isRecord(data)) return record;
        const { id, from, to, port, protocol, options, ...rest } = data;
        const out: Record<string, unknown> = {
          ...(this.field(rest, undefined, undefined) as Record<string, unknown>),
          id,
          from: this.value(from),
          to: this.value(to),
        };
        if (port !== undefined) out.port = typeof port === 'string' ? this.field(port, 'port', undefined) : port;
        if (protocol !== undefined) out.protocol = protocol;
        if (options !== undefined) out.options = this.field(options, 'options', undefined);
        return { ...record, data: out };
      }
      default:
        return { ...record, data: this.value(data) };
    }
  }
}

/** `x`, `y`, `z`, then `x3`, `x4`…: a one-letter typo of a pseudonym for the first near misses. */
function nearSuffix(i: number): string {
  return i < 3 ? 'xyz'[i]! : `x${i}`;
}

/** Keys whose value is undefined left out (a meta record without a cluster stays without one). */
function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** True for a string that is only addresses, CIDRs and ports (`10.0.0.0/8`, `[fd00::1]:53`): mapped as addresses, never a name. */
function addressOnly(s: string): boolean {
  return !/[A-Za-z]/.test(s.replace(ipInText, ''));
}

/** Objects as a recording keeps them today (recordObject: no env values, command lines, ConfigMap data), for older recordings too. */
function prepare(record: SessionRecord): SessionRecord {
  const data = record.data;
  if (record.kind === 'snapshot' && isRecord(data) && isRecord(data.objects)) {
    const objects: Record<string, unknown[]> = {};
    for (const [kind, list] of Object.entries(data.objects))
      if (Array.isArray(list)) objects[kind] = list.map((o) => recordObject(o, kind)).filter((o) => o !== undefined);
    return { ...record, data: { ...data, objects } };
  }
  if (record.kind === 'watch' && isRecord(data) && data.object !== undefined) {
    const object = recordObject(data.object, typeof data.kind === 'string' ? data.kind : undefined);
    return object === undefined ? { ...record, data: { ...data, object: {} } } : { ...record, data: { ...data, object } };
  }
  return record;
}

/** Both passes over records already in memory. */
export function redactRecords(records: readonly SessionRecord[], options: RedactOptions): SessionRecord[] {
  const r = new Redactor(options);
  for (const rec of records) r.learn(rec);
  return records.map((rec) => r.redact(rec));
}
