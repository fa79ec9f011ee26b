/**
 * A test-only cluster: a golden fixture of test/fixtures/diagnose (the objects and the probe
 * events the lab recorded for one scenario) served as a context `fake-<scenario>`, enabled only
 * when the server is started with PATHLIGHT_FAKE_CLUSTERS pointing at such a folder — so the
 * end-to-end tests run the whole UI without a cluster, and nothing pretends to be live (the UI
 * shows "fake (test fixture)"). It lives in src because the e2e tests drive the built server as
 * a separate process; nothing reaches it without that variable.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { IdentityIndex, StaticCluster, identify, ipsOf, type ClusterKind, type IdentityKind, type KubeObject, type probe } from '../../core/index.js';
import { recordedLine } from '../../core/diagnose/index.js';
import { PathlightError } from '../../api/index.js';
import { cancellableDelay } from '../probes/stream.js';
import type { EvidenceSource, QuestionSource } from '../diagnose/ask.js';
import type { ClusterSource } from './source.js';
import type { NodeProbeOptions, NodeProbeRun } from '../probes/start.js';
import type { ProbeExit, ProbeSink } from '../probes/stream.js';

interface Fixture {
  scenario: string;
  objects: Partial<Record<ClusterKind, KubeObject[]>>;
  events: Array<Record<string, unknown> & { ts: number; node: string }>;
}

/** Contexts the fake source offers: one per fixture file, named `fake-<scenario>`. */
export async function fakeContexts(dir: string): Promise<string[]> {
  const files = await readdir(dir);
  return files
    .filter((f) => f.endsWith('.json'))
    .map((f) => `fake-${f.slice(0, -5)}`)
    .sort();
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
    throw new PathlightError({
      code: 'cluster-unreachable',
      message: `No fake cluster named ${context} in ${dir}.`,
      hint: `Pick one of: ${(await fakeContexts(dir)).join(', ')}.`,
    });
  }
  const objects = Object.entries(fx.objects).flatMap(([kind, list]) => (list ?? []).map((o) => ({ ...o, kind })));
  const view = new StaticCluster(objects);
  const recorded = (durationMs: number): EvidenceSource => ({
    async collect(_plan, c) {
      const nodes = [...new Set(fx.events.map((e) => e.node))];
      for (const n of nodes) c.progress(n, 'streaming', 'replaying the events recorded in the lab');
      // The lab's events at the pace of the question: their times moved to now, as live ones are.
      const first = Math.min(...fx.events.map((e) => e.ts));
      const shift = fx.events.length ? Date.now() * 1e6 - first : 0;
      for (const ev of fx.events) {
        if (c.signal.aborted) break;
        const line = recordedLine({ ...ev, ts: ev.ts + shift });
        if (line) c.emit(line);
      }
      await cancellableDelay(Math.min(durationMs, 300), c.signal).catch(() => undefined);
      for (const n of nodes) c.progress(n, 'stopped');
      return nodes.map((node) => ({ node, why: ['recorded in the lab'] }));
    },
  });
  // Who held each address: the fixture's objects from the start of time, as a snapshot's index.
  const identities = new IdentityIndex();
  const identityKind: Partial<Record<string, IdentityKind>> = { Pod: 'pod', Service: 'service', Node: 'node' };
  for (const o of objects) {
    const ik = identityKind[o.kind];
    const name = o.metadata?.name;
    if (ik && name)
      identities.set(
        { kind: ik, namespace: o.metadata?.namespace, name, node: (o as { spec?: { nodeName?: string } }).spec?.nodeName },
        ipsOf(ik, o as { spec?: unknown; status?: unknown }),
        0,
        o,
      );
  }
  /**
   * A manual probe on one of the fixture's nodes: the events the lab recorded there, their
   * times moved to now and the identities recorded with them left out (the session names
   * them, as it names a live agent's), then the agent's bye after the duration (300 ms at most).
   */
  const probeNode = async (o: NodeProbeOptions, sink: ProbeSink): Promise<NodeProbeRun> => {
    const mine = fx.events.filter((e) => e.node === o.node);
    if (!mine.length)
      throw new PathlightError({
        code: 'probe-failed',
        message: `The fake cluster ${context} has no recorded events on a node named ${o.node}.`,
        hint: `Probe one of: ${[...new Set(fx.events.map((e) => e.node))].join(', ')}.`,
      });
    const now = Date.now() * 1e6;
    const shift = now - Math.min(...mine.map((e) => e.ts));
    const stop = new AbortController();
    o.signal?.addEventListener('abort', () => stop.abort(), { once: true });
    const line = (l: Record<string, unknown>) => sink.line({ v: 1, node: o.node, ts: Date.now() * 1e6, ...l } as unknown as probe.ProbeLine);
    o.onProgress?.('streaming', 'replaying the events recorded in the lab');
    line({ type: 'hello', version: 'fake', kernel: 'recorded in the lab', features: {} });
    for (const { identities: _recorded, ...ev } of mine) sink.line({ ...ev, ts: ev.ts + shift } as unknown as probe.ProbeLine);
    const done = (async (): Promise<ProbeExit> => {
      await cancellableDelay(Math.min(o.durationMs, 300), stop.signal).catch(() => undefined);
      line({ type: 'bye', reason: stop.signal.aborted ? 'stdin-closed' : 'ttl', probes: {} });
      o.onProgress?.('stopped');
      return { exitCode: 0, stderr: '' };
    })();
    return {
      send: () => {},
      stop: () => {
        stop.abort();
        return done;
      },
      done,
    };
  };
  const source = (evidence?: EvidenceSource): QuestionSource => ({ view, unavailable: [], ...(evidence ? { evidence } : {}) });
  return {
    mode: 'fake',
    view,
    unavailable: [],
    // Recorded like a live cluster (tests of the recording path); its meta says what it is.
    recordable: { watch: { list: (k: never) => view.list(k), onChange: () => () => {} }, meta: { context, cluster: { name: context }, source: 'fake' } },
    onChange: () => () => {},
    identify: (line, node) => identify(identities, line, node),
    probeNode,
    questionSource: (o) => (o.probe === 'none' ? { source: source(), probes: false } : { source: source(recorded(o.durationMs)), probes: true }),
    stop: async () => {},
  };
}
