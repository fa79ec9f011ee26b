/**
 * `pathlight why` and the API's why call: the live snapshot, a static diagnosis, then — when
 * asked — probes on the nodes that matter (A's, B's backends', the DNS pods'), filtered in the
 * kernel to A's addresses, optionally an active test from inside A's network namespace, and
 * the diagnosis again with the live evidence correlated in.
 */
import { randomUUID } from 'node:crypto';
import { clusterKinds, dnsPods, identify, probeNodes, type ClusterKind, type ClusterView, type KubeObject, type PodRef } from '../../core/index.js';
import { Correlator, diagnose, type Diagnosis, type ProbeEvent, type WhyQuery } from '../../core/diagnose/index.js';
import { PathlightError, type ApiError } from '../../api/index.js';
import { ClusterSnapshot } from '../cluster/snapshot.js';
import { startOnNode, type NodeProbeRun } from '../probes/start.js';
import type { ProbeStage } from '../probes/stream.js';

export interface WhyOptions extends WhyQuery {
  kc: Parameters<typeof ClusterSnapshot.start>[0];
  probe: 'none' | 'ssh' | 'pod';
  sshConfig?: string | undefined;
  /** Generate a DNS lookup and a connection from inside A (the agent on A's node does it). */
  active?: boolean;
  durationMs: number;
  zone?: string | undefined;
  probeNamespace?: string | undefined;
  probeImage?: string | undefined;
  agentImage?: string | undefined;
  privileged?: boolean | undefined;
  onProgress?: (node: string, stage: ProbeStage | 'chosen' | 'failed', detail?: string) => void;
  /** Every probe event, with identities, as it arrives (recordings, --json streams). */
  onEvent?: (ev: ProbeEvent & { node: string }) => void;
  /** A live snapshot to ask on (the workbench keeps one open); without it one is started for the question and stopped after. */
  snapshot?: ClusterSnapshot;
  /** Return the snapshot's objects too (fixtures, recordings). */
  keepObjects?: boolean;
  /** The live snapshot, once its lists are in and before anything is diagnosed (a recorder attaches here). */
  onSnapshot?: (snap: ClusterSnapshot) => void;
  /** Every agent line (hello, stats and bye included), with identities, as it arrives (recordings). */
  onLine?: (node: string, line: Record<string, unknown>) => void;
}

export interface WhyRun {
  diagnosis: Diagnosis;
  /** The static answer, before any probe ran. */
  staticDiagnosis: Diagnosis;
  nodes: Array<{ node: string; why: string[]; error?: ApiError }>;
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

const viewOf = (snap: ClusterSnapshot): ClusterView => ({ list: (k) => snap.list(k) as readonly KubeObject[] });

export async function runWhy(o: WhyOptions): Promise<WhyRun> {
  const snap = o.snapshot ?? (await ClusterSnapshot.start(o.kc, { namespaces: namespacesOf(o) }));
  try {
    o.onSnapshot?.(snap);
    const watched = new Set(snap.kinds());
    const missing = snap.unavailable.filter((u) => u.reason !== 'not-installed' && !watched.has(u.kind)).map((u) => u.kind as ClusterKind);
    const view = viewOf(snap);
    const q: WhyQuery = { from: o.from, to: o.to, ...(o.port !== undefined ? { port: o.port } : {}), ...(o.protocol ? { protocol: o.protocol } : {}) };
    const first = diagnose(view, q, { missing, ...(o.zone ? { zone: o.zone } : {}) });
    if (!first.ok) {
      const gaps = snap.unavailable.filter((u) => u.reason === 'forbidden' && ['Pod', 'Service', 'Namespace'].includes(u.kind)).map((u) => u.message);
      throw new PathlightError({ code: gaps.length ? 'cluster-forbidden' : 'invalid-request', message: `${first.error.message}${gaps.length ? ` — but this user cannot see everything: ${gaps.join(' ')}` : ''}`, hint: gaps.length ? 'ask with a kubeconfig that may list pods and Services in these namespaces (kubectl auth can-i list pods -n NS), or ask about a namespace you can read' : first.error.hint });
    }
    const partial = [...snap.partial].sort(([a], [b]) => a.localeCompare(b));
    if (partial.length) first.value.notes.push(`this user may not list ${partial.map(([k]) => k).join(', ')} cluster-wide: they were read in ${[...new Set(partial.flatMap(([, n]) => n))].join(', ')} only, and pods and policies elsewhere are not taken into account.`);
    const objects = () => (o.keepObjects ? { objects: Object.fromEntries(clusterKinds.map((k) => [k, view.list(k)])) } : {});
    if (o.probe === 'none') return { diagnosis: first.value, staticDiagnosis: first.value, nodes: [], ...objects() };

    // Which nodes, and which of A's addresses the agents filter on.
    const pods = snap.list('Pod') as unknown as PodRef[];
    const refsAt = (hop: string) => new Set(first.value.path.filter((h) => h.hop === hop).flatMap((h) => h.refs.filter((r) => r.kind === 'Pod').map((r) => `${r.namespace}/${r.name}`)));
    const key = (p: PodRef) => `${p.metadata?.namespace}/${p.metadata?.name}`;
    const aKeys = refsAt('source');
    const bKeys = new Set([...refsAt('backend'), ...refsAt('endpoints')]);
    const dnsInPlay = first.value.path.some((h) => h.hop === 'dns' && h.verdict !== 'skipped');
    const chosen = probeNodes({ a: pods.filter((p) => aKeys.has(key(p))), b: pods.filter((p) => bKeys.has(key(p))), ...(dnsInPlay ? { dns: dnsPods(pods) } : {}) });
    const aIps = [...new Set(first.value.path.find((h) => h.hop === 'source')?.ips ?? [])];
    if (chosen.length === 0) throw new PathlightError({ code: 'invalid-request', message: `no node to probe: A (${o.from}) and B (${o.to}) have no scheduled pods`, hint: 'probe without --probe, or ask about pods that run' });

    const corr = new Correlator();
    const args = ['--probes', 'drops,dns,tcp', ...(aIps.length ? ['--cidr', aIps.join(',')] : [])];
    const nodes: WhyRun['nodes'] = chosen.map((c) => ({ node: c.node, why: c.why }));
    const aNode = chosen.find((c) => c.why.some((w) => w.startsWith('A:')))?.node;
    const runs: Array<{ node: string; run: NodeProbeRun }> = [];
    const started = await Promise.allSettled(
      chosen.map(async (c) => {
        o.onProgress?.(c.node, 'chosen', c.why.join(', '));
        const nodeObj = snap.get('Node', c.node) as { status?: { addresses?: Array<{ type?: string; address?: string }> } } | undefined;
        const host = nodeObj?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
        let onHello: (() => void) | undefined;
        const hello = new Promise<void>((r) => (onHello = r));
        const run = await startOnNode(
          { node: c.node, via: o.probe as 'ssh' | 'pod', durationMs: o.durationMs, args, kc: o.kc, sshConfig: o.sshConfig, host, probeNamespace: o.probeNamespace, probeImage: o.probeImage, agentImage: o.agentImage, privileged: o.privileged, onProgress: (stage, detail) => o.onProgress?.(c.node, stage, detail) },
          {
            line: (raw) => {
              const l = raw as unknown as ProbeEvent & { node: string; identities?: unknown };
              if (raw.type === 'hello') onHello?.();
              const who = identify(snap.identities, l as unknown as Record<string, unknown>, c.node);
              if (who) l.identities = who;
              corr.add(l as unknown as Parameters<Correlator['add']>[0]);
              o.onLine?.(c.node, l as unknown as Record<string, unknown>);
              if (raw.type === 'drop' || raw.type === 'dns' || raw.type === 'tcp') o.onEvent?.(l);
            },
            bad: () => undefined,
          },
        );
        runs.push({ node: c.node, run });
        if (o.active && c.node === aNode) {
          await Promise.race([hello, new Promise((r) => setTimeout(r, 15_000))]);
          activeTest(run, o, first.value, aIps[0]);
        }
        const exit = await run.done;
        if (exit.problem) throw new PathlightError(exit.problem);
      }),
    );
    started.forEach((r, i) => {
      if (r.status === 'rejected') {
        const err = r.reason instanceof PathlightError ? r.reason.detail : { code: 'probe-failed' as const, message: String(r.reason instanceof Error ? r.reason.message : r.reason) };
        nodes[i]!.error = err;
        o.onProgress?.(nodes[i]!.node, 'failed', err.message);
      }
    });
    const final = diagnose(view, q, { missing, correlator: corr, ...(o.zone ? { zone: o.zone } : {}) });
    if (!final.ok) throw new PathlightError({ code: 'invalid-request', message: final.error.message, hint: final.error.hint });
    for (const n of nodes) if (n.error) final.value.notes.push(`no probe on ${n.node}: ${n.error.message}${n.error.hint ? ` (${n.error.hint})` : ''}`);
    return { diagnosis: final.value, staticDiagnosis: first.value, nodes, ...objects() };
  } finally {
    if (!o.snapshot) await snap.stop();
  }
}

/** Asks the agent on A's node to look B up and connect to it from inside A's network namespace. */
function activeTest(run: NodeProbeRun, o: WhyOptions, d: Diagnosis, fromIp: string | undefined) {
  const send = (run as { send?: (c: object) => void }).send;
  if (!send || !fromIp) return;
  const dns = d.path.find((h) => h.hop === 'dns' && h.verdict !== 'skipped');
  const to = o.to.includes('/') ? undefined : o.to.replace(/:[^:]*$/, '');
  const target = d.path.find((h) => h.hop === 'service')?.ips?.[0] ?? d.path.find((h) => h.hop === 'backend')?.ips?.[0];
  const port = d.query.port;
  const host = dns && to ? to : dns ? dns.label : target?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  send({ type: 'test', id: randomUUID(), fromIp, ...(dns ? { resolve: to ?? dns.label } : {}), ...(host && port ? { connect: `${host.includes(':') ? `[${host}]` : host}:${port}` } : {}), proto: (o.protocol ?? 'TCP').toLowerCase(), timeoutMs: 3000 });
}
