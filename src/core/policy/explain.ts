/**
 * Verdicts as data and as sentences: per direction, which policies selected the subject in
 * each tier and which rule allowed or denied — or "isolated by P, no rule allows". The JSON
 * shape is what `policy check --json` prints, diagnoses carry as policy evidence and the UI
 * renders; the sentences are written once here, from that JSON, so the CLI, the report and
 * the UI say the same thing.
 */
import { z } from 'zod';
import type { Endpoint, PolicyRef, Tier } from './model.js';
import type { Decision, DirectionResult, PairResult, RuleRef } from './evaluate.js';
import { describeConnSet, intersect, isEmpty, type ConnSet } from './ports.js';
import { refText } from './refs.js';

const tierSchema = z.enum(['admin', 'networkpolicy', 'baseline'] as const satisfies readonly Tier[]);

export const policyRefJsonSchema = z.object({
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  file: z.string().optional(),
  line: z.number().optional(),
});
export type PolicyRefJson = z.infer<typeof policyRefJsonSchema>;

export const ruleJsonSchema = z.object({
  policy: policyRefJsonSchema,
  tier: tierSchema,
  rule: z.string(),
  name: z.string().optional(),
  action: z.enum(['Allow', 'Deny', 'Pass']),
  peer: z.string(),
  notes: z.array(z.string()).optional(),
});
export type RuleJson = z.infer<typeof ruleJsonSchema>;

export const decisionJsonSchema = z.discriminatedUnion('reason', [
  z.object({ verdict: z.enum(['allow', 'deny']), reason: z.literal('rule'), tier: tierSchema, rules: z.array(ruleJsonSchema), ports: z.string() }),
  z.object({
    verdict: z.literal('deny'),
    reason: z.literal('isolated'),
    tier: z.literal('networkpolicy'),
    isolatedBy: z.array(policyRefJsonSchema),
    nearMisses: z.array(ruleJsonSchema.extend({ misses: z.enum(['peer', 'ports']), ports: z.string() })),
    ports: z.string(),
  }),
  z.object({ verdict: z.literal('allow'), reason: z.literal('default'), passedBy: z.array(ruleJsonSchema), ports: z.string() }),
  z.object({ verdict: z.literal('allow'), reason: z.literal('not-applicable'), why: z.string(), ports: z.string() }),
]);
export type DecisionJson = z.infer<typeof decisionJsonSchema>;

export const directionJsonSchema = z.object({
  direction: z.enum(['egress', 'ingress']),
  subject: z.string().nullable(),
  /**
   * The other end as the sentences name it (the destination for egress, the source for
   * ingress). Absent in answers recorded before it was kept; the sentences then leave it out.
   */
  peer: z.string().optional(),
  allowed: z.boolean(),
  selectedBy: z.object({ admin: z.array(policyRefJsonSchema), networkpolicy: z.array(policyRefJsonSchema), baseline: z.array(policyRefJsonSchema) }),
  decisions: z.array(decisionJsonSchema),
  notes: z.array(z.string()),
});
export type DirectionJson = z.infer<typeof directionJsonSchema>;

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

export function directionJson(r: DirectionResult, scope: ConnSet, peer?: Endpoint): DirectionJson {
  const sel = (t: Tier) => r.selectedBy[t].map(refJson);
  return {
    direction: r.direction,
    subject: r.subject ? `${r.subject.namespace}/${r.subject.name}` : null,
    ...(peer ? { peer: endpointText(peer) } : {}),
    allowed: relevant(r, scope).every((d) => d.verdict === 'allow') && !isEmpty(r.allowed),
    selectedBy: { admin: sel('admin'), networkpolicy: sel('networkpolicy'), baseline: sel('baseline') },
    decisions: relevant(r, scope).map(decisionJson),
    notes: r.notes,
  };
}

/** Both directions of a pair, each naming the other end. */
export function pairJson(p: PairResult): { egress: DirectionJson; ingress: DirectionJson } {
  return { egress: directionJson(p.egress, p.scope, p.dst), ingress: directionJson(p.ingress, p.scope, p.src) };
}

// ---- Sentences ------------------------------------------------------------------------------

const towards = (d: DirectionJson) => (d.direction === 'ingress' ? 'from' : 'to');

function ruleText(d: DirectionJson, r: RuleJson): string {
  const name = r.name ? ` "${r.name}"` : '';
  return `${refText(r.policy)} rule ${r.rule}${name} (${r.action}, ${towards(d)} ${r.peer})`;
}

function decisionText(d: DirectionJson, x: DecisionJson): string {
  const who = d.subject ? `${d.direction} of ${d.subject}` : d.direction;
  switch (x.reason) {
    case 'rule':
      return `${who}: ${x.ports} ${x.verdict === 'allow' ? 'allowed' : 'denied'} by ${x.rules.map((r) => ruleText(d, r)).join('; and by ')}`;
    case 'isolated': {
      const near = x.nearMisses.map(
        (n) =>
          `; ${refText(n.policy)} rule ${n.rule} ${n.misses === 'peer' ? `admits ${n.ports} but only ${towards(d)} ${n.peer}` : `admits ${n.peer} but only on ${n.ports}`}`,
      );
      return `${who}: ${x.ports} denied — isolated by ${x.isolatedBy.map(refText).join(', ')}, no rule allows it${d.peer ? ` ${towards(d)} ${d.peer}` : ''}${near.join('')}`;
    }
    case 'default': {
      const passed = x.passedBy.length ? ` (passed on by ${x.passedBy.map((r) => ruleText(d, r)).join(', ')})` : '';
      const tiers = (['admin', 'networkpolicy', 'baseline'] as const).filter((t) => d.selectedBy[t].length > 0);
      const sel = tiers.length ? `no rule of ${tiers.map((t) => d.selectedBy[t].map(refText).join(', ')).join(', ')} decides it` : 'no policy selects it';
      return `${who}: ${x.ports} allowed by default — ${sel}${passed}`;
    }
    case 'not-applicable':
      return `${who}: allowed — ${x.why}`;
  }
}

/** One sentence per decision of one direction (the CLI's, the report's and the UI's wording). */
export function decisionLines(d: DirectionJson): string[] {
  return d.decisions.map((x) => decisionText(d, x));
}

const tierName = { admin: 'the admin tier', networkpolicy: 'the NetworkPolicy tier', baseline: 'the baseline tier' } as const;

/**
 * How the policies of one direction decide, as the why panel lists them: which policies
 * select the subject in each tier, then the decisions and notes in the words of explainLines.
 * Takes the evidence's policy as recorded (unknown JSON); nothing when it is not a DirectionJson.
 */
export function policyLines(policy: unknown): string[] {
  const r = directionJsonSchema.safeParse(policy);
  if (!r.success) return [];
  const d = r.data;
  const who = d.subject ? `${d.direction} of ${d.subject}` : d.direction;
  const selected = (['admin', 'networkpolicy', 'baseline'] as const)
    .filter((t) => d.selectedBy[t].length > 0)
    .map((t) => `${who}: selected in ${tierName[t]} by ${d.selectedBy[t].map(refText).join(', ')}`);
  return [...selected, ...decisionLines(d), ...d.notes.map((n) => `note: ${n}`)];
}

/** One sentence per decision, egress first; then notes (L7 not evaluated…). */
export function explainLines(p: PairResult): string[] {
  const { egress, ingress } = pairJson(p);
  return [...decisionLines(egress), ...decisionLines(ingress), ...[...egress.notes, ...ingress.notes].map((n) => `note: ${n}`)];
}
