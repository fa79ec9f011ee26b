/**
 * Verdicts as data and as sentences: per direction, which policies selected the subject in
 * each tier and which rule allowed or denied — or "isolated by P, no rule allows". The JSON
 * shape is what `policy check --json` prints and the UI renders.
 */
import type { Endpoint, PolicyRef, Tier } from './model.js';
import type { Decision, DirectionResult, PairResult, RuleRef } from './evaluate.js';
import { describeConnSet, intersect, isEmpty, type ConnSet } from './ports.js';
import { refText } from './refs.js';

export interface PolicyRefJson {
  kind: string;
  namespace?: string;
  name: string;
  file?: string;
  line?: number;
}

export interface RuleJson {
  policy: PolicyRefJson;
  tier: Tier;
  rule: string;
  name?: string;
  action: 'Allow' | 'Deny' | 'Pass';
  peer: string;
  notes?: string[];
}

export type DecisionJson =
  | { verdict: 'allow' | 'deny'; reason: 'rule'; tier: Tier; rules: RuleJson[]; ports: string }
  | { verdict: 'deny'; reason: 'isolated'; tier: 'networkpolicy'; isolatedBy: PolicyRefJson[]; nearMisses: Array<RuleJson & { misses: 'peer' | 'ports'; ports: string }>; ports: string }
  | { verdict: 'allow'; reason: 'default'; passedBy: RuleJson[]; ports: string }
  | { verdict: 'allow'; reason: 'not-applicable'; why: string; ports: string };

export interface DirectionJson {
  direction: 'egress' | 'ingress';
  subject: string | null;
  allowed: boolean;
  selectedBy: Record<Tier, PolicyRefJson[]>;
  decisions: DecisionJson[];
  notes: string[];
}

export function refJson(r: PolicyRef): PolicyRefJson {
  const out: PolicyRefJson = { kind: r.kind, name: r.name };
  if (r.namespace !== undefined) out.namespace = r.namespace;
  if (r.origin) {
    out.file = r.origin.file;
    if (r.origin.line !== undefined) out.line = r.origin.line;
  }
  return out;
}

export { refText } from './refs.js';

const ACTION = { allow: 'Allow', deny: 'Deny', pass: 'Pass' } as const;

function ruleJson(r: RuleRef): RuleJson {
  const out: RuleJson = { policy: refJson(r.policy), tier: r.tier, rule: r.path, action: ACTION[r.action], peer: r.peer };
  if (r.name) out.name = r.name;
  if (r.notes.length) out.notes = r.notes;
  return out;
}

export function endpointText(e: Endpoint): string {
  if (e.kind === 'ip') return e.ip;
  return e.pod.workload === `${e.pod.namespace}/${e.pod.name}` ? e.pod.workload : `${e.pod.namespace}/${e.pod.name} (${e.pod.workload})`;
}

function decisionJson(d: Decision): DecisionJson {
  const ports = describeConnSet(d.conns);
  switch (d.reason) {
    case 'rule':
      return { verdict: d.verdict, reason: 'rule', tier: d.tier, rules: d.rules.map(ruleJson), ports };
    case 'isolated':
      return {
        verdict: 'deny',
        reason: 'isolated',
        tier: 'networkpolicy',
        isolatedBy: d.policies.map(refJson),
        nearMisses: d.nearMisses.map((n) => ({ ...ruleJson(n.rule), misses: n.misses, ports: n.portsText })),
        ports,
      };
    case 'default':
      return { verdict: 'allow', reason: 'default', passedBy: d.passedBy.map(ruleJson), ports };
    case 'not-applicable':
      return { verdict: 'allow', reason: 'not-applicable', why: d.why, ports };
  }
}

/** Decisions restricted to the connections asked about and still present. */
function relevant(r: DirectionResult, scope: ConnSet): Decision[] {
  return r.decisions.filter((d) => !isEmpty(intersect(d.conns, scope)));
}

export function directionJson(r: DirectionResult, scope: ConnSet): DirectionJson {
  const sel = (t: Tier) => r.selectedBy[t].map(refJson);
  return {
    direction: r.direction,
    subject: r.subject ? `${r.subject.namespace}/${r.subject.name}` : null,
    allowed: relevant(r, scope).every((d) => d.verdict === 'allow') && !isEmpty(r.allowed),
    selectedBy: { admin: sel('admin'), networkpolicy: sel('networkpolicy'), baseline: sel('baseline') },
    decisions: relevant(r, scope).map(decisionJson),
    notes: r.notes,
  };
}

function ruleText(r: RuleRef): string {
  const name = r.name ? ` "${r.name}"` : '';
  return `${refText(r.policy)} rule ${r.path}${name} (${ACTION[r.action]}, ${r.direction === 'ingress' ? 'from' : 'to'} ${r.peer})`;
}

function decisionText(r: DirectionResult, d: Decision, peer: string): string {
  const who = r.subject ? `${r.direction} of ${r.subject.namespace}/${r.subject.name}` : r.direction;
  const ports = describeConnSet(d.conns);
  switch (d.reason) {
    case 'rule':
      return `${who}: ${ports} ${d.verdict === 'allow' ? 'allowed' : 'denied'} by ${d.rules.map(ruleText).join('; and by ')}`;
    case 'isolated': {
      const near = d.nearMisses.map((n) => `; ${refText(n.rule.policy)} rule ${n.rule.path} ${n.misses === 'peer' ? `admits ${n.portsText} but only ${r.direction === 'ingress' ? 'from' : 'to'} ${n.rule.peer}` : `admits ${n.rule.peer} but only on ${n.portsText}`}`);
      return `${who}: ${ports} denied — isolated by ${d.policies.map(refText).join(', ')}, no rule allows it ${r.direction === 'ingress' ? 'from' : 'to'} ${peer}${near.join('')}`;
    }
    case 'default': {
      const passed = d.passedBy.length ? ` (passed on by ${d.passedBy.map(ruleText).join(', ')})` : '';
      const tiers = (['admin', 'networkpolicy', 'baseline'] as const).filter((t) => r.selectedBy[t].length > 0);
      const sel = tiers.length ? `no rule of ${tiers.map((t) => r.selectedBy[t].map(refText).join(', ')).join(', ')} decides it` : 'no policy selects it';
      return `${who}: ${ports} allowed by default — ${sel}${passed}`;
    }
    case 'not-applicable':
      return `${who}: allowed — ${d.why}`;
  }
}

/** One sentence per decision, egress first; then notes (L7 not evaluated…). */
export function explainLines(p: PairResult): string[] {
  const lines: string[] = [];
  const srcText = endpointText(p.src);
  const dstText = endpointText(p.dst);
  for (const d of relevant(p.egress, p.scope)) lines.push(decisionText(p.egress, d, dstText));
  for (const d of relevant(p.ingress, p.scope)) lines.push(decisionText(p.ingress, d, srcText));
  for (const n of [...p.egress.notes, ...p.ingress.notes]) lines.push(`note: ${n}`);
  return lines;
}
