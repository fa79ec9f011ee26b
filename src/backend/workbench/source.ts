/**
 * Where a workbench session's cluster comes from. `LiveCluster`: a ClusterSnapshot (list +
 * watch) on the user's kubeconfig, its questions asked with probes on the nodes
 * (src/backend/diagnose/why.ts). The test-only fixture source is in fixtureCluster.ts; a
 * recording's is replay.ts. Each gives the question pipeline (src/backend/diagnose/ask.ts) a
 * QuestionSource per question.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { identify, type ClusterView, type EventIdentities, type probe } from '../../core/index.js';
import type { NodeProbeOptions, NodeProbeRun } from '../probes/start.js';
import type { ProbeSink } from '../probes/stream.js';
import type { ClusterHealth, ExecConsent, KubeconfigSource } from '../../api/index.js';
import { requireExecConsent } from '../cluster/execConsent.js';
import type { KubeconfigEnv } from '../cluster/kubeconfig.js';
import type { QuestionSource } from '../diagnose/ask.js';
import { metaFromKubeConfig, type SessionMetaInput, type WatchSource } from '../store/recorder.js';

/** How a question asks for live evidence. */
export interface EvidenceRequest {
  probe: 'none' | 'ssh' | 'pod';
  /** The SSH config in effect for the question (probe `ssh`). */
  sshConfig?: string | undefined;
  durationMs: number;
  probeNamespace?: string | undefined;
  probeImage?: string | undefined;
  agentImage?: string | undefined;
}

/** What a session recording reads from a source: its objects and their changes, and what to say about the cluster. */
export interface Recordable {
  watch: WatchSource;
  meta: SessionMetaInput;
}

export interface ClusterSource {
  readonly mode: 'live' | 'fake' | 'replay';
  readonly view: ClusterView;
  readonly unavailable: QuestionSource['unavailable'];
  /** A live (or fake) cluster can be recorded; a replay cannot. */
  readonly recordable?: Recordable;
  /** Called after the cluster changed (debounced by the caller). */
  onChange(cb: () => void): () => void;
  /** Whether the view still follows the cluster (a live snapshot's; a fixture or recording: always live). */
  health?(): ClusterHealth;
  /** Every change of health (live → reconnecting → stale → live). */
  onHealth?(cb: (h: ClusterHealth) => void): () => void;
  /** Who an agent line's addresses belonged to at its time, by the session's snapshot (a replay: none). */
  identify?(line: probe.ProbeLine, node: string): EventIdentities | undefined;
  /** Runs a manual probe on a node in place of a real agent (the fake cluster: the lab's recorded events). */
  probeNode?(o: NodeProbeOptions, sink: ProbeSink): Promise<NodeProbeRun>;
  /** The source a question is asked on, and whether it has live evidence for it (a refused request throws). */
  questionSource(o: EvidenceRequest): { source: QuestionSource; probes: boolean };
  stop(): Promise<void>;
}

/** Opens the live cluster of a kubeconfig context. */
export async function openLiveCluster(source: KubeconfigSource, context: string, env: KubeconfigEnv, execConsent?: ExecConsent): Promise<ClusterSource> {
  const [{ loadKubeConfig }, { ClusterSnapshot }, { liveSource }] = await Promise.all([
    import('../cluster/kubeconfig.js'),
    import('../cluster/snapshot.js'),
    import('../diagnose/why.js'),
  ]);
  const kc = await withKubeconfigFile(source, env, (file) => loadKubeConfig(file, context, env));
  requireExecConsent(kc.getCurrentUser()?.exec, context, execConsent);
  const snap = await ClusterSnapshot.start(kc);
  const objects = liveSource(snap);
  return {
    mode: 'live',
    view: objects.view,
    unavailable: snap.unavailable,
    recordable: { watch: snap, meta: metaFromKubeConfig(kc) },
    onChange: (cb) => snap.onChange(() => cb()),
    health: () => snap.health(),
    onHealth: (cb) => snap.onHealth(cb),
    identify: (line, node) => identify(snap.identities, line, node),
    questionSource: (o) => (o.probe === 'none' ? { source: objects, probes: false } : { source: liveSource(snap, { ...o, kc, via: o.probe }), probes: true }),
    stop: () => snap.stop(),
  };
}

/** A picked kubeconfig's text is written to a private temporary file for as long as it takes to load it. */
async function withKubeconfigFile<T>(source: KubeconfigSource, _env: KubeconfigEnv, fn: (file: string | undefined) => Promise<T>): Promise<T> {
  if (source.kind === 'default') return fn(undefined);
  if (source.kind === 'path') return fn(source.path);
  const dir = await mkdtemp(path.join(tmpdir(), 'pathlight-kc-'));
  const file = path.join(dir, 'config');
  try {
    await writeFile(file, source.text, { mode: 0o600 });
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
