/**
 * The traffic a recording or a live workbench session saw, as the policy engine's advice and
 * impact read it (src/core/policy/observed.ts): the cluster to judge it on and the flows. One
 * place for `pathlight policy advise|impact --recording` and the workbench's policy panels.
 */
import { observeTraffic, recordedCluster, type FlowEvent, type ObservedTraffic } from '../../core/policy/observed.js';
import type { Cluster } from '../../core/diagnose/cluster.js';
import type { ClusterView, KubeObject } from '../../core/cluster/view.js';
import type { OpenedRecording } from '../store/open.js';

export interface SeenTraffic {
  cluster: Cluster;
  traffic: ObservedTraffic;
  /** Probe events read. */
  events: number;
}

/**
 * Pods of the recording gone by its end (a rollout, a finished job): the state once a second
 * while probe events came in (moving forward through a replay is incremental), the last copy of
 * each pod kept.
 */
function earlierPods(rec: OpenedRecording): KubeObject[] {
  const ts = rec.probeColumns.ts;
  const byName = new Map<string, KubeObject>();
  let next = -Infinity;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i] as number;
    if (t < next) continue;
    next = t + 1e9;
    for (const p of rec.frameAt(t).cluster.list('Pod')) byName.set(`${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`, p);
  }
  return [...byName.values()];
}

/** A recording's traffic, on its last cluster state (with the pods seen earlier); undefined for a recording without records. */
export function recordingTraffic(rec: OpenedRecording): SeenTraffic | undefined {
  if (rec.end === undefined) return undefined;
  const n = rec.probeColumns.ts.length;
  const cluster = recordedCluster(rec.frameAt(rec.end).cluster, earlierPods(rec));
  const events = (function* () {
    for (let i = 0; i < n; i++) yield rec.probeAt(i);
  })();
  return { cluster, traffic: observeTraffic(cluster, events), events: n };
}

const cached = new WeakMap<OpenedRecording, SeenTraffic | undefined>();

/** As `recordingTraffic`, read once per opened recording (it does not change). */
export function recordingTrafficOnce(rec: OpenedRecording): SeenTraffic | undefined {
  if (!cached.has(rec)) cached.set(rec, recordingTraffic(rec));
  return cached.get(rec);
}

/** Lines a live session keeps for its traffic: beyond this, the oldest go (and the panels say so). */
const maxLiveLines = 200_000;

/**
 * The drop, DNS and TCP lines a live session's questions and probe runs delivered (named by the
 * session's snapshot), kept for the whole session — a new question clears the events table, not
 * what the session has seen talk.
 */
export class TrafficLog {
  private lines: FlowEvent[] = [];
  /** Lines dropped as the oldest past the limit. */
  dropped = 0;

  add(line: { type?: unknown; ts?: unknown }): void {
    if (line.type !== 'drop' && line.type !== 'dns' && line.type !== 'tcp') return;
    this.lines.push({ ts: typeof line.ts === 'number' ? line.ts : Date.now() * 1e6, line: line as Record<string, unknown> });
    if (this.lines.length > maxLiveLines) {
      const extra = this.lines.length - maxLiveLines;
      this.lines.splice(0, extra);
      this.dropped += extra;
    }
  }

  /** The traffic on the session's cluster as it stands now. */
  traffic(view: ClusterView): SeenTraffic {
    const cluster = recordedCluster(view);
    return { cluster, traffic: observeTraffic(cluster, this.lines), events: this.lines.length };
  }
}
