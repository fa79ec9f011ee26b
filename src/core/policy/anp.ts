/**
 * AdminNetworkPolicy and BaselineAdminNetworkPolicy (`policy.networking.k8s.io/v1alpha1`).
 * ANP: priority 0-1000 (lower first), rules in written order, actions Allow / Deny / Pass.
 * BANP: the single cluster baseline, Allow / Deny. Neither isolates: traffic no rule matches
 * falls through to the next tier. Host-network pods are never subjects or pod peers.
 */
import type { Action, CompiledPolicy, CompiledRule, Direction, PeerMatcher, PodInfo, PolicyRef, Tier } from './model.js';
import type { Issues } from './issues.js';
import { isObj, listAt, objAt, type Obj } from './issues.js';
import { compileSelector, type CompiledSelector } from './selectors.js';
import { parseCidr, ipsUnion, ALL_IPS, EMPTY_IPS, type IpSet } from './ipblock.js';
import { NO_PEER, ipPeer, nodePeer, podPeer, type CompileContext } from './peers.js';
import { MAX_PORT, MIN_PORT, PROTOCOLS, type PortSpec, type Protocol } from './ports.js';

export function compileAdminNetworkPolicy(doc: Obj, ref: PolicyRef, ctx: CompileContext, issues: Issues): CompiledPolicy | null {
  const baseline = ref.kind === 'BaselineAdminNetworkPolicy';
  const spec = objAt(doc, 'spec', '', issues) ?? {};
  let priority = 0;
  if (!baseline) {
    priority = Number(spec.priority);
    if (!Number.isInteger(priority) || priority < 0 || priority > 1000) issues.error('spec.priority', 'priority must be an integer 0-1000');
  } else if (ref.name !== 'default') {
    issues.warn('metadata.name', 'a BaselineAdminNetworkPolicy must be named "default"; the API server rejects other names');
  }
  const actions: Record<string, Action> = baseline ? { Allow: 'allow', Deny: 'deny' } : { Allow: 'allow', Deny: 'deny', Pass: 'pass' };
  const subject = compileSubject(spec.subject, 'spec.subject', ctx, issues);
  const rules = (dir: Direction) => compileAdminRules(spec, dir, ref, actions, ctx, issues, 'ports');
  const ingress = rules('ingress');
  const egress = rules('egress');
  if (!subject || issues.hasErrors) return null;
  return admin(ref, baseline ? 'baseline' : 'admin', priority, subject, ingress, egress);
}

export function admin(
  ref: PolicyRef,
  tier: Tier,
  priority: number,
  subject: (p: PodInfo) => boolean,
  ingress: CompiledRule[],
  egress: CompiledRule[],
): CompiledPolicy {
  return { ref, tier, priority, selects: (p) => !p.hostNetwork && subject(p), isolates: { ingress: false, egress: false }, ingress, egress, notes: [] };
}

/** `subject: {namespaces: selector} | {pods: {namespaceSelector, podSelector}}`. */
export function compileSubject(raw: unknown, path: string, ctx: CompileContext, issues: Issues): ((p: PodInfo) => boolean) | null {
  if (!isObj(raw)) {
    issues.error(path, 'subject is required (namespaces or pods)');
    return null;
  }
  const keys = Object.keys(raw).filter((k) => raw[k] !== undefined && raw[k] !== null);
  if (keys.length !== 1 || !['namespaces', 'pods'].includes(keys[0] as string)) {
    issues.error(path, 'subject must set exactly one of namespaces, pods');
    return null;
  }
  const peer = namespacedPeer(raw, path, ctx, issues);
  return peer ? (p) => peer.pod(p) : null;
}

/** The namespaces / pods forms shared by subjects and peers. */
function namespacedPeer(raw: Obj, path: string, ctx: CompileContext, issues: Issues): PeerMatcher | null {
  if (raw.namespaces !== undefined && raw.namespaces !== null) {
    const ns = compileNamespacesField(raw.namespaces, `${path}.namespaces`, issues);
    return ns ? podPeer(ctx, { match: () => true, text: '(all)', empty: true }, ns) : null;
  }
  const pods = objAt(raw, 'pods', path, issues);
  if (!pods) return null;
  const ns = compileNamespacesField(pods.namespaceSelector ?? {}, `${path}.pods.namespaceSelector`, issues);
  const ps = compileSelector(pods.podSelector ?? {}, `${path}.pods.podSelector`, issues);
  return ns && ps ? podPeer(ctx, ps, ns) : null;
}

/** A plain label selector; early v1alpha1 drafts nested it as `{namespaceSelector: …}`. */
function compileNamespacesField(raw: unknown, path: string, issues: Issues): CompiledSelector | null {
  if (isObj(raw) && isObj(raw.namespaceSelector) && raw.matchLabels === undefined && raw.matchExpressions === undefined) {
    return compileSelector(raw.namespaceSelector, `${path}.namespaceSelector`, issues);
  }
  if (isObj(raw) && (raw.sameLabels !== undefined || raw.notSameLabels !== undefined)) {
    issues.warn(path, 'sameLabels/notSameLabels (removed from the API) are not evaluated; treated as matching no namespace');
    return { match: () => false, text: 'sameLabels (not evaluated)', empty: false };
  }
  return compileSelector(raw, path, issues);
}

export type PortsStyle = 'ports' | 'protocols';

export function compileAdminRules(
  spec: Obj,
  dir: Direction,
  ref: PolicyRef,
  actions: Record<string, Action>,
  ctx: CompileContext,
  issues: Issues,
  style: PortsStyle,
): CompiledRule[] {
  const list = listAt(spec, dir, 'spec', issues) ?? [];
  const peerKey = dir === 'ingress' ? 'from' : 'to';
  return list.map((r, index) => {
    const path = `spec.${dir}[${index}]`;
    const rule = isObj(r) ? r : {};
    const action = actions[String(rule.action)];
    if (!action) issues.error(`${path}.action`, `action must be one of ${Object.keys(actions).join(', ')}`);
    const rawPeers = listAt(rule, peerKey, path, issues) ?? [];
    if (rawPeers.length === 0) issues.error(`${path}.${peerKey}`, `${peerKey} must list at least one peer`);
    let peers = rawPeers.map((p, i) => compileAdminPeer(p, `${path}.${peerKey}[${i}]`, dir, ctx, issues));
    let act = action ?? 'deny';
    const notes: string[] = [];
    if (peers.some((p) => p === FAIL_CLOSED)) {
      // The API's rule for peers from a newer version: fail closed. Allow → matches nothing;
      // Deny / Pass → a "Deny all" rule.
      notes.push('a peer sets no field this engine knows: the rule fails closed as the API requires');
      if (act === 'allow') peers = peers.filter((p) => p !== FAIL_CLOSED);
      else {
        act = 'deny';
        peers = [{ ...NO_PEER, text: 'everything (fail-closed peer)', pod: () => true, ips: ALL_IPS }];
      }
    }
    const ports =
      rule.protocols !== undefined || (style === 'protocols' && rule.ports === undefined)
        ? compileProtocols(rule, path, issues)
        : compileAdminPorts(rule, path, issues);
    const out: CompiledRule = { policy: ref, direction: dir, index, path, action: act, peers, ports, notes };
    if (typeof rule.name === 'string') out.name = rule.name;
    return out;
  });
}

const PEER_FIELDS = ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'];
const FAIL_CLOSED: PeerMatcher = { ...NO_PEER, text: 'unknown peer' };

/** Ingress peers are namespaces or pods only: the API server prunes anything else, leaving an empty peer. */
const INGRESS_PEER_FIELDS = ['namespaces', 'pods'];

function compileAdminPeer(raw: unknown, path: string, dir: Direction, ctx: CompileContext, issues: Issues): PeerMatcher {
  if (!isObj(raw)) {
    issues.error(path, 'a peer must be an object');
    return NO_PEER;
  }
  const known = dir === 'ingress' ? INGRESS_PEER_FIELDS : PEER_FIELDS;
  const keys = Object.keys(raw).filter((k) => raw[k] !== undefined && raw[k] !== null && known.includes(k));
  if (keys.length === 0) {
    issues.warn(path, `the peer sets none of ${known.join(', ')}: failing closed`);
    return FAIL_CLOSED;
  }
  if (keys.length > 1) {
    issues.error(path, 'a peer must set exactly one of namespaces, pods, nodes, networks, domainNames');
    return NO_PEER;
  }
  const key = keys[0] as string;
  if (key === 'namespaces' || key === 'pods') return namespacedPeer(raw, path, ctx, issues) ?? NO_PEER;
  if (key === 'nodes') {
    const sel = compileSelector(raw.nodes, `${path}.nodes`, issues);
    return sel ? nodePeer(ctx, sel) : NO_PEER;
  }
  if (key === 'networks') {
    const nets = listAt(raw, 'networks', path, issues) ?? [];
    let set: IpSet = EMPTY_IPS;
    nets.forEach((c, i) => {
      const parsed = parseCidr(String(c));
      if (!parsed) issues.error(`${path}.networks[${i}]`, `"${String(c)}" is not a valid CIDR`);
      else set = ipsUnion(set, parsed.v6 ? { v4: [], v6: [parsed.interval] } : { v4: [parsed.interval], v6: [] });
    });
    // Networks match cluster-internal addresses too (pod IPs), as the API documents.
    return ipPeer(set, `networks ${nets.map(String).join(', ')}`, true);
  }
  if (key === 'domainNames') {
    issues.warn(`${path}.domainNames`, 'domainNames peers need DNS resolution and are not evaluated; treated as matching nothing');
    return { ...NO_PEER, text: `domainNames ${JSON.stringify(raw.domainNames)} (not evaluated)` };
  }
  issues.error(path, `unknown peer field "${key}"`);
  return NO_PEER;
}

/** v1alpha1 `ports`: portNumber {protocol, port} | namedPort | portRange {protocol, start, end}. */
function compileAdminPorts(rule: Obj, path: string, issues: Issues): PortSpec[] | null {
  const raw = listAt(rule, 'ports', path, issues);
  if (!raw) return null;
  const out: PortSpec[] = [];
  raw.forEach((p, i) => {
    const pp = `${path}.ports[${i}]`;
    if (!isObj(p)) return issues.error(pp, 'a port entry must be an object');
    if (typeof p.namedPort === 'string') return out.push({ protocol: undefined, name: p.namedPort });
    if (isObj(p.portNumber)) {
      const proto = protocolOf(p.portNumber.protocol, `${pp}.portNumber.protocol`, issues);
      const port = portNumber(p.portNumber.port, `${pp}.portNumber.port`, issues);
      if (proto && port) out.push({ protocol: proto, port });
      return;
    }
    if (isObj(p.portRange)) {
      const proto = protocolOf(p.portRange.protocol, `${pp}.portRange.protocol`, issues);
      const start = portNumber(p.portRange.start, `${pp}.portRange.start`, issues);
      const end = portNumber(p.portRange.end, `${pp}.portRange.end`, issues);
      if (start && end && start > end) return issues.error(`${pp}.portRange`, 'start must not exceed end');
      if (proto && start && end) out.push({ protocol: proto, port: start, endPort: end });
      return;
    }
    issues.error(pp, 'a port must set portNumber, namedPort or portRange');
  });
  return out;
}

/** v1alpha2 `protocols`: {tcp|udp|sctp: {destinationPort: {number | range{start,end}}}} | {destinationNamedPort}. */
export function compileProtocols(rule: Obj, path: string, issues: Issues): PortSpec[] | null {
  const raw = listAt(rule, 'protocols', path, issues);
  if (!raw) return null;
  const out: PortSpec[] = [];
  raw.forEach((p, i) => {
    const pp = `${path}.protocols[${i}]`;
    if (!isObj(p)) return issues.error(pp, 'a protocol entry must be an object');
    if (typeof p.destinationNamedPort === 'string') return out.push({ protocol: undefined, name: p.destinationNamedPort });
    const key = (['tcp', 'udp', 'sctp'] as const).find((k) => p[k] !== undefined && p[k] !== null);
    if (!key) return issues.error(pp, 'a protocol entry must set tcp, udp, sctp or destinationNamedPort');
    const proto = key.toUpperCase() as Protocol;
    const body = isObj(p[key]) ? (p[key] as Obj) : {};
    const dp = isObj(body.destinationPort) ? body.destinationPort : isObj(body.port) ? body.port : undefined;
    if (!dp) return out.push({ protocol: proto });
    const range = isObj(dp.range) ? dp.range : isObj(dp.portRange) ? dp.portRange : undefined;
    if (range) {
      const start = portNumber(range.start, `${pp}.${key}.destinationPort.range.start`, issues);
      const end = portNumber(range.end, `${pp}.${key}.destinationPort.range.end`, issues);
      if (start && end && start <= end) out.push({ protocol: proto, port: start, endPort: end });
      else if (start && end) issues.error(`${pp}.${key}.destinationPort.range`, 'start must not exceed end');
      return;
    }
    const n = portNumber(dp.number, `${pp}.${key}.destinationPort.number`, issues);
    if (n) out.push({ protocol: proto, port: n });
  });
  return out;
}

function protocolOf(raw: unknown, path: string, issues: Issues): Protocol | null {
  const p = raw === undefined || raw === null ? 'TCP' : String(raw);
  if ((PROTOCOLS as readonly string[]).includes(p)) return p as Protocol;
  issues.error(path, `unsupported protocol "${p}" (TCP, UDP, SCTP)`);
  return null;
}

function portNumber(raw: unknown, path: string, issues: Issues): number | null {
  const n = Number(raw);
  if (Number.isInteger(n) && n >= MIN_PORT && n <= MAX_PORT) return n;
  issues.error(path, `port ${String(raw)} is out of range 1-65535`);
  return null;
}
