/**
 * Live evidence for A → B, correlated to the static findings. A DNS answer, a drop with the
 * kernel's reason or a TCP outcome confirms the static cause it fits (and lifts it to high
 * confidence); failures no static cause explains become findings of their own; connections
 * that succeed although a policy should deny them are reported as a contradiction (an
 * enforcer that ignores the policy), not hidden.
 */
import { describeProcess } from '../../cluster/identity.js';
import { candidates } from '../dns.js';
import { add, hop, snatAddress, type Check, type Ctx } from '../context.js';
import { connectionsBetween, dnsLookups, dropsFrom, type Connection, type DnsSeen, type SideA } from '../correlate.js';
import type { Evidence, Finding, FindingKind } from '../types.js';

/** `1 connection`, `3 connections`. */
const n = (count: number, what = 'connection') => `${count} ${what}${count === 1 ? '' : 's'}`;
const ms = (ns: number) => `${(ns / 1e6).toFixed(1)} ms`;

function connEvidence(conns: Connection[], what: string, event: 'tcp' | 'drop'): Evidence {
  const ofType = conns
    .flatMap((c) => c.examples)
    .filter((e) => e.type === event)
    .sort((p, q) => p.ts - q.ts);
  // The earliest example, or the earliest that names its process (probe `proc`) when one does.
  const ex = ofType.find((e) => e.proc) ?? ofType[0] ?? conns[0]!.examples[0]!;
  const by = describeProcess(ex.proc, ex.identities?.proc);
  return {
    type: 'events',
    event,
    text: by ? `${what}, by ${by}` : what,
    connections: conns.length,
    // A drop is told where it happened: its own events and nodes, not the connection's.
    events: conns.reduce((n, c) => n + (event === 'drop' ? c.dropEvents : c.events), 0),
    first: Math.min(...conns.map((c) => c.first)),
    last: Math.max(...conns.map((c) => c.last)),
    nodes: [...new Set(conns.flatMap((c) => (event === 'drop' ? c.dropNodes : c.nodes)))].sort(),
    example: ex,
  };
}

function dnsEvidence(seen: DnsSeen[], text: string): Evidence {
  return {
    type: 'events',
    event: 'dns',
    text,
    connections: seen.reduce((n, s) => n + s.queries, 0),
    events: seen.reduce((n, s) => n + s.queries + Object.values(s.rcodes).reduce((a, b) => a + b, 0), 0),
    first: Math.min(...seen.map((s) => s.first)),
    last: Math.max(...seen.map((s) => s.last)),
    nodes: [...new Set(seen.flatMap((s) => s.nodes))].sort(),
    example: seen.flatMap((s) => s.examples).sort((p, q) => p.ts - q.ts)[0]!,
  };
}

/** Attaches live evidence to the first static finding of these kinds; true when one took it. */
function confirm(ctx: Ctx, kinds: FindingKind[], evidence: Evidence[], seen?: string): Finding | undefined {
  const f = ctx.findings.find((x) => kinds.includes(x.kind) && x.source !== 'live');
  if (!f) return undefined;
  f.evidence.push(...evidence);
  if (seen) f.summary += ` Seen live: ${seen}.`;
  f.source = 'both';
  f.confidence = 'high';
  if (f.severity === 'warning') {
    f.severity = 'error';
    const h = ctx.hops.get(f.hop);
    if (h) h.verdict = 'fail';
  }
  return f;
}

const staticCauses: FindingKind[] = ['policy-deny-egress', 'policy-deny-ingress', 'admin-policy-deny'];

/** Cilium's own drop reasons for a packet a policy denied (Hubble's `drop_reason_desc`): a rule set, or a deny rule. */
const ciliumPolicyReasons = new Set(['POLICY_DENIED', 'POLICY_DENY']);

/** The fields a Hubble flow adds to the drop it becomes (src/core/flows/hubble.ts). */
interface HubbleDrop {
  origin?: string;
  direction?: string;
  ingressDeniedBy?: Array<{ kind: string; namespace?: string; name: string }>;
  egressDeniedBy?: Array<{ kind: string; namespace?: string; name: string }>;
}
const hubbleOf = (e: unknown) => e as HubbleDrop;

/** What Hubble said of these connections' policy drops: where (ingress or egress), by which policies (`*_denied_by`), on which nodes. */
interface CiliumDenial {
  direction?: 'ingress' | 'egress';
  by: string[];
  nodes: string[];
}

function ciliumDenial(conns: Connection[]): CiliumDenial | undefined {
  const drops = conns.flatMap((c) => c.examples).filter((e) => e.type === 'drop' && hubbleOf(e).origin === 'hubble' && ciliumPolicyReasons.has(e.reason));
  if (drops.length === 0) return undefined;
  const dirs = [...new Set(drops.map((e) => hubbleOf(e).direction))];
  const by = drops.flatMap((e) => [...(hubbleOf(e).ingressDeniedBy ?? []), ...(hubbleOf(e).egressDeniedBy ?? [])]);
  return {
    ...(dirs.length === 1 && (dirs[0] === 'ingress' || dirs[0] === 'egress') ? { direction: dirs[0] } : {}),
    by: [...new Set(by.map((p) => `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`))].sort(),
    nodes: [...new Set(drops.map((e) => e.node))].sort(),
  };
}

/** `, at ingress, denied by CiliumNetworkPolicy shop/deny`: what Hubble adds to Cilium's policy drop. */
const denialText = (d: CiliumDenial) => `${d.direction ? `, at ${d.direction}` : ''}${d.by.length ? `, denied by ${d.by.join(', ')}` : ''}`;

/**
 * Cilium's verdict beside the static one it confirmed: where the two differ — another direction,
 * another policy named by Hubble, or a cause that is no policy at all — the answer says so.
 */
function compareWithCilium(ctx: Ctx, f: Finding, d: CiliumDenial) {
  const dirOf: Partial<Record<FindingKind, 'ingress' | 'egress'>> = { 'policy-deny-ingress': 'ingress', 'policy-deny-egress': 'egress' };
  const mine = dirOf[f.kind];
  const cilium = `Cilium's verdict (Hubble, ${d.nodes.join(', ')}): denied${denialText(d)}`;
  if (!staticCauses.includes(f.kind)) ctx.notes.push(`${cilium}; the policies Pathlight read allow it, and it answers ${f.kind}: both may hold.`);
  else if (mine && d.direction && mine !== d.direction)
    ctx.notes.push(`${cilium}; Pathlight's policies deny it at ${mine} (${f.kind}): the two verdicts differ in where.`);
  else if (d.by.length > 0 && !d.by.some((p) => f.summary.includes(p.replace(/^\S+ /, ''))))
    ctx.notes.push(`${cilium}; Pathlight's engine names another policy (${f.kind}): the two verdicts differ in which.`);
}

function namesOf(ctx: Ctx): string[] {
  const t = ctx.target;
  const conf = ctx.resolv;
  if (!conf) return [];
  if (t.kind === 'dns') return candidates(t.name, conf);
  if (t.kind === 'service') {
    const a = ctx.a;
    const short = a && a.namespace === t.namespace ? candidates(t.name, conf) : [];
    return [...new Set([...short, ...candidates(`${t.name}.${t.namespace}`, conf), `${t.name}.${t.namespace}.svc.${ctx.zone}.`])];
  }
  return [];
}

function liveDns(ctx: Ctx, side: SideA) {
  const corr = ctx.correlator!;
  const names = namesOf(ctx);
  if (names.length === 0) return;
  const seen = dnsLookups(corr, side, names);
  const dnsDrops = dropsFrom(corr, side, (_ip, port) => port === 53);
  if (dnsDrops.length > 0) {
    const reasons = [...new Set(dnsDrops.flatMap((c) => c.reasons))];
    const to = [...new Set(dnsDrops.flatMap((c) => c.peers))].slice(0, 3).join(', ');
    const denial = ciliumDenial(dnsDrops);
    const queries = `${dnsDrops.length} DNS ${dnsDrops.length === 1 ? 'query' : 'queries'}`;
    // Hubble's reasons are Cilium's verdict; the agent's, the kernel's (often Cilium's tc program freeing the packet).
    const byHubble = (r: string) => dnsDrops.some((c) => c.examples.some((e) => e.type === 'drop' && e.reason === r && hubbleOf(e).origin === 'hubble'));
    const cilium = reasons.filter(byHubble);
    const kernel = reasons.filter((r) => !byHubble(r));
    const ev = connEvidence(
      dnsDrops,
      cilium.length
        ? `Cilium dropped ${queries} from A on the way to ${to} (Hubble: ${cilium.join(', ')}${denial ? denialText(denial) : ''})${kernel.length ? `; the kernel's reason: ${kernel.join(', ')}` : ''}`
        : `${queries} from A dropped (${reasons.join(', ')}) on the way to ${to}`,
      'drop',
    );
    if (!confirm(ctx, ['dns-blocked-by-policy', 'dns-timeout'], [ev]))
      add(ctx, {
        kind: reasons.includes('NETFILTER_DROP') || denial ? 'dns-blocked-by-policy' : 'packet-dropped',
        hop: 'dns',
        severity: 'error',
        confidence: 'medium',
        source: 'live',
        summary: denial
          ? `Cilium drops A's DNS queries as denied by policy${denialText(denial)} (Hubble: ${cilium.join(', ')}), but the policies Pathlight read allow them: the two verdicts disagree.`
          : `A's DNS queries are dropped by the kernel (${reasons.join(', ')}) before they reach the cluster DNS${reasons.includes('NETFILTER_DROP') ? ': a firewall or policy rule the objects do not explain' : ''}.`,
        evidence: [ev],
      });
  }
  if (seen.length === 0) return;
  const resolved = seen.filter((s) => (s.rcodes.NOERROR ?? 0) > 0 && s.answers.length > 0);
  if (resolved.length > 0) {
    const r = resolved[0]!;
    hop(ctx, 'dns', 'ok', undefined, [], r.answers);
    const ev = dnsEvidence(resolved, `${r.qname} resolved to ${r.answers.join(', ')} (${r.queries} lookups, slowest ${ms(r.maxLatencyNs)})`);
    const nx = ctx.findings.find((f) => f.kind === 'dns-nxdomain' && f.source === 'static');
    if (nx)
      ctx.notes.push(
        `the cluster DNS did answer ${r.qname} with ${r.answers.join(', ')}, although the objects say it should not exist: the snapshot may be stale.`,
      );
    ctx.findings.find((f) => f.kind === 'reachable')?.evidence.push(ev);
    // An external name: what it resolved to is where B is.
    if (ctx.target.kind === 'dns' && typeof ctx.port === 'number' && ctx.bSide.size === 0) for (const ip of r.answers) ctx.bSide.add(`${ip}|${ctx.port}`);
    return;
  }
  const rc = (code: string, list = seen) => list.filter((s) => (s.rcodes[code] ?? 0) > 0);
  // The search-path names are the cluster's to answer; a SERVFAIL for the bare name only says the upstream had no answer either.
  const inZone = seen.filter((s) => s.qname.endsWith(`.${ctx.zone}.`));
  const unanswered = seen.filter((s) => s.unanswered > 0 && Object.keys(s.rcodes).length === 0);
  if (rc('SERVFAIL', inZone).length === 0 && rc('NXDOMAIN').length > 0) {
    const nx = rc('NXDOMAIN');
    const ev = [dnsEvidence(nx, `NXDOMAIN for ${nx.map((s) => s.qname).join(', ')} (${nx.reduce((n, s) => n + (s.rcodes.NXDOMAIN ?? 0), 0)} answers)`)];
    if (rc('SERVFAIL').length > 0)
      ev.push(
        dnsEvidence(
          rc('SERVFAIL'),
          `SERVFAIL for ${rc('SERVFAIL')
            .map((s) => s.qname)
            .join(', ')}: outside the cluster zone, the upstream resolver had no answer either`,
        ),
      );
    if (!confirm(ctx, ['dns-nxdomain'], ev))
      add(ctx, {
        kind: 'dns-nxdomain',
        hop: 'dns',
        severity: 'error',
        confidence: 'high',
        source: 'live',
        summary: `every name A tried for ${ctx.target.label} got NXDOMAIN${rc('SERVFAIL').length ? ' (or SERVFAIL from the upstream)' : ''}.`,
        evidence: ev,
      });
  } else if (rc('SERVFAIL').length > 0) {
    const ev = dnsEvidence(
      rc('SERVFAIL'),
      `SERVFAIL for ${rc('SERVFAIL')
        .map((s) => s.qname)
        .join(', ')}`,
    );
    add(ctx, {
      kind: 'dns-servfail',
      hop: 'dns',
      severity: 'error',
      confidence: 'high',
      source: 'live',
      summary: `the DNS server answers SERVFAIL for ${rc('SERVFAIL')[0]!.qname}: it could not get an answer (upstream unreachable, or a broken zone).`,
      evidence: [ev],
      fix: { description: "look at the DNS server's log", kubectl: 'kubectl -n kube-system logs -l k8s-app=kube-dns --tail=50' },
    });
  } else if (unanswered.length > 0) {
    const ev = dnsEvidence(
      unanswered,
      `${unanswered.reduce((n, s) => n + s.unanswered, 0)} DNS queries from A got no answer (${unanswered.map((s) => s.qname).join(', ')})`,
    );
    if (!confirm(ctx, ['dns-blocked-by-policy', 'dns-timeout'], [ev]))
      add(ctx, {
        kind: 'dns-timeout',
        hop: 'dns',
        severity: 'error',
        confidence: 'medium',
        source: 'live',
        summary: `A's DNS queries for ${unanswered[0]!.qname} get no answer: the DNS server is unreachable or overloaded.`,
        evidence: [ev],
      });
  }
}

/**
 * What the active test (traffic Pathlight generated from inside A) found: its DNS answers and
 * connection outcome, as evidence; a connection outcome the probes could not see (a dial
 * that gave up before the kernel reported anything) is counted from the test itself.
 */
function liveActive(ctx: Ctx, side: SideA): { evidence: Evidence[]; outcome?: string } {
  const tests = [...ctx.correlator!.tests.values()].filter((t) => side.ips.has(t.fromIp)).sort((p, q) => p.ts - q.ts);
  const evidence: Evidence[] = [];
  let outcome: string | undefined;
  for (const t of tests) {
    if (t.outcome === 'error' && t.error) ctx.notes.push(`active test from ${t.fromIp} on ${t.node}: ${t.error}`);
    if (t.phase === 'dns')
      evidence.push({
        type: 'note',
        text: `active test (traffic Pathlight generated from A): lookup ${t.name ?? ''} ${t.qtype ?? ''} → ${t.rcode ?? t.errno ?? '?'}${t.answers?.length ? ` ${t.answers.map((a) => a.data).join(', ')}` : ''}${t.latencyNs !== undefined ? ` in ${ms(t.latencyNs)}` : ''}`,
      });
    if (t.phase === 'connect') {
      outcome = t.outcome;
      evidence.push({
        type: 'note',
        text: `active test (traffic Pathlight generated from A): ${t.proto ?? 'tcp'} connect to ${t.target ?? '?'} → ${t.outcome ?? '?'}${t.errno ? ` (${t.errno})` : ''}${t.latencyNs !== undefined ? ` after ${ms(t.latencyNs)}` : ''}`,
      });
    }
  }
  return { evidence, ...(outcome ? { outcome } : {}) };
}

const endpointCauses: FindingKind[] = ['service-no-endpoints', 'selector-mismatch', 'endpoints-not-ready', 'named-port-missing', 'service-port-mismatch'];

/** ` on node-2`: where the packets died, when the probes ran on more than one node. */
function diedOn(conns: Connection[]): string {
  const probed = new Set(conns.flatMap((c) => c.nodes));
  const died = [...new Set(conns.flatMap((c) => c.dropNodes))].sort();
  return probed.size > 1 && died.length > 0 ? ` on ${died.join(', ')}` : '';
}

/**
 * Drop reasons of a socket's own teardown, not of the network: at close the kernel frees what is
 * still queued on the socket (QUEUE_PURGE). Alone on a connection, they are no failure.
 */
const teardown = new Set(['QUEUE_PURGE']);

function liveConnections(ctx: Ctx, side: SideA, proto: string, active: { evidence: Evidence[]; outcome?: string }) {
  const corr = ctx.correlator!;
  const conns = connectionsBetween(corr, side, ctx.bSide, proto);
  const by = (o: Connection['outcome']) => conns.filter((c) => c.outcome === o);
  const counts = {
    established: by('established').length,
    refused: by('refused').length,
    timeout: by('timeout').length,
    unreachable: by('unreachable').length,
    reset: by('reset').length,
  };
  // The test's own dial gave up before the kernel said anything about its socket: count what it saw.
  const o = active.outcome === 'replied' ? 'established' : active.outcome === 'no-reply' ? 'timeout' : active.outcome;
  if (o === 'established' || o === 'refused' || o === 'timeout' || o === 'unreachable')
    if (
      Object.values(counts).every((n) => n === 0) ||
      (o !== 'established' && counts.established + counts.refused + counts.timeout + counts.unreachable + counts.reset === 0)
    )
      counts[o]++;
  const failed = conns.filter(
    (c) =>
      c.outcome !== 'established' && (c.outcome !== 'unknown' || c.reasons.length > 0) && !(c.outcome === 'dropped' && c.reasons.every((r) => teardown.has(r))),
  );
  if (failed.length === 0 && o && o !== 'established' && o !== 'error') {
    // Only the active test saw the failure (no probe event of it): it is the evidence.
    hop(ctx, 'network', 'fail', `active test: ${o}`);
    if (
      !confirm(
        ctx,
        [...staticCauses, ...endpointCauses, 'target-port-not-listening'],
        active.evidence,
        `the test connection Pathlight made from A: ${active.outcome}`,
      )
    )
      add(ctx, {
        kind: o === 'timeout' ? 'connection-timeout' : 'connection-refused',
        hop: 'network',
        severity: 'error',
        confidence: 'medium',
        source: 'live',
        summary: `a test connection from A to ${ctx.target.label} ended ${active.outcome}.`,
        evidence: active.evidence,
      });
    return counts;
  }
  const target = [...new Set(conns.flatMap((c) => c.peers))].slice(0, 3).join(', ');
  if (counts.established > 0) {
    hop(ctx, 'network', failed.length > 0 ? 'warn' : 'ok', `${n(counts.established)} established`);
    const ev: Evidence =
      by('established').length > 0
        ? connEvidence(by('established'), `${n(counts.established)} from A to ${target} established`, 'tcp')
        : (active.evidence.at(-1) ?? { type: 'note', text: 'the active test connected' });
    const denied = ctx.findings.filter((f) => staticCauses.includes(f.kind));
    for (const f of denied)
      if (failed.length === 0) {
        f.severity = 'warning';
        f.source = 'both';
        f.summary += ` Yet ${n(counts.established)} ${counts.established === 1 ? 'was' : 'were'} established while the probes watched: the network plugin does not enforce this policy${f.kind === 'admin-policy-deny' ? ' (many, such as kube-router, ignore AdminNetworkPolicy)' : ''}.`;
        f.evidence.push(ev);
        const h = ctx.hops.get(f.hop);
        if (h) h.verdict = 'warn';
      }
    ctx.established = ev;
  }
  if (failed.length === 0) {
    // A name that does not resolve means A never connects: nothing to wait for.
    if (conns.length === 0 && ctx.findings.some((f) => f.severity === 'error' && f.hop === 'dns')) hop(ctx, 'network', 'skipped', 'not reached');
    else if (conns.length === 0) {
      hop(ctx, 'network', 'unknown', 'no traffic seen');
      ctx.notes.push(
        `no traffic from ${ctx.source.label} to ${ctx.target.label} was seen while the probes watched${ctx.bSide.size === 0 ? ' (B has no known address to match)' : ''}: make A connect, or ask with --active to generate a test connection.`,
      );
    }
    return counts;
  }
  hop(ctx, 'network', counts.established > 0 ? 'warn' : 'fail', `${n(failed.length)} failed`);
  const reasons = [...new Set(failed.flatMap((c) => c.reasons))].sort();
  const evidence: Evidence[] = [...active.evidence];
  for (const o of ['refused', 'unreachable', 'timeout', 'reset'] as const) {
    const cs = by(o);
    if (cs.length > 0)
      evidence.push(
        connEvidence(
          cs,
          `${n(cs.length)} from A to ${[...new Set(cs.flatMap((c) => c.peers))].slice(0, 3).join(', ')} ${o === 'reset' ? 'reset' : o}${cs[0]!.examples.find((e) => e.type === 'tcp' && e.errno)?.type === 'tcp' ? ` (${(cs[0]!.examples.find((e) => e.type === 'tcp' && e.errno) as { errno?: string }).errno})` : ''}`,
          'tcp',
        ),
      );
  }
  // A drop Hubble reported (a Cilium node) is Cilium's own verdict, with its reason; the agent's are the kernel's.
  const fromHubble = (r: string) =>
    failed.some((c) => c.reasons.includes(r) && c.examples.some((e) => e.type === 'drop' && e.reason === r && (e as { origin?: string }).origin === 'hubble'));
  for (const r of reasons) {
    const cs = failed.filter((c) => c.reasons.includes(r));
    const loc = cs.flatMap((c) => c.examples).find((e) => e.type === 'drop' && e.reason === r);
    const where = loc && loc.type === 'drop' && loc.location ? loc.location : undefined;
    evidence.push(
      connEvidence(
        cs,
        fromHubble(r)
          ? `Cilium dropped packets of ${n(cs.length)} (Hubble): ${r}${where ? ` (${where})` : ''}${ciliumPolicyReasons.has(r) ? denialText(ciliumDenial(cs) ?? { by: [], nodes: [] }) : ''}`
          : `the kernel dropped packets of ${n(cs.length)}: ${r}${where ? ` at ${where}` : ''}`,
        'drop',
      ),
    );
  }
  const kernelReasons = reasons.filter((r) => !fromHubble(r));
  const ciliumReasons = reasons.filter(fromHubble);
  const seen = [
    ...(['refused', 'unreachable', 'timeout', 'reset'] as const)
      .filter((o) => counts[o] > 0)
      .map(
        (o) => `${counts[o]} connection${counts[o] > 1 ? 's' : ''} ${o === 'unreachable' ? 'rejected (host unreachable)' : o === 'timeout' ? 'timed out' : o}`,
      ),
    ...(kernelReasons.length ? [`the kernel dropped their packets (${kernelReasons.join(', ')})${diedOn(failed)}`] : []),
    ...(ciliumReasons.length ? [`Cilium dropped them (Hubble: ${ciliumReasons.join(', ')})${kernelReasons.length ? '' : diedOn(failed)}`] : []),
  ].join(', ');
  // Which static cause the failures fit.
  const noSocket = reasons.includes('NO_SOCKET') || (counts.refused > 0 && !reasons.includes('NETFILTER_DROP'));
  if (noSocket && confirm(ctx, ['target-port-not-listening'], evidence, seen)) return counts;
  const denial = ciliumDenial(failed);
  const confirmed = confirm(ctx, [...staticCauses, ...endpointCauses, 'dns-nxdomain', 'dns-blocked-by-policy', 'service-not-found'], evidence, seen);
  if (confirmed) {
    if (denial) compareWithCilium(ctx, confirmed, denial);
    return counts;
  }
  if (denial) {
    // Cilium says policy, the policies Pathlight read say allowed: both verdicts, side by side.
    const dir = denial.direction ?? 'ingress';
    add(ctx, {
      kind: dir === 'egress' ? 'policy-deny-egress' : 'policy-deny-ingress',
      hop: dir === 'egress' ? 'policy-egress' : 'policy-ingress',
      severity: 'error',
      confidence: 'high',
      source: 'live',
      summary: `Cilium drops A → B${denialText(denial)} (Hubble: ${ciliumReasons.join(', ')} on ${denial.nodes.join(', ')}), but the policies Pathlight read allow this connection: the two verdicts disagree. Cilium enforces a policy Pathlight did not see — one its credentials cannot read, a kind it does not evaluate, or one still in the node's datapath after its object changed.`,
      evidence,
      fix: {
        description: `list the policy Cilium enforces for ${dir === 'egress' ? "A's" : "B's"} endpoint, on its node (or in the node's cilium pod)`,
        kubectl: 'cilium-dbg endpoint list && cilium-dbg policy get  # on the node',
      },
    });
    return counts;
  }
  // Nothing static explains it: the live failure is the finding.
  const backendHit = failed.some((c) => c.peers.some((p) => ctx.backends.some((b) => b.pod.ips.some((ip) => p.startsWith(ip) || p.startsWith(`[${ip}]`)))));
  if (noSocket && counts.refused > 0) {
    add(ctx, {
      kind: backendHit || reasons.includes('NO_SOCKET') ? 'target-port-not-listening' : 'connection-refused',
      hop: backendHit ? 'backend' : 'network',
      severity: 'error',
      confidence: reasons.includes('NO_SOCKET') ? 'high' : 'medium',
      source: 'live',
      summary: `${n(counts.refused)} from A to ${target} were refused${reasons.includes('NO_SOCKET') ? ': the kernel found no socket listening on the port (NO_SOCKET)' : ''} — the process is not listening there, or listens on another port or address.`,
      evidence,
      fix: {
        description: 'check what the backend listens on',
        kubectl: ctx.backends[0] ? `kubectl -n ${ctx.backends[0].pod.namespace} exec ${ctx.backends[0].pod.name} -- netstat -lnt` : 'netstat -lnt (on B)',
      },
    });
    return counts;
  }
  if (reasons.length > 0) {
    add(ctx, {
      kind: 'packet-dropped',
      hop: 'network',
      severity: 'error',
      confidence: 'high',
      source: 'live',
      summary: `${[...(kernelReasons.length ? [`the kernel drops A → B packets: ${kernelReasons.join(', ')}`] : []), ...(ciliumReasons.length ? [`Cilium drops A → B packets (Hubble): ${ciliumReasons.join(', ')}`] : [])].join('; ')}${reasons.includes('NETFILTER_DROP') ? ' — a netfilter rule (a policy enforcer, kube-proxy or a host firewall) that the policies Pathlight evaluated do not explain' : ''}.`,
      evidence,
      ...(reasons.includes('NETFILTER_DROP')
        ? {
            fix: {
              description: "find the rule that drops: look at the node's iptables/nftables rules for A's and B's addresses",
              kubectl: 'iptables-save | grep -E "DROP|REJECT"  # on the node',
            },
          }
        : {}),
    });
    return counts;
  }
  const kind = counts.timeout > 0 ? 'connection-timeout' : 'connection-refused';
  add(ctx, {
    kind,
    hop: 'network',
    severity: 'error',
    confidence: 'medium',
    source: 'live',
    summary:
      kind === 'connection-timeout'
        ? `${n(counts.timeout)} from A to ${target} timed out: packets are lost on the way and no drop was reported on the probed nodes (another node, the cloud network, or a device without a drop reason).`
        : `${counts.refused + counts.unreachable + counts.reset} connections from A to ${target} failed (${Object.entries(counts)
            .filter(([k, v]) => k !== 'established' && v > 0)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ')}).`,
    evidence,
  });
  return counts;
}

export const liveCheck: Check = {
  id: 'live',
  hop: 'network',
  run(ctx) {
    if (!ctx.correlator) {
      hop(ctx, 'network', 'skipped', 'not checked: no probes ran');
      return;
    }
    const side: SideA = { pods: new Set(), ips: new Set() };
    if (ctx.source.kind === 'ip') side.ips.add(ctx.source.ip);
    else
      for (const p of ctx.source.pods) {
        side.pods.add(`${p.namespace}/${p.name}`);
        for (const ip of p.ips) side.ips.add(ip);
      }
    const snat = snatAddress(ctx);
    if (snat) side.ips.add(snat);
    const proto = ctx.protocol.toLowerCase();
    liveDns(ctx, side);
    ctx.counts = liveConnections(ctx, side, proto, liveActive(ctx, side));
  },
};
