/**
 * A diagnosis → what it adds to the graph: the nodes its hops stand for (a DNS name, a Service
 * that does not exist, an external address), the policy verdict as an edge A → B with the
 * deciding policy, path edges A → name → Service → backend, and per hop the nodes and edges
 * the overlay lights up.
 */
import type { Diagnosis, HopKind, HopVerdict, ObjectRef, PathHop } from '../diagnose/types.js';
import type { DirectionJson } from '../policy/explain.js';
import { dnsId, dnsName, pathEdgeId, policyEdgeId } from './ids.js';
import type { EdgeVerdict, GraphEdge, GraphNode, PolicyRelation } from './types.js';

/** How the model maps what a diagnosis names onto node ids (a placeholder node when the cluster lacks it). */
export interface NodeResolver {
  ref(ref: ObjectRef): { id: string; hint?: GraphNode } | undefined;
  ip(ip: string): { id: string; hint?: GraphNode } | undefined;
}

export interface HopNodes {
  hop: PathHop;
  /** Nodes to highlight. */
  nodes: string[];
  /** Nodes the path edges join (the name for a DNS hop, not the DNS servers). */
  anchors: string[];
  /** Edges of this layer standing for the hop. */
  edges: string[];
}

export interface DiagnosisLayer {
  /** Every node id the layer refers to, with a placeholder for those the cluster may lack. */
  nodes: Map<string, GraphNode | undefined>;
  edges: Map<string, GraphEdge>;
  hops: HopNodes[];
}

/** Hops that stand for things on the way, in path order (the others are checks between them). */
const entityHops: readonly HopKind[] = ['source', 'dns', 'service', 'endpoints', 'backend'];
const policyHops: readonly HopKind[] = ['policy-egress', 'policy-ingress'];

const rank: Record<HopVerdict, number> = { ok: 0, skipped: 1, unknown: 2, warn: 3, fail: 4 };
export const worse = (a: HopVerdict, b: HopVerdict): HopVerdict => (rank[b] > rank[a] ? b : a);

/** The edge colour a hop's verdict gives. */
export function hopEdgeVerdict(hop: HopKind, v: HopVerdict): EdgeVerdict {
  if (v === 'ok') return 'forwarded';
  if (v === 'warn') return 'mixed';
  if (v !== 'fail') return 'unknown';
  if (hop === 'dns') return 'dns-error';
  if (hop === 'policy-egress' || hop === 'policy-ingress') return 'policy-denied';
  return 'dropped';
}

const dnsLike = /^(?=.*[a-z])[a-z0-9_*]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/i;

/**
 * The name a DNS hop looked up: its label's first word when that is a dotted DNS name (the
 * engine labels a hop it could not describe with the hop's kind), else the question's target.
 */
export function hopDnsName(hop: PathHop, d: Diagnosis): string | undefined {
  const word = hop.label.trim().split(/\s+/)[0] ?? '';
  const target = d.query.to.replace(/:\d+$/, '');
  for (const candidate of [word.includes('.') ? word : '', target]) {
    if (dnsLike.test(candidate) && !/^[0-9.]+$/.test(candidate)) return dnsName(candidate);
  }
  return undefined;
}

function hopNodes(
  hop: PathHop,
  d: Diagnosis,
  resolve: NodeResolver,
  add: (r: { id: string; hint?: GraphNode }) => string,
): { nodes: string[]; anchors: string[] } {
  const nodes: string[] = [];
  const push = (id: string) => {
    if (!nodes.includes(id)) nodes.push(id);
  };
  let anchors: string[] | undefined;
  if (hop.hop === 'dns') {
    const name = hopDnsName(hop, d);
    if (name) {
      const id = add({ id: dnsId(name), hint: { id: dnsId(name), kind: 'dns', label: name, data: { name } } });
      push(id);
      anchors = [id];
    }
  }
  for (const ref of hop.refs) {
    const r = resolve.ref(ref);
    if (r) push(add(r));
  }
  // Addresses stand for the hop only when its objects do not (an external B); a DNS hop's are answers.
  if (nodes.length === 0 && hop.hop !== 'dns' && entityHops.includes(hop.hop)) {
    for (const ip of hop.ips ?? []) {
      const r = resolve.ip(ip);
      if (r) push(add(r));
    }
  }
  return { nodes, anchors: anchors ?? nodes };
}

const policyKinds = new Set([
  'NetworkPolicy',
  'AdminNetworkPolicy',
  'BaselineAdminNetworkPolicy',
  'ClusterNetworkPolicy',
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
]);

type PolicyRef = PolicyRelation['decidedBy'][number];

function refOf(p: { kind: string; namespace?: string; name: string }): PolicyRef {
  return p.namespace !== undefined ? { kind: p.kind, namespace: p.namespace, name: p.name } : { kind: p.kind, name: p.name };
}

/** The policies that decided one direction: the denying ones when it is denied, else the allowing rules'. */
function deciders(dir: DirectionJson): PolicyRef[] {
  const out: PolicyRef[] = [];
  for (const dec of dir.decisions) {
    if (dec.verdict !== (dir.allowed ? 'allow' : 'deny')) continue;
    if (dec.reason === 'rule') out.push(...dec.rules.map((r) => refOf(r.policy)));
    else if (dec.reason === 'isolated') out.push(...dec.isolatedBy.map(refOf));
  }
  return out;
}

/** The policy verdict of the diagnosed connection, from the policy evidence of its findings and its policy hops. */
export function policyRelation(d: Diagnosis): PolicyRelation | undefined {
  const hops = d.path.filter((h) => policyHops.includes(h.hop));
  // Only the verdicts about A → B itself: a DNS finding's policy evidence is about A → DNS.
  const about = d.findings.filter((f) => policyHops.includes(f.hop) || f.kind === 'reachable');
  const dirs = about.flatMap((f) => f.evidence).flatMap((e) => (e.type === 'policy' ? [e.policy] : []));
  if (hops.length === 0 && dirs.length === 0) return undefined;
  const failed = hops.find((h) => h.verdict === 'fail');
  const deniedDir = dirs.find((x) => !x.allowed);
  const denied = failed !== undefined || deniedDir !== undefined;
  const allowed = !denied && (dirs.length > 0 || hops.every((h) => h.verdict === 'ok' || h.verdict === 'warn'));
  if (!denied && !allowed) return undefined; // not decided (policy hops unknown or skipped)
  const direction = deniedDir?.direction ?? (failed ? (failed.hop === 'policy-egress' ? 'egress' : 'ingress') : undefined);
  let found = allowed ? dirs.flatMap(deciders) : dirs.filter((x) => !x.allowed).flatMap(deciders);
  if (found.length === 0) {
    const fromHops = allowed ? hops : hops.filter((h) => h.verdict === 'fail');
    found = fromHops.flatMap((h) => h.refs.filter((r) => policyKinds.has(r.kind)).map(refOf));
  }
  const decidedBy = new Map<string, PolicyRef>();
  for (const p of found) decidedBy.set(`${p.kind}/${p.namespace ?? ''}/${p.name}`, p);
  const first = [...decidedBy.values()][0];
  const rel: PolicyRelation = { allowed, decidedBy: [...decidedBy.values()] };
  if (!allowed && direction) rel.direction = direction;
  if (first) rel.policy = first.namespace ? `${first.namespace}/${first.name}` : first.name;
  return rel;
}

function policyLabel(rel: PolicyRelation): string {
  const by = rel.policy ? ` by ${rel.policy}` : '';
  return rel.allowed ? `allowed${by}` : `denied${by}${rel.direction ? ` (${rel.direction})` : ''}`;
}

/** What a diagnosis adds to the graph. */
export function diagnosisLayer(d: Diagnosis, resolve: NodeResolver): DiagnosisLayer {
  const nodes = new Map<string, GraphNode | undefined>();
  const edges = new Map<string, GraphEdge>();
  const add = (r: { id: string; hint?: GraphNode }) => {
    if (!nodes.has(r.id) || (nodes.get(r.id) === undefined && r.hint)) nodes.set(r.id, r.hint);
    return r.id;
  };
  const hops: HopNodes[] = d.path.map((hop) => ({ hop, ...hopNodes(hop, d, resolve, add), edges: [] }));
  const byKind = (k: HopKind) => hops.find((h) => h.hop.hop === k);

  // Path edges between consecutive things on the way; an edge belongs to the hop it enters.
  let prev: HopNodes | undefined;
  for (const h of hops) {
    if (!entityHops.includes(h.hop.hop) || h.anchors.length === 0) continue;
    if (prev && prev.anchors.join() !== h.anchors.join()) {
      for (const a of prev.anchors)
        for (const b of h.anchors) {
          if (a === b) continue;
          const id = pathEdgeId(a, b);
          edges.set(id, { id, kind: 'path', source: a, target: b, hop: h.hop.hop, label: h.hop.label, verdict: hopEdgeVerdict(h.hop.hop, h.hop.verdict) });
          h.edges.push(id);
        }
    }
    if (!prev || prev.anchors.join() !== h.anchors.join()) prev = h;
  }

  // The policy verdict A → B, between the source and the backends (or what B resolved to).
  const rel = policyRelation(d);
  const source = byKind('source')?.nodes[0];
  const targets = byKind('backend')?.nodes.length ? byKind('backend')!.nodes : (byKind('service')?.nodes ?? []);
  if (rel && source) {
    const owners = hops.filter((h) => policyHops.includes(h.hop.hop));
    for (const t of targets) {
      if (t === source) continue;
      const id = policyEdgeId(source, t, d.query.protocol, d.query.port);
      edges.set(id, {
        id,
        kind: 'policy',
        source,
        target: t,
        protocol: d.query.protocol.toLowerCase(),
        ...(d.query.port !== undefined ? { port: d.query.port } : {}),
        label: policyLabel(rel),
        verdict: rel.allowed ? 'forwarded' : 'policy-denied',
        policy: rel,
      });
      for (const h of owners) h.edges.push(id);
    }
  }
  return { nodes, edges, hops };
}
