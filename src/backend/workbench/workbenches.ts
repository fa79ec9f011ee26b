/**
 * Workbench sessions: one open cluster each (live snapshot or a fake fixture), the graph model
 * fed with the cluster, the probe events of the session's questions and the last answer, the
 * event store behind the events table, and the questions with their progress. What changes is
 * pushed to the UI that opened it (`notify`: why.progress, graph.changed, events.appended; see
 * ../push.ts); the UI then pulls the graph's delta and the table's page it shows.
 */
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SessionRecorder } from '../store/recorder.js';
import { diagnose as d, graph, nodeInternalIp } from '../../core/index.js';
import {
  PathlightError,
  toApiError,
  type CallRequest,
  type CallResponse,
  type ClusterHealth,
  type ClusterNames,
  type ExecConsent,
  type KubeconfigSource,
  type RecordingSource,
} from '../../api/index.js';
import type { KubeconfigEnv } from '../cluster/kubeconfig.js';
import { EventStore } from './events.js';
import { openLiveCluster, type ClusterSource } from './source.js';
import { openFakeCluster } from './fixtureCluster.js';
import { ask, type Answer } from '../diagnose/ask.js';
import { openReplaySource, readOnlyError, type ReplaySource } from './replay.js';
import { withSshOverlay } from '../probes/ssh/overlay.js';
import { RunCounts } from '../probes/counts.js';
import type { ProbeFeed } from '../probes/runs.js';
import type { Notify } from '../push.js';
import { recordingTrafficOnce, TrafficLog } from '../policy/traffic.js';
import type { SessionTraffic } from '../policy/panels.js';

type WhyStatus = CallResponse<'why.status'>;
type GraphDelta = CallResponse<'graph.changes'>;

interface Question {
  id: string;
  session: string;
  status: WhyStatus;
  abort: AbortController;
}

interface LiveRecording {
  recorder: SessionRecorder;
  questions: number;
  notes: number;
  /** Closes the file cleanly when the engine exits (a kill loses at most the last second). */
  onExit: () => void;
}

interface Session {
  id: string;
  context: string;
  source: ClusterSource;
  model: graph.GraphModel;
  version: number;
  /** A live session's events (a replay's table is its source's). */
  events: EventStore;
  /** A live session's drop, DNS and TCP lines since it opened: the policy panels' observed traffic. */
  traffic: TrafficLog;
  /** A replay's background reading is scheduled. */
  reading?: NodeJS.Immediate;
  closed?: boolean;
  /** The session being recorded to a file. */
  recording?: LiveRecording;
  offChange: () => void;
  offHealth: () => void;
  /** The type-ahead's names as last sent (opened or pushed), to push only a change. */
  names: string;
  syncTimer?: NodeJS.Timeout;
  opened: CallResponse<'cluster.open'>;
}

const maxSessions = 8;
/** A replay reads events in slices this long (ms), answering calls in between. */
const readSliceMs = 15;

const replayOf = (s: Session): ReplaySource | undefined => (s.source.mode === 'replay' ? (s.source as ReplaySource) : undefined);

/** Kinds the user could not list (RBAC), which shape the answer: recorded with each question. */
const missingKinds = (s: Session): string[] => s.source.unavailable.filter((u) => u.reason !== 'not-installed').map((u) => u.kind);

/** A replay's events up to the instant shown that the graph has not counted yet (none: the field is left out). */
function uncounted(s: Session): { pending?: number } {
  const p = replayOf(s)?.progress();
  return p && p.counted < p.events ? { pending: p.events - p.counted } : {};
}
const maxQuestions = 64;

export interface WorkbenchOptions {
  env: KubeconfigEnv & Record<string, string | undefined>;
  /** Folder of golden fixtures served as fake clusters (tests only; PATHLIGHT_FAKE_CLUSTERS). */
  fakeClusters?: string | undefined;
  /** Where recordings of live sessions go (default: `recordingsDir(env)`). */
  recordings?: string | undefined;
}

/**
 * The folder recordings of live sessions are written to: `$PATHLIGHT_RECORDINGS_DIR`, else the
 * platform's place for an app's data (`$XDG_DATA_HOME/pathlight/recordings`, …/Application
 * Support/Pathlight/recordings, %APPDATA%\Pathlight\recordings).
 */
export function recordingsDir(env: Record<string, string | undefined> = process.env): string {
  if (env.PATHLIGHT_RECORDINGS_DIR) return path.resolve(env.PATHLIGHT_RECORDINGS_DIR);
  const home = env.HOME ?? os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Pathlight', 'recordings');
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Pathlight', 'recordings');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'pathlight', 'recordings');
}

/** A file name for a recording of `context` started at `when`: the context's safe characters and the local time. */
function recordingName(context: string, when: Date): string {
  const safe =
    context
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '')
      .slice(0, 60) || 'session';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${safe}-${when.getFullYear()}${p(when.getMonth() + 1)}${p(when.getDate())}-${p(when.getHours())}${p(when.getMinutes())}${p(when.getSeconds())}.pathlight`;
}

export class Workbenches {
  private sessions = new Map<string, Session>();
  private questions = new Map<string, Question>();

  constructor(
    private readonly options: WorkbenchOptions,
    private readonly notify: Notify = () => {},
  ) {}

  /** The question's status changed (progress, static answer, answer, error). */
  private pushStatus(q: Question): void {
    this.notify(q.id, 'why.progress', () => q.status);
  }

  /** The session's graph model changed: the UI pulls graph.changes. */
  private pushGraph(s: Session): void {
    this.notify(s.id, 'graph.changed', () => ({ session: s.id, ...uncounted(s) }));
  }

  /** The session's events changed (appended; a replay: moved, or more rows read). */
  private pushEvents(s: Session): void {
    this.notify(s.id, 'events.appended', () => {
      const p = replayOf(s)?.progress();
      return p ? { session: s.id, total: p.events, read: p.read } : { session: s.id, total: s.events.size };
    });
  }

  async open(source: KubeconfigSource, context: string, execConsent?: ExecConsent): Promise<CallResponse<'cluster.open'>> {
    const fake = this.options.fakeClusters;
    const cluster =
      fake && context.startsWith('fake-') ? await openFakeCluster(fake, context) : await openLiveCluster(source, context, this.options.env, execConsent);
    return (await this.start(cluster, context)).opened;
  }

  /** A recording as a read-only session (mode `replay`), at its end; replay.seek moves it. */
  async openRecording(source: RecordingSource): Promise<CallResponse<'cluster.open'>> {
    const rec = await openReplaySource(source);
    // The source starts at the recording's end, with every event to count.
    const s = await this.start(rec, rec.info.context ?? rec.info.name);
    this.readReplay(s);
    return { ...s.opened, replay: rec.info };
  }

  /**
   * Moves a replay session to `t`: the cluster as it stood then at once, the events up to then
   * as the table asks for them; the graph's flows are counted in the background (graph.changes
   * says how many are left). Optionally a recorded answer on the graph.
   */
  seek(req: CallRequest<'replay.seek'>): CallResponse<'replay.seek'> {
    const s = this.get(req.session);
    const rec = replayOf(s);
    if (!rec)
      throw new PathlightError({
        code: 'invalid-request',
        message: 'This session is a live cluster, not a recording.',
        hint: 'Open a recording to scrub through time.',
      });
    const shown = req.question !== undefined ? rec.recorded(req.question) : undefined;
    if (req.question !== undefined && !shown)
      throw new PathlightError({
        code: 'invalid-request',
        message: `The recording has no answer for question ${req.question}.`,
        hint: 'Pick a question from the list, or ask it again on the recording.',
      });
    const moved = rec.seek(shown ? shown.ts : req.t);
    s.model.syncCluster(moved.view);
    if (moved.reset) s.model.clearEvents();
    this.readReplay(s);
    // A recorded answer, checked leniently when read (validAnswer): the graph reads its path and verdicts only.
    if (shown) s.model.setDiagnosis(shown.diagnosis as unknown as Parameters<graph.GraphModel['setDiagnosis']>[0]);
    this.pushGraph(s);
    this.pushEvents(s);
    return { t: moved.t, events: moved.total, ...(shown ? { answer: shown.diagnosis } : {}) };
  }

  /**
   * A replay's reading, in slices of ~15 ms between which the engine answers other calls: the
   * events up to the instant shown onto the graph, then the table's rows of the rest.
   */
  private readReplay(s: Session): void {
    const rec = replayOf(s);
    if (!rec || s.reading || s.closed) return;
    const step = () => {
      s.reading = undefined;
      if (s.closed) return;
      let more: boolean;
      let counted = false;
      try {
        more = rec.read(readSliceMs, (events) => {
          s.model.addEvents(events);
          counted = true;
        });
      } catch (err) {
        // Never the engine's end: the graph stays as counted so far, and the log says why.
        console.error(`pathlight: reading the recording's events stopped: ${(err as Error).message}`);
        rec.stopReading();
        // The UI learns that counting is over (nothing pending any more).
        this.pushGraph(s);
        return;
      }
      // The last slice too: the UI learns that nothing is pending any more.
      if (counted || !more) this.pushGraph(s);
      this.pushEvents(s);
      if (more) s.reading = setImmediate(step);
    };
    s.reading = setImmediate(step);
  }

  private async start(cluster: ClusterSource, context: string): Promise<Session> {
    // One cluster per window is the common case: the oldest sessions go first.
    while (this.sessions.size >= maxSessions) await this.close([...this.sessions.keys()][0]!);
    const model = new graph.GraphModel();
    model.syncCluster(cluster.view);
    const id = randomUUID();
    const opened = { session: id, context, mode: cluster.mode, names: names(cluster), health: healthOf(cluster), unavailable: [...cluster.unavailable] };
    const s: Session = {
      id,
      context,
      source: cluster,
      model,
      version: 0,
      events: new EventStore(),
      traffic: new TrafficLog(),
      offChange: () => {},
      offHealth: () => {},
      names: JSON.stringify(opened.names),
      opened,
    };
    s.offChange = cluster.onChange(() => {
      // Watch events come in bursts: resync the graph at most every 500 ms.
      s.syncTimer ??= setTimeout(() => {
        s.syncTimer = undefined;
        s.model.syncCluster(s.source.view);
        this.pushGraph(s);
        // Pods that came or went (a cluster back after an outage): the type-ahead follows.
        const now = names(s.source);
        const text = JSON.stringify(now);
        if (text !== s.names) {
          s.names = text;
          s.opened = { ...s.opened, names: now };
          this.notify(s.id, 'cluster.names', () => ({ session: s.id, names: now }));
        }
      }, 500);
    });
    s.offHealth =
      cluster.onHealth?.(() => {
        s.opened = { ...s.opened, health: healthOf(s.source) };
        this.notify(s.id, 'cluster.health', () => ({ session: s.id, ...healthOf(s.source) }));
      }) ?? (() => {});
    this.sessions.set(s.id, s);
    return s;
  }

  /** Starts recording a live session (see the `recording.start` call). */
  async startRecording(id: string): Promise<CallResponse<'recording.start'>> {
    const s = this.get(id);
    const src = s.source.recordable;
    if (!src)
      throw new PathlightError({
        code: 'invalid-request',
        message: 'This session is a recording already: it cannot be recorded again.',
        hint: 'Connect to a live cluster to record a session.',
      });
    if (s.recording)
      throw new PathlightError({
        code: 'invalid-request',
        message: `This session is being recorded already, to ${s.recording.recorder.path}.`,
        hint: 'Stop the recording first.',
      });
    const dir = this.options.recordings ?? recordingsDir(this.options.env);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new PathlightError({
        code: 'invalid-request',
        message: `Cannot create the recordings folder ${dir}: ${(err as Error).message}.`,
        hint: 'Set PATHLIGHT_RECORDINGS_DIR to a folder you can write to, and start Pathlight again.',
      });
    }
    const when = new Date();
    let file = path.join(dir, recordingName(s.context, when));
    let recorder: SessionRecorder | undefined;
    for (let n = 2; !recorder; n++) {
      try {
        recorder = SessionRecorder.create(file, { meta: { ...src.meta, context: src.meta.context ?? s.context } });
      } catch (err) {
        // A file of the same second: the next free name (a recording is never overwritten).
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n > 100)
          throw new PathlightError({
            code: 'invalid-request',
            message: `Cannot write a recording in ${dir}: ${(err as Error).message}.`,
            hint: 'Set PATHLIGHT_RECORDINGS_DIR to a folder you can write to, and start Pathlight again.',
          });
        file = path.join(dir, recordingName(s.context, when).replace(/\.pathlight$/, `-${n}.pathlight`));
      }
    }
    recorder.attach(src.watch);
    recorder.flush();
    const startedAt = when.getTime() * 1e6;
    const onExit = () => {
      if (s.recording) this.finishRecording(s);
    };
    process.once('exit', onExit);
    s.recording = { recorder, questions: 0, notes: 0, onExit };
    return { path: recorder.path, startedAt };
  }

  /** A note or bookmark in the session being recorded. */
  note(id: string, text: string): CallResponse<'recording.note'> {
    const rec = this.get(id).recording;
    if (!rec)
      throw new PathlightError({
        code: 'invalid-request',
        message: 'This session is not being recorded.',
        hint: 'Start recording to keep notes and bookmarks with the session.',
      });
    const ts = Date.now() * 1e6;
    rec.recorder.note(text.trim() || `bookmark ${new Date(ts / 1e6).toISOString().slice(11, 19)}`, { bookmark: true });
    rec.recorder.flush();
    rec.notes++;
    return { ts, notes: rec.notes };
  }

  /** Stops recording a session: the file is closed (index written) and its size given. */
  stopRecording(id: string): CallResponse<'recording.stop'> {
    const s = this.get(id);
    if (!s.recording) throw new PathlightError({ code: 'invalid-request', message: 'This session is not being recorded.', hint: 'Start recording first.' });
    return this.finishRecording(s);
  }

  private finishRecording(s: Session): CallResponse<'recording.stop'> {
    const rec = s.recording!;
    s.recording = undefined;
    process.off('exit', rec.onExit);
    rec.recorder.close();
    return { path: rec.recorder.path, bytes: statSync(rec.recorder.path).size, questions: rec.questions, notes: rec.notes };
  }

  async close(id: string): Promise<Record<string, never>> {
    const s = this.sessions.get(id);
    if (!s) return {};
    this.sessions.delete(id);
    s.closed = true;
    if (s.reading) clearImmediate(s.reading);
    if (s.recording) this.finishRecording(s);
    s.offChange();
    s.offHealth();
    if (s.syncTimer) clearTimeout(s.syncTimer);
    for (const q of this.questions.values()) if (q.session === id) q.abort.abort();
    await s.source.stop();
    return {};
  }

  ask(req: CallRequest<'why.ask'>): { question: string } {
    const s = this.get(req.session);
    if (s.source.mode === 'replay' && (req.probe !== 'none' || req.active)) throw readOnlyError();
    const id = randomUUID();
    const abort = new AbortController();
    const status: WhyStatus = {
      question: id,
      state: 'running',
      nodes: [],
      startedAt: new Date().toISOString(),
      ...(req.probe !== 'none' ? { durationSec: req.durationSec } : {}),
    };
    const q: Question = { id, session: s.id, status, abort };
    this.questions.set(id, q);
    this.forgetOld();
    // A new question starts a new time window for the events and the graph's flows.
    if (req.probe !== 'none') {
      s.events.clear();
      s.model.clearEvents();
      this.pushGraph(s);
      this.pushEvents(s);
    }
    const rec = s.recording;
    const missing = missingKinds(s);
    const recorded = rec?.recorder.question({
      from: req.from,
      to: req.to,
      ...(req.port !== undefined ? { port: req.port } : {}),
      ...(req.protocol ? { protocol: req.protocol } : {}),
      options: { probe: req.probe, durationMs: req.durationSec * 1000, ...(req.active ? { active: true } : {}), ...(missing.length ? { missing } : {}) },
    });
    if (rec) rec.questions++;
    // Each node's agent as the Probes panel lists the question's runs: its stage with events, events/s, lost, drop reasons.
    const counts = new Map<string, RunCounts>();
    const countsOf = (node: string) => {
      let c = counts.get(node);
      if (!c) counts.set(node, (c = new RunCounts()));
      return c;
    };
    const progress = (node: string, stage: string, detail?: string) => {
      const c = countsOf(node);
      if (stage === 'stopped' || stage === 'failed') c.end();
      const f = c.figures();
      const rest = status.nodes.filter((n) => n.node !== node);
      status.nodes = [
        ...rest,
        { node, stage, ...(detail ? { detail } : {}), events: f.events.drop + f.events.dns + f.events.tcp, rate: f.rate, lost: f.lost, reasons: f.reasons },
      ].sort((a, b) => a.node.localeCompare(b.node));
      this.pushStatus(q);
    };
    const counted = (line: { node?: unknown }) => {
      if (typeof line.node !== 'string' || !countsOf(line.node).add(line as never)) return;
      const now = status.nodes.find((n) => n.node === line.node);
      progress(line.node, now?.stage ?? 'streaming', now?.detail);
    };
    const sshConfig = req.sshConfig ?? req.ssh?.configFile;
    // The SSH settings become a private config for the time of the question (probe `ssh` only).
    const settings = req.probe === 'ssh' ? req.ssh : undefined;
    const asked = (file: string | undefined): Promise<Answer> => {
      const { source, probes } = s.source.questionSource({
        probe: req.probe,
        sshConfig: file,
        durationMs: req.durationSec * 1000,
        probeNamespace: req.probeNamespace,
        probeImage: req.probeImage,
        agentImage: req.agentImage,
      });
      return ask(
        source,
        { ...req, probes, active: req.active },
        {
          signal: abort.signal,
          sinks: {
            static: (diag) => {
              status.staticDiagnosis = diag;
              s.model.setDiagnosis(diag);
              this.pushStatus(q);
              this.pushGraph(s);
            },
            progress,
            line: (line) => {
              if (rec) rec.recorder.probe(line.node, line);
              counted(line);
              if (line.type === 'drop' || line.type === 'dns' || line.type === 'tcp' || line.type === 'http') {
                s.traffic.add(line);
                s.events.add(line);
                s.model.addEvents([line]);
                this.pushEvents(s);
                this.pushGraph(s);
              }
            },
          },
        },
      );
    };
    void (async () => {
      try {
        // A replay's "ask why" throws here (read-only) before any state changes.
        const answer = await withSshOverlay(settings, sshConfig, names(s.source).nodes, asked);
        if (rec && recorded) {
          rec.recorder.answer(recorded, answer.diagnosis, answer.nodes.length ? { nodes: answer.nodes } : {});
          rec.recorder.flush();
        }
        if (abort.signal.aborted) return;
        status.diagnosis = answer.diagnosis;
        status.state = 'done';
        s.model.setDiagnosis(answer.diagnosis);
        this.pushStatus(q);
        this.pushGraph(s);
      } catch (err) {
        if (rec && recorded) {
          if (abort.signal.aborted) rec.recorder.note(`${recorded} was cancelled`, { question: recorded });
          else rec.recorder.note(`${recorded} failed: ${toApiError(err).message}`, { question: recorded, error: true });
          rec.recorder.flush();
        }
        // A cancelled question: the caller of why.cancel has its status already.
        if (abort.signal.aborted) return;
        status.error = toApiError(err);
        status.state = 'failed';
        this.pushStatus(q);
      }
    })();
    return { question: id };
  }

  /** The session's cluster view's health now (the pill asks after a lost link; cluster.health pushes its changes). */
  health(id: string): CallResponse<'cluster.health'> {
    const s = this.get(id);
    return { session: s.id, ...healthOf(s.source), names: names(s.source) };
  }

  status(question: string): WhyStatus {
    const q = this.questions.get(question);
    if (!q)
      throw new PathlightError({ code: 'invalid-request', message: 'This question is not known (the engine may have restarted).', hint: 'Ask it again.' });
    return q.status;
  }

  /** Cancels every running question of a session (its window went): their agents stop. */
  cancelAll(session: string): void {
    for (const q of this.questions.values()) if (q.session === session && q.status.state === 'running') this.cancel(q.id);
  }

  cancel(question: string): WhyStatus {
    const q = this.questions.get(question);
    if (!q) return this.status(question);
    q.abort.abort();
    if (q.status.state === 'running') {
      q.status.state = 'failed';
      q.status.error = { code: 'cancelled', message: 'The question was cancelled.' };
    }
    return q.status;
  }

  graphSnapshot(id: string): CallResponse<'graph.snapshot'> {
    const s = this.get(id);
    s.model.drain();
    s.version++;
    // Core's graph types; the API's schema checks them structurally on the way out.
    return { version: s.version, ...(s.model.snapshot() as unknown as Omit<CallResponse<'graph.snapshot'>, 'version'>), ...uncounted(s) };
  }

  graphChanges(id: string, since: number): GraphDelta {
    const s = this.get(id);
    const empty = { added: { nodes: [], edges: [] }, updated: { nodes: [], edges: [] }, removed: { nodes: [], edges: [] } };
    // One consumer per session: a window that missed a drain takes a snapshot again.
    if (since !== s.version) return { version: s.version, ...empty, resync: true, ...uncounted(s) };
    const delta = s.model.drain();
    const changed =
      delta.path !== undefined ||
      [delta.added, delta.updated].some((x) => x.nodes.length + x.edges.length > 0) ||
      delta.removed.nodes.length + delta.removed.edges.length > 0;
    if (changed) s.version++;
    // As for the snapshot: checked by the API's schema on the way out.
    return { version: s.version, ...(delta as unknown as Omit<GraphDelta, 'version'>), ...uncounted(s) };
  }

  /**
   * The policies selecting a pod (a workload: its first pod, they share their labels), per the
   * policy engine over the session's cluster as it stands now — in a replay, at the scrubber.
   */
  details(id: string, nodeId: string): CallResponse<'graph.details'> {
    const s = this.get(id);
    const nodes = graph.clusterNodes(s.source.view).nodes;
    const node = nodes.get(nodeId);
    const pod = node?.kind === 'pod' ? node : node?.kind === 'workload' ? [...nodes.values()].find((n) => n.kind === 'pod' && n.parent === nodeId) : undefined;
    if (pod?.kind !== 'pod') return { node: nodeId, policies: [] };
    const ix = new d.Cluster(s.source.view).policy;
    const info = ix.pods.find((p) => p.namespace === pod.data.namespace && p.name === pod.data.name);
    const out: CallResponse<'graph.details'> = { node: nodeId, pod: `${pod.data.namespace}/${pod.data.name}`, policies: [] };
    if (!info) return out;
    const byPolicy = new Map<object, (typeof out.policies)[number]>();
    for (const dir of ['ingress', 'egress'] as const) {
      const tiers = ix.subjectPolicies(info, dir);
      for (const p of [...tiers.admin, ...tiers.np, ...tiers.baseline]) {
        let entry = byPolicy.get(p);
        if (!entry) {
          entry = {
            kind: p.ref.kind,
            ...(p.ref.namespace ? { namespace: p.ref.namespace } : {}),
            name: p.ref.name,
            tier: p.tier,
            directions: [],
            isolates: { ...p.isolates },
          };
          byPolicy.set(p, entry);
          out.policies.push(entry);
        }
        entry.directions.push(dir);
      }
    }
    const order = { admin: 0, networkpolicy: 1, baseline: 2 };
    out.policies.sort((a, b) => order[a.tier] - order[b.tier]);
    return out;
  }

  /**
   * Where a manual probe run started from this session's workbench delivers its lines: each
   * one named by the session's snapshot (as a question's are, src/backend/diagnose/why.ts),
   * recorded when the session is, and its drops, DNS, TCP and HTTP events added to the events table
   * and the graph's flows. A fake cluster runs the lab's recorded events in place of an agent.
   */
  probeFeed(id: string, node: string): ProbeFeed {
    const s = this.get(id);
    if (s.source.mode === 'replay') throw readOnlyError();
    const src = s.source;
    return {
      session: s.id,
      host: this.nodeAddress(id, node),
      ...(src.probeNode ? { start: (o, sink) => src.probeNode!(o, sink) } : {}),
      line: (line) => {
        if (s.closed) return;
        const who = src.identify?.(line, node);
        const named = (who ? { ...line, identities: who } : line) as d.ProbeEvent & { node?: string };
        s.recording?.recorder.probe(line.node ?? node, named as unknown as Record<string, unknown>);
        if (line.type === 'drop' || line.type === 'dns' || line.type === 'tcp' || line.type === 'http') {
          s.traffic.add(named);
          s.events.add(named);
          s.model.addEvents([named]);
          this.pushEvents(s);
          this.pushGraph(s);
        }
      },
    };
  }

  /** A node's InternalIP in the session's cluster (where SSH goes when the config has no HostName). */
  nodeAddress(id: string, node: string): string | undefined {
    const s = this.get(id);
    return nodeInternalIp(s.source.view.list('Node').find((n) => n.metadata?.name === node));
  }

  /** The traffic the session saw, for the policy panels: a replay's whole recording, a live session's lines since it opened. */
  async observed(id: string): Promise<SessionTraffic> {
    const s = this.get(id);
    const rec = replayOf(s);
    if (rec) {
      const seen = await recordingTrafficOnce(rec.recording);
      if (!seen) throw new PathlightError({ code: 'invalid-request', message: 'The recording holds no records.', hint: 'Open a recording made with probes.' });
      return { ...seen, mode: 'replay', name: rec.info.name };
    }
    return { ...(await s.traffic.traffic(s.source.view)), mode: s.source.mode, ...(s.traffic.dropped ? { dropped: s.traffic.dropped } : {}) };
  }

  eventsPage(req: CallRequest<'events.page'>): CallResponse<'events.page'> {
    const s = this.get(req.session);
    return (replayOf(s) ?? s.events).page(req.filter, req.offset, req.limit);
  }

  private get(id: string): Session {
    const s = this.sessions.get(id);
    if (!s)
      throw new PathlightError({
        code: 'invalid-request',
        message: 'This cluster session is closed (the engine may have restarted).',
        hint: 'Connect to the cluster again.',
      });
    return s;
  }

  private forgetOld() {
    const done = [...this.questions.values()].filter((q) => q.status.state !== 'running');
    for (const q of done.slice(0, Math.max(0, this.questions.size - maxQuestions))) this.questions.delete(q.id);
  }
}

/** A source's health (a fixture or recording is always live). */
const healthOf = (cluster: ClusterSource): ClusterHealth => cluster.health?.() ?? { state: 'live' };

const workloadShort: Record<string, string> = { Deployment: 'deploy', StatefulSet: 'sts', DaemonSet: 'ds', ReplicaSet: 'rs', Job: 'job', CronJob: 'cronjob' };

/** Names for the query bar's type-ahead, as the why query takes them. */
export function names(cluster: Pick<ClusterSource, 'view'>): ClusterNames {
  const nodes = graph.clusterNodes(cluster.view).nodes;
  const out: ClusterNames = { namespaces: [], workloads: [], pods: [], services: [], dns: [], nodes: [] };
  for (const n of nodes.values()) {
    if (n.kind === 'namespace') out.namespaces.push(n.data.name);
    else if (n.kind === 'workload')
      out.workloads.push(`${n.data.namespace}/${workloadShort[n.data.workloadKind] ?? n.data.workloadKind.toLowerCase()}/${n.data.name}`);
    else if (n.kind === 'pod') out.pods.push(`${n.data.namespace}/${n.data.name}`);
    else if (n.kind === 'service') {
      out.services.push(`${n.data.namespace}/svc/${n.data.name}`);
      out.dns.push(`${n.data.name}.${n.data.namespace}`, `${n.data.name}.${n.data.namespace}.svc.cluster.local`);
    } else if (n.kind === 'node') out.nodes.push(n.data.name);
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}
