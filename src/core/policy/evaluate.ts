/**
 * The verdict for one connection: each direction (egress of the source, ingress of the
 * destination) runs through the tiers — Admin (ANP, ClusterNetworkPolicy Admin) in priority
 * and rule order; then NetworkPolicy (Kubernetes NetworkPolicy and Cilium policies: deny rules
 * first, then allow-union if the pod is isolated); then Baseline (BANP, ClusterNetworkPolicy
 * Baseline); then the default, allow. Works on sets of ports so one walk answers a single port
 * (`check`) or every port (`matrix`), and records which rule decided which ports.
 */
import type { CompiledPolicy, CompiledRule, ContainerPort, Direction, Endpoint, PodInfo, PolicyRef, Tier } from './model.js';
import type { PolicyIndex } from './policyIndex.js';
import { ALL, NONE, describePortSpec, intersect, isEmpty, resolvePorts, subtract, union, type ConnSet } from './ports.js';
import { parseAddress } from './ipblock.js';
import { refText } from './refs.js';

export interface RuleRef {
  policy: PolicyRef;
  tier: Tier;
  direction: Direction;
  index: number;
  path: string;
  name?: string;
  action: 'allow' | 'deny' | 'pass';
  /** The peer of the rule that matched, described. */
  peer: string;
  notes: string[];
}

/** An allow rule of the subject that does not apply, and why: what a fix would widen. */
export interface NearMiss {
  rule: RuleRef;
  /** `peer`: the rule admits these ports but not this peer; `ports`: this peer but not these ports. */
  misses: 'peer' | 'ports';
  /** The ports the rule admits, described. */
  portsText: string;
}

/** Who decided a part of the connections in one direction. */
export type Decision =
  | { conns: ConnSet; verdict: 'allow' | 'deny'; reason: 'rule'; tier: Tier; rules: RuleRef[] }
  | { conns: ConnSet; verdict: 'deny'; reason: 'isolated'; tier: 'networkpolicy'; policies: PolicyRef[]; nearMisses: NearMiss[] }
  | { conns: ConnSet; verdict: 'allow'; reason: 'default'; passedBy: RuleRef[] }
  | { conns: ConnSet; verdict: 'allow'; reason: 'not-applicable'; why: string };

export interface DirectionResult {
  direction: Direction;
  /** The pod whose policies apply (source for egress, destination for ingress); null for an address. */
  subject: PodInfo | null;
  allowed: ConnSet;
  /** Policies selecting the subject in this direction, per tier. */
  selectedBy: Record<Tier, PolicyRef[]>;
  decisions: Decision[];
  notes: string[];
}

export interface PairResult {
  src: Endpoint;
  dst: Endpoint;
  scope: ConnSet;
  allowed: ConnSet;
  egress: DirectionResult;
  ingress: DirectionResult;
}

export function podEndpoint(pod: PodInfo): Endpoint {
  return { kind: 'pod', pod };
}

export function ipEndpoint(ip: string): Endpoint | null {
  const a = parseAddress(ip);
  return a ? { kind: 'ip', ip, n: a.n, v6: a.v6 } : null;
}

export function evaluatePair(index: PolicyIndex, src: Endpoint, dst: Endpoint, scope: ConnSet = ALL): PairResult {
  const dstPorts = dst.kind === 'pod' ? dst.pod.ports : null;
  const egress = evaluateDirection(index, src.kind === 'pod' ? src.pod : null, dst, 'egress', scope, dstPorts);
  const ingress = evaluateDirection(index, dst.kind === 'pod' ? dst.pod : null, src, 'ingress', scope, dstPorts);
  return { src, dst, scope, allowed: intersect(egress.allowed, ingress.allowed), egress, ingress };
}

function ruleRef(index: PolicyIndex, rule: CompiledRule, tier: Tier, peer: Endpoint): RuleRef {
  const matched = rule.peers === null ? 'any peer' : (rule.peers.find((p) => index.peerMatch(p, peer))?.text ?? 'any peer');
  const r: RuleRef = {
    policy: rule.policy,
    tier,
    direction: rule.direction,
    index: rule.index,
    path: rule.path,
    action: rule.action,
    peer: matched,
    notes: rule.notes,
  };
  if (rule.name !== undefined) r.name = rule.name;
  return r;
}

const emptySelected = (): Record<Tier, PolicyRef[]> => ({ admin: [], networkpolicy: [], baseline: [] });

export function evaluateDirection(
  index: PolicyIndex,
  subject: PodInfo | null,
  peer: Endpoint,
  dir: Direction,
  scope: ConnSet,
  dstPorts: readonly ContainerPort[] | null,
): DirectionResult {
  const res: DirectionResult = { direction: dir, subject, allowed: NONE, selectedBy: emptySelected(), decisions: [], notes: [] };
  if (subject === null || subject.hostNetwork) {
    const why =
      subject === null
        ? `no policy governs the ${dir} of an address outside the cluster's pods`
        : `${subject.namespace}/${subject.name} uses the host network; pod policies do not select it`;
    res.allowed = scope;
    res.decisions.push({ conns: scope, verdict: 'allow', reason: 'not-applicable', why });
    return res;
  }
  const pols = index.subjectPolicies(subject, dir);
  for (const pol of [...pols.admin, ...pols.np, ...pols.baseline])
    for (const rule of pol[dir]) for (const n of rule.unevaluated ?? []) if (!res.notes.includes(n)) res.notes.push(n);
  res.selectedBy = { admin: pols.admin.map((p) => p.ref), networkpolicy: pols.np.map((p) => p.ref), baseline: pols.baseline.map((p) => p.ref) };
  const st = { remaining: scope, passed: [] as RuleRef[] };
  const admin = runOrderedTier(index, pols.admin, 'admin', dir, peer, dstPorts, st, res);
  let undecided = union(st.remaining, admin);
  undecided = runNetworkPolicyTier(index, pols.np, dir, peer, dstPorts, undecided, res);
  st.remaining = undecided;
  const baselinePassed = runOrderedTier(index, pols.baseline, 'baseline', dir, peer, dstPorts, st, res);
  const rest = union(st.remaining, baselinePassed);
  if (!isEmpty(rest)) {
    res.allowed = union(res.allowed, rest);
    res.decisions.push({ conns: rest, verdict: 'allow', reason: 'default', passedBy: st.passed });
  }
  return res;
}

/** Admin / Baseline: first matching rule wins, per port. Returns what was passed on. */
function runOrderedTier(
  index: PolicyIndex,
  policies: CompiledPolicy[],
  tier: Tier,
  dir: Direction,
  peer: Endpoint,
  dstPorts: readonly ContainerPort[] | null,
  st: { remaining: ConnSet; passed: RuleRef[] },
  res: DirectionResult,
): ConnSet {
  let passed = NONE;
  for (const pol of policies) {
    for (const rule of pol[dir]) {
      if (isEmpty(st.remaining)) return passed;
      if (!index.peerMatches(rule, peer)) continue;
      const c = intersect(resolvePorts(rule.ports, dstPorts), st.remaining);
      if (isEmpty(c)) continue;
      st.remaining = subtract(st.remaining, c);
      const ref = ruleRef(index, rule, tier, peer);
      for (const n of rule.notes) if (!res.notes.includes(n)) res.notes.push(n);
      const rival = samePriorityConflict(index, policies, pol, rule, dir, peer, dstPorts, c);
      if (rival && !res.notes.includes(rival)) res.notes.push(rival);
      if (rule.action === 'pass') {
        passed = union(passed, c);
        st.passed.push(ref);
      } else {
        if (rule.action === 'allow') res.allowed = union(res.allowed, c);
        res.decisions.push({ conns: c, verdict: rule.action, reason: 'rule', tier, rules: [ref] });
      }
    }
  }
  return passed;
}

/**
 * Two policies of one tier with the same priority that both match and disagree: the API leaves
 * the order to the implementation, so say so rather than pretend the answer is certain.
 */
function samePriorityConflict(
  index: PolicyIndex,
  policies: CompiledPolicy[],
  pol: CompiledPolicy,
  rule: CompiledRule,
  dir: Direction,
  peer: Endpoint,
  dstPorts: readonly ContainerPort[] | null,
  c: ConnSet,
): string | null {
  for (const other of policies) {
    if (other === pol || other.priority !== pol.priority || other.ref === pol.ref) continue;
    const r = other[dir].find((x) => index.peerMatches(x, peer) && !isEmpty(intersect(resolvePorts(x.ports, dstPorts), c)));
    if (r && r.action !== rule.action)
      return `${refText(pol.ref)} and ${refText(other.ref)} share priority ${pol.priority} and disagree (${rule.action} / ${r.action}); the API leaves their order to the implementation — this answer applies ${refText(pol.ref)} first (ordered by kind and name)`;
  }
  return null;
}

/** NetworkPolicy tier: Cilium denies win; an isolated pod gets the union of matching allows. */
function runNetworkPolicyTier(
  index: PolicyIndex,
  policies: CompiledPolicy[],
  dir: Direction,
  peer: Endpoint,
  dstPorts: readonly ContainerPort[] | null,
  undecided: ConnSet,
  res: DirectionResult,
): ConnSet {
  if (policies.length === 0 || isEmpty(undecided)) return undecided;
  let left = undecided;
  const allowRules: Array<{ rule: CompiledRule; conns: ConnSet }> = [];
  for (const pol of policies) {
    for (const rule of pol[dir]) {
      if (!index.peerMatches(rule, peer)) continue;
      const c = intersect(resolvePorts(rule.ports, dstPorts), undecided);
      if (isEmpty(c)) continue;
      for (const n of rule.notes) if (!res.notes.includes(n)) res.notes.push(n);
      if (rule.action === 'deny') {
        const d = intersect(c, left);
        if (isEmpty(d)) continue;
        left = subtract(left, d);
        res.decisions.push({ conns: d, verdict: 'deny', reason: 'rule', tier: 'networkpolicy', rules: [ruleRef(index, rule, 'networkpolicy', peer)] });
      } else allowRules.push({ rule, conns: c });
    }
  }
  const isolating = policies.filter((p) => p.isolates[dir]);
  if (isolating.length === 0) return left;
  let allowed = NONE;
  for (const a of allowRules) allowed = union(allowed, intersect(a.conns, left));
  if (!isEmpty(allowed)) {
    res.allowed = union(res.allowed, allowed);
    const rules = allowRules.filter((a) => !isEmpty(intersect(a.conns, left))).map((a) => ruleRef(index, a.rule, 'networkpolicy', peer));
    res.decisions.push({ conns: allowed, verdict: 'allow', reason: 'rule', tier: 'networkpolicy', rules });
  }
  const denied = subtract(left, allowed);
  if (!isEmpty(denied)) {
    const nearMisses = nearMissesFor(index, policies, dir, peer, dstPorts, denied);
    res.decisions.push({ conns: denied, verdict: 'deny', reason: 'isolated', tier: 'networkpolicy', policies: isolating.map((p) => p.ref), nearMisses });
  }
  return NONE;
}

function nearMissesFor(
  index: PolicyIndex,
  policies: CompiledPolicy[],
  dir: Direction,
  peer: Endpoint,
  dstPorts: readonly ContainerPort[] | null,
  denied: ConnSet,
): NearMiss[] {
  const out: NearMiss[] = [];
  for (const pol of policies)
    for (const rule of pol[dir]) {
      if (rule.action !== 'allow') continue;
      const peerOk = index.peerMatches(rule, peer);
      const portsOk = !isEmpty(intersect(resolvePorts(rule.ports, dstPorts), denied));
      if (peerOk !== portsOk)
        out.push({
          rule: { ...ruleRef(index, rule, 'networkpolicy', peer), peer: describePeers(rule) },
          misses: peerOk ? 'ports' : 'peer',
          portsText: rule.ports === null ? 'every port' : rule.ports.map(describePortSpec).join(', '),
        });
    }
  return out;
}

function describePeers(rule: CompiledRule): string {
  return rule.peers === null ? 'any peer' : rule.peers.map((p) => p.text).join(' or ') || 'nothing';
}

/**
 * The allowed set only, memoised per subject on the pattern of matching rules: same answer as
 * evaluateDirection (it is what fills the memo), without building the explanation per pair.
 */
export function allowedDirection(
  index: PolicyIndex,
  subject: PodInfo | null,
  peer: Endpoint,
  dir: Direction,
  dstPorts: readonly ContainerPort[] | null,
): ConnSet {
  if (subject === null || subject.hostNetwork || index.pods[subject.idx] !== subject)
    return evaluateDirection(index, subject, peer, dir, ALL, dstPorts).allowed;
  const memo = index.directionMemo(subject, dir);
  if (memo.empty) return ALL;
  const prefix = dir === 'egress' ? (peer.kind === 'pod' ? index.portSignature(peer.pod) : -1) : 0;
  let key: number | string;
  if (memo.rules.length <= 24) {
    // Rule-match bits, then the port signature above them: exact in a double up to 2^53.
    let bits = 0;
    for (let i = 0; i < memo.rules.length; i++) if (index.peerMatches(memo.rules[i] as CompiledRule, peer)) bits |= 1 << i;
    key = (prefix + 1) * 16777216 + bits;
  } else {
    key = `${prefix}:`;
    for (const rule of memo.rules) key += index.peerMatches(rule, peer) ? '1' : '0';
  }
  let v = memo.cache.get(key);
  if (!v) memo.cache.set(key, (v = evaluateDirection(index, subject, peer, dir, ALL, dstPorts).allowed));
  return v;
}

/** Allowed connections between two endpoints (matrix): egress ∩ ingress, memoised. */
export function allowedBetween(index: PolicyIndex, src: Endpoint, dst: Endpoint): ConnSet {
  const dstPorts = dst.kind === 'pod' ? dst.pod.ports : null;
  const ingress = allowedDirection(index, dst.kind === 'pod' ? dst.pod : null, src, 'ingress', dstPorts);
  if (isEmpty(ingress)) return ingress;
  const egress = allowedDirection(index, src.kind === 'pod' ? src.pod : null, dst, 'egress', dstPorts);
  if (ingress === ALL) return egress;
  if (egress === ALL) return ingress;
  return intersect(egress, ingress);
}
