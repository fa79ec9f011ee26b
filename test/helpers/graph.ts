/**
 * Graph-model test helpers: a cluster view over objects (built with ./objects.ts), probe events
 * as the agent writes them, diagnoses, a seeded shuffle, and a mirror that applies deltas the
 * way the UI will, to check them against snapshots.
 */
import { expect } from 'vitest';
import { StaticCluster } from '../../src/core/cluster/view.js';
import type { Identity } from '../../src/core/cluster/identity.js';
import type { Diagnosis, Finding, PathHop, ProbeEvent } from '../../src/core/diagnose/types.js';
import type { GraphDelta, GraphEdge, GraphNode, GraphSnapshot, PathOverlay } from '../../src/core/graph/index.js';
import { rng, shuffle } from './random.js';

type Obj = Record<string, unknown>;

export const cluster = (...objects: Obj[]) => new StaticCluster(objects);

// ---- identities and events ---------------------------------------------------------------

export const podIdent = (ns: string, name: string, node = 'node-1'): Identity => ({ kind: 'pod', namespace: ns, name, node });
export const svcIdent = (ns: string, name: string): Identity => ({ kind: 'service', namespace: ns, name });

const T0 = 1_760_000_000_000_000_000;
/** Event time `ms` milliseconds after a fixed start, in ns. */
export const at = (ms: number) => T0 + ms * 1_000_000;

interface Ends {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  ts?: number;
  node?: string;
  netns?: number;
  proto?: string;
  identities?: { src?: Identity; dst?: Identity };
}

const header = <T extends 'drop' | 'dns' | 'tcp' | 'http'>(type: T, e: Ends) => ({
  v: 1 as const,
  type,
  ts: e.ts ?? at(0),
  node: e.node ?? 'node-1',
  netns: e.netns ?? 4026531840,
  proto: e.proto ?? (type === 'dns' ? 'udp' : 'tcp'),
  src: e.src,
  sport: e.sport ?? 40000,
  dst: e.dst,
  dport: e.dport ?? 8080,
  family: (e.src.includes(':') ? 6 : 4) as 4 | 6,
  ...(e.identities ? { identities: e.identities } : {}),
});

export function dropEvent(e: Ends & { reason?: string }): ProbeEvent {
  const reason = e.reason ?? 'NETFILTER_DROP';
  return { ...header('drop', e), ifindex: 3, reason, reasonCode: 35, hasReason: reason !== 'UNKNOWN', location: 'nf_hook_slow+0x9a' };
}

export function tcpEvent(
  e: Ends & { event: 'established' | 'refused' | 'timeout' | 'unreachable' | 'reset' | 'retransmit'; role?: 'client' | 'server' },
): ProbeEvent {
  return { ...header('tcp', e), event: e.event, state: e.event === 'established' ? 'ESTABLISHED' : 'SYN_SENT', ...(e.role ? { role: e.role } : {}) };
}

/** One HTTP exchange as a socket saw it (`src` the client, whichever socket): request, status and latency. */
export function httpEvent(e: Ends & { status: number; latencyMs?: number; role?: 'client' | 'server'; method?: string; path?: string }): ProbeEvent {
  return {
    ...header('http', e),
    role: e.role ?? 'client',
    method: e.method ?? 'GET',
    path: e.path ?? '/',
    version: 'HTTP/1.1',
    status: e.status,
    ...(e.latencyMs !== undefined ? { latencyNs: e.latencyMs * 1e6 } : {}),
  };
}

/** A DNS query (client → server:53) or its response (server:53 → client) with `rcode` and A answers. */
export function dnsEvent(
  e: Omit<Ends, 'sport' | 'dport'> & {
    qname: string;
    qr: 'query' | 'response';
    rcode?: string;
    answers?: string[];
    id?: number;
    clientPort?: number;
    dir?: 'egress' | 'ingress';
  },
): ProbeEvent {
  const clientPort = e.clientPort ?? 51000;
  const ports = e.qr === 'query' ? { sport: clientPort, dport: 53 } : { sport: 53, dport: clientPort };
  return {
    ...header('dns', { ...e, ...ports }),
    ifindex: 2,
    dir: e.dir ?? (e.qr === 'query' ? 'egress' : 'ingress'),
    qr: e.qr,
    id: e.id ?? 4242,
    qname: e.qname,
    qtype: 'A',
    ...(e.qr === 'response' ? { rcode: e.rcode ?? 'NOERROR', answers: (e.answers ?? []).map((data) => ({ name: e.qname, type: 'A', ttl: 30, data })) } : {}),
  };
}

// ---- diagnoses -----------------------------------------------------------------------------

export const hop = (h: Partial<PathHop> & Pick<PathHop, 'hop'>): PathHop => ({ label: h.hop, refs: [], verdict: 'ok', findings: [], ...h });

export function makeDiagnosis(path: PathHop[], o: { findings?: Finding[]; to?: string; port?: number; verdict?: Diagnosis['verdict'] } = {}): Diagnosis {
  return {
    verdict: o.verdict ?? (path.some((h) => h.verdict === 'fail') ? 'unreachable' : 'reachable'),
    query: { from: 'shop/frontend', to: o.to ?? 'shop/backend', port: o.port ?? 8080, protocol: 'TCP' },
    findings: o.findings ?? [],
    path,
    notes: [],
  };
}

// ---- shuffling, mirroring, invariants ------------------------------------------------------

export function shuffled<T>(items: readonly T[], seed: number): T[] {
  return shuffle(items, rng(seed));
}

/** What a view holds after applying every delta in order (what the UI's cytoscape instance would). */
export class Mirror {
  nodes = new Map<string, GraphNode>();
  edges = new Map<string, GraphEdge>();
  path: PathOverlay | null = null;

  apply(d: GraphDelta): this {
    for (const id of d.removed.edges) expect(this.edges.delete(id), `removed edge ${id} was there`).toBe(true);
    for (const id of d.removed.nodes) expect(this.nodes.delete(id), `removed node ${id} was there`).toBe(true);
    for (const n of d.added.nodes) {
      expect(this.nodes.has(n.id), `added node ${n.id} is new`).toBe(false);
      if (n.parent) expect(this.nodes.has(n.parent), `parent ${n.parent} of ${n.id} is there first`).toBe(true);
      this.nodes.set(n.id, n);
    }
    for (const n of d.updated.nodes) {
      expect(this.nodes.has(n.id), `updated node ${n.id} was there`).toBe(true);
      this.nodes.set(n.id, n);
    }
    for (const e of d.added.edges) {
      expect(this.edges.has(e.id), `added edge ${e.id} is new`).toBe(false);
      this.edges.set(e.id, e);
    }
    for (const e of d.updated.edges) {
      expect(this.edges.has(e.id), `updated edge ${e.id} was there`).toBe(true);
      this.edges.set(e.id, e);
    }
    if (d.path !== undefined) this.path = d.path;
    return this;
  }

  /** Compared with a snapshot, order aside. */
  expectMatches(s: GraphSnapshot): void {
    const sort = <T extends { id: string }>(xs: Iterable<T>) => [...xs].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(sort(this.nodes.values())).toEqual(sort(s.nodes));
    expect(sort(this.edges.values())).toEqual(sort(s.edges));
    expect(this.path).toEqual(s.path);
  }
}

/** What must hold in every snapshot: edge ends and parents exist, child counts are true, parents come first. */
export function expectConsistent(s: GraphSnapshot): void {
  const ids = new Set<string>();
  const kids = new Map<string, number>();
  for (const n of s.nodes) {
    if (n.parent) {
      expect(ids.has(n.parent), `parent ${n.parent} of ${n.id} listed before it`).toBe(true);
      kids.set(n.parent, (kids.get(n.parent) ?? 0) + 1);
    }
    ids.add(n.id);
  }
  for (const n of s.nodes) if (n.kind === 'namespace' || n.kind === 'workload') expect(n.childCount, `childCount of ${n.id}`).toBe(kids.get(n.id) ?? 0);
  for (const e of s.edges) {
    expect(ids.has(e.source), `source ${e.source} of ${e.id}`).toBe(true);
    expect(ids.has(e.target), `target ${e.target} of ${e.id}`).toBe(true);
  }
  if (s.path) {
    for (const id of Object.keys(s.path.nodes)) expect(ids.has(id), `path node ${id}`).toBe(true);
    const edgeIds = new Set(s.edges.map((e) => e.id));
    for (const id of Object.keys(s.path.edges)) expect(edgeIds.has(id), `path edge ${id}`).toBe(true);
  }
}

export const nodeById = (s: GraphSnapshot, id: string) => s.nodes.find((n) => n.id === id);
export const edgeById = (s: GraphSnapshot, id: string) => s.edges.find((e) => e.id === id);
