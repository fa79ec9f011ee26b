/**
 * One question, answered one way whoever asks it — `pathlight why` and `record`, the API's
 * why.ask, a recording's "Ask why" and `replay --why`: the query taken once, the static
 * diagnosis run once, the probe plan it implies (which nodes, which of A's addresses the agents
 * filter on, the active test), the live evidence folded in as it arrives, and the answer with
 * that evidence. Pure: the caller brings the cluster view and the agents' lines; the backend's
 * `ask` (src/backend/diagnose/ask.ts) drives it with probes, a recording drives it with the lines
 * it holds.
 */
import { dnsPods, probeNodes, type PodRef, type ProbeNode } from '../cluster/nodes.js';
import type { ClusterKind, ClusterView } from '../cluster/view.js';
import { lineTypes, type TestRequest } from '../probe/protocol.js';
import { Cluster } from './cluster.js';
import { Correlator } from './correlate.js';
import { diagnose, type DiagnoseResult } from './diagnose.js';
import { parseTarget, type WhyQuery } from './query.js';
import type { Diagnosis, EvidenceLine, Stale } from './types.js';

/** Everything that shapes an answer besides the cluster: the query and how it is read. */
export interface Question extends WhyQuery {
  /** The cluster DNS zone (default cluster.local). */
  zone?: string | undefined;
  /** HTTP p99 latency above which B is called slow, in ms (default 1000). */
  httpSlowMs?: number | undefined;
  /** Kinds the user could not list (RBAC): the answer names them. */
  missing?: readonly ClusterKind[] | undefined;
}

/** A node the probes ran on (or were meant to), why it was chosen, and why it gave nothing. */
export interface NodeReport {
  node: string;
  why: string[];
  error?: { code?: string; message: string; hint?: string | undefined } | undefined;
}

/** Where to probe for a question, and with which in-kernel filters. */
export interface ProbePlan {
  nodes: ProbeNode[];
  /**
   * A's addresses: the agents report only packets to or from them. Through a node port on
   * another node than a backend's, last, the node's address A's packets carry after its SNAT.
   */
  aIps: string[];
  /** The node A runs on (an active test starts there). */
  aNode?: string | undefined;
}

/** The options of a question the diagnosis takes. */
const optionsOf = (q: Question) => ({ ...(q.zone ? { zone: q.zone } : {}), ...(q.httpSlowMs ? { httpSlowMs: q.httpSlowMs } : {}) });

/** The query taken from anything that carries one (a request, a recorded question): only its own fields. */
export function questionOf(
  q: WhyQuery & { zone?: string | undefined; httpSlowMs?: number | undefined; missing?: readonly ClusterKind[] | undefined },
): Question {
  return {
    from: q.from,
    to: q.to,
    ...(q.port !== undefined ? { port: q.port } : {}),
    ...(q.protocol ? { protocol: q.protocol } : {}),
    ...(q.zone ? { zone: q.zone } : {}),
    ...(q.httpSlowMs ? { httpSlowMs: q.httpSlowMs } : {}),
    ...(q.missing?.length ? { missing: q.missing } : {}),
  };
}

/** The note an answer carries for a node that gave no evidence. */
export function nodeNote(n: NodeReport): string | undefined {
  return n.error ? `no probe on ${n.node}: ${n.error.message}${n.error.hint ? ` (${n.error.hint})` : ''}` : undefined;
}

/**
 * A recorded agent line (plain JSON from a recording or a fixture) as evidence, or undefined
 * when it is not an agent line. Recorded lines were decoded when they were recorded; only their
 * shape is checked again here (a full decode of every line would cost a long replay seconds).
 */
export function recordedLine(line: Record<string, unknown>, ts?: number): EvidenceLine | undefined {
  if (typeof line.type !== 'string' || typeof line.node !== 'string' || !(lineTypes as readonly string[]).includes(line.type)) return undefined;
  const t = typeof line.ts === 'number' ? line.ts : ts;
  if (t === undefined) return undefined;
  // The untyped boundary: JSON read back from a file the agent's decoder once accepted.
  return (t === line.ts ? line : { ...line, ts: t }) as EvidenceLine;
}

export class QuestionRun {
  /** The static answer: objects and policies only. */
  readonly first: Diagnosis;
  readonly correlator = new Correlator();
  private live = false;

  private constructor(
    private readonly cluster: Cluster,
    readonly question: Question,
    first: Diagnosis,
  ) {
    this.first = first;
  }

  /** Takes the question and runs the static diagnosis (once); an unreadable A or B is the error. */
  static start(view: ClusterView, question: Question): { ok: true; value: QuestionRun } | Extract<DiagnoseResult, { ok: false }> {
    const cluster = view instanceof Cluster ? view : new Cluster(view, question.missing);
    const r = diagnose(cluster, question, optionsOf(question));
    if (!r.ok) return r;
    return { ok: true, value: new QuestionRun(cluster, question, r.value) };
  }

  /** The nodes that can see A → B (A's, B's backends', the DNS pods' when DNS is in play) and A's addresses. */
  plan(): ProbePlan {
    const d = this.first;
    const pods = this.cluster.view.list('Pod') as readonly PodRef[];
    const key = (p: PodRef) => `${p.metadata?.namespace}/${p.metadata?.name}`;
    const refsAt = (...hops: string[]) =>
      new Set(d.path.filter((h) => hops.includes(h.hop)).flatMap((h) => h.refs.filter((r) => r.kind === 'Pod').map((r) => `${r.namespace}/${r.name}`)));
    const aKeys = refsAt('source');
    const bKeys = refsAt('backend', 'endpoints');
    const dnsInPlay = d.path.some((h) => h.hop === 'dns' && h.verdict !== 'skipped');
    const bPods = pods.filter((p) => bKeys.has(key(p)));
    const parsed = parseTarget(this.cluster, this.question.to);
    const t = 'target' in parsed && parsed.target.kind === 'service' ? parsed.target : undefined;
    const via = t?.nodePort;
    const nodes = probeNodes({
      a: pods.filter((p) => aKeys.has(key(p))),
      b: bPods,
      ...(dnsInPlay ? { dns: dnsPods(pods) } : {}),
      ...(via ? { targeted: { node: via.node, why: `targeted: node port ${via.port} of Service ${t.namespace}/${t.name}` } } : {}),
    });
    const snat = via && t.service?.externalTrafficPolicy !== 'Local' && bPods.some((p) => p.spec?.nodeName !== via.node) ? [via.ip] : [];
    const aIps = [...new Set([...(d.path.find((h) => h.hop === 'source')?.ips ?? []), ...snat])];
    const aNode = nodes.find((c) => c.why.some((w) => w.startsWith('A:')))?.node;
    return { nodes, aIps, ...(aNode ? { aNode } : {}) };
  }

  /**
   * The agent's active test for this question: look B up and connect to it from inside A's
   * network namespace (from A's first address). Undefined when A has no address.
   */
  activeTest(id: string, fromIp = this.plan().aIps[0]): TestRequest | undefined {
    if (!fromIp) return undefined;
    const d = this.first;
    const dns = d.path.find((h) => h.hop === 'dns' && h.verdict !== 'skipped');
    const to = this.question.to.includes('/') ? undefined : this.question.to.replace(/:[^:]*$/, '');
    const target = d.path.find((h) => h.hop === 'service')?.ips?.[0] ?? d.path.find((h) => h.hop === 'backend')?.ips?.[0];
    const port = d.query.port;
    const host = dns && to ? to : dns ? dns.label : target?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    return {
      type: 'test',
      id,
      fromIp,
      ...(dns ? { resolve: to ?? dns.label } : {}),
      ...(host && port ? { connect: `${host.includes(':') ? `[${host}]` : host}:${port}` } : {}),
      proto: (this.question.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp',
      timeoutMs: 3000,
    };
  }

  /** Folds one agent line in as live evidence; false for a duplicate or a line that is not evidence. */
  add(line: EvidenceLine): boolean {
    this.live = true;
    return this.correlator.add(line);
  }

  /** Marks the answer as having a live part even when no line came (the probes ran and saw nothing). */
  probed(): void {
    this.live = true;
  }

  /**
   * The answer: the static one when nothing live was asked for, else the diagnosis again with
   * the evidence correlated in; notes for the nodes that gave none and any the source adds.
   */
  answer(o: { nodes?: readonly NodeReport[]; notes?: readonly string[]; stale?: Stale | undefined } = {}): Diagnosis {
    let d = this.first;
    if (this.live) {
      const r = diagnose(this.cluster, this.question, { correlator: this.correlator, ...optionsOf(this.question) });
      // A and B were read once already: the same view cannot refuse them now.
      if (!r.ok) throw new Error(`diagnose refused a question it answered before: ${r.error.message}`);
      d = r.value;
    } else d = { ...d, notes: [...d.notes] };
    const blind = (o.nodes ?? []).flatMap((n) => (n.error ? [{ node: n.node, reason: n.error.message, ...(n.error.hint ? { hint: n.error.hint } : {}) }] : []));
    if (blind.length) d.blindSpots = blind;
    for (const n of o.nodes ?? []) {
      const note = nodeNote(n);
      if (note) d.notes.push(note);
    }
    d.notes.push(...(o.notes ?? []));
    return o.stale ? staleAnswer(d, o.stale) : d;
  }
}

/**
 * An answer from a view that stopped following the cluster: said next to the verdict
 * (`stale`), in the notes, and with every finding's confidence lowered to low — the objects it
 * rests on may have changed since.
 */
export function staleAnswer(d: Diagnosis, stale: Stale): Diagnosis {
  const when = new Date(stale.since / 1e6).toISOString().replace('T', ' ').slice(0, 19);
  return {
    ...d,
    stale,
    findings: d.findings.map((f) => ({ ...f, confidence: 'low' })),
    notes: [
      `the cluster view is ${stale.state === 'stale' ? 'stale' : 'reconnecting'}: the API server has not answered since ${when} UTC${stale.error ? ` (${stale.error})` : ''}, so this answer rests on the objects as they were then.`,
      ...d.notes,
    ],
  };
}
