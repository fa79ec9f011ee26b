/**
 * Records a live session into one `.pathlight` file as it runs: metadata, the cluster
 * snapshot, every watch change, every probe line (with the identities of its ends), the
 * questions, the answers and the notes. Everything goes through the credential scrubber
 * (src/core/recording/scrub.ts) before it reaches the file; there is no way to turn that off.
 *
 * The container (recording.ts) flushes a chunk every second and on close, so a crash loses
 * at most the last second.
 */
import { clusterKinds } from '../../core/cluster/view.js';
import {
  scrubRecord,
  type AnswerData,
  type EventIdentities,
  type MetaData,
  type NoteData,
  type QuestionData,
  type RecordKind,
  type SnapshotData,
  type WatchData,
} from '../../core/index.js';
import { appVersion } from '../version.js';
import { RecordingWriter, type WriterOptions } from './container.js';

/** The kubeconfig facts a recording keeps (structural, so this file needs no client-node). */
export interface KubeConfigLike {
  getCurrentContext(): string;
  getCurrentCluster(): { name: string; server: string } | null;
}

/** What a recording says about the session at its start (never a credential). */
export interface SessionMetaInput {
  cluster?: { name?: string; server?: string };
  context?: string;
  /** Nodes probes run on. */
  nodes?: string[];
  /** Probe agent version by node. */
  agents?: Record<string, string>;
  [k: string]: unknown;
}

/** The context and cluster of a kubeconfig, without its user entry. */
export function metaFromKubeConfig(kc: KubeConfigLike): SessionMetaInput {
  const cluster = kc.getCurrentCluster();
  return {
    context: kc.getCurrentContext(),
    cluster: cluster ? { name: cluster.name, server: withoutUserInfo(cluster.server) } : undefined,
  };
}

/** `https://user:pass@host` → `https://host` (the scrubber would catch the password too). */
function withoutUserInfo(server: string): string {
  return server.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

/** A source of cluster objects and their changes: the live ClusterSnapshot, or a test double. */
export interface ObjectSource {
  list(kind: never): readonly unknown[];
  kinds?(): readonly string[];
  unavailable?: ReadonlyArray<{ kind: string; reason: string; message: string }>;
}
export interface WatchSource extends ObjectSource {
  onChange(cb: (c: { ts: number; type: WatchData['type']; kind: string; object: unknown }) => void): () => void;
}

export interface RecorderOptions extends WriterOptions {
  meta?: SessionMetaInput;
  /** Wall clock in ns (injected so tests control time). */
  clock?: () => number;
}

export class SessionRecorder {
  private readonly writer: RecordingWriter;
  private readonly clock: () => number;
  private readonly detach: Array<() => void> = [];
  private readonly agents = new Map<string, string>();
  private asked = 0;
  private closed = false;

  private constructor(path: string, options: RecorderOptions) {
    this.writer = new RecordingWriter(path, options);
    this.clock = options.clock ?? (() => Date.now() * 1e6);
    const meta: MetaData = {
      source: 'live',
      appVersion: appVersion(),
      created: new Date(this.clock() / 1e6).toISOString(),
      nodes: [],
      agents: {},
      ...options.meta,
    };
    this.append('meta', meta);
  }

  /** Starts a recording at `path` (never overwrites a file) and writes its meta record. */
  static create(path: string, options: RecorderOptions = {}): SessionRecorder {
    return new SessionRecorder(path, options);
  }

  get path(): string {
    return this.writer.path;
  }

  private append(kind: RecordKind, data: unknown, ts = this.clock()): void {
    if (this.closed) return;
    const record = scrubRecord({ ts, kind, data });
    if (record) this.writer.append(record);
  }

  /** A snapshot record: every object of the source by kind, as it is now. */
  snapshot(source: ObjectSource, ts = this.clock()): void {
    const kinds = source.kinds?.() ?? clusterKinds;
    const objects: SnapshotData['objects'] = {};
    for (const kind of kinds) objects[kind] = [...source.list(kind as never)];
    const data: SnapshotData = { objects, ...(source.unavailable?.length ? { unavailable: [...source.unavailable] } : {}) };
    this.append('snapshot', data, ts);
  }

  /** Writes a snapshot now and then every change the source reports, until close or the returned stop. */
  attach(source: WatchSource): () => void {
    this.snapshot(source);
    const off = source.onChange((c) => this.watch(c));
    this.detach.push(off);
    return off;
  }

  /** One watch change, with the time the snapshot saw it. */
  watch(change: { ts: number; type: WatchData['type']; kind: string; object: unknown }): void {
    const data: WatchData = { type: change.type, kind: change.kind, object: change.object };
    this.append('watch', data, change.ts);
  }

  /**
   * One agent line from `node`, with the identities of its ends at its time. A hello line
   * adds the node and its agent version to the metadata (a further meta record).
   */
  probe(node: string, line: Record<string, unknown>, identities?: EventIdentities): void {
    const ts = typeof line.ts === 'number' ? line.ts : this.clock();
    this.append('probe', { ...line, node: typeof line.node === 'string' ? line.node : node, ...(identities ? { identities } : {}) }, ts);
    if (line.type === 'hello' && typeof line.version === 'string' && this.agents.get(node) !== line.version) {
      this.agents.set(node, line.version);
      this.append('meta', { nodes: [...this.agents.keys()], agents: Object.fromEntries(this.agents) } satisfies MetaData, ts);
    }
  }

  /** Records a question; returns its id, for `answer`. */
  question(q: { from: string; to: string; port?: number | string; protocol?: string; options?: Record<string, unknown>; id?: string }): string {
    const id = q.id ?? `q${++this.asked}`;
    const data: QuestionData = { ...q, id };
    this.append('question', data);
    return id;
  }

  /** Records the Diagnosis given to question `id`; `extra` says more about how it was reached (nodes probed…). */
  answer(id: string, diagnosis: unknown, extra: Record<string, unknown> = {}): void {
    this.append('answer', { ...extra, question: id, diagnosis } satisfies AnswerData);
  }

  note(text: string, extra: Record<string, unknown> = {}): void {
    const data: NoteData = { ...extra, text };
    this.append('note', data);
  }

  /** Writes what is buffered now (the writer also does every second). */
  flush(): void {
    this.writer.flush();
  }

  /** Stops listening to the sources, flushes, writes the index and closes the file. */
  close(): void {
    if (this.closed) return;
    for (const off of this.detach.splice(0)) off();
    this.writer.close();
    this.closed = true;
  }
}
