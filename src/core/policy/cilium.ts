/**
 * CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy at L3/L4. Cilium policies share the
 * NetworkPolicy tier with Kubernetes NetworkPolicies: an endpoint selected by a rule with an
 * ingress (egress) section becomes default-deny in that direction (unless enableDefaultDeny
 * says otherwise), allows are unioned, and ingressDeny/egressDeny win over every allow.
 * Namespaced policies only select, and only peer with, endpoints of their own namespace unless
 * a peer selector names `io.kubernetes.pod.namespace`. CIDR peers never match pods or nodes
 * (those carry their own identities). L7 rules are reported as not evaluated, L4 still applies.
 */
import type { CompiledPolicy, CompiledRule, Direction, Labels, PeerMatcher, PodInfo, PolicyRef } from './model.js';
import type { Issues } from './issues.js';
import { isObj, listAt, objAt, type Obj } from './issues.js';
import { compileSelector } from './selectors.js';
import { ALL_IPS, EMPTY_IPS, cidrWithExcept, ipsUnion, parseCidr, type IpSet } from './ipblock.js';
import { NO_PEER, ipPeer, type CompileContext } from './peers.js';
import { MAX_PORT, PROTOCOLS, type PortSpec, type Protocol } from './ports.js';

const NS_KEY = 'io.kubernetes.pod.namespace';
const NS_LABEL_PREFIX = 'io.cilium.k8s.namespace.labels.';

/** `k8s:app` and `any:app` both mean `app` for pod labels. */
function normKey(k: string): string {
  const m = /^(k8s|any|container):(.*)$/.exec(k);
  return m ? (m[2] as string) : k;
}

const labelCache = new WeakMap<PodInfo, Labels>();

/** The labels Cilium derives for a pod's identity. */
function ciliumLabels(p: PodInfo, ctx: CompileContext): Labels {
  let l = labelCache.get(p);
  if (!l) {
    const out: Record<string, string> = {
      ...p.labels,
      [NS_KEY]: p.namespace,
      'io.cilium.k8s.policy.serviceaccount': p.serviceAccount,
      'io.cilium.k8s.policy.cluster': 'default',
    };
    for (const [k, v] of Object.entries(ctx.nsLabels(p.namespace))) out[NS_LABEL_PREFIX + k] = v;
    labelCache.set(p, (l = out));
  }
  return l;
}

function mentionsNamespace(raw: unknown): boolean {
  if (!isObj(raw)) return false;
  const ml = isObj(raw.matchLabels) ? Object.keys(raw.matchLabels) : [];
  const me = Array.isArray(raw.matchExpressions) ? raw.matchExpressions.map((e) => (isObj(e) ? String(e.key) : '')) : [];
  return [...ml, ...me].some((k) => normKey(k) === NS_KEY);
}

export function compileCiliumPolicy(doc: Obj, ref: PolicyRef, ctx: CompileContext, issues: Issues): CompiledPolicy[] | null {
  const specs: Array<{ spec: Obj; path: string }> = [];
  const spec = objAt(doc, 'spec', '', issues);
  if (spec) specs.push({ spec, path: 'spec' });
  (listAt(doc, 'specs', '', issues) ?? []).forEach((s, i) =>
    isObj(s) ? specs.push({ spec: s, path: `specs[${i}]` }) : issues.error(`specs[${i}]`, 'a rule must be an object'),
  );
  if (specs.length === 0) issues.error('spec', 'spec or specs is required');
  const out = specs.map(({ spec: s, path }) => compileRuleSet(s, path, ref, ctx, issues)).filter((p): p is CompiledPolicy => p !== null);
  return issues.hasErrors ? null : out;
}

function compileRuleSet(spec: Obj, path: string, ref: PolicyRef, ctx: CompileContext, issues: Issues): CompiledPolicy | null {
  const namespace = ref.kind === 'CiliumNetworkPolicy' ? (ref.namespace ?? 'default') : undefined;
  if (spec.nodeSelector !== undefined) {
    issues.warn(`${path}.nodeSelector`, 'host policies (nodeSelector) are not evaluated');
    return null;
  }
  const sel = compileSelector(spec.endpointSelector ?? {}, `${path}.endpointSelector`, issues, { key: normKey });
  if (spec.endpointSelector === undefined) issues.error(`${path}.endpointSelector`, 'endpointSelector or nodeSelector is required');
  const rules = (dir: Direction, deny: boolean) => compileRules(spec, path, dir, deny, ref, namespace, ctx, issues);
  const ingress = [...rules('ingress', true), ...rules('ingress', false)];
  const egress = [...rules('egress', true), ...rules('egress', false)];
  const has = (k: string) => Array.isArray(spec[k]) && (spec[k] as unknown[]).length > 0;
  const dd = isObj(spec.enableDefaultDeny) ? spec.enableDefaultDeny : {};
  const isolates = {
    ingress: typeof dd.ingress === 'boolean' ? dd.ingress : has('ingress') || has('ingressDeny'),
    egress: typeof dd.egress === 'boolean' ? dd.egress : has('egress') || has('egressDeny'),
  };
  if (!sel) return null;
  const pathRef: PolicyRef = ref;
  return {
    ref: pathRef,
    tier: 'networkpolicy',
    priority: 0,
    selects: (p) => !p.hostNetwork && (namespace === undefined || p.namespace === namespace) && sel.match(ciliumLabels(p, ctx)),
    isolates,
    ingress,
    egress,
    notes: [],
  };
}

function compileRules(
  spec: Obj,
  base: string,
  dir: Direction,
  deny: boolean,
  ref: PolicyRef,
  ns: string | undefined,
  ctx: CompileContext,
  issues: Issues,
): CompiledRule[] {
  const key = deny ? `${dir}Deny` : dir;
  const list = listAt(spec, key, base, issues) ?? [];
  return list.map((r, index) => {
    const path = `${base}.${key}[${index}]`;
    const rule = isObj(r) ? r : {};
    const notes: string[] = [];
    const unevaluated: string[] = [];
    let peers = compilePeers(rule, path, dir, ns, ctx, issues, unevaluated);
    const ports = compileToPorts(rule, path, issues, notes);
    // A rule with neither peers nor ports (`{}`) selects nothing; a ports-only rule selects every peer.
    if (peers === null && ports === null) peers = [];
    const out: CompiledRule = { policy: ref, direction: dir, index, path, action: deny ? 'deny' : 'allow', peers, ports, notes };
    if (unevaluated.length) out.unevaluated = unevaluated.map((n) => `${path}: ${n}`);
    return out;
  });
}

const L3_FIELDS = {
  ingress: {
    endpoints: 'fromEndpoints',
    cidr: 'fromCIDR',
    cidrSet: 'fromCIDRSet',
    entities: 'fromEntities',
    other: ['fromRequires', 'fromGroups', 'fromNodes'],
  },
  egress: {
    endpoints: 'toEndpoints',
    cidr: 'toCIDR',
    cidrSet: 'toCIDRSet',
    entities: 'toEntities',
    other: ['toRequires', 'toGroups', 'toNodes', 'toServices', 'toFQDNs'],
  },
} as const;

function compilePeers(
  rule: Obj,
  path: string,
  dir: Direction,
  ns: string | undefined,
  ctx: CompileContext,
  issues: Issues,
  notes: string[],
): PeerMatcher[] | null {
  const f = L3_FIELDS[dir];
  const peers: PeerMatcher[] = [];
  let anyL3 = false;
  const endpoints = listAt(rule, f.endpoints, path, issues);
  if (endpoints) {
    anyL3 = true;
    endpoints.forEach((e, i) => peers.push(endpointPeer(e, `${path}.${f.endpoints}[${i}]`, ns, ctx, issues, notes)));
  }
  const cidrs = listAt(rule, f.cidr, path, issues);
  if (cidrs) {
    anyL3 = true;
    cidrs.forEach((c, i) => {
      const parsed = parseCidr(String(c));
      if (!parsed) issues.error(`${path}.${f.cidr}[${i}]`, `"${String(c)}" is not a valid CIDR`);
      else peers.push(ipPeer(parsed.v6 ? { v4: [], v6: [parsed.interval] } : { v4: [parsed.interval], v6: [] }, `${f.cidr} ${String(c)}`, false));
    });
  }
  const sets = listAt(rule, f.cidrSet, path, issues);
  if (sets) {
    anyL3 = true;
    sets.forEach((s, i) => peers.push(cidrSetPeer(s, `${path}.${f.cidrSet}[${i}]`, f.cidrSet, issues, notes)));
  }
  const entities = listAt(rule, f.entities, path, issues);
  if (entities) {
    anyL3 = true;
    for (const e of entities) peers.push(entityPeer(String(e), ctx, notes));
  }
  for (const other of f.other) {
    if (rule[other] === undefined || rule[other] === null) continue;
    anyL3 = true;
    notes.push(`${other} is not evaluated (needs live state); treated as matching nothing`);
  }
  return anyL3 ? peers : null;
}

function endpointPeer(raw: unknown, path: string, ns: string | undefined, ctx: CompileContext, issues: Issues, notes: string[]): PeerMatcher {
  // `reserved:<entity>` labels name Cilium's reserved identities: the same as that entity.
  const reserved = isObj(raw) && isObj(raw.matchLabels) ? Object.keys(raw.matchLabels).find((k) => k.startsWith('reserved:')) : undefined;
  if (reserved) return entityPeer(reserved.slice('reserved:'.length), ctx, notes);
  const sel = compileSelector(raw ?? {}, path, issues, { key: normKey });
  if (!sel) return NO_PEER;
  const restrict = ns !== undefined && !mentionsNamespace(raw) ? ns : undefined;
  const text = `endpoints ${sel.empty ? '(all)' : sel.text}${restrict ? ` in namespace ${restrict}` : ''}`;
  return {
    text,
    pod: (p) => !p.hostNetwork && (restrict === undefined || p.namespace === restrict) && sel.match(ciliumLabels(p, ctx)),
    ips: null,
    ipsMatchPods: false,
  };
}

function cidrSetPeer(raw: unknown, path: string, field: string, issues: Issues, notes: string[]): PeerMatcher {
  if (!isObj(raw)) {
    issues.error(path, 'a CIDR set entry must be an object');
    return NO_PEER;
  }
  if (typeof raw.cidr !== 'string') {
    notes.push(`${field} entry without cidr (cidrGroupRef/cidrGroupSelector) is not evaluated`);
    return NO_PEER;
  }
  const except = (listAt(raw, 'except', path, issues) ?? []).map(String);
  const r = cidrWithExcept(raw.cidr, except);
  if ('error' in r) {
    issues.error(path, r.error);
    return NO_PEER;
  }
  return ipPeer(r.set, `${field} ${raw.cidr}${except.length ? ` except ${except.join(', ')}` : ''}`, false);
}

function entityPeer(entity: string, ctx: CompileContext, notes: string[]): PeerMatcher {
  const ext = (ips: IpSet, text: string): PeerMatcher => ({ ...ipPeer(ips, text, false), text: `entity ${entity}` });
  switch (entity) {
    case 'world':
      return ext(ALL_IPS, 'world');
    case 'world-ipv4':
      return ext({ v4: ALL_IPS.v4, v6: [] }, 'world-ipv4');
    case 'world-ipv6':
      return ext({ v4: [], v6: ALL_IPS.v6 }, 'world-ipv6');
    case 'all':
      return { text: 'entity all', pod: () => true, ips: ipsUnion(ALL_IPS, EMPTY_IPS), ipsMatchPods: false };
    case 'cluster':
      return { text: 'entity cluster', pod: () => true, ips: null, ipsMatchPods: false };
    case 'host':
    case 'remote-node':
      // Offline we do not know which node a pod is on: host-network pods count as both.
      return { text: `entity ${entity}`, pod: (p) => p.hostNetwork, ips: null, ipsMatchPods: false };
    case 'kube-apiserver':
      if (ctx.apiServer) return { text: 'entity kube-apiserver', pod: ctx.apiServer.pod, ips: ctx.apiServer.ips, ipsMatchPods: false };
      notes.push(
        'entity kube-apiserver is not determinable from these manifests (no kube-apiserver pods, no default/kubernetes endpoints); treated as matching nothing',
      );
      return { ...NO_PEER, text: 'entity kube-apiserver (not evaluated)' };
    default:
      notes.push(`entity ${entity} is not determinable from manifests; treated as matching nothing`);
      return { ...NO_PEER, text: `entity ${entity} (not evaluated)` };
  }
}

function compileToPorts(rule: Obj, path: string, issues: Issues, notes: string[]): PortSpec[] | null {
  const toPorts = listAt(rule, 'toPorts', path, issues);
  if (rule.icmps !== undefined) notes.push('icmps rules are not evaluated');
  if (!toPorts) return rule.icmps !== undefined ? [] : null;
  if (toPorts.length === 0) return [];
  const out: PortSpec[] = [];
  toPorts.forEach((tp, i) => {
    const pp = `${path}.toPorts[${i}]`;
    if (!isObj(tp)) return issues.error(pp, 'a toPorts entry must be an object');
    if (tp.rules !== undefined && tp.rules !== null) notes.push(`${pp}.rules: L7 rules not evaluated (L7); their L4 ports are treated as allowed`);
    for (const k of ['terminatingTLS', 'originatingTLS', 'serverNames', 'listener']) if (tp[k] !== undefined) notes.push(`${pp}.${k} not evaluated (L7)`);
    const ports = listAt(tp, 'ports', pp, issues);
    if (!ports || ports.length === 0) return out.push({ protocol: 'ANY' });
    ports.forEach((p, j) => portEntry(p, `${pp}.ports[${j}]`, issues, out));
  });
  return out;
}

function portEntry(p: unknown, path: string, issues: Issues, out: PortSpec[]): void {
  if (!isObj(p)) return issues.error(path, 'a port entry must be an object');
  const protoRaw = p.protocol === undefined || p.protocol === null ? 'ANY' : String(p.protocol).toUpperCase();
  if (protoRaw !== 'ANY' && !(PROTOCOLS as readonly string[]).includes(protoRaw)) {
    if (protoRaw === 'ICMP' || protoRaw === 'ICMPV6') return;
    return issues.error(`${path}.protocol`, `unsupported protocol "${protoRaw}"`);
  }
  const proto = protoRaw as Protocol | 'ANY';
  const port = p.port === undefined || p.port === null ? '0' : String(p.port);
  if (!/^\d+$/.test(port)) {
    out.push({ protocol: proto === 'ANY' ? undefined : proto, name: port });
    return;
  }
  const n = Number(port);
  if (n > MAX_PORT) return issues.error(`${path}.port`, `port ${port} is out of range`);
  if (n === 0) return void out.push({ protocol: proto });
  const end = p.endPort === undefined || p.endPort === null ? undefined : Number(p.endPort);
  out.push(end !== undefined && end > n ? { protocol: proto, port: n, endPort: Math.min(end, MAX_PORT) } : { protocol: proto, port: n });
}
