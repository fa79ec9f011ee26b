/**
 * The answer to "why can't A talk to B?" as data: a verdict, ranked findings with evidence
 * and fixes, and the hop path A → DNS → Service → EndpointSlice → B with a verdict per hop.
 * The CLI (`pathlight why --json`), the UI's why panel and graph overlay, recordings and the
 * golden tests all read this one shape; keep it plain JSON (no class instances, no Maps).
 */
import type { DirectionJson } from '../policy/explain.js';
import type { EventIdentities } from '../cluster/identity.js';
import type { DnsLine, DropLine, ProbeLine, TcpLine } from '../probe/schemas.js';

/** Stable finding kinds (the CLI's `--json`, the UI and the tests key on these). */
export const findingKinds = [
  'dns-nxdomain',
  'dns-servfail',
  'dns-timeout',
  'dns-blocked-by-policy',
  'service-not-found',
  'service-port-mismatch',
  'service-no-endpoints',
  'endpoints-not-ready',
  'selector-mismatch',
  'target-port-not-listening',
  'named-port-missing',
  'policy-deny-egress',
  'policy-deny-ingress',
  'admin-policy-deny',
  'connection-refused',
  'connection-timeout',
  'packet-dropped',
  'reachable',
] as const;
export type FindingKind = (typeof findingKinds)[number];

/** The hops of the path, in order. `network` is the wire between the pods (drops, resets). */
export const hopKinds = ['source', 'dns', 'service', 'endpoints', 'backend', 'policy-egress', 'policy-ingress', 'network'] as const;
export type HopKind = (typeof hopKinds)[number];

export type Severity = 'error' | 'warning' | 'info';
/** How sure the finding is: `high` when live evidence confirms a static cause, or the cause is certain from the objects alone. */
export type Confidence = 'high' | 'medium' | 'low';

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

/** A probe event that took part in the answer, with the identities of its ends at its time. */
export type ProbeEvent = (DropLine | DnsLine | TcpLine) & { identities?: EventIdentities };

/** Any agent line as the engine takes it: decoded, with the identities of its ends at its time when known. */
export type EvidenceLine = ProbeLine & { identities?: EventIdentities };

/** What a finding rests on. Times are ns since the Unix epoch. */
export type Evidence =
  /** A Kubernetes object (or a field of one), as read from the snapshot. */
  | { type: 'object'; ref: ObjectRef; field?: string; text: string }
  /** The policy engine's verdict for one direction: which policies selected the pod, which rule decided. */
  | { type: 'policy'; direction: 'egress' | 'ingress'; text: string; policy: DirectionJson }
  /**
   * Live events of one kind and outcome, aggregated: how many connections (not packets),
   * first/last time, the node(s) that saw them and one example event.
   */
  | { type: 'events'; event: 'drop' | 'dns' | 'tcp'; text: string; connections: number; events: number; first: number; last: number; nodes: string[]; example: ProbeEvent }
  /** A statement derived from the above (e.g. "DNS name resolution emulated with ndots:5"). */
  | { type: 'note'; text: string };

export interface Fix {
  /** One sentence: what to change. */
  description: string;
  /** A command that applies it, when there is one. */
  kubectl?: string;
  /** A manifest or patch to apply, as YAML. */
  yaml?: string;
  /** The fix was re-evaluated and the connection then passes (policy fixes). */
  verified?: boolean;
}

export interface Finding {
  kind: FindingKind;
  hop: HopKind;
  severity: Severity;
  confidence: Confidence;
  /** One sentence a person reads first. */
  summary: string;
  /** Where the finding comes from: the objects alone, the probes alone, or both agreeing. */
  source: 'static' | 'live' | 'both';
  evidence: Evidence[];
  fix?: Fix;
}

export type HopVerdict = 'ok' | 'fail' | 'warn' | 'unknown' | 'skipped';

/** One hop of the A → B path, for the graph overlay and the why panel. */
export interface PathHop {
  hop: HopKind;
  /** e.g. `lab-shop/frontend-7c9…`, `backend.lab-shop.svc.cluster.local`, `Service lab-shop/backend :8080 → http`. */
  label: string;
  /** The objects the hop stands for (graph nodes to highlight). */
  refs: ObjectRef[];
  /** Addresses at this hop (pod IPs, ClusterIPs, resolved addresses). */
  ips?: string[];
  verdict: HopVerdict;
  /** Kinds of the findings located at this hop. */
  findings: FindingKind[];
}

export type Verdict = 'reachable' | 'unreachable' | 'unknown';

export interface Diagnosis {
  verdict: Verdict;
  /** The question, resolved. */
  query: {
    from: string;
    to: string;
    port?: number;
    protocol: 'TCP' | 'UDP';
  };
  /** Ranked: the first is the answer. */
  findings: Finding[];
  path: PathHop[];
  /** What the live part saw (absent when no probes ran). */
  live?: {
    window: { from: number; to: number } | null;
    /** Events considered (after de-duplication) and those attributed to A → B. */
    events: number;
    matched: number;
    /** Connection outcomes of A → B, counted per connection. */
    connections: Record<'established' | 'refused' | 'timeout' | 'unreachable' | 'reset', number>;
    /** Events the probes lost: the evidence may be incomplete. */
    lost: number;
  };
  /** Things the engine could not check, and why (missing RBAC, no probes, an external name). */
  notes: string[];
}
