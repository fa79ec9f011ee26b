/**
 * The answer to "why can't A talk to B?" as data: a verdict, ranked findings with evidence
 * and fixes, and the hop path A → DNS → Service → EndpointSlice → B with a verdict per hop.
 * The CLI (`pathlight why --json`), the UI's why panel and graph overlay, recordings and the
 * golden tests all read this one shape; keep it plain JSON (no class instances, no Maps).
 *
 * Defined once, as zod schemas with the types inferred from them; the API contract
 * (src/api/workbench.ts) builds its response schemas from these.
 */
import { z } from 'zod';
import { directionJsonSchema } from '../policy/explain.js';
import type { EventIdentities } from '../cluster/identity.js';
import { dnsLineSchema, dropLineSchema, httpLineSchema, tcpLineSchema, type ProbeLine } from '../probe/schemas.js';
import { enforcers, ruleRoles } from '../rules/types.js';

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
  'rule-drop',
  'http-server-error',
  'http-client-error',
  'http-slow',
  'reachable',
] as const;
export type FindingKind = (typeof findingKinds)[number];

/** The hops of the path, in order. `network` is the wire between the pods (drops, resets). */
export const hopKinds = ['source', 'dns', 'service', 'endpoints', 'backend', 'policy-egress', 'policy-ingress', 'network'] as const;
export type HopKind = (typeof hopKinds)[number];

export const findingKindSchema = z.enum(findingKinds);
export const hopKindSchema = z.enum(hopKinds);

export const severitySchema = z.enum(['error', 'warning', 'info']);
export type Severity = z.infer<typeof severitySchema>;
/** How sure the finding is: `high` when live evidence confirms a static cause, or the cause is certain from the objects alone. */
export const confidenceSchema = z.enum(['high', 'medium', 'low']);
export type Confidence = z.infer<typeof confidenceSchema>;

export const objectRefSchema = z.object({
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
});
export type ObjectRef = z.infer<typeof objectRefSchema>;

// Who an event's ends were at its time (src/core/cluster/identity.ts; test/unit/core/diagnose/schema.test.ts checks the two agree).
const identitySchema = z.object({ kind: z.enum(['pod', 'service', 'node']), namespace: z.string().optional(), name: z.string(), node: z.string().optional() });
const procIdentitySchema = z.object({ pod: identitySchema, container: z.string().optional(), image: z.string().optional() });
const identities = {
  identities: z
    .object({ src: identitySchema.optional(), dst: identitySchema.optional(), netns: identitySchema.optional(), proc: procIdentitySchema.optional() })
    .optional(),
};

/** A probe event that took part in the answer, with the identities of its ends at its time. */
export const probeEventSchema = z.discriminatedUnion('type', [
  dropLineSchema.extend(identities),
  dnsLineSchema.extend(identities),
  tcpLineSchema.extend(identities),
  httpLineSchema.extend(identities),
]);
export type ProbeEvent = z.infer<typeof probeEventSchema>;

/** A Kubernetes object (or a field of one), as read from the snapshot. */
export const objectEvidenceSchema = z.object({ type: z.literal('object'), ref: objectRefSchema, field: z.string().optional(), text: z.string() });
/** The policy engine's verdict for one direction: which policies selected the pod, which rule decided. */
export const policyEvidenceSchema = z.object({
  type: z.literal('policy'),
  direction: z.enum(['egress', 'ingress']),
  text: z.string(),
  policy: directionJsonSchema,
});
/**
 * Live events of one kind and outcome, aggregated: how many connections (not packets),
 * first/last time, the node(s) that saw them and one example event.
 */
export const eventsEvidenceSchema = z.object({
  type: z.literal('events'),
  event: z.enum(['drop', 'dns', 'tcp']),
  text: z.string(),
  connections: z.number(),
  events: z.number(),
  first: z.number(),
  last: z.number(),
  nodes: z.array(z.string()),
  example: probeEventSchema,
});
/**
 * A netfilter rule that dropped or rejected packets of A → B, named by the agent's rules
 * probe (the probe's `rule` lines, grouped by rule; src/core/rules): where it is, its text,
 * which software wrote it and the Kubernetes objects it implements.
 */
export const ruleEvidenceSchema = z.object({
  type: z.literal('rule'),
  /** The sentence: "2 packets rejected on NODE by ip filter/CHAIN rule 7 (handle 42), kube-router's default deny …". */
  text: z.string(),
  node: z.string(),
  tableFamily: z.string(),
  table: z.string(),
  chain: z.string(),
  handle: z.number(),
  position: z.number().optional(),
  /** The rule as nft or iptables-save prints it. */
  rule: z.string().optional(),
  comment: z.string().optional(),
  verdict: z.string(),
  enforcer: z.enum(enforcers),
  software: z.string(),
  role: z.enum(ruleRoles),
  policies: z.array(objectRefSchema),
  packets: z.number(),
  first: z.number(),
  last: z.number(),
});
/** A statement derived from the above (e.g. "DNS name resolution emulated with ndots:5"). */
export const noteEvidenceSchema = z.object({ type: z.literal('note'), text: z.string() });

/** Any agent line as the engine takes it: decoded, with the identities of its ends at its time when known. */
export type EvidenceLine = ProbeLine & { identities?: EventIdentities };

/** What a finding rests on. Times are ns since the Unix epoch. */
export const evidenceSchema = z.discriminatedUnion('type', [
  objectEvidenceSchema,
  policyEvidenceSchema,
  eventsEvidenceSchema,
  ruleEvidenceSchema,
  noteEvidenceSchema,
]);
export type Evidence = z.infer<typeof evidenceSchema>;

export const fixSchema = z.object({
  /** One sentence: what to change. */
  description: z.string(),
  /** A command that applies it, when there is one. */
  kubectl: z.string().optional(),
  /** A manifest or patch to apply, as YAML. */
  yaml: z.string().optional(),
  /** The fix was re-evaluated and the connection then passes (policy fixes). */
  verified: z.boolean().optional(),
});
export type Fix = z.infer<typeof fixSchema>;

export const findingSourceSchema = z.enum(['static', 'live', 'both']);

export const findingSchema = z.object({
  kind: findingKindSchema,
  hop: hopKindSchema,
  severity: severitySchema,
  confidence: confidenceSchema,
  /** One sentence a person reads first. */
  summary: z.string(),
  /** Where the finding comes from: the objects alone, the probes alone, or both agreeing. */
  source: findingSourceSchema,
  evidence: z.array(evidenceSchema),
  fix: fixSchema.optional(),
});
export type Finding = z.infer<typeof findingSchema>;

export const hopVerdictSchema = z.enum(['ok', 'fail', 'warn', 'unknown', 'skipped']);
export type HopVerdict = z.infer<typeof hopVerdictSchema>;

/** One hop of the A → B path, for the graph overlay and the why panel. */
export const pathHopSchema = z.object({
  hop: hopKindSchema,
  /** e.g. `lab-shop/frontend-7c9…`, `backend.lab-shop.svc.cluster.local`, `Service lab-shop/backend :8080 → http`. */
  label: z.string(),
  /** The objects the hop stands for (graph nodes to highlight). */
  refs: z.array(objectRefSchema),
  /** Addresses at this hop (pod IPs, ClusterIPs, resolved addresses). */
  ips: z.array(z.string()).optional(),
  verdict: hopVerdictSchema,
  /** Kinds of the findings located at this hop. */
  findings: z.array(findingKindSchema),
});
export type PathHop = z.infer<typeof pathHopSchema>;

export const verdictSchema = z.enum(['reachable', 'unreachable', 'unknown']);
export type Verdict = z.infer<typeof verdictSchema>;

/** The question, resolved. */
export const diagnosisQuerySchema = z.object({
  from: z.string(),
  to: z.string(),
  port: z.number().optional(),
  protocol: z.enum(['TCP', 'UDP']),
});

/** Connection outcomes counted in the live part. */
export const connectionOutcomes = ['established', 'refused', 'timeout', 'unreachable', 'reset'] as const;

/** What the live part saw (absent when no probes ran). */
export const liveSchema = z.object({
  window: z.object({ from: z.number(), to: z.number() }).nullable(),
  /** Events considered (after de-duplication) and those attributed to A → B. */
  events: z.number(),
  matched: z.number(),
  /** Connection outcomes of A → B, counted per connection. */
  connections: z.record(z.enum(connectionOutcomes), z.number()),
  /** Events the probes lost: the evidence may be incomplete. */
  lost: z.number(),
});

/**
 * The answer came from a cluster view that no longer follows the cluster (the API server stopped
 * answering): the objects are as they were at `since`. Set only then; every finding's
 * confidence is then low.
 */
export const staleSchema = z.object({
  state: z.enum(['reconnecting', 'stale']),
  /** ns since the Unix epoch: when the view stopped following the cluster. */
  since: z.number(),
  /** Why, in words (the last failure). */
  error: z.string().optional(),
});
export type Stale = z.infer<typeof staleSchema>;

/** A node the probes could not watch, and why. */
export const blindSpotSchema = z.object({ node: z.string(), reason: z.string(), hint: z.string().optional() });
export type BlindSpot = z.infer<typeof blindSpotSchema>;

export const diagnosisSchema = z.object({
  verdict: verdictSchema,
  query: diagnosisQuerySchema,
  /** Ranked: the first is the answer. */
  findings: z.array(findingSchema),
  path: z.array(pathHopSchema),
  live: liveSchema.optional(),
  stale: staleSchema.optional(),
  /**
   * Nodes that should have been probed and gave nothing (SSH refused, the agent failed…): the
   * live evidence is incomplete there. Set only when there are some.
   */
  blindSpots: z.array(blindSpotSchema).optional(),
  /** Things the engine could not check, and why (missing RBAC, no probes, an external name). */
  notes: z.array(z.string()),
});
export type Diagnosis = z.infer<typeof diagnosisSchema>;
