/**
 * What the checks share while one question is answered: the cluster, A and B resolved, and
 * what each hop found so far. Each check (checks/*.ts) reads what earlier hops established
 * (the resolved Service, the backends and their target ports) and adds findings and a hop
 * verdict; a check whose hop cannot be reached because an earlier one failed says "skipped".
 */
import type { Cluster, Pod, Service, ServicePort } from './cluster.js';
import type { Correlator } from './correlate.js';
import type { Resolution, ResolvConf } from './dns.js';
import type { Source, Target } from './query.js';
import type { Evidence, Finding, HopKind, HopVerdict, ObjectRef, PathHop } from './types.js';

export interface Backend {
  pod: Pod;
  /** The port traffic reaches the pod on; undefined when a named targetPort does not resolve on it. */
  port: number | undefined;
  /** Listed ready in an EndpointSlice (or, without slices, the pod is Ready). */
  ready: boolean;
}

export interface Ctx {
  cluster: Cluster;
  zone: string;
  /** HTTP p99 latency above which B is called slow, in ms. */
  httpSlowMs: number;
  protocol: 'TCP' | 'UDP';
  source: Source;
  target: Target;
  /** The port as asked (number or name), if any. */
  port: number | string | undefined;
  /** A's pod the static checks speak for (the first running one). */
  a: Pod | undefined;
  resolv?: ResolvConf;
  /** B's DNS name resolved the way A's resolver would. */
  resolution?: Resolution;
  service?: Service;
  servicePort?: ServicePort;
  /** Where traffic would land: backend pods with their target ports. */
  backends: Backend[];
  /** The port B listens on when it is a pod or an IP (no Service in between). */
  directPort?: number;
  /** Addresses B is reached at (`ip|port`), before and after the Service's DNAT. */
  bSide: Set<string>;
  correlator: Correlator | undefined;
  /** Live connection outcomes of A → B (set by the live check). */
  counts?: Record<'established' | 'refused' | 'timeout' | 'unreachable' | 'reset', number>;
  /** Evidence of established A → B connections, for the `reachable` finding. */
  established?: Evidence;
  findings: Finding[];
  hops: Map<HopKind, PathHop>;
  notes: string[];
}

export interface Check {
  id: string;
  hop: HopKind;
  run(ctx: Ctx): void;
}

const worse: Record<HopVerdict, number> = { skipped: 0, ok: 1, unknown: 2, warn: 3, fail: 4 };

/** Sets the hop's verdict (never improves a worse one) and adds its refs/ips. */
export function hop(ctx: Ctx, kind: HopKind, verdict: HopVerdict, label?: string, refs: ObjectRef[] = [], ips: string[] = []): PathHop {
  let h = ctx.hops.get(kind);
  if (!h) {
    h = { hop: kind, label: label ?? kind, refs: [], verdict, findings: [] };
    ctx.hops.set(kind, h);
  } else if (worse[verdict] > worse[h.verdict]) h.verdict = verdict;
  if (label && h.label === kind) h.label = label;
  for (const r of refs) if (!h.refs.some((x) => x.kind === r.kind && x.namespace === r.namespace && x.name === r.name)) h.refs.push(r);
  if (ips.length) h.ips = [...new Set([...(h.ips ?? []), ...ips])];
  return h;
}

export function add(ctx: Ctx, f: Finding): Finding {
  ctx.findings.push(f);
  // An info finding (reachable) on a hop nothing checked leaves it unchecked: no check mark on a hop never tested.
  const unchecked = f.severity === 'info' && ctx.hops.get(f.hop)?.verdict === 'skipped';
  const h = hop(ctx, f.hop, f.severity === 'error' ? 'fail' : f.severity === 'warning' ? 'warn' : unchecked ? 'skipped' : 'ok');
  if (!h.findings.includes(f.kind)) h.findings.push(f.kind);
  return f;
}

/** Whether an earlier hop already failed: later hops are then not reached. */
export function blockedBefore(ctx: Ctx, kind: HopKind): boolean {
  const order: HopKind[] = ['source', 'dns', 'service', 'endpoints', 'backend'];
  const i = order.indexOf(kind);
  return order.slice(0, i < 0 ? order.length : i).some((k) => ctx.hops.get(k)?.verdict === 'fail');
}

/**
 * Through a node port on another node than a backend's, kube-proxy SNATs A's packets to that
 * node's address (externalTrafficPolicy Cluster): on the backend's node they arrive from it.
 */
export function snatAddress(ctx: Ctx): string | undefined {
  const via = ctx.target.kind === 'service' ? ctx.target.nodePort : undefined;
  if (!via || ctx.service?.externalTrafficPolicy === 'Local') return undefined;
  return ctx.backends.some((b) => b.pod.node !== via.node) ? via.ip : undefined;
}

export const portText = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
