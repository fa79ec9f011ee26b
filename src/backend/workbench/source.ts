/**
 * Where a workbench session's cluster comes from. `LiveCluster`: a ClusterSnapshot (list +
 * watch) on the user's kubeconfig, questions answered by runWhy. `FakeCluster`: a test-only
 * source built from a golden fixture of test/fixtures/diagnose (objects + the probe events the
 * lab recorded), enabled only when the server is started with PATHLIGHT_FAKE_CLUSTERS pointing
 * at such a folder — so the end-to-end tests run the whole UI without a cluster, and nothing
 * pretends to be live.
 */
import { readFile, readdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { diagnose as d, StaticCluster, type ClusterKind, type ClusterView, type KubeObject } from '../../core/index.js';
import { PathlightError, type KubeconfigSource } from '../../api/index.js';
import type { KubeconfigEnv } from '../cluster/kubeconfig.js';
import { metaFromKubeConfig, type SessionMetaInput, type WatchSource } from '../store/session.js';

export type WhyProgress = (node: string, stage: string, detail?: string) => void;

export interface AskOptions extends d.WhyQuery {
  probe: 'none' | 'ssh' | 'pod';
  sshConfig?: string | undefined;
  active?: boolean | undefined;
  durationMs: number;
  onProgress: WhyProgress;
  onEvent: (ev: d.ProbeEvent & { node: string }) => void;
  onStatic: (diag: d.Diagnosis) => void;
  /** Every agent line (events, hello, stats, bye) with the identities of its ends: what a recording keeps. */
  onLine?: ((node: string, line: Record<string, unknown>) => void) | undefined;
  /** The nodes the probes ran on and why (or why not), once the answer is in. */
  onNodes?: ((nodes: Array<{ node: string; why: string[]; error?: unknown }>) => void) | undefined;
  signal: AbortSignal;
}

/** What a session recording reads from a source: its objects and their changes, and what to say about the cluster. */
export interface Recordable {
  watch: WatchSource;
  meta: SessionMetaInput;
}

export interface ClusterSource {
  readonly mode: 'live' | 'fake' | 'replay';
  readonly view: ClusterView;
  readonly unavailable: ReadonlyArray<{ kind: string; reason: 'not-installed' | 'forbidden' | 'error'; message: string }>;
  /** A live (or fake) cluster can be recorded; a replay cannot. */
  readonly recordable?: Recordable;
  /** Called after the cluster changed (debounced by the caller). */
  onChange(cb: () => void): () => void;
  ask(o: AskOptions): Promise<d.Diagnosis>;
  stop(): Promise<void>;
}

const staticAnswer = (view: ClusterView, q: d.WhyQuery, missing: ClusterKind[], correlator?: d.Correlator): d.Diagnosis => {
  const r = d.diagnose(view, q, { missing, ...(correlator ? { correlator } : {}) });
  if (!r.ok) throw new PathlightError({ code: 'invalid-request', message: r.error.message, hint: r.error.hint });
  return r.value;
};

const query = (o: AskOptions): d.WhyQuery => ({ from: o.from, to: o.to, ...(o.port !== undefined ? { port: o.port } : {}), ...(o.protocol ? { protocol: o.protocol } : {}) });

/** Opens the live cluster of a kubeconfig context. */
export async function openLiveCluster(source: KubeconfigSource, context: string, env: KubeconfigEnv): Promise<ClusterSource> {
  const [{ loadKubeConfig }, { ClusterSnapshot }, { runWhy }] = await Promise.all([
    import('../cluster/kubeconfig.js'),
    import('../cluster/snapshot.js'),
    import('../diagnose/why.js'),
  ]);
  const kc = await withKubeconfigFile(source, env, (file) => loadKubeConfig(file, context, env));
  const snap = await ClusterSnapshot.start(kc);
  const view: ClusterView = { list: (k) => snap.list(k) as readonly KubeObject[] };
  return {
    mode: 'live',
    view,
    unavailable: snap.unavailable,
    recordable: { watch: snap, meta: metaFromKubeConfig(kc) },
    onChange: (cb) => snap.onChange(() => cb()),
    async ask(o) {
      const missing = snap.unavailable.filter((u) => u.reason !== 'not-installed').map((u) => u.kind as ClusterKind);
      o.onStatic(staticAnswer(view, query(o), missing));
      if (o.probe === 'none') return staticAnswer(view, query(o), missing);
      const run = await runWhy({
        ...query(o),
        kc,
        snapshot: snap,
        probe: o.probe,
        sshConfig: o.sshConfig,
        active: o.active ?? false,
        durationMs: o.durationMs,
        onProgress: (node, stage, detail) => o.onProgress(node, stage, detail),
        onEvent: o.onEvent,
        onLine: o.onLine,
      });
      o.onNodes?.(run.nodes);
      return run.diagnosis;
    },
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

interface Fixture {
  scenario: string;
  objects: Partial<Record<ClusterKind, KubeObject[]>>;
  events: Array<d.ProbeEvent & { node: string }>;
}

/** Contexts the fake source offers: one per fixture file, named `fake-<scenario>`. */
export async function fakeContexts(dir: string): Promise<string[]> {
  const files = await readdir(dir);
  return files.filter((f) => f.endsWith('.json')).map((f) => `fake-${f.slice(0, -5)}`).sort();
}

/**
 * A recorded lab scenario served as a cluster: the objects as the snapshot, and — when a
 * question asks for probes — the events the lab's probes recorded, replayed at the pace of the
 * question (all within the first second), correlated exactly as live ones are.
 */
export async function openFakeCluster(dir: string, context: string): Promise<ClusterSource> {
  const scenario = context.replace(/^fake-/, '');
  if (!/^[a-z0-9-]+$/.test(scenario)) throw new PathlightError({ code: 'invalid-request', message: `No fake cluster named ${context}.` });
  let fx: Fixture;
  try {
    fx = JSON.parse(await readFile(path.join(dir, `${scenario}.json`), 'utf8')) as Fixture;
  } catch {
    throw new PathlightError({ code: 'cluster-unreachable', message: `No fake cluster named ${context} in ${dir}.`, hint: `Pick one of: ${(await fakeContexts(dir)).join(', ')}.` });
  }
  const objects = Object.entries(fx.objects).flatMap(([kind, list]) => (list ?? []).map((o) => ({ ...o, kind })));
  const view = new StaticCluster(objects);
  return {
    mode: 'fake',
    view,
    unavailable: [],
    // Recorded like a live cluster (tests of the recording path); its meta says what it is.
    recordable: { watch: { list: (k: never) => view.list(k), onChange: () => () => {} }, meta: { context, cluster: { name: context }, source: 'fake' } },
    onChange: () => () => {},
    async ask(o) {
      const q = query(o);
      o.onStatic(staticAnswer(view, q, []));
      if (o.probe === 'none') return staticAnswer(view, q, []);
      const nodes = [...new Set(fx.events.map((e) => e.node))];
      for (const n of nodes) o.onProgress(n, 'streaming', 'replaying the events recorded in the lab');
      const corr = new d.Correlator();
      // The lab's events at the pace of the question: their times moved to now, as live ones are.
      const first = Math.min(...fx.events.map((e) => e.ts));
      const shift = fx.events.length ? Date.now() * 1e6 - first : 0;
      for (const recorded of fx.events) {
        const ev = { ...recorded, ts: recorded.ts + shift };
        if (o.signal.aborted) break;
        corr.add(ev as Parameters<d.Correlator['add']>[0]);
        o.onLine?.(ev.node, ev as unknown as Record<string, unknown>);
        o.onEvent(ev);
      }
      await new Promise((r) => setTimeout(r, Math.min(o.durationMs, 300)));
      for (const n of nodes) o.onProgress(n, 'stopped');
      o.onNodes?.(nodes.map((node) => ({ node, why: ['recorded in the lab'] })));
      return staticAnswer(view, q, [], corr);
    },
    stop: async () => {},
  };
}
