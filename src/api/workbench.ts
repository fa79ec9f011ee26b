/**
 * Schemas of the workbench calls (cluster.open, why.*, graph.*, events.page). The diagnosis is
 * core's schema (src/core/diagnose/types.ts), reused here with the boundary's leniency; the
 * graph shapes are defined in core (src/core/graph/types.ts) and checked structurally here —
 * every field the UI keys on is validated, the rest passes through as plain JSON — so a
 * malformed answer is refused, not rendered.
 */
import { z } from 'zod';
import * as core from '../core/diagnose/types.js';
import { apiErrorSchema } from './result.js';
import { kubeconfigSourceSchema } from './sources.js';
import { sshSettingsSchema } from './ssh.js';

const name = z.string().min(1).max(512);
export const imageRef = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, 'an image reference');
/** Probe pods (probe `pod`): their namespace, the stock image the agent is streamed into, or an image with the agent (why.ask and probes.start). */
export const probePodFields = {
  probeNamespace: z
    .string()
    .min(1)
    .max(63)
    .regex(/^[a-z0-9-]+$/)
    .optional(),
  probeImage: imageRef.optional(),
  agentImage: imageRef.optional(),
};
export const sessionRef = z.object({ session: z.uuid() }).strict();

// ---------------------------------------------------------------- cluster.open

/**
 * The user saw this exact command line of the context's `exec` credential plugin and agreed
 * to run it. Without it (or when the kubeconfig now says something else) cluster.open refuses
 * a context with an exec plugin: opening it would run a program named in a file.
 */
export const execConsentSchema = z
  .object({
    command: z.string().min(1).max(4096),
    args: z.array(z.string().max(4096)).max(256),
  })
  .strict();
export type ExecConsent = z.infer<typeof execConsentSchema>;

export const clusterOpenRequest = z
  .object({
    source: kubeconfigSourceSchema,
    context: z.string().min(1).max(253),
    execConsent: execConsentSchema.optional(),
  })
  .strict();

export const clusterNamesSchema = z.object({
  namespaces: z.array(z.string()),
  /** `NS/deploy/NAME`, `NS/sts/NAME`, … as the why query takes them. */
  workloads: z.array(z.string()),
  pods: z.array(z.string()),
  /** `NS/svc/NAME`. */
  services: z.array(z.string()),
  /** `NAME.NS.svc.cluster.local` (and `NAME.NS`) of every Service. */
  dns: z.array(z.string()),
  nodes: z.array(z.string()),
});
export type ClusterNames = z.infer<typeof clusterNamesSchema>;

// ---------------------------------------------------------------- recordings (replay)

/** Largest recording a browser may send as bytes (base64 in one WebSocket frame of at most 5 MiB). */
export const maxRecordingUploadBytes = 3 * 1024 * 1024;

export const recordingSourceSchema = z.discriminatedUnion('kind', [
  /** A file on the machine running the backend (menu dialog, recent list, `serve --open`). */
  z
    .object({
      kind: z.literal('path'),
      path: z
        .string()
        .min(1)
        .max(4096)
        .refine((p) => !p.includes('\0'), 'a path without NUL'),
    })
    .strict(),
  /** A file the user picked or dropped in the browser: its bytes, base64, in the request. */
  z
    .object({
      kind: z.literal('bytes'),
      name: z.string().min(1).max(256),
      base64: z
        .string()
        .min(1)
        .max(Math.ceil(maxRecordingUploadBytes / 3) * 4)
        .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64'),
    })
    .strict(),
]);
export type RecordingSource = z.infer<typeof recordingSourceSchema>;

// ---------------------------------------------------------------- recording a live session

/** A live session being recorded: the file (chosen by the engine, in the recordings folder) and since when (ns). */
export const recordingStartResponse = z.object({ path: z.string(), startedAt: z.number() });
/** A note or bookmark at this instant of the session being recorded (an empty text: a bare bookmark). */
export const recordingNoteRequest = z.object({ session: z.uuid(), text: z.string().max(2000) }).strict();
export const recordingNoteResponse = z.object({ ts: z.number(), notes: z.number().int() });
export const recordingStopResponse = z.object({
  path: z.string(),
  bytes: z.number().int(),
  questions: z.number().int(),
  notes: z.number().int(),
});

export const recordingOpenRequest = z.object({ source: recordingSourceSchema }).strict();

export const replayQuestionSchema = z.object({
  id: z.string(),
  /** When it was asked and (if recorded) answered, ns since the Unix epoch. */
  ts: z.number(),
  from: z.string(),
  to: z.string(),
  port: z.union([z.number(), z.string()]).optional(),
  protocol: z.string().optional(),
  /** How the probes ran when it was asked (none, ssh, pod). */
  probe: z.string().optional(),
  answeredAt: z.number().optional(),
  /** The verdict and top finding recorded then (for the list); the whole answer through replay.seek. */
  verdict: z.enum(['reachable', 'unreachable', 'unknown']).optional(),
  top: z.string().optional(),
});
export type ReplayQuestionInfo = z.infer<typeof replayQuestionSchema>;

export const replayInfoSchema = z.object({
  /** The file's name (a picked file: the name it had), and its path on the backend when opened by path. */
  name: z.string(),
  path: z.string().optional(),
  created: z.string().optional(),
  context: z.string().optional(),
  cluster: z.object({ name: z.string().optional(), server: z.string().optional() }),
  nodes: z.array(z.string()),
  redacted: z.boolean(),
  /** First and last record times (ns); 0 for an empty recording. */
  start: z.number(),
  end: z.number(),
  records: z.number().int(),
  /** False when the file was not closed cleanly. */
  complete: z.boolean(),
  /** What could not be read, in words. */
  damage: z.array(z.string()),
  questions: z.array(replayQuestionSchema),
  /** The user's notes and bookmarks, in time order. */
  notes: z.array(z.object({ ts: z.number(), text: z.string() })),
});
export type ReplayInfo = z.infer<typeof replayInfoSchema>;

/**
 * Whether a session's cluster view still follows the cluster: `live`; `reconnecting` since the
 * first failed list or watch; `stale` once that has lasted the snapshot's limit (10 s). A
 * recording or a fixture is always `live`.
 */
export const clusterHealthSchema = z.object({
  state: z.enum(['live', 'reconnecting', 'stale']),
  /** ns since the Unix epoch: the first failure of this outage. */
  since: z.number().optional(),
  /** The last failure, in words. */
  error: z.string().optional(),
});
export type ClusterHealth = z.infer<typeof clusterHealthSchema>;

export const clusterOpenResponse = z.object({
  session: z.string(),
  context: z.string(),
  /**
   * `live` for a cluster, `replay` for a recording (read-only: no probes, no active test),
   * `fake` for a fixture served by a test build (never in a real install).
   */
  mode: z.enum(['live', 'fake', 'replay']),
  names: clusterNamesSchema,
  /** The view's health when opened (cluster.health pushes its changes). */
  health: clusterHealthSchema.optional(),
  /** Kinds left out of the snapshot, and why (a CRD not installed, RBAC). */
  unavailable: z.array(z.object({ kind: z.string(), reason: z.enum(['not-installed', 'forbidden', 'error']), message: z.string() })),
  /** The recording, for mode `replay`. */
  replay: replayInfoSchema.optional(),
});
export type ClusterOpened = z.infer<typeof clusterOpenResponse>;

// ---------------------------------------------------------------- why

export const whyAskRequest = z
  .object({
    session: z.uuid(),
    from: name,
    to: name,
    port: z
      .union([
        z.number().int().min(1).max(65535),
        z
          .string()
          .min(1)
          .max(15)
          .regex(/^[a-z0-9-]+$/),
      ])
      .optional(),
    protocol: z.enum(['TCP', 'UDP']).optional(),
    probe: z.enum(['none', 'ssh', 'pod']),
    sshConfig: z.string().min(1).max(4096).optional(),
    /** The Connect screen's SSH settings (probe `ssh`); `sshConfig` above wins over their config file. */
    ssh: sshSettingsSchema.optional(),
    /** Generate a DNS lookup and a connection from inside A. */
    active: z.boolean().optional(),
    durationSec: z.number().int().min(1).max(600),
    ...probePodFields,
  })
  .strict();

// The diagnosis as the API checks it: core's schemas (src/core/diagnose/types.ts), with the
// leniency the boundary has always had. Finding kinds are any string (a newer engine's kinds
// still render), the policy explanation and the probe event are checked only as far as the UI
// keys on them, and the connection counts are any keys. test/unit/api/diagnosis.test.ts checks
// that every core Diagnosis is an API answer, by type and on the golden lab scenarios.
const evidenceSchema = z.discriminatedUnion('type', [
  core.objectEvidenceSchema,
  core.policyEvidenceSchema.extend({ policy: z.unknown() }),
  core.eventsEvidenceSchema.extend({ example: z.looseObject({ type: z.string() }) }),
  core.ruleEvidenceSchema,
  core.noteEvidenceSchema,
]);
export const findingSchema = core.findingSchema.extend({ kind: z.string(), evidence: z.array(evidenceSchema) });
export const diagnosisSchema = core.diagnosisSchema.extend({
  findings: z.array(findingSchema),
  path: z.array(core.pathHopSchema.extend({ findings: z.array(z.string()) })),
  live: core.liveSchema.extend({ connections: z.record(z.string(), z.number()) }).optional(),
});
export type DiagnosisJson = z.infer<typeof diagnosisSchema>;

export const replaySeekRequest = z
  .object({
    session: z.uuid(),
    /** The instant to show (ns since the Unix epoch), clamped to the recording's range. */
    t: z.number().finite(),
    /** A recorded question whose recorded answer the graph and the why panel show. */
    question: z.string().min(1).max(128).optional(),
  })
  .strict();
/** A drop reason and how many drops had it. */
export const dropReasonCountSchema = z.object({ reason: z.string(), count: z.number().int() });

export const whyStatusSchema = z.object({
  question: z.string(),
  state: z.enum(['running', 'done', 'failed']),
  /** Per probed node: the last stage reached (chosen, connecting, uploading, streaming, stopped, failed). */
  nodes: z.array(
    z.object({
      node: z.string(),
      stage: z.string(),
      detail: z.string().optional(),
      /** The node's agent so far: events, events per second, events lost, the drop reasons seen most. */
      events: z.number().int().optional(),
      rate: z.number().optional(),
      lost: z.number().int().optional(),
      reasons: z.array(dropReasonCountSchema).optional(),
    }),
  ),
  startedAt: z.string(),
  /** Seconds the probes listen for, when probes run. */
  durationSec: z.number().optional(),
  /** The answer without probes, as soon as it is known. */
  staticDiagnosis: diagnosisSchema.optional(),
  diagnosis: diagnosisSchema.optional(),
  error: apiErrorSchema.optional(),
});
export type WhyStatus = z.infer<typeof whyStatusSchema>;

export const replaySeekResponse = z.object({
  t: z.number(),
  /** Probe events recorded up to `t`. */
  events: z.number().int(),
  /** The recorded answer of the question asked for, when it has one. */
  answer: diagnosisSchema.optional(),
});

// ---------------------------------------------------------------- graph

const graphNodeSchema = z.looseObject({
  id: z.string(),
  kind: z.enum(['namespace', 'workload', 'pod', 'service', 'dns', 'external', 'node']),
  label: z.string(),
  parent: z.string().optional(),
  missing: z.boolean().optional(),
  data: z.record(z.string(), z.unknown()),
});
const graphEdgeSchema = z.looseObject({
  id: z.string(),
  kind: z.enum(['flow', 'dns', 'policy', 'path']),
  source: z.string(),
  target: z.string(),
  label: z.string(),
  verdict: z.enum(['forwarded', 'dropped', 'dns-error', 'policy-denied', 'mixed', 'unknown']),
});
const pathOverlaySchema = z.looseObject({
  verdict: z.enum(['reachable', 'unreachable', 'unknown']),
  hops: z.array(
    z.looseObject({
      hop: core.hopKindSchema,
      label: z.string(),
      verdict: core.hopVerdictSchema,
      nodes: z.array(z.string()),
      edges: z.array(z.string()),
      failing: z.boolean(),
    }),
  ),
  nodes: z.record(z.string(), core.hopVerdictSchema),
  edges: z.record(z.string(), core.hopVerdictSchema),
  failing: z.number().int().nullable(),
});
export const graphSnapshotSchema = z.object({
  /** Increases with every drained change; graph.changes answers from here. */
  version: z.number().int(),
  nodes: z.array(graphNodeSchema),
  edges: z.array(graphEdgeSchema),
  path: pathOverlaySchema.nullable(),
  /** A replay: events up to the instant shown that the graph has not counted yet (it counts them in the background and pushes graph.changed as it goes). */
  pending: z.number().int().optional(),
});
export const graphDeltaSchema = z.object({
  version: z.number().int(),
  added: z.object({ nodes: z.array(graphNodeSchema), edges: z.array(graphEdgeSchema) }),
  updated: z.object({ nodes: z.array(graphNodeSchema), edges: z.array(graphEdgeSchema) }),
  removed: z.object({ nodes: z.array(z.string()), edges: z.array(z.string()) }),
  path: pathOverlaySchema.nullable().optional(),
  /** The consumer missed changes (another window drained them): take graph.snapshot again. */
  resync: z.boolean().optional(),
  /** A replay: events up to the instant shown that the graph has not counted yet (it counts them in the background and pushes graph.changed as it goes). */
  pending: z.number().int().optional(),
});

/** What the details panel shows beyond the node's own data: the policies selecting it. */
export const graphDetailsRequest = z.object({ session: z.uuid(), node: z.string().min(1).max(1024) }).strict();
export const selectingPolicySchema = z.object({
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  tier: z.enum(['admin', 'networkpolicy', 'baseline']),
  /** Directions in which the policy has rules for (or isolates) the pod. */
  directions: z.array(z.enum(['ingress', 'egress'])),
  /** NetworkPolicy tier: directions in which it makes the pod default-deny. */
  isolates: z.object({ ingress: z.boolean(), egress: z.boolean() }),
});
export type SelectingPolicy = z.infer<typeof selectingPolicySchema>;
export const graphDetailsResponse = z.object({
  node: z.string(),
  /** The pod the answer is about (a workload: one of its pods). Absent when the node is not a pod or workload with pods. */
  pod: z.string().optional(),
  /** In precedence order: admin tier, NetworkPolicies, baseline. */
  policies: z.array(selectingPolicySchema),
});
export type GraphDetails = z.infer<typeof graphDetailsResponse>;

// ---------------------------------------------------------------- events

export const eventTypes = ['drop', 'dns', 'tcp', 'http'] as const;
export const eventVerdicts = ['forwarded', 'dropped', 'error', 'info'] as const;

/** Hubble-style filters: every given criterion must hold; a list matches any of its values. */
export const eventFilterSchema = z
  .object({
    namespace: z.string().max(253).optional(),
    pod: z.string().max(253).optional(),
    type: z.array(z.enum(eventTypes)).max(4).optional(),
    verdict: z.array(z.enum(eventVerdicts)).max(4).optional(),
    /** Drop reason, TCP outcome, DNS rcode or HTTP status (case-insensitive, exact). */
    reason: z.string().max(128).optional(),
    port: z.number().int().min(0).max(65535).optional(),
    rcode: z.string().max(32).optional(),
    /** The node whose agent saw the event (exact). */
    node: z.string().max(253).optional(),
    /** Substring of the row's text (names, addresses, query names, reasons). */
    text: z.string().max(256).optional(),
    /**
     * The question's traffic: events to or from one of these addresses (A's, the Service's, the
     * endpoints', B's), or DNS lookups of one of these names (or a name under it, as a search
     * path makes them).
     */
    about: z
      .object({ ips: z.array(z.string().max(64)).max(256), names: z.array(z.string().max(253)).max(16) })
      .strict()
      .optional(),
    /** Time range, ns since the Unix epoch (the timeline's brush). */
    from: z.number().optional(),
    to: z.number().optional(),
  })
  .strict();
export type EventFilter = z.infer<typeof eventFilterSchema>;

export const eventsPageRequest = z
  .object({
    session: z.uuid(),
    filter: eventFilterSchema,
    offset: z.number().int().min(0),
    limit: z.number().int().min(1).max(1000),
  })
  .strict();

export const eventRowSchema = z.object({
  seq: z.number().int(),
  ts: z.number(),
  node: z.string(),
  type: z.enum(eventTypes),
  verdict: z.enum(eventVerdicts),
  /** Drop reason, TCP outcome (with errno), DNS rcode or `query`, HTTP status (`503 Service Unavailable`… as a number: `503`). */
  reason: z.string(),
  proto: z.string(),
  src: z.string(),
  dst: z.string(),
  port: z.number().int(),
  /** DNS: query name and type. HTTP: the request and its latency (`GET /cart?… · 12.3 ms`). */
  detail: z.string().optional(),
  /** The process behind the event's socket (probe `proc`): `curl (pid 4121) in ns/pod/container`. */
  process: z.string().optional(),
});
export type EventRow = z.infer<typeof eventRowSchema>;

export const histogramSchema = z.object({
  /** Time of the first bucket (ns) and the width of a bucket (ms; 1000 unless the span is long). */
  start: z.number(),
  bucketMs: z.number().int(),
  /** Per bucket: counts by type, in `eventTypes` order (over every filter but the time range, so the brush stays meaningful). */
  buckets: z.array(z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()])),
});
export type Histogram = z.infer<typeof histogramSchema>;

export const eventsPageResponse = z.object({
  /** Events in the session, and those matching the filter. */
  total: z.number().int(),
  matched: z.number().int(),
  offset: z.number().int(),
  rows: z.array(eventRowSchema),
  histogram: histogramSchema,
  /** Values seen, for the filter pickers. */
  facets: z.object({ reasons: z.array(z.string()), namespaces: z.array(z.string()), rcodes: z.array(z.string()) }),
  /**
   * A replay still reading its recording: events up to the instant shown that this filter
   * could not judge yet (it reads more than time and type); they are not in `matched`. Ask again when events.appended says more rows were read.
   */
  pending: z.number().int().optional(),
});
export type EventsPage = z.infer<typeof eventsPageResponse>;
