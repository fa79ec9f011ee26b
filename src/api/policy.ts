/**
 * Schemas of the policy calls on a workbench session's observed traffic: `policy.advise`
 * (least-privilege NetworkPolicies for the flows seen, src/core/policy/advise.ts) and
 * `policy.impact` (what a pasted policy change does to them, src/core/policy/impact.ts).
 */
import { z } from 'zod';

/** Largest policy text the impact panel sends (one WebSocket frame is at most 5 MiB). */
export const maxPolicyTextChars = 1024 * 1024;

const k8sName = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a namespace name');

export const flowEndSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('pod'), workload: z.string(), pod: z.string() }),
  z.object({ kind: z.literal('ip'), ip: z.string(), name: z.string().optional() }),
]);
export type FlowEndJson = z.infer<typeof flowEndSchema>;

export const observedFlowSchema = z.object({
  from: flowEndSchema,
  to: flowEndSchema,
  protocol: z.enum(['TCP', 'UDP', 'SCTP']),
  /** Port on the destination (after a Service's translation). */
  port: z.number().int(),
  /** Times seen (connections established, DNS answers), or tried. */
  count: z.number().int(),
  /** First and last time seen, ns since the Unix epoch. */
  first: z.number(),
  last: z.number(),
});
export type ObservedFlowJson = z.infer<typeof observedFlowSchema>;

/** Where the traffic came from: the whole recording, or what the live session's probes have seen so far. */
const trafficSource = {
  mode: z.enum(['live', 'fake', 'replay']),
  /** Probe events read. */
  events: z.number().int(),
  /** Live: events dropped as the oldest past the session's limit. */
  dropped: z.number().int().optional(),
};

export const policyAdviseRequest = z
  .object({
    session: z.uuid(),
    /** Namespaces to advise; default every one with observed traffic but the kube-* ones. */
    namespaces: z.array(k8sName).max(200).optional(),
    allowEgressInternet: z.boolean().optional(),
  })
  .strict();

export const policyAdviseResponse = z.object({
  ...trafficSource,
  /** Namespaces of the workloads seen talking or trying to (the panel's choice). */
  seenNamespaces: z.array(z.string()),
  namespaces: z.array(
    z.object({
      namespace: z.string(),
      /** The namespace's policies as one YAML stream, with a header comment: what Copy and Save hand over. */
      yaml: z.string(),
      /** NetworkPolicies the namespace has now. */
      replaces: z.array(z.string()),
      policies: z.array(
        z.object({
          name: z.string(),
          yaml: z.string(),
          /** Each rule and the observed flows it keeps open. */
          rules: z.array(z.object({ rule: z.string(), direction: z.enum(['ingress', 'egress']), flows: z.array(observedFlowSchema) })),
        }),
      ),
    }),
  ),
  flows: z.array(observedFlowSchema),
  /** Tried but never seen to get through: left closed. */
  attempts: z.array(observedFlowSchema),
  /** Events whose ends could not be placed, and the first of them by address. */
  unresolved: z.number().int(),
  unplaced: z.array(z.object({ src: z.string(), dst: z.string(), protocol: z.string(), port: z.number().int(), count: z.number().int() })),
  verification: z.object({ verified: z.boolean(), allowed: z.number().int(), problems: z.array(z.string()) }),
  notes: z.array(z.string()),
});
export type PolicyAdvice = z.infer<typeof policyAdviseResponse>;

export const policyImpactRequest = z
  .object({
    session: z.uuid(),
    /** The proposed policies: YAML or JSON, one or many documents. */
    text: z.string().max(maxPolicyTextChars),
    /** The file it came from (named in problems), else "pasted policy". */
    name: z.string().min(1).max(256).optional(),
  })
  .strict();

export const policyDiagnosticSchema = z.object({
  severity: z.enum(['error', 'warning']),
  file: z.string(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
  field: z.string().optional(),
  message: z.string(),
});

const flowChangeSchema = observedFlowSchema.extend({
  /** Newly denied: what denies it, in words. */
  deniedBy: z.array(z.string()),
  /** Newly allowed: only ever tried (the recorded policies denied it). */
  attempted: z.boolean().optional(),
});

export const policyImpactResponse = z.object({
  ...trafficSource,
  /** Problems of the proposal; with an error among them, no impact (it would be wrong). */
  diagnostics: z.array(policyDiagnosticSchema),
  impact: z
    .object({
      replaced: z.array(z.string()),
      added: z.array(z.string()),
      /** Objects of the proposal that are not policies. */
      ignored: z.number().int(),
      /** Observed flows judged. */
      flows: z.number().int(),
      newlyDenied: z.array(flowChangeSchema),
      newlyAllowed: z.array(flowChangeSchema),
      stillDenied: z.number().int(),
    })
    .optional(),
});
export type PolicyImpactJson = z.infer<typeof policyImpactResponse>;
