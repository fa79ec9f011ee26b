/**
 * The traffic a recording or a live workbench session saw, as the policy engine's advice and
 * impact read it (src/core/policy/observed.ts): the cluster to judge it on and the flows. One
 * place for `pathlight policy advise|impact --recording` and the workbench's policy panels.
 */
import { recordedCluster, trafficObserver, type FlowEvent, type ObservedTraffic } from '../../core/policy/observed.js';
import type { Cluster } from '../../core/diagnose/cluster.js';
import type { ClusterView, KubeObject } from '../../core/cluster/view.js';
import type { OpenedRecording } from '../store/open.js';

export interface SeenTraffic {
  cluster: Cluster;
  traffic: ObservedTraffic;
  /** Probe events read. */
  events: number;
}

/** The engine keeps answering other calls while a long recording is read: slices this long (ms). */
const sliceMs = 15;

/** Runs `step(i)` for i in [0, n), yielding to the event loop every ~15 ms. */
async function sliced(n: number, step: (i: number) => void): Promise<void> {
  let until = performance.now() + sliceMs;
  for (let i = 0; i < n; i++) {
    step(i);
    if ((i & 255) === 255 && performance.now() > until) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      until = performance.now() + sliceMs;
    }
  }
}

/**
 * A recording's traffic, on its last cluster state plus the pods gone by its end (a rollout, a
 * finished job: the state once a second while probe events came in, the last copy of each pod
 * kept, so their traffic still counts for their workload); undefined for a recording without
 * records. Read in slices (400,000 events take ≈ 5 s on one core).
 */
export async function recordingTraffic(rec: OpenedRecording): Promise<SeenTraffic | undefined> {
  if (rec.end === undefined) return undefined;
  const ts = rec.probeColumns.ts;
  const n = ts.length;
  const byName = new Map<string, KubeObject>();
  let next = -Infinity;
  await sliced(n, (i) => {
    const t = ts[i] as number;
    if (t < next) return;
    next = t + 1e9;
    for (const p of rec.frameAt(t).cluster.list('Pod')) byName.set(`${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`, p);
  });
  const cluster = recordedCluster(rec.frameAt(rec.end).cluster, [...byName.values()]);
  const observer = trafficObserver(cluster);
  await sliced(n, (i) => observer.add(rec.probeAt(i)));
  return { cluster, traffic: observer.result(), events: n };
}

const cached = new WeakMap<OpenedRecording, Promise<SeenTraffic | undefined>>();

/** As `recordingTraffic`, read once per opened recording (it does not change). */
export function recordingTrafficOnce(rec: OpenedRecording): Promise<SeenTraffic | undefined> {
  let p = cached.get(rec);
  if (!p) {
    p = recordingTraffic(rec);
    cached.set(rec, p);
    // A failure is not kept: the next call reads again.
    p.catch(() => cached.delete(rec));
  }
  return p;
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

  /** The traffic on the session's cluster as it stands now (read in slices, as a recording's). */
  async traffic(view: ClusterView): Promise<SeenTraffic> {
    const cluster = recordedCluster(view);
    const lines = this.lines.slice();
    const observer = trafficObserver(cluster);
    await sliced(lines.length, (i) => observer.add(lines[i]!));
    return { cluster, traffic: observer.result(), events: lines.length };
  }
}
