/**
 * The workload connectivity matrix: every allowed connection between workloads (one
 * representative pod each) and between workloads and address ranges outside the pods.
 * Address ranges are cut at every CIDR boundary any policy names, evaluated once per range,
 * and adjacent ranges with the same result are merged.
 */
import type { Direction, Endpoint, Workload } from './model.js';
import type { PolicyIndex } from './policyIndex.js';
import { allowedBetween, allowedDirection, podEndpoint } from './evaluate.js';
import { connKey, describeConnSet, isAll, isEmpty, toPortEntries, type ConnSet, type PortEntry } from './ports.js';
import { V4_MAX, V6_MAX, formatAddress, type Interval } from './ipblock.js';

export type MatrixEnd = { workload: string } | { ipRange: string };
export type Connection = { from: MatrixEnd; to: MatrixEnd; all: true } | { from: MatrixEnd; to: MatrixEnd; ports: PortEntry[] };

export interface Matrix {
  workloads: Array<{ id: string; kind: string }>;
  connections: Connection[];
}

function connection(from: MatrixEnd, to: MatrixEnd, c: ConnSet): Connection {
  return isAll(c) ? { from, to, all: true } : { from, to, ports: toPortEntries(c) };
}

export function computeMatrix(index: PolicyIndex): Matrix {
  const reps = index.workloads.filter((w) => w.pods.length > 0);
  const connections: Connection[] = [];
  for (const a of reps) {
    const src = podEndpoint(a.pods[0]!);
    for (const b of reps) {
      if (a === b) continue;
      const c = allowedBetween(index, src, podEndpoint(b.pods[0]!));
      if (!isEmpty(c)) connections.push(connection({ workload: a.id }, { workload: b.id }, c));
    }
  }
  const segments = addressSegments(index);
  for (const w of reps) {
    for (const dir of ['egress', 'ingress'] as const) connections.push(...externalConnections(index, w, dir, segments));
  }
  return { workloads: index.workloads.map((w) => ({ id: w.id, kind: w.kind })), connections };
}

interface Segment {
  v6: boolean;
  lo: bigint;
  hi: bigint;
}

/** Elementary address ranges: no CIDR any policy names starts or ends inside one. */
export function addressSegments(index: PolicyIndex): Segment[] {
  const cuts = { v4: new Set<bigint>([0n]), v6: new Set<bigint>([0n]) };
  const add = (list: readonly Interval[], set: Set<bigint>, max: bigint) => {
    for (const [lo, hi] of list) {
      set.add(lo);
      if (hi < max) set.add(hi + 1n);
    }
  };
  let anyV6 = false;
  for (const p of index.policies) {
    for (const r of [...p.ingress, ...p.egress]) {
      for (const peer of r.peers ?? []) {
        if (!peer.ips) continue;
        add(peer.ips.v4, cuts.v4, V4_MAX);
        // The whole IPv6 space (Cilium world) alone does not bring IPv6 ranges into the matrix.
        if (peer.ips.v6.some(([lo, hi]) => lo !== 0n || hi !== V6_MAX)) anyV6 = true;
        add(peer.ips.v6, cuts.v6, V6_MAX);
      }
    }
  }
  const build = (set: Set<bigint>, max: bigint, v6: boolean): Segment[] => {
    const pts = [...set].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    return pts.map((lo, i) => ({ v6, lo, hi: i + 1 < pts.length ? (pts[i + 1] as bigint) - 1n : max }));
  };
  return [...build(cuts.v4, V4_MAX, false), ...(anyV6 ? build(cuts.v6, V6_MAX, true) : [])];
}

function externalConnections(index: PolicyIndex, w: Workload, dir: Direction, segments: Segment[]): Connection[] {
  const pod = w.pods[0]!;
  const out: Connection[] = [];
  let run: { seg: Segment; hi: bigint; conns: ConnSet; key: string } | null = null;
  const flush = () => {
    if (run && !isEmpty(run.conns)) {
      const range = { ipRange: `${formatAddress(run.seg.lo, run.seg.v6)}-${formatAddress(run.hi, run.seg.v6)}` };
      out.push(dir === 'egress' ? connection({ workload: w.id }, range, run.conns) : connection(range, { workload: w.id }, run.conns));
    }
    run = null;
  };
  for (const seg of segments) {
    // The address text is only needed for explanations, which the matrix does not build.
    const ep: Endpoint = { kind: 'ip', ip: '', n: seg.lo, v6: seg.v6 };
    const conns = allowedDirection(index, pod, ep, dir, dir === 'ingress' ? pod.ports : null);
    const key = connKey(conns);
    const cur = run as { seg: Segment; hi: bigint; conns: ConnSet; key: string } | null;
    if (cur && cur.key === key && cur.seg.v6 === seg.v6 && cur.hi + 1n === seg.lo) cur.hi = seg.hi;
    else {
      flush();
      run = { seg, hi: seg.hi, conns, key };
    }
  }
  flush();
  return out;
}

export function matrixText(m: Matrix): string {
  const end = (e: MatrixEnd) => ('workload' in e ? e.workload : e.ipRange);
  const lines = m.connections.map(
    (c) =>
      `${end(c.from)} → ${end(c.to)}: ${'all' in c ? 'all' : c.ports.map((p) => ('namedPort' in p ? `${p.protocol}/${p.namedPort}` : p.endPort !== undefined ? `${p.protocol}/${p.port}-${p.endPort}` : `${p.protocol}/${p.port}`)).join(', ')}`,
  );
  return `${m.workloads.length} workloads, ${m.connections.length} allowed connections\n${lines.join('\n')}\n`;
}

export { describeConnSet };
