/**
 * Imports Hubble flows (`hubble observe -o jsonpb` / `-o json`: one
 * `{"flow":…,"node_name":…,"time":…}` per line) into Pathlight's probe event model, so Cilium
 * users can analyse their flows here. protojson conventions apply: enums come as names,
 * 64-bit numbers as strings, zero values are omitted (a missing port is 0, a missing rcode
 * is NOERROR).
 */
import type { SessionRecord } from '../recording/records.js';

/** A Hubble endpoint as Pathlight keeps it (workload identity, not Cilium's numeric IDs). */
export interface FlowEndpoint {
  namespace?: string;
  pod?: string;
  labels?: string[];
  workloads?: Array<{ name: string; kind: string }>;
  identity?: number;
}

export interface ImportProblem {
  line: number;
  message: string;
}

export interface HubbleImport {
  records: SessionRecord[];
  problems: ImportProblem[];
  /** Events Hubble itself reported as lost: the evidence is incomplete by this much. */
  lostEvents: number;
  counts: Record<string, number>;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
/** protojson numbers: uint32 as numbers, 64-bit as strings, zero omitted. */
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : 0);

const dnsRcodes = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

/** RFC 3339 with nanoseconds → ns since the epoch (to the precision a double keeps). */
export function rfc3339ToNs(time: string): number | undefined {
  const m = /^(.*?)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return ms * 1e6 + Number((m[2] ?? '').padEnd(9, '0'));
}

function endpoint(v: unknown): FlowEndpoint | undefined {
  const e = obj(v);
  if (!e) return undefined;
  const out: FlowEndpoint = {};
  if (str(e.namespace)) out.namespace = str(e.namespace);
  if (str(e.pod_name)) out.pod = str(e.pod_name);
  if (Array.isArray(e.labels)) out.labels = e.labels.filter((l): l is string => typeof l === 'string');
  if (Array.isArray(e.workloads)) {
    out.workloads = e.workloads.flatMap((w) => {
      const o = obj(w);
      return o && str(o.name) ? [{ name: str(o.name) as string, kind: str(o.kind) ?? 'Unknown' }] : [];
    });
  }
  if (num(e.identity)) out.identity = num(e.identity);
  return Object.keys(out).length > 0 ? out : undefined;
}

function policies(flow: Json, key: string) {
  const list = flow[key];
  if (!Array.isArray(list)) return undefined;
  return list.flatMap((p) => {
    const o = obj(p);
    return o ? [{ kind: str(o.kind) ?? 'Policy', namespace: str(o.namespace), name: str(o.name) ?? '(unnamed)' }] : [];
  });
}

/** The parts every event shares: who, where, when, and Hubble's own verdict. */
function common(flow: Json, node: string) {
  const ip = obj(flow.IP) ?? {};
  const l4 = obj(flow.l4) ?? {};
  const [proto, ports] = (['TCP', 'UDP', 'SCTP', 'ICMPv4', 'ICMPv6'] as const).map((p) => [p, obj(l4[p])] as const).find(([, v]) => v) ?? ['', undefined];
  const base: Json = {
    v: 1,
    node,
    origin: 'hubble',
    verdict: (str(flow.verdict) ?? 'VERDICT_UNKNOWN').toLowerCase(),
    direction: str(flow.traffic_direction)?.toLowerCase(),
    proto: proto ? proto.replace(/v[46]$/, '').toLowerCase() : undefined,
    src: str(ip.source),
    dst: str(ip.destination),
    sport: num(ports?.source_port),
    dport: num(ports?.destination_port),
    source: endpoint(flow.source),
    destination: endpoint(flow.destination),
    destinationService: obj(flow.destination_service),
    isReply: flow.is_reply === true,
  };
  for (const key of ['egress_allowed_by', 'ingress_allowed_by', 'egress_denied_by', 'ingress_denied_by']) {
    const p = policies(flow, key);
    if (p) base[key.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase())] = p;
  }
  return { base, ports };
}

function toEvent(flow: Json, node: string): Json {
  const { base, ports } = common(flow, node);
  const l7 = obj(flow.l7);
  const dns = obj(l7?.dns);
  if (dns) {
    const rcode = num(dns.rcode);
    return {
      ...base,
      type: 'dns',
      qr: l7?.type === 'REQUEST' ? 'query' : 'response',
      qname: str(dns.query),
      qtype: Array.isArray(dns.qtypes) ? dns.qtypes[0] : undefined,
      rcode: dnsRcodes[rcode] ?? `RCODE${rcode}`,
      answers: [...(Array.isArray(dns.ips) ? dns.ips : []), ...(Array.isArray(dns.cnames) ? dns.cnames : [])],
      latencyNs: num(l7?.latency_ns) || undefined,
    };
  }
  if (base.verdict === 'dropped' || base.verdict === 'error') {
    return {
      ...base,
      type: 'drop',
      reason: str(flow.drop_reason_desc) ?? 'DROP_REASON_UNKNOWN',
      reasonCode: num(flow.drop_reason),
      location: str(flow.Summary),
    };
  }
  const flags = obj(obj(ports)?.flags);
  if (base.proto === 'tcp' && flags?.RST === true) {
    // A reset answered to a SYN is a refused connection; otherwise a reset mid-stream.
    return { ...base, type: 'tcp', event: base.isReply && flags.ACK === true && !flags.PSH ? 'refused' : 'reset' };
  }
  return { ...base, type: 'flow', flags: flags ? Object.keys(flags).filter((k) => flags[k] === true) : undefined };
}

/** Drops undefined fields so records stay compact and stable. */
function compact(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export function importHubbleFlows(text: string): HubbleImport {
  const result: HubbleImport = { records: [], problems: [], lostEvents: 0, counts: {} };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      result.problems.push({ line: i + 1, message: 'not JSON (expected one `hubble observe -o jsonpb` object per line)' });
      return;
    }
    const top = obj(parsed);
    const lost = obj(top?.lost_events);
    if (lost) {
      const n = num(lost.num_events_lost);
      result.lostEvents += n;
      const ts = rfc3339ToNs(str(top?.time) ?? '') ?? result.records.at(-1)?.ts ?? 0;
      result.records.push({
        ts,
        kind: 'probe',
        data: compact({ v: 1, type: 'stats', origin: 'hubble', node: str(top?.node_name), lost: n, lostSource: str(lost.source) }),
      });
      result.counts.lost = (result.counts.lost ?? 0) + 1;
      return;
    }
    // `-o jsonpb` wraps the flow; `-o json` of older CLIs prints the flow itself.
    const flow = obj(top?.flow) ?? (top && 'verdict' in top ? top : undefined);
    if (!flow) {
      result.problems.push({ line: i + 1, message: 'no "flow" object (agent or debug events are not imported)' });
      return;
    }
    const ts = rfc3339ToNs(str(flow.time) ?? str(top?.time) ?? '');
    if (ts === undefined) {
      result.problems.push({ line: i + 1, message: 'flow has no valid "time"' });
      return;
    }
    const event = compact(toEvent(flow, str(flow.node_name) ?? str(top?.node_name) ?? 'unknown'));
    result.counts[String(event.type)] = (result.counts[String(event.type)] ?? 0) + 1;
    result.records.push({ ts, kind: 'probe', data: event });
  });
  result.records.sort((a, b) => a.ts - b.ts);
  return result;
}
