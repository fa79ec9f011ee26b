/**
 * A live cluster as a question source — the snapshot (list + watch) and probes on the nodes
 * that matter (A's, B's backends', the DNS pods'), filtered in the kernel to A's addresses,
 * optionally with an active test from inside A's network namespace — and `runWhy`, what
 * `pathlight why` runs: a snapshot for the question, `ask`, the snapshot stopped.
 */
import { clusterKinds, identify, nodeInternalIp, type ClusterKind, type ClusterView, type KubeObject } from '../../core/index.js';
import type { NodeReport } from '../../core/diagnose/index.js';
import { PathlightError, toApiError } from '../../api/index.js';
import { ClusterSnapshot } from '../cluster/snapshot.js';
import { startOnNode, type NodeProbeRun } from '../probes/start.js';
import type { ProbeStage } from '../probes/stream.js';
import { ask, type Answer, type AskRequest, type AskSinks, type EvidenceSource, type QuestionSource } from './ask.js';
import { NodeAttribution } from './attribution.js';
import { findRelay, relayLines, type RelayEndpoint } from '../hubble/relay.js';

/** How probes run on a live cluster. */
export interface LiveProbeOptions {
  kc: Parameters<typeof ClusterSnapshot.start>[0];
  via: 'ssh' | 'pod';
  sshConfig?: string | undefined;
  durationMs: number;
  probeNamespace?: string | undefined;
  probeImage?: string | undefined;
  agentImage?: string | undefined;
  privileged?: boolean | undefined;
}

export interface WhyOptions extends Omit<AskRequest, 'probes'>, Omit<LiveProbeOptions, 'via'> {
  probe: 'none' | 'ssh' | 'pod';
  /** Cancels the question: every agent stops (Ctrl-C in the CLI). */
  signal?: AbortSignal | undefined;
  onProgress?: (node: string, stage: ProbeStage | 'chosen' | 'failed', detail?: string) => void;
  /** Return the snapshot's objects too (fixtures, recordings). */
  keepObjects?: boolean;
  /** The live snapshot, once its lists are in and before anything is diagnosed (a recorder attaches here). */
  onSnapshot?: (snap: ClusterSnapshot) => void;
  /** Every agent line (hello, stats and bye included), with identities, as it arrives (recordings). */
  onLine?: AskSinks['line'];
}

export interface WhyRun extends Answer {
  /** The snapshot's objects by kind, when asked for. */
  objects?: Partial<Record<ClusterKind, readonly KubeObject[]>>;
}

/**
 * The namespaces a question is about (A's, B's, and kube-system for DNS): read one by one
 * where this user may not list the whole cluster.
 */
export function namespacesOf(q: { from: string; to: string }): string[] {
  const nsOf = (t: string) => (t.includes('/') ? t.split('/')[0] : undefined);
  const a = nsOf(q.from);
  // B: `NS/…`, or a name `svc.NS[.svc…]`, or a bare name in A's namespace.
  const host = q.to.replace(/:[^:\]]*$/, '');
  const b = nsOf(q.to) ?? (host.split('.').length >= 2 && !/^[\d.]+$/.test(host) ? host.split('.')[1] : a);
  return [...new Set([a, b, 'kube-system'].filter((x): x is string => !!x))];
}

/** A live snapshot as a question source; with probe options, its evidence is the agents on the nodes. */
export function liveSource(snap: ClusterSnapshot, probes?: LiveProbeOptions): QuestionSource {
  const view: ClusterView = { list: (k) => snap.list(k) as readonly KubeObject[] };
  return {
    view,
    unavailable: snap.unavailable,
    get missing() {
      // A kind watched in some namespaces is read there: noted as partial, not missing.
      const watched = new Set(snap.kinds());
      return snap.unavailable.filter((u) => u.reason !== 'not-installed' && !watched.has(u.kind)).map((u) => u.kind as ClusterKind);
    },
    notes() {
      const partial = [...snap.partial].sort(([a], [b]) => a.localeCompare(b));
      return partial.length
        ? [
            `this user may not list ${partial.map(([k]) => k).join(', ')} cluster-wide: they were read in ${[...new Set(partial.flatMap(([, n]) => n))].join(', ')} only, and pods and policies elsewhere are not taken into account.`,
          ]
        : [];
    },
    health: () => snap.health(),
    evidence: probes ? nodeProbes(snap, probes) : undefined,
  };
}

/** The agents on the plan's nodes, each line decoded, given the identities of its ends at its time, and emitted. */
function nodeProbes(snap: ClusterSnapshot, o: LiveProbeOptions): EvidenceSource {
  return {
    async collect(plan, c) {
      const since = Date.now() * 1e6;
      // proc: the evidence's example lines carry the process behind A's connections and queries.
      // rules names the netfilter rule behind a drop (it needs CAP_NET_ADMIN: without it, e.g. in
      // a probe pod that is not privileged, the agent says the probe is unavailable and the others run);
      // http too (its cgroup programs need it), for the http-server-error finding.
      const args = ['--probes', 'drops,dns,tcp,proc,rules,http', ...(plan.aIps.length ? ['--cidr', plan.aIps.join(',')] : [])];
      const nodes: NodeReport[] = plan.nodes.map((n) => ({ node: n.node, why: n.why }));
      // Nodes on one shared kernel see each other's packets: keep each event from its own node's agent.
      const attribution = new NodeAttribution(
        plan.nodes.map((n) => n.node),
        (line) => c.emit(line),
      );
      const settled = await Promise.allSettled(
        plan.nodes
          .map(async (n) => {
            c.progress(n.node, 'chosen', n.why.join(', '));
            const host = nodeInternalIp(snap.get('Node', n.node));
            let onHello: (() => void) | undefined;
            const hello = new Promise<void>((r) => (onHello = r));
            let bye = false;
            const run: NodeProbeRun = await startOnNode(
              {
                node: n.node,
                via: o.via,
                durationMs: o.durationMs,
                args,
                kc: o.kc,
                sshConfig: o.sshConfig,
                host,
                probeNamespace: o.probeNamespace,
                probeImage: o.probeImage,
                agentImage: o.agentImage,
                privileged: o.privileged,
                signal: c.signal,
                onProgress: (stage, detail) => c.progress(n.node, stage, detail),
              },
              {
                line: (line) => {
                  if (line.type === 'bye') bye = true;
                  if (line.type === 'hello') {
                    onHello?.();
                    attribution.hello(n.node, line);
                  }
                  const who = identify(snap.identities, line, n.node);
                  attribution.line(n.node, who ? { ...line, identities: who } : line);
                },
                bad: () => undefined,
              },
            );
            if (c.active && n.node === plan.aNode) {
              await Promise.race([hello, new Promise((r) => setTimeout(r, 15_000)), run.done]);
              run.send(c.active);
            }
            const exit = await run.done;
            if (exit.problem) throw new PathlightError(exit.problem);
            // An agent always ends with a bye line; a stream that stops without one lost the node
            // mid-question (SSH or the probe pod gone): its evidence is incomplete.
            if (!bye && !c.signal?.aborted)
              throw new PathlightError({
                code: 'probe-failed',
                message: `lost the agent on ${n.node} before the end of the question (its stream stopped without a last line${exit.exitCode == null ? '' : `, exit ${exit.exitCode}`})`,
                hint: `check SSH to ${n.node} (or its probe pod) and ask again`,
              });
          })
          .map((p, i) => p.finally(() => attribution.settled(plan.nodes[i]!.node))),
      );
      attribution.flush();
      // On Cilium, Cilium's own verdicts for the window: from Hubble Relay when the cluster has
      // one (every node at once, through the API server), else each node's Hubble over SSH.
      if (!c.signal?.aborted) {
        const relay = findRelay(snap);
        const emit = (line: Record<string, unknown>) => {
          const who = identify(snap.identities, line, String(line.node));
          c.emit((who ? { ...line, identities: who } : line) as Parameters<typeof c.emit>[0]);
        };
        // A Relay this user cannot port-forward to (RBAC) or that does not answer: the nodes' own, over SSH.
        const fromRelay = relay ? await hubbleEvidence({ relay, kc: o.kc }, o, since, plan.aIps, c.signal) : undefined;
        if (fromRelay) for (const line of fromRelay) emit(line);
        else if (o.via === 'ssh')
          await Promise.allSettled(
            plan.nodes.map(async (n) => {
              const lines = await hubbleEvidence({ node: n.node, host: nodeInternalIp(snap.get('Node', n.node)) }, o, since, plan.aIps, c.signal);
              for (const line of lines ?? []) emit(line);
            }),
          );
      }
      settled.forEach((r, i) => {
        if (r.status === 'rejected') {
          const err = toApiError(r.reason);
          nodes[i]!.error = err.code === 'internal' ? { code: 'probe-failed', message: err.message } : err;
          c.progress(nodes[i]!.node, 'failed', err.message);
        }
      });
      return nodes;
    },
  };
}

/**
 * The drops, TCP and DNS events Hubble recorded for the window (addresses: A's), as evidence
 * lines of the node that saw each: from the cluster's Relay, or from one node's Hubble socket
 * over SSH. Undefined when there is no Hubble (no Cilium) or it does not answer — Hubble adds to
 * the agents' evidence, it is never required.
 */
async function hubbleEvidence(
  from: { relay: RelayEndpoint; kc: LiveProbeOptions['kc'] } | { node: string; host: string | undefined },
  o: LiveProbeOptions,
  sinceNs: number,
  ips: readonly string[],
  signal?: AbortSignal,
): Promise<Array<Record<string, unknown>> | undefined> {
  const [{ hubbleLines }, { importHubbleFlows }] = await Promise.all([import('../hubble/ssh.js'), import('../../core/index.js')]);
  const query = { sinceNs, ...(signal ? { signal } : {}), ...(ips.length ? { ips: [...ips] } : {}), limit: 20_000 };
  let lines: string[];
  try {
    lines =
      'relay' in from
        ? await relayLines(from.kc, from.relay, query)
        : await hubbleLines({ ...query, target: `ssh://${from.node}`, sshConfig: o.sshConfig, host: from.host });
  } catch {
    return undefined; // no Hubble there, or it did not answer
  }
  // Hubble names a node `CLUSTER/NODE`; over SSH, the node is the one asked.
  const nodeOf = (flowNode: unknown) => ('node' in from ? from.node : String(flowNode).split('/').pop()!);
  return importHubbleFlows(lines.join('\n'))
    .records.map((r): Record<string, unknown> => ({ ...(r.data as Record<string, unknown>), ts: r.ts, node: nodeOf((r.data as { node?: unknown }).node) }))
    .filter((l) => l.type === 'drop' || l.type === 'tcp' || l.type === 'dns');
}

export async function runWhy(o: WhyOptions): Promise<WhyRun> {
  const snap = await ClusterSnapshot.start(o.kc, { namespaces: namespacesOf(o) });
  try {
    o.onSnapshot?.(snap);
    const { kc, probe, sshConfig, durationMs, probeNamespace, probeImage, agentImage, privileged } = o;
    const source = liveSource(
      snap,
      probe === 'none' ? undefined : { kc, via: probe, sshConfig, durationMs, probeNamespace, probeImage, agentImage, privileged },
    );
    const answer = await ask(
      source,
      { ...o, probes: probe !== 'none', active: !!o.active },
      {
        signal: o.signal,
        sinks: { progress: (node, stage, detail) => o.onProgress?.(node, stage as ProbeStage, detail), ...(o.onLine ? { line: o.onLine } : {}) },
      },
    );
    return { ...answer, ...(o.keepObjects ? { objects: Object.fromEntries(clusterKinds.map((k) => [k, source.view.list(k)])) } : {}) };
  } finally {
    await snap.stop();
  }
}
