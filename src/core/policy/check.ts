/**
 * `policy check`: one connection (from, to, protocol/port), its verdict, explanation and fix.
 * Endpoints are `NS/NAME` of a workload or pod, or an IP address.
 */
import type { Endpoint, PodInfo } from './model.js';
import type { PolicyIndex } from './policyIndex.js';
import { evaluatePair, ipEndpoint, podEndpoint } from './evaluate.js';
import { endpointText, explainLines, pairJson, type DirectionJson } from './explain.js';
import { suggestFix, type FixSuggestion } from './fix.js';
import { PROTOCOLS, isEmpty, single, subtract, type Protocol } from './ports.js';

export interface CheckRequest {
  from: string;
  to: string;
  /** `TCP/80`, `udp/53`, `80` (TCP), or `TCP/http` (named port of the destination). */
  port: string;
}

export interface EndpointJson {
  workload?: string;
  kind?: string;
  pod?: string;
  ip?: string;
}

export interface CheckResult {
  verdict: 'allowed' | 'denied';
  from: EndpointJson;
  to: EndpointJson;
  port: { protocol: Protocol; port: number; namedPort?: string };
  egress: DirectionJson;
  ingress: DirectionJson;
  explanation: string[];
  fix: FixSuggestion | null;
}

export type CheckOutcome = { ok: true; value: CheckResult } | { ok: false; error: { message: string; hint?: string } };

export function parsePortArg(text: string): { protocol: Protocol; port?: number; name?: string } | null {
  const m = /^(?:([A-Za-z]+)\/)?([A-Za-z0-9-]+)$/.exec(text.trim());
  if (!m) return null;
  const protocol = (m[1] ?? 'TCP').toUpperCase();
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) return null;
  const v = m[2] as string;
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return n >= 1 && n <= 65535 ? { protocol: protocol as Protocol, port: n } : null;
  }
  return { protocol: protocol as Protocol, name: v };
}

function resolveEndpoint(index: PolicyIndex, text: string): Endpoint | null {
  const ip = ipEndpoint(text);
  if (ip) {
    // An address that is a pod's IP is that pod: its labels, not its address, meet the policies.
    const pod = index.pods.find((p) => !p.hostNetwork && p.ips.includes(text));
    return pod ? podEndpoint(pod) : ip;
  }
  const pod = index.findPod(text);
  return pod ? podEndpoint(pod) : null;
}

function endpointJson(index: PolicyIndex, e: Endpoint): EndpointJson {
  if (e.kind === 'ip') return { ip: e.ip };
  const w = index.workloadById.get(e.pod.workload);
  const out: EndpointJson = { workload: e.pod.workload, pod: `${e.pod.namespace}/${e.pod.name}` };
  if (w) out.kind = w.kind;
  return out;
}

export function checkConnection(index: PolicyIndex, req: CheckRequest): CheckOutcome {
  const src = resolveEndpoint(index, req.from);
  if (!src)
    return {
      ok: false,
      error: { message: `no workload, pod or IP address "${req.from}" in the manifests`, hint: 'use NS/NAME of a workload or pod, or an IP address' },
    };
  const dst = resolveEndpoint(index, req.to);
  if (!dst)
    return {
      ok: false,
      error: { message: `no workload, pod or IP address "${req.to}" in the manifests`, hint: 'use NS/NAME of a workload or pod, or an IP address' },
    };
  const port = parsePortArg(req.port);
  if (!port) return { ok: false, error: { message: `"${req.port}" is not PROTO/PORT`, hint: 'e.g. TCP/80, UDP/53 or TCP/http' } };
  let number = port.port;
  if (port.name !== undefined) {
    number = dst.kind === 'pod' ? namedPort(dst.pod, port.protocol, port.name) : undefined;
    if (number === undefined)
      return {
        ok: false,
        error: { message: `${endpointText(dst)} has no ${port.protocol} container port named "${port.name}"`, hint: 'give the port number instead' },
      };
  }
  const scope = single(port.protocol, number as number);
  const pair = evaluatePair(index, src, dst, scope);
  const allowed = isEmpty(subtract(scope, pair.allowed));
  const value: CheckResult = {
    verdict: allowed ? 'allowed' : 'denied',
    from: endpointJson(index, src),
    to: endpointJson(index, dst),
    port:
      port.name !== undefined ? { protocol: port.protocol, port: number as number, namedPort: port.name } : { protocol: port.protocol, port: number as number },
    ...pairJson(pair),
    explanation: [`${allowed ? 'allowed' : 'denied'}: ${endpointText(src)} → ${endpointText(dst)} ${port.protocol}/${number}`, ...explainLines(pair)],
    fix: allowed ? null : suggestFix(index, { src, dst, protocol: port.protocol, port: number as number, scope }),
  };
  return { ok: true, value };
}

function namedPort(pod: PodInfo, protocol: Protocol, name: string): number | undefined {
  return pod.ports.find((p) => p.name === name && p.protocol === protocol)?.port;
}
