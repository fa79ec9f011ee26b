/**
 * Rule evidence: the netfilter rules that dropped or rejected A → B packets, as the agent's
 * rules probe named them (src/core/rules maps each to the software and Kubernetes object
 * behind it). A rule that implements the policy the static check found denying (kube-router's
 * default deny, a Calico policy chain) or kube-proxy's reject of a Service without endpoints
 * is attached to that finding: the proof beside the explanation. A rule no static cause
 * explains — the policies allow A → B — is the `rule-drop` finding, which names the rule and
 * the software it looks like it came from, replacing the anonymous "the kernel drops" one.
 */
import { add, hop, snatAddress, type Check, type Ctx } from '../context.js';
import type { RuleLine } from '../../probe/schemas.js';
import { ruleEvidence, type RuleEvidence } from '../../rules/evidence.js';
import type { Evidence, Finding, FindingKind } from '../types.js';

const policyCauses: FindingKind[] = ['policy-deny-egress', 'policy-deny-ingress', 'admin-policy-deny'];
const endpointCauses: FindingKind[] = ['service-no-endpoints', 'selector-mismatch', 'endpoints-not-ready', 'named-port-missing', 'service-port-mismatch'];
/** The live findings that only say something failed; a named rule says more. */
const anonymous: FindingKind[] = ['packet-dropped', 'connection-timeout', 'connection-refused'];

/** Rule lines of A → B: A's address at one end, one of B's addresses (before or after DNAT) at the other. */
function linesOf(ctx: Ctx, aIps: Set<string>): RuleLine[] {
  return ctx.correlator!.rules.filter(
    (r) => (aIps.has(r.src) && ctx.bSide.has(`${r.dst}|${r.dport}`)) || (aIps.has(r.dst) && ctx.bSide.has(`${r.src}|${r.sport}`)),
  );
}

const verbOf = (e: RuleEvidence) => (e.rule.verdict === 'reject' ? 'rejected' : 'dropped');

/** The evidence item of one rule. */
export function ruleItem(e: RuleEvidence): Evidence {
  const count = e.packets === 1 ? '1 packet' : `${e.packets} packets`;
  return {
    type: 'rule',
    text: `${count} ${verbOf(e)} on ${e.node} by ${e.location}: ${e.mapping.description}`,
    node: e.node,
    tableFamily: e.rule.tableFamily,
    table: e.rule.table,
    chain: e.rule.chain,
    handle: e.rule.handle,
    ...(e.rule.position !== undefined ? { position: e.rule.position } : {}),
    ...(e.rule.text ? { rule: e.rule.text } : {}),
    ...(e.rule.comment ? { comment: e.rule.comment } : {}),
    verdict: e.rule.verdict,
    enforcer: e.mapping.enforcer,
    software: e.mapping.software,
    role: e.mapping.role,
    policies: e.mapping.policies.map((p) => ({ kind: p.kind, ...(p.namespace ? { namespace: p.namespace } : {}), name: p.name })),
    packets: e.packets,
    first: e.firstTs,
    last: e.lastTs,
  };
}

/** "dropped on NODE by ip filter/CHAIN rule 7 (handle 42), kube-router's default deny …" for a summary. */
const said = (e: RuleEvidence) => `${verbOf(e)} on ${e.node} by ${e.location}, ${e.mapping.description}`;

function attach(f: Finding, e: RuleEvidence) {
  f.evidence.push(ruleItem(e));
  if (!f.summary.includes(e.location)) f.summary += ` The probes saw the packets ${said(e)}.`;
  f.source = 'both';
  f.confidence = 'high';
}

function ruleDrop(ctx: Ctx, groups: RuleEvidence[]) {
  // The anonymous findings' evidence (connection outcomes, drop reasons) stays, under the named rule.
  // A refusal answered by a REJECT rule is not a closed port, whatever the refusal alone suggested.
  const rejected = groups.some((g) => g.rule.verdict === 'reject');
  const replaced = ctx.findings.filter((f) => f.source === 'live' && (anonymous.includes(f.kind) || (rejected && f.kind === 'target-port-not-listening')));
  ctx.findings = ctx.findings.filter((f) => !replaced.includes(f));
  for (const h of ctx.hops.values()) h.findings = h.findings.filter((k) => ctx.findings.some((f) => f.kind === k && f.hop === h.hop));
  const first = groups[0]!;
  const m = first.mapping;
  const who =
    m.enforcer === 'unknown'
      ? 'software Pathlight does not recognise (not a policy enforcer or kube-proxy it knows)'
      : m.enforcer === 'other'
        ? `${m.software}, not a Kubernetes policy`
        : `${m.software}, although the policies Pathlight evaluated allow A → B`;
  const more = groups.length > 1 ? ` (and ${groups.length - 1} other rule${groups.length > 2 ? 's' : ''})` : '';
  hop(ctx, 'network', 'fail', `${verbOf(first)} by ${first.location}`);
  add(ctx, {
    kind: 'rule-drop',
    hop: 'network',
    severity: 'error',
    confidence: 'high',
    source: 'live',
    summary: `A → B packets are ${verbOf(first)} on ${first.node} by ${first.location}${more}, which looks like it comes from ${who}: ${m.description}.`,
    evidence: [...groups.map(ruleItem), ...replaced.flatMap((f) => f.evidence)],
    fix: {
      description:
        m.enforcer === 'unknown' || m.enforcer === 'other'
          ? `find out who added ${first.rule.table}/${first.rule.chain} on ${first.node} (a host firewall, a security agent, a manual rule) and remove or narrow the rule; nothing in the cluster will put it back`
          : `${m.software} enforces something the objects do not show: check its logs and its view of the policies (a stale rule, a policy it has not synced), and the rule in ${first.rule.table}/${first.rule.chain} on ${first.node}`,
      kubectl:
        first.rule.tableFamily === 'ip' || first.rule.tableFamily === 'ip6'
          ? `${first.rule.tableFamily === 'ip6' ? 'ip6tables' : 'iptables'}-save -t ${first.rule.table} | grep -n -- '-A ${first.rule.chain} '  # on ${first.node}`
          : `nft -a list chain ${first.rule.tableFamily} ${first.rule.table} ${first.rule.chain}  # on ${first.node}`,
    },
  });
}

export const rulesCheck: Check = {
  id: 'rules',
  hop: 'network',
  run(ctx) {
    if (!ctx.correlator) return;
    const c = ctx.counts;
    const failed = c ? c.refused + c.timeout + c.unreachable + c.reset > 0 : false;
    if (failed) for (const [node, why] of [...ctx.correlator.rulesUnavailable].sort()) ctx.notes.push(`the rule that drops is not named on ${node}: ${why}`);
    if (ctx.correlator.rules.length === 0) return;
    const snat = snatAddress(ctx);
    const aIps = new Set<string>([...(ctx.source.kind === 'ip' ? [ctx.source.ip] : ctx.source.pods.flatMap((p) => p.ips)), ...(snat ? [snat] : [])]);
    const groups = ruleEvidence(linesOf(ctx, aIps));
    const unexplained: RuleEvidence[] = [];
    for (const g of groups) {
      const kinds = g.mapping.role === 'service-no-endpoints' ? endpointCauses : g.mapping.role.startsWith('policy-') ? policyCauses : [];
      const f = ctx.findings.find((x) => kinds.includes(x.kind) && x.severity !== 'info');
      if (f) attach(f, g);
      else unexplained.push(g);
    }
    if (unexplained.length === 0) return;
    if (c && c.established > 0 && !failed) {
      // Connections work: a stray packet dropped on the way (a late retransmission in INVALID state) is not the answer.
      for (const g of unexplained) ctx.notes.push(`while A → B connections succeeded, ${ruleItem(g).text}.`);
      return;
    }
    ruleDrop(ctx, unexplained);
  },
};
