/**
 * The index the checks run on: inventory + every policy compiled once, with per-pod lists of
 * the policies that select it (per tier and direction) and per-peer match caches, so a check is
 * a walk over a handful of pre-compiled rules.
 */
import type {
  CompiledPolicy,
  CompiledRule,
  Diagnostic,
  Direction,
  Endpoint,
  NamespaceInfo,
  NodeInfo,
  PeerMatcher,
  PodInfo,
  PolicyKind,
  PolicyRef,
  Workload,
} from './model.js';
import type { ManifestObject, SourceFile } from './manifests.js';
import { parseManifests } from './manifests.js';
import { Issues, isObj, type Obj } from './issues.js';
import { TEMPLATE_KINDS, buildInventory, impliedNamespace } from './inventory.js';
import { closest, distance } from 'fastest-levenshtein';
import { compileNetworkPolicy } from './networkpolicy.js';
import { compileAdminNetworkPolicy } from './anp.js';
import { compileClusterNetworkPolicy } from './clusterNetworkPolicy.js';
import { compileCiliumPolicy } from './cilium.js';
import { checkFields } from './fields.js';
import { EMPTY_IPS, ipsContains, ipsUnion, parseAddress, type IpSet } from './ipblock.js';
import { podNumericAddresses, type CompileContext } from './peers.js';
import type { ConnSet } from './ports.js';

export const POLICY_KINDS: Readonly<Record<string, { group: string; namespaced: boolean }>> = {
  NetworkPolicy: { group: 'networking.k8s.io', namespaced: true },
  AdminNetworkPolicy: { group: 'policy.networking.k8s.io', namespaced: false },
  BaselineAdminNetworkPolicy: { group: 'policy.networking.k8s.io', namespaced: false },
  ClusterNetworkPolicy: { group: 'policy.networking.k8s.io', namespaced: false },
  CiliumNetworkPolicy: { group: 'cilium.io', namespaced: true },
  CiliumClusterwideNetworkPolicy: { group: 'cilium.io', namespaced: false },
};

export function isPolicyObject(o: unknown): boolean {
  if (!isObj(o) || typeof o.kind !== 'string') return false;
  const k = POLICY_KINDS[o.kind];
  return k !== undefined && String(o.apiVersion ?? '').startsWith(`${k.group}/`);
}

export interface DirectionMemo {
  rules: CompiledRule[];
  /** No policy selects the pod in this direction: everything is allowed. */
  empty: boolean;
  cache: Map<string | number, ConnSet>;
}

export interface SubjectPolicies {
  admin: CompiledPolicy[];
  np: CompiledPolicy[];
  baseline: CompiledPolicy[];
}

export class PolicyIndex {
  readonly namespaces: Map<string, NamespaceInfo>;
  readonly nodes: NodeInfo[];
  readonly pods: PodInfo[];
  readonly workloads: Workload[];
  readonly workloadById: Map<string, Workload>;
  readonly policies: CompiledPolicy[];
  readonly diagnostics: Diagnostic[];
  /** The objects the index was built from (fix suggestions re-evaluate against them). */
  readonly objects: readonly ManifestObject[];
  private readonly subjectCache = new Map<string, SubjectPolicies>();
  private readonly memo: { ingress: Array<DirectionMemo | undefined>; egress: Array<DirectionMemo | undefined> } = { ingress: [], egress: [] };
  private readonly portSigs = new Map<string, number>();
  private readonly podSig: number[] = [];
  private readonly peerCache = new WeakMap<PeerMatcher, Int8Array>();

  private readonly apiServer: CompileContext['apiServer'];
  /** Compiled policies by source object, so an index derived from this one recompiles only what changed. */
  private readonly compiled = new Map<Obj, CompiledPolicy[]>();

  /**
   * `derivedFrom`: an index over the same workloads, namespaces and nodes whose policy objects
   * may differ (what-if edits, fix verification): its inventory and the policies compiled from
   * identical objects are reused.
   */
  constructor(objects: readonly ManifestObject[], diagnostics: Diagnostic[] = [], derivedFrom?: PolicyIndex) {
    this.objects = objects;
    this.diagnostics = diagnostics;
    if (!derivedFrom) reportUnread(objects, this.diagnostics);
    const inv = derivedFrom
      ? { namespaces: new Map(derivedFrom.namespaces), nodes: derivedFrom.nodes, pods: derivedFrom.pods, workloads: derivedFrom.workloads }
      : buildInventory(objects, this.diagnostics);
    this.namespaces = inv.namespaces;
    this.nodes = inv.nodes;
    this.pods = inv.pods;
    this.workloads = inv.workloads;
    this.workloadById = new Map(inv.workloads.map((w) => [w.id, w]));
    for (const mo of objects) {
      const ns = isObj(mo.obj.metadata) ? mo.obj.metadata.namespace : undefined;
      const k = POLICY_KINDS[String(mo.obj.kind)];
      if (k?.namespaced && typeof ns === 'string' && !this.namespaces.has(ns)) this.namespaces.set(ns, impliedNamespace(ns));
    }
    const ctx: CompileContext = {
      nsLabels: (n) => this.namespaces.get(n)?.labels ?? { 'kubernetes.io/metadata.name': n },
      nodes: this.nodes,
      apiServer: derivedFrom ? derivedFrom.apiServer : apiServerOf(objects, this.pods),
    };
    this.apiServer = ctx.apiServer;
    this.policies = objects.flatMap((mo) => {
      const reused = derivedFrom?.compiled.get(mo.obj);
      const out = reused ?? this.compile(mo, ctx);
      this.compiled.set(mo.obj, out);
      return out;
    });
    this.policies.sort(comparePolicies);
  }

  private compile(mo: ManifestObject, ctx: CompileContext): CompiledPolicy[] {
    const o = mo.obj;
    const kind = String(o.kind ?? '');
    const info = POLICY_KINDS[kind];
    if (!info) return [];
    if (!String(o.apiVersion ?? '').startsWith(`${info.group}/`)) return [];
    const m = isObj(o.metadata) ? o.metadata : {};
    const name = typeof m.name === 'string' ? m.name : '';
    const ref: PolicyRef = { kind: kind as PolicyKind, name, origin: { file: mo.file, line: mo.line, column: mo.column } };
    if (info.namespaced) ref.namespace = typeof m.namespace === 'string' && m.namespace ? m.namespace : 'default';
    const issues = new Issues();
    checkFields(kind, o, issues);
    if (!name) issues.error('metadata.name', `a ${kind} needs metadata.name`);
    let out: CompiledPolicy[] = [];
    if (name) {
      if (kind === 'NetworkPolicy') out = orNone(compileNetworkPolicy(o, ref, ctx, issues));
      else if (kind === 'AdminNetworkPolicy' || kind === 'BaselineAdminNetworkPolicy') out = orNone(compileAdminNetworkPolicy(o, ref, ctx, issues));
      else if (kind === 'ClusterNetworkPolicy') out = orNone(compileClusterNetworkPolicy(o, ref, ctx, issues));
      else out = compileCiliumPolicy(o, ref, ctx, issues) ?? [];
    }
    const label = `${kind} ${ref.namespace ? `${ref.namespace}/` : ''}${name || '(unnamed)'}`;
    for (const i of issues.list) {
      const pos = mo.locate(i.path, { key: i.atKey === true });
      const field = i.path.replace(/^\./, '');
      this.diagnostics.push({
        severity: i.severity,
        file: mo.file,
        line: pos.line,
        column: pos.column,
        ...(field ? { field } : {}),
        kind,
        name,
        message: i.severity === 'error' ? `${label} is invalid and was not analysed: ${i.message}` : `${label}: ${i.message}`,
      });
    }
    if (issues.hasErrors) return [];
    return out;
  }

  /** Policies selecting a pod, by tier, in precedence order. */
  subjectPolicies(pod: PodInfo, dir: Direction): SubjectPolicies {
    const key = `${dir}:${pod.idx}:${pod.namespace}/${pod.name}`;
    let s = this.subjectCache.get(key);
    if (!s) {
      s = { admin: [], np: [], baseline: [] };
      for (const p of this.policies) {
        const relevant = p.tier === 'networkpolicy' ? p.isolates[dir] || p[dir].length > 0 : p[dir].length > 0;
        if (!relevant || !p.selects(pod)) continue;
        (p.tier === 'admin' ? s.admin : p.tier === 'baseline' ? s.baseline : s.np).push(p);
      }
      this.subjectCache.set(key, s);
    }
    return s;
  }

  /**
   * Memo for the matrix: a direction's allowed set depends only on which of the subject's rules
   * match the peer (and, for egress, on the peer's container ports). Pods of the index only.
   */
  directionMemo(pod: PodInfo, dir: Direction): DirectionMemo {
    const list = this.memo[dir];
    let m = list[pod.idx];
    if (!m) {
      const pols = this.subjectPolicies(pod, dir);
      const rules = [...pols.admin, ...pols.np, ...pols.baseline].flatMap((p) => p[dir]);
      list[pod.idx] = m = { rules, empty: rules.length === 0 && pols.np.length === 0, cache: new Map() };
    }
    return m;
  }

  /** A small integer naming a pod's container-port list (equal lists, equal numbers). */
  portSignature(pod: PodInfo): number {
    const known = this.pods[pod.idx] === pod ? this.podSig[pod.idx] : undefined;
    if (known !== undefined) return known;
    const key = JSON.stringify(pod.ports);
    let n = this.portSigs.get(key);
    if (n === undefined) this.portSigs.set(key, (n = this.portSigs.size));
    if (this.pods[pod.idx] === pod) this.podSig[pod.idx] = n;
    return n;
  }

  /** Policies selecting a pod in any direction (for explanations). */
  selectingPolicies(pod: PodInfo): CompiledPolicy[] {
    return this.policies.filter((p) => p.selects(pod));
  }

  peerMatches(rule: CompiledRule, ep: Endpoint): boolean {
    if (rule.peers === null) return true;
    for (const peer of rule.peers) if (this.peerMatch(peer, ep)) return true;
    return false;
  }

  peerMatch(peer: PeerMatcher, ep: Endpoint): boolean {
    if (ep.kind === 'ip') return peer.ips !== null && ipsContains(peer.ips, ep.n, ep.v6);
    const pod = ep.pod;
    if (this.pods[pod.idx] !== pod) return peer.pod(pod);
    let cache = this.peerCache.get(peer);
    if (!cache) this.peerCache.set(peer, (cache = new Int8Array(this.pods.length)));
    let v = cache[pod.idx] as number;
    if (v === 0) cache[pod.idx] = v = peer.pod(pod) ? 1 : -1;
    return v === 1;
  }

  /** `NS/NAME` of a workload, else of a pod. */
  findPod(id: string): PodInfo | undefined {
    const w = this.workloadById.get(id);
    if (w) return w.pods[0];
    const slash = id.indexOf('/');
    const ns = slash < 0 ? 'default' : id.slice(0, slash);
    const name = slash < 0 ? id : id.slice(slash + 1);
    return this.pods.find((p) => p.namespace === ns && p.name === name) ?? this.workloadById.get(`${ns}/${name}`)?.pods[0];
  }
}

/** Every kind the engine reads; other kinds (Service, ConfigMap…) are skipped, counted by inputWarnings (./inputWarnings.ts). */
const READ_KIND_LIST = ['Namespace', 'Node', 'Pod', 'Endpoints', 'EndpointSlice', ...TEMPLATE_KINDS, ...Object.keys(POLICY_KINDS)];
export const READ_KINDS: ReadonlySet<string> = new Set(READ_KIND_LIST);

/**
 * Objects that look meant for the engine but are not read: no kind, a kind one typo away from
 * one it reads (`Deploymnet`, `NetworkPolicies`), a policy kind of another API group (the
 * retired `extensions/v1beta1` NetworkPolicy).
 */
function reportUnread(objects: readonly ManifestObject[], diagnostics: Diagnostic[]): void {
  for (const mo of objects) {
    const kind = mo.obj.kind;
    const warn = (field: string, message: string) => diagnostics.push({ severity: 'warning', file: mo.file, ...at(mo.locate(field)), field, message });
    if (typeof kind !== 'string' || kind === '') {
      warn('kind', 'an object without kind was skipped');
      continue;
    }
    const policyKind = POLICY_KINDS[kind];
    if (policyKind) {
      const api = String(mo.obj.apiVersion ?? '');
      if (!api.startsWith(`${policyKind.group}/`)) warn('apiVersion', `a ${kind} of apiVersion "${api}" was skipped: this engine reads ${policyKind.group}/…`);
      continue;
    }
    if (READ_KINDS.has(kind)) continue;
    const near = closest(kind, READ_KIND_LIST);
    if (near.toLowerCase() === kind.toLowerCase() || distance(kind, near) <= Math.max(1, Math.floor(kind.length / 4)))
      warn('kind', `kind "${kind}" is not one this engine reads and was skipped — did you mean "${near}"?`);
  }
}

const at = (p: { line: number; column: number }) => ({ line: p.line, column: p.column });

function orNone(p: CompiledPolicy | null): CompiledPolicy[] {
  return p ? [p] : [];
}

const TIER_ORDER = { admin: 0, networkpolicy: 1, baseline: 2 } as const;

function comparePolicies(a: CompiledPolicy, b: CompiledPolicy): number {
  return (
    TIER_ORDER[a.tier] - TIER_ORDER[b.tier] ||
    a.priority - b.priority ||
    a.ref.kind.localeCompare(b.ref.kind) ||
    (a.ref.namespace ?? '').localeCompare(b.ref.namespace ?? '') ||
    a.ref.name.localeCompare(b.ref.name)
  );
}

/** Parse manifest files and build the index; invalid documents become diagnostics. */
export function indexFromFiles(files: readonly SourceFile[]): PolicyIndex {
  const parsed = parseManifests(files);
  return new PolicyIndex(parsed.objects, parsed.diagnostics);
}

/** Build an index from plain objects (a live snapshot): positions are the object's list index. */
export function indexFromObjects(objs: readonly unknown[], source = 'snapshot'): PolicyIndex {
  const objects: ManifestObject[] = objs
    .filter(isObj)
    .map((obj, i) => ({ obj, file: source, line: i + 1, column: 1, locate: () => ({ line: i + 1, column: 1 }) }));
  return new PolicyIndex(objects, []);
}

/**
 * Where the API server is, if the input says: kube-apiserver static pods (kube-system,
 * `component: kube-apiserver`) and the addresses behind the `default/kubernetes` Service
 * (Endpoints or EndpointSlices).
 */
function apiServerOf(objects: readonly ManifestObject[], pods: readonly PodInfo[]): CompileContext['apiServer'] {
  const apiPods = new Set(pods.filter((p) => p.namespace === 'kube-system' && p.labels.component === 'kube-apiserver'));
  let ips: IpSet = EMPTY_IPS;
  const add = (ip: unknown) => {
    const a = typeof ip === 'string' ? parseAddress(ip) : null;
    if (a) ips = ipsUnion(ips, a.v6 ? { v4: [], v6: [[a.n, a.n]] } : { v4: [[a.n, a.n]], v6: [] });
  };
  for (const { obj } of objects) {
    const m = isObj(obj.metadata) ? obj.metadata : {};
    if ((m.namespace ?? 'default') !== 'default') continue;
    const labels = isObj(m.labels) ? m.labels : {};
    if (obj.kind === 'Endpoints' && m.name === 'kubernetes' && Array.isArray(obj.subsets))
      for (const sub of obj.subsets.filter(isObj)) for (const a of Array.isArray(sub.addresses) ? sub.addresses.filter(isObj) : []) add(a.ip);
    if (obj.kind === 'EndpointSlice' && labels['kubernetes.io/service-name'] === 'kubernetes' && Array.isArray(obj.endpoints))
      for (const e of obj.endpoints.filter(isObj)) for (const a of Array.isArray(e.addresses) ? e.addresses : []) add(a);
  }
  if (apiPods.size === 0 && ips.v4.length === 0 && ips.v6.length === 0) return null;
  const set = ips;
  return { pod: (p) => apiPods.has(p) || podNumericAddresses(p).some((a) => ipsContains(set, a.n, a.v6)), ips: set };
}
