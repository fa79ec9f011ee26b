/**
 * `networking.k8s.io/v1` NetworkPolicy → CompiledPolicy (tier "networkpolicy").
 * policyTypes defaults: Ingress always, Egress when the egress list is non-empty. A missing
 * `from`/`to` or an empty one matches every peer; missing `ports` matches every port; a rule
 * list that is missing or empty allows nothing but still isolates.
 */
import type { CompiledPolicy, CompiledRule, Direction, PeerMatcher, PolicyRef } from './model.js';
import type { Issues } from './issues.js';
import { isObj, listAt, objAt, type Obj } from './issues.js';
import { compileSelector } from './selectors.js';
import { cidrWithExcept } from './ipblock.js';
import { ipPeer, podPeer, type CompileContext } from './peers.js';
import { MAX_PORT, MIN_PORT, PROTOCOLS, type PortSpec, type Protocol } from './ports.js';

export function compileNetworkPolicy(doc: Obj, ref: PolicyRef, ctx: CompileContext, issues: Issues): CompiledPolicy | null {
  const namespace = ref.namespace ?? 'default';
  const spec = objAt(doc, 'spec', '', issues) ?? {};
  const subject = compileSelector(spec.podSelector ?? {}, 'spec.podSelector', issues);
  const types = policyTypes(spec, issues);
  const ingress = compileRules(spec, 'ingress', ref, namespace, ctx, issues);
  const egress = compileRules(spec, 'egress', ref, namespace, ctx, issues);
  if (!subject || issues.hasErrors) return null;
  return {
    ref,
    tier: 'networkpolicy',
    priority: 0,
    selects: (p) => !p.hostNetwork && p.namespace === namespace && subject.match(p.labels),
    isolates: { ingress: types.has('Ingress'), egress: types.has('Egress') },
    // Rules only count in the directions the policy isolates (policyTypes: [Egress] ignores ingress rules).
    ingress: types.has('Ingress') ? ingress : [],
    egress: types.has('Egress') ? egress : [],
    notes: [],
  };
}

function policyTypes(spec: Obj, issues: Issues): Set<string> {
  const raw = listAt(spec, 'policyTypes', 'spec', issues);
  if (raw && raw.length > 0) {
    const out = new Set<string>();
    raw.forEach((t, i) => {
      if (t === 'Ingress' || t === 'Egress') out.add(t);
      else issues.error(`spec.policyTypes[${i}]`, `unknown policy type "${String(t)}" (Ingress, Egress)`);
    });
    return out;
  }
  const egress = spec.egress;
  return new Set(Array.isArray(egress) && egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress']);
}

function compileRules(spec: Obj, dir: Direction, ref: PolicyRef, ns: string, ctx: CompileContext, issues: Issues): CompiledRule[] {
  const rules = listAt(spec, dir, 'spec', issues) ?? [];
  const peerKey = dir === 'ingress' ? 'from' : 'to';
  return rules.map((r, index) => {
    const path = `spec.${dir}[${index}]`;
    const rule = isObj(r) ? r : {};
    if (!isObj(r) && r !== null) issues.error(path, 'a rule must be an object');
    const rawPeers = listAt(rule, peerKey, path, issues);
    const peers = rawPeers && rawPeers.length > 0 ? rawPeers.map((p, i) => compilePeer(p, `${path}.${peerKey}[${i}]`, ns, ctx, issues)) : null;
    return { policy: ref, direction: dir, index, path, action: 'allow' as const, peers, ports: compilePorts(rule, path, issues), notes: [] };
  });
}

function compilePeer(raw: unknown, path: string, ns: string, ctx: CompileContext, issues: Issues): PeerMatcher {
  const peer = isObj(raw) ? raw : {};
  const hasPod = peer.podSelector !== undefined && peer.podSelector !== null;
  const hasNs = peer.namespaceSelector !== undefined && peer.namespaceSelector !== null;
  const ipBlock = objAt(peer, 'ipBlock', path, issues);
  if (ipBlock && (hasPod || hasNs)) issues.error(path, 'ipBlock cannot be combined with podSelector or namespaceSelector');
  if (ipBlock) {
    const cidr = typeof ipBlock.cidr === 'string' ? ipBlock.cidr : '';
    const except = (listAt(ipBlock, 'except', `${path}.ipBlock`, issues) ?? []).map(String);
    const r = cidrWithExcept(cidr, except);
    if ('error' in r) {
      issues.error(`${path}.ipBlock`, r.error);
      return ipPeer({ v4: [], v6: [] }, 'nothing', false);
    }
    const text = `ipBlock ${cidr}${except.length ? ` except ${except.join(', ')}` : ''}`;
    // Pod IPs inside the block match too: what kube-proxy-era and eBPF enforcers do alike.
    return ipPeer(r.set, text, true);
  }
  if (!hasPod && !hasNs) {
    issues.error(path, 'a peer needs podSelector, namespaceSelector or ipBlock');
    return ipPeer({ v4: [], v6: [] }, 'nothing', false);
  }
  const pods = compileSelector(peer.podSelector ?? {}, `${path}.podSelector`, issues);
  const nss = hasNs ? compileSelector(peer.namespaceSelector, `${path}.namespaceSelector`, issues) : null;
  if (!pods || (hasNs && !nss)) return ipPeer({ v4: [], v6: [] }, 'nothing', false);
  return podPeer(ctx, pods, nss ?? { only: ns });
}

/** NetworkPolicyPort list: protocol (default TCP), port number or name, endPort. */
export function compilePorts(rule: Obj, path: string, issues: Issues): PortSpec[] | null {
  const raw = listAt(rule, 'ports', path, issues);
  if (!raw || raw.length === 0) return null;
  const out: PortSpec[] = [];
  raw.forEach((p, i) => {
    const pp = `${path}.ports[${i}]`;
    if (!isObj(p)) return issues.error(pp, 'a port entry must be an object');
    const protocol = (p.protocol ?? 'TCP') as string;
    if (!(PROTOCOLS as readonly string[]).includes(protocol)) return issues.error(`${pp}.protocol`, `unsupported protocol "${protocol}" (TCP, UDP, SCTP)`);
    const proto = protocol as Protocol;
    const port = p.port;
    if (port === undefined || port === null) {
      if (p.endPort !== undefined && p.endPort !== null) issues.error(`${pp}.endPort`, 'endPort needs a numeric port');
      return out.push({ protocol: proto });
    }
    if (typeof port === 'string' && !/^\d+$/.test(port)) {
      if (p.endPort !== undefined && p.endPort !== null) issues.error(`${pp}.endPort`, 'endPort cannot be used with a named port');
      return out.push({ protocol: proto, name: port });
    }
    const n = Number(port);
    if (!Number.isInteger(n) || n < MIN_PORT || n > MAX_PORT) return issues.error(`${pp}.port`, `port ${String(port)} is out of range 1-65535`);
    const end = p.endPort === undefined || p.endPort === null ? undefined : Number(p.endPort);
    if (end !== undefined && (!Number.isInteger(end) || end < n || end > MAX_PORT))
      return issues.error(`${pp}.endPort`, `endPort ${String(p.endPort)} must be between port and 65535`);
    out.push(end === undefined ? { protocol: proto, port: n } : { protocol: proto, port: n, endPort: end });
  });
  return out;
}
