/**
 * The one contract between the UI and the engine. Every call and event is listed here with a
 * runtime schema; Electron's preload, the IPC bridge in main, the WebSocket server and the
 * renderer's client are all derived from this table, so adding a call is one entry here plus
 * its handler in the backend.
 */
import { z } from 'zod';
import { apiErrorSchema } from './result.js';
import * as wb from './workbench.js';
import { sshSettingsSchema } from './ssh.js';
import * as pol from './policy.js';

const authMethod = z.enum(['client-certificate', 'token', 'token-file', 'exec', 'auth-provider', 'basic', 'none']);

export const contextSummarySchema = z.object({
  name: z.string(),
  cluster: z.string(),
  server: z.string().optional(),
  user: z.string(),
  auth: z.array(authMethod),
  execCommand: z.string().optional(),
  /** The exec plugin's arguments: with execCommand, the command line the user consents to. */
  execArgs: z.array(z.string()).optional(),
  /** The cluster skips verifying the API server's certificate (`insecure-skip-tls-verify`). */
  insecureSkipTlsVerify: z.boolean().optional(),
  namespace: z.string(),
  current: z.boolean(),
  file: z.string(),
  problems: z.array(z.string()),
});

import { kubeconfigSourceSchema } from './sources.js';
export { kubeconfigSourceSchema, maxKubeconfigTextChars, type KubeconfigSource } from './sources.js';

export const contextListSchema = z.object({
  /** Files read, in order; for a picked file, its name. */
  files: z.array(z.string()),
  currentContext: z.string().optional(),
  contexts: z.array(contextSummarySchema),
});
export type ContextList = z.infer<typeof contextListSchema>;
export type ContextSummary = z.infer<typeof contextSummarySchema>;

export const appInfoSchema = z.object({
  version: z.string(),
  /** Where the UI is hosted. */
  shell: z.enum(['electron', 'server']),
  platform: z.string(),
  /** Human form of the default kubeconfig location(s), for the Connect screen. */
  defaultKubeconfig: z.string(),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

const nodeName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a node name or SSH Host alias');
const filePath = z.string().min(1).max(4096);
const sessionId = z.object({ session: z.uuid() }).strict();

export const probeStatusSchema = z.object({
  session: z.string(),
  node: z.string(),
  via: z.enum(['ssh', 'pod']),
  stage: z.enum(['connecting', 'creating', 'uploading', 'starting', 'streaming', 'stopped']),
  detail: z.string().optional(),
  startedAt: z.string(),
  events: z.object({ drop: z.number().int(), dns: z.number().int(), tcp: z.number().int() }),
  /** Events the kernel or the agent could not deliver. */
  lost: z.number().int(),
  /** Events per second since the run started (to its end once stopped). */
  rate: z.number().optional(),
  /** The drop reasons seen most, most first. */
  reasons: z.array(wb.dropReasonCountSchema).optional(),
  /** The workbench session whose events table and graph the run feeds. */
  workbench: z.string().optional(),
  error: apiErrorSchema.optional(),
  /** An unknown SSH host key waiting for the user's decision (trust on first use). */
  hostKey: z.object({ host: z.string(), port: z.number().int(), keyType: z.string(), fingerprint: z.string(), knownHostsFile: z.string() }).optional(),
  /** An encrypted key waiting for its passphrase (answer with ssh.passphrase). */
  passphraseFor: z.object({ file: z.string() }).optional(),
});
export type ProbeStatus = z.infer<typeof probeStatusSchema>;

/** What "Test SSH" found: connected and ran `true`, or the named problem. */
export const sshTestResultSchema = z.object({
  node: z.string(),
  ok: z.boolean(),
  /** The SSH config file the settings read (null: none, ~/.ssh/config does not exist). */
  config: z.string().nullable(),
  /** `user@host:port` reached (with its jump hosts). */
  target: z.string().optional(),
  problem: z
    .enum(['host-key-unknown', 'host-key-mismatch', 'refused', 'timeout', 'unreachable', 'auth-failed', 'passphrase-needed', 'config-invalid', 'failed'])
    .optional(),
  error: apiErrorSchema.optional(),
  /** The key offered, when it is not (or differently) in known_hosts: compare its fingerprint. */
  hostKey: z.object({ host: z.string(), port: z.number().int(), keyType: z.string(), fingerprint: z.string(), knownHostsFile: z.string() }).optional(),
});
export type SshTestResult = z.infer<typeof sshTestResultSchema>;

export const calls = {
  'app.info': {
    request: z.object({}).strict(),
    response: appInfoSchema,
  },
  'kubeconfig.contexts': {
    request: z.object({ source: kubeconfigSourceSchema }).strict(),
    response: contextListSchema,
  },
  /** Starts the agent on one node; progress pushed as probes.progress (probes.status: the same on demand). */
  'probes.start': {
    request: z
      .object({
        node: nodeName,
        via: z.enum(['ssh', 'pod']),
        sshConfig: filePath.optional(),
        /** The Connect screen's SSH settings (via `ssh`); `sshConfig` wins over their config file. */
        ssh: sshSettingsSchema.optional(),
        host: z.string().min(1).max(253).optional(),
        kubeconfig: filePath.optional(),
        context: z.string().min(1).max(253).optional(),
        /** Via `pod`: the consent to the context's exec plugin, as cluster.open takes it. */
        execConsent: wb.execConsentSchema.optional(),
        ...wb.probePodFields,
        probes: z
          .array(z.enum(['drops', 'dns', 'tcp']))
          .min(1)
          .max(3)
          .optional(),
        durationSec: z.number().int().min(1).max(3600),
        /** An open workbench session (live or fake): the run's events go to its events table and graph, named by its snapshot. */
        workbench: z.uuid().optional(),
      })
      .strict(),
    response: z.object({ session: z.string() }),
  },
  'probes.status': { request: sessionId, response: probeStatusSchema },
  'probes.stop': { request: sessionId, response: probeStatusSchema },
  /** The passphrase of the key a run waits for; null = the user declined. Never stored or logged. */
  'ssh.passphrase': {
    request: z.object({ session: z.uuid(), passphrase: z.string().max(1024).nullable() }).strict(),
    response: z.object({}),
  },
  /** Trusts the host key a run was refused for, once the user has compared its fingerprint. */
  'ssh.trustHostKey': {
    request: z.object({ session: z.uuid(), fingerprint: z.string().min(8).max(128) }).strict(),
    response: z.object({ file: z.string() }),
  },
  /**
   * "Test SSH": connects to a node with the SSH settings in effect (host key checked strictly,
   * known_hosts never changed) and runs `true`. `session`: an open workbench session, whose
   * snapshot gives the node's InternalIP when the config has no HostName for it.
   */
  'ssh.test': {
    request: z.object({ node: nodeName, ssh: sshSettingsSchema.optional(), session: z.uuid().optional() }).strict(),
    response: sshTestResultSchema,
  },
  /** Opens a cluster for the workbench: a live snapshot held in a backend session. */
  'cluster.open': { request: wb.clusterOpenRequest, response: wb.clusterOpenResponse },
  'cluster.close': { request: wb.sessionRef, response: z.object({}) },
  /** The session's cluster view now: its health and the type-ahead's names (after a lost link; pushed as cluster.health and cluster.names). */
  'cluster.health': { request: wb.sessionRef, response: wb.clusterHealthSchema.extend({ session: z.string(), names: wb.clusterNamesSchema }) },
  /** The recording the app was started with (`pathlight serve --open FILE`, `npm start` without a kubeconfig). */
  'recording.startup': { request: z.object({}).strict(), response: z.object({ path: z.string().nullable() }) },
  /** Opens a recording as a read-only workbench session (mode `replay`), shown at its end. */
  'recording.open': { request: wb.recordingOpenRequest, response: wb.clusterOpenResponse },
  /** Starts recording a live session to a new file: the cluster now and every change, each question with its probe lines and answer, notes. */
  'recording.start': { request: wb.sessionRef, response: wb.recordingStartResponse },
  /** A note or bookmark in the session being recorded. */
  'recording.note': { request: wb.recordingNoteRequest, response: wb.recordingNoteResponse },
  /** Stops recording and closes the file (also done when the session closes). */
  'recording.stop': { request: wb.sessionRef, response: wb.recordingStopResponse },
  /** Moves a replay session to an instant: the graph, events and "ask why" follow. */
  'replay.seek': { request: wb.replaySeekRequest, response: wb.replaySeekResponse },
  /** Starts a question on an open cluster; progress and answer pushed as why.progress (why.status: the same on demand). */
  'why.ask': { request: wb.whyAskRequest, response: z.object({ question: z.string() }) },
  'why.status': { request: z.object({ question: z.uuid() }).strict(), response: wb.whyStatusSchema },
  'why.cancel': { request: z.object({ question: z.uuid() }).strict(), response: wb.whyStatusSchema },
  /** The whole graph of the session (cluster, flows seen, the last answer's path). */
  'graph.snapshot': { request: wb.sessionRef, response: wb.graphSnapshotSchema },
  /** What changed since the version given (from graph.snapshot or the last graph.changes). */
  'graph.changes': { request: z.object({ session: z.uuid(), since: z.number().int().min(0) }).strict(), response: wb.graphDeltaSchema },
  /** Details of a graph node the engine knows beyond the graph: the policies selecting a pod or workload. */
  'graph.details': { request: wb.graphDetailsRequest, response: wb.graphDetailsResponse },
  /** A page of the session's probe events under Hubble-style filters, with the timeline. */
  'events.page': { request: wb.eventsPageRequest, response: wb.eventsPageResponse },
  /** Least-privilege NetworkPolicies for the traffic the session saw (a replay: the whole recording), verified by the engine. */
  'policy.advise': { request: pol.policyAdviseRequest, response: pol.policyAdviseResponse },
  /** Which observed flows of the session a proposed policy change would newly deny or allow. */
  'policy.impact': { request: pol.policyImpactRequest, response: pol.policyImpactResponse },
} as const;

/** Events pushed from the shell/backend to the UI. */
export const events = {
  /** The user chose a kubeconfig file in a native dialog (Electron menu). */
  'kubeconfig.chosen': z.object({ path: z.string() }).strict(),
  /** The user chose a recording in a native dialog (Electron menu), or a second launch passed `--open FILE`. */
  'recording.chosen': z.object({ path: z.string() }).strict(),
  /** A menu command the UI should perform. */
  'menu.command': z
    .object({ command: z.enum(['open-kubeconfig', 'open-recording', 'toggle-theme', 'reload-contexts', 'toggle-recording', 'bookmark']) })
    .strict(),
  // Pushed by the engine to the client that opened the session, question or probe run (or
  // asked for its state since): the UI reacts instead of polling. Each is coalesced (a few per
  // second at most) and carries the whole state or says what to pull, so a missed one is
  // made good by the next or by asking for a snapshot.
  /** A question's progress, its static answer, then its final answer or error (what why.status returns). */
  'why.progress': wb.whyStatusSchema,
  /** The session's graph changed: pull graph.changes (a replay: `pending` events still to count). */
  'graph.changed': z.object({ session: z.uuid(), pending: z.number().int().min(0).optional() }).strict(),
  /**
   * The session's events table changed: `total` events in the session (at the instant shown in
   * a replay); `read`: a replay's rows read so far, which a waiting filter can now judge.
   */
  'events.appended': z.object({ session: z.uuid(), total: z.number().int().min(0), read: z.number().int().min(0).optional() }).strict(),
  /** The session's cluster view changed health (live, reconnecting, stale since): the workbench's pill. */
  'cluster.health': wb.clusterHealthSchema.extend({ session: z.uuid() }).strict(),
  /** The session's cluster changed its names (pods came or went): the type-ahead's lists. */
  'cluster.names': z.object({ session: z.uuid(), names: wb.clusterNamesSchema }).strict(),
  /** A probe run's stage, counts, losses, error or question to the user (what probes.status returns). */
  'probes.progress': probeStatusSchema,
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallRequest<N extends CallName> = z.infer<Calls[N]['request']>;
export type CallResponse<N extends CallName> = z.infer<Calls[N]['response']>;
export type EventName = keyof typeof events;
export type EventPayload<N extends EventName> = z.infer<(typeof events)[N]>;

export const callNames = Object.keys(calls) as CallName[];
export const eventNames = Object.keys(events) as EventName[];

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.hasOwn(calls, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}
