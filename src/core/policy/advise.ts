/**
 * Least-privilege NetworkPolicies from observed traffic: for each namespace advised, a default
 * deny (ingress and egress) and, for each workload seen talking, one policy allowing exactly the
 * flows seen — ingress from and egress to each peer on the ports seen, DNS included as any other
 * flow. Pods are chosen by labels that survive a rollout (never pod-template-hash and the like),
 * namespaces by `kubernetes.io/metadata.name`, addresses outside the pods by /32 (/128) blocks.
 *
 * The advice is checked by the engine before it is handed out: with the advised policies in
 * place of the namespaces' current NetworkPolicies, every observed flow must be allowed, and
 * between the observed workloads nothing else may be (admin-tier allows, which no NetworkPolicy
 * can narrow, are named as notes).
 */
import { stringify } from 'yaml';
import type { PodInfo, PolicyRef, Workload, Endpoint } from './model.js';
import type { ManifestObject } from './manifests.js';
import { PolicyIndex } from './policyIndex.js';
import { NS_NAME_LABEL } from './inventory.js';
import { evaluatePair, allowedBetween, podEndpoint, ipEndpoint, type PairResult } from './evaluate.js';
import { NONE, describeConnSet, intersect, isEmpty, single, subtract, union, type ConnSet, type Protocol } from './ports.js';
import { refText } from './refs.js';
import type { FlowEnd, ObservedFlow, ObservedTraffic } from './observed.js';
import { isObj, type Obj } from './issues.js';

export interface AdviseOptions {
  /** Namespaces to advise; default every namespace with an observed workload, but the kube-* ones. */
  namespaces?: readonly string[];
  /** Leave egress to addresses outside the private ranges open (every port). */
  allowEgressInternet?: boolean;
}

export interface AdvisedNamespace {
  namespace: string;
  /** The NetworkPolicy objects: the default deny first, then one per workload. */
  policies: Obj[];
  /** The policies as a YAML stream. */
  yaml: string;
  /** NetworkPolicies the namespace has now (which still allow what they allow until deleted). */
  replaces: string[];
}

export interface Advice {
  namespaces: AdvisedNamespace[];
  /** The observed flows the advice covers (one end in an advised namespace). */
  flows: ObservedFlow[];
  /** Attempts never seen to get through (one end in an advised namespace): left closed. */
  attempts: ObservedFlow[];
  verification: {
    verified: boolean;
    /** Observed flows allowed with the advice in place. */
    allowed: number;
    /** What failed: an observed flow denied, or something else allowed between observed workloads. */
    problems: string[];
  };
  /** What the user should know: namespaces left out, workloads without stable labels or traffic, admin-tier allows. */
  notes: string[];
}

/** Labels that change with every rollout, pod or job run: never a selector. */
const UNSTABLE_LABELS = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'controller-uid',
  'batch.kubernetes.io/controller-uid',
  'job-name',
  'batch.kubernetes.io/job-name',
  'batch.kubernetes.io/job-completion-index',
]);

/** Labels that usually name a workload alone, tried first for a short selector. */
const NAMING_LABELS = ['app.kubernetes.io/name', 'app', 'k8s-app', 'name', 'component', 'app.kubernetes.io/instance'];

const SYSTEM_NAMESPACES = (ns: string) => ns === 'kube-system' || ns === 'kube-public' || ns === 'kube-node-lease';

/** Private and local address ranges: what `--allow-egress-internet` leaves closed. */
const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '127.0.0.0/8'];
const PRIVATE_V6 = ['fc00::/7', 'fe80::/10', '::1/128'];

const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'pathlight' };

const endText = (e: FlowEnd) => (e.kind === 'pod' ? e.workload : `${e.ip}${e.name ? ` (${e.name})` : ''}`);
export const flowText = (f: ObservedFlow) => `${endText(f.from)} → ${endText(f.to)} ${f.protocol}/${f.port}`;
const nsOf = (id: string) => id.slice(0, id.indexOf('/'));
const times = (n: number) => `${n} ${n === 1 ? 'time' : 'times'}`;

/** The selector for a workload's pods: labels every pod has and no rollout changes, as few as pick out only these pods in the namespace. */
export function stableSelector(index: PolicyIndex, w: Workload): Record<string, string> | null {
  const pods = w.pods;
  if (pods.length === 0) return null;
  const common: Record<string, string> = {};
  for (const [k, v] of Object.entries(pods[0]!.labels)) if (!UNSTABLE_LABELS.has(k) && pods.every((p) => p.labels[k] === v)) common[k] = v;
  if (Object.keys(common).length === 0) return null;
  const others = index.pods.filter((p) => p.namespace === w.namespace && p.workload !== w.id);
  const onlyThese = (sel: Record<string, string>) => !others.some((p) => Object.entries(sel).every(([k, v]) => p.labels[k] === v));
  for (const k of NAMING_LABELS) {
    const v = common[k];
    if (v !== undefined && onlyThese({ [k]: v })) return { [k]: v };
  }
  return common;
}

const sorted = <T>(xs: Iterable<T>, key: (x: T) => string) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

export function advisePolicies(index: PolicyIndex, traffic: ObservedTraffic, opts: AdviseOptions = {}): Advice {
  const notes: string[] = [];
  const seenNamespaces = new Set<string>();
  for (const f of traffic.flows) for (const e of [f.from, f.to]) if (e.kind === 'pod') seenNamespaces.add(nsOf(e.workload));
  const scope = new Set(opts.namespaces && opts.namespaces.length > 0 ? opts.namespaces : [...seenNamespaces].filter((n) => !SYSTEM_NAMESPACES(n)));
  const inScope = (e: FlowEnd) => e.kind === 'pod' && scope.has(nsOf(e.workload));
  const flows = traffic.flows.filter((f) => inScope(f.from) || inScope(f.to));
  const attempts = traffic.attempts.filter((f) => inScope(f.from) || inScope(f.to));
  const peersOut = new Set<string>();
  for (const f of flows) for (const e of [f.from, f.to]) if (e.kind === 'pod' && !scope.has(nsOf(e.workload))) peersOut.add(nsOf(e.workload));
  const leftOut = [...peersOut].sort();
  if (leftOut.length > 0)
    notes.push(
      `not advised, though the advised namespaces talk with them: ${leftOut.join(', ')}${opts.namespaces?.length ? '' : ' — name them with --namespace to include them'}`,
    );
  for (const n of scope)
    if (!index.namespaces.has(n)) notes.push(`namespace ${n} is not in the recording: its default deny is advised all the same (a typo?)`);
    else if (!seenNamespaces.has(n)) notes.push(`no traffic was seen in namespace ${n}: its default deny blocks everything there`);

  const selectors = new Map<string, Record<string, string> | null>();
  const selectorOf = (id: string) => {
    if (!selectors.has(id)) {
      const w = index.workloadById.get(id);
      selectors.set(id, w ? stableSelector(index, w) : null);
    }
    return selectors.get(id) ?? null;
  };

  /** The peer as a NetworkPolicy peer seen from namespace `ns`; null when its pods cannot be told apart by label. */
  const peerOf = (e: FlowEnd, ns: string): Obj | null => {
    if (e.kind === 'ip') return { ipBlock: { cidr: `${e.ip}/${e.ip.includes(':') ? 128 : 32}` } };
    const sel = selectorOf(e.workload);
    if (!sel) return null;
    const peerNs = nsOf(e.workload);
    return peerNs === ns
      ? { podSelector: { matchLabels: sel } }
      : { namespaceSelector: { matchLabels: { [NS_NAME_LABEL]: peerNs } }, podSelector: { matchLabels: sel } };
  };

  const unselectable = new Set<string>();
  const namespaces: AdvisedNamespace[] = [];
  for (const ns of sorted(scope, (x) => x)) {
    const policies: Obj[] = [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'pathlight-default-deny', namespace: ns, labels: MANAGED_BY },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      },
    ];
    const subjects = new Set<string>();
    for (const f of flows) for (const e of [f.from, f.to]) if (e.kind === 'pod' && nsOf(e.workload) === ns) subjects.add(e.workload);
    for (const id of sorted(subjects, (x) => x)) {
      const sel = selectorOf(id);
      if (!sel) {
        unselectable.add(id);
        continue;
      }
      const ingress = rules(
        'from',
        flows.filter((f) => f.to.kind === 'pod' && f.to.workload === id),
        ns,
        peerOf,
        unselectable,
      );
      const egress = rules(
        'to',
        flows.filter((f) => f.from.kind === 'pod' && f.from.workload === id),
        ns,
        peerOf,
        unselectable,
      );
      if (opts.allowEgressInternet)
        egress.push({
          to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_V4 } }, { ipBlock: { cidr: '::/0', except: PRIVATE_V6 } }],
        });
      const spec: Obj = { podSelector: { matchLabels: sel }, policyTypes: ['Ingress', 'Egress'] };
      if (ingress.length > 0) spec.ingress = ingress;
      if (egress.length > 0) spec.egress = egress;
      policies.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: `pathlight-${id.slice(ns.length + 1)}`.slice(0, 253), namespace: ns, labels: MANAGED_BY },
        spec,
      });
    }
    const quiet = index.workloads.filter((w) => w.namespace === ns && !subjects.has(w.id)).map((w) => w.name);
    if (quiet.length > 0 && seenNamespaces.has(ns)) notes.push(`${ns}: no traffic seen for ${quiet.join(', ')}: the default deny only`);
    const replaces = index.policies
      .filter((p) => p.ref.kind === 'NetworkPolicy' && p.ref.namespace === ns)
      .map((p) => p.ref.name)
      .filter((n, i, a) => a.indexOf(n) === i);
    if (replaces.length > 0)
      notes.push(`${ns}: replaces the NetworkPolicies there now (${replaces.join(', ')}): delete them, or they still allow what they allow`);
    namespaces.push({ namespace: ns, policies, yaml: policies.map((p) => stringify(p, { lineWidth: 0 })).join('---\n'), replaces });
  }
  for (const id of sorted(unselectable, (x) => x))
    notes.push(
      `${id}: its pods share no label that survives a rollout; no policy can select them alone, so their flows are not allowed — label the workload and advise again`,
    );

  return { namespaces, flows, attempts, verification: verify(index, flows, namespaces, scope, notes), notes };
}

/** What denies a connection: per direction, the deny rules or the isolating policies. */
export interface Denial {
  direction: 'egress' | 'ingress';
  /** `rule`: a deny rule (admin tiers, Cilium deny); `isolated`: selected by these policies, none of whose rules allows it. */
  reason: 'rule' | 'isolated';
  tier: 'admin' | 'networkpolicy' | 'baseline';
  policies: Array<{ kind: string; namespace?: string; name: string; rule?: string }>;
}

export function denials(r: PairResult): Denial[] {
  const out: Denial[] = [];
  for (const dir of [r.egress, r.ingress])
    for (const d of dir.decisions) {
      if (d.verdict !== 'deny' || isEmpty(d.conns)) continue;
      const ref = (p: PolicyRef, rule?: string) => ({
        kind: p.kind,
        ...(p.namespace ? { namespace: p.namespace } : {}),
        name: p.name,
        ...(rule ? { rule } : {}),
      });
      out.push(
        d.reason === 'rule'
          ? { direction: dir.direction, reason: 'rule', tier: d.tier, policies: d.rules.map((x) => ref(x.policy, `${x.path}${x.name ? ` "${x.name}"` : ''}`)) }
          : { direction: dir.direction, reason: 'isolated', tier: 'networkpolicy', policies: d.policies.map((p) => ref(p)) },
      );
    }
  return out;
}

export function denialText(d: Denial): string {
  return d.reason === 'rule'
    ? `${d.direction} denied by ${d.policies.map((p) => `${refText(p)} rule ${p.rule ?? ''}`.trim()).join(', ')}`
    : `${d.direction} isolated by ${d.policies.map((p) => refText(p)).join(', ')}, no rule of which allows it`;
}

/** Rules for one direction: peers with the same ports share a rule; ports sorted. */
function rules(
  side: 'from' | 'to',
  flows: readonly ObservedFlow[],
  ns: string,
  peerOf: (e: FlowEnd, ns: string) => Obj | null,
  unselectable: Set<string>,
): Obj[] {
  const byPeer = new Map<string, { peer: Obj; ports: Map<string, { protocol: Protocol; port: number }> }>();
  for (const f of flows) {
    const end = side === 'from' ? f.from : f.to;
    const peer = peerOf(end, ns);
    if (!peer) {
      if (end.kind === 'pod') unselectable.add(end.workload);
      continue;
    }
    const key = JSON.stringify(peer);
    let e = byPeer.get(key);
    if (!e) byPeer.set(key, (e = { peer, ports: new Map() }));
    e.ports.set(`${f.protocol}/${String(f.port).padStart(5, '0')}`, { protocol: f.protocol, port: f.port });
  }
  const byPorts = new Map<string, { peers: Obj[]; ports: Array<{ protocol: Protocol; port: number }> }>();
  for (const [, { peer, ports }] of sorted(byPeer, ([k]) => k)) {
    const list = sorted(ports, ([k]) => k).map(([, v]) => v);
    const key = JSON.stringify(list);
    const e = byPorts.get(key) ?? { peers: [], ports: list };
    e.peers.push(peer);
    byPorts.set(key, e);
  }
  return [...byPorts.values()].map(({ peers, ports }) => ({ [side]: peers, ports }));
}

/** Objects of `index` with `replaced` namespaces' NetworkPolicies swapped for `added`: the index they would make. */
export function indexWith(index: PolicyIndex, added: ReadonlyArray<{ obj: Obj; file: string; line: number }>, replaced: ReadonlySet<string>): PolicyIndex {
  const keep = index.objects.filter((mo) => {
    if (mo.obj.kind !== 'NetworkPolicy') return true;
    const m = isObj(mo.obj.metadata) ? mo.obj.metadata : {};
    return !replaced.has(typeof m.namespace === 'string' && m.namespace ? m.namespace : 'default');
  });
  const more: ManifestObject[] = added.map((a) => ({ obj: a.obj, file: a.file, line: a.line, column: 1, locate: () => ({ line: a.line, column: 1 }) }));
  return new PolicyIndex([...keep, ...more], [], index);
}

/** The endpoint a flow end stands for in an index: the pod seen (else its workload's first), or the address. */
export function flowEndpoint(index: PolicyIndex, e: FlowEnd): Endpoint | null {
  if (e.kind === 'ip') return ipEndpoint(e.ip);
  const slash = e.pod.indexOf('/');
  const pod: PodInfo | undefined =
    index.pods.find((p) => !p.representative && p.namespace === e.pod.slice(0, slash) && p.name === e.pod.slice(slash + 1)) ??
    index.workloadById.get(e.workload)?.pods[0];
  return pod ? podEndpoint(pod) : null;
}

function verify(
  index: PolicyIndex,
  flows: readonly ObservedFlow[],
  advised: readonly AdvisedNamespace[],
  scope: ReadonlySet<string>,
  notes: string[],
): Advice['verification'] {
  const added = advised.flatMap((a) => a.policies.map((obj, i) => ({ obj, file: `${a.namespace}.yaml`, line: i + 1 })));
  const after = indexWith(index, added, scope);
  const problems: string[] = [];
  for (const d of after.diagnostics) if (d.severity === 'error') problems.push(`advised policy not valid: ${d.message}`);
  let allowed = 0;
  for (const f of flows) {
    const src = flowEndpoint(after, f.from);
    const dst = flowEndpoint(after, f.to);
    if (!src || !dst) continue;
    const r = evaluatePair(after, src, dst, single(f.protocol, f.port));
    if (!isEmpty(r.allowed)) allowed++;
    else {
      const ds = denials(r);
      const text = `observed ${flowText(f)} (seen ${times(f.count)}) is denied: ${ds.map(denialText).join('; ')}`;
      // An admin-tier deny is above every NetworkPolicy: no advice can allow it (the flow was
      // seen before the policy was made, or the network plugin does not enforce that tier).
      if (ds.length > 0 && ds.every((d) => d.tier === 'admin')) notes.push(`${text} — an admin-tier policy no NetworkPolicy can override`);
      else problems.push(text);
    }
  }
  // Nothing else between the observed workloads: per ordered pair, what is allowed beyond what was seen.
  const expected = new Map<string, ConnSet>();
  const observed = new Map<string, FlowEnd & { kind: 'pod' }>();
  for (const f of flows) {
    if (f.from.kind === 'pod') observed.set(f.from.workload, f.from);
    if (f.to.kind === 'pod') observed.set(f.to.workload, f.to);
    if (f.from.kind === 'pod' && f.to.kind === 'pod') {
      const k = `${f.from.workload} ${f.to.workload}`;
      expected.set(k, union(expected.get(k) ?? NONE, single(f.protocol, f.port)));
    }
  }
  const ends = sorted(observed.values(), (e) => e.workload);
  for (const a of ends) {
    for (const b of ends) {
      if (a.workload === b.workload || !(scope.has(nsOf(a.workload)) || scope.has(nsOf(b.workload)))) continue;
      const src = flowEndpoint(after, a);
      const dst = flowEndpoint(after, b);
      if (!src || !dst) continue;
      const extra = subtract(allowedBetween(after, src, dst), expected.get(`${a.workload} ${b.workload}`) ?? NONE);
      if (isEmpty(extra)) continue;
      const r = evaluatePair(after, src, dst, extra);
      const whys = [...r.egress.decisions, ...r.ingress.decisions].filter((d) => d.verdict === 'allow' && !isEmpty(intersect(d.conns, extra)));
      const byAdmin = whys.filter((d) => d.reason === 'rule' && d.tier === 'admin');
      const byPolicy = whys.filter((d) => d.reason === 'rule' && d.tier !== 'admin');
      const text = `${a.workload} → ${b.workload} ${describeConnSet(extra)}`;
      const names = (ds: typeof whys) => [...new Set(ds.flatMap((d) => (d.reason === 'rule' ? d.rules.map((x) => refText(x.policy)) : [])))].join(', ');
      if (byPolicy.length > 0) problems.push(`not observed but allowed: ${text} (by ${names(byPolicy)})`);
      else if (byAdmin.length > 0)
        notes.push(`not observed but allowed by an admin-tier policy, which no NetworkPolicy can narrow: ${text} (by ${names(byAdmin)})`);
      else
        notes.push(
          `not observed but allowed: ${text} (no policy applies: ${whys.map((d) => (d.reason === 'not-applicable' ? d.why : 'not selected')).join('; ')})`,
        );
    }
  }
  return { verified: problems.length === 0, allowed, problems };
}
