/**
 * From a netfilter rule (the probe's `rule` line) to what it is for: which software wrote it
 * and the Kubernetes object behind it. One module per enforcer (kubeRouter.ts, kubeProxy.ts,
 * calico.ts), a generic fallback (generic.ts), tried in order by `mapRule` (map.ts).
 */
import type { RuleStep } from '../probe/schemas.js';

/** The parts of a rule line the mapping reads (a recorded `rule` line has them all). */
export interface RuleRecord {
  tableFamily: string;
  table: string;
  chain: string;
  handle: number;
  /** 1-based place in its chain. */
  position?: number | undefined;
  /** As nft or iptables-save prints it. */
  text?: string | undefined;
  comment?: string | undefined;
  verdict: string;
  /** A chain's policy dropped it, not a rule. */
  policy?: boolean | undefined;
  /** The rules met before, oldest first (jumps carry their comment). */
  path?: readonly RuleStep[] | undefined;
}

/** Who wrote a rule. `other` is known software that is not a Kubernetes enforcer (a host firewall, Docker…). */
export const enforcers = ['kube-router', 'kube-proxy', 'calico', 'other', 'unknown'] as const;
export type Enforcer = (typeof enforcers)[number];

/** What a rule is for. */
export const ruleRoles = [
  /** The pod is isolated by policies and none of them allowed the packet. */
  'policy-default-deny',
  /** An explicit deny rule of a policy. */
  'policy-deny',
  /** A Service without ready endpoints: kube-proxy rejects its cluster IP. */
  'service-no-endpoints',
  /** kube-proxy's own firewall: loadBalancerSourceRanges, invalid conntrack state, marked packets. */
  'service-firewall',
  /** Anything else: a host firewall, another tool, a rule of unknown purpose. */
  'other',
] as const;
export type RuleRole = (typeof ruleRoles)[number];

/** A Kubernetes object named by a rule (its comment or chain name). */
export interface RuleObject {
  kind: string;
  namespace?: string | undefined;
  name: string;
}

/** What a rule is, in the words of the software that wrote it. */
export interface RuleMapping {
  enforcer: Enforcer;
  /** The software as users name it: "kube-router", "kube-proxy", "Calico", "Docker", "firewalld", … or "unknown software". */
  software: string;
  role: RuleRole;
  /** The pod whose firewall the rule is part of. */
  pod?: RuleObject | undefined;
  /** The policies the rule implements (may be empty: kube-router's and Calico's default deny name the pod, the path names the policies). */
  policies: RuleObject[];
  service?: (RuleObject & { port?: string | undefined }) | undefined;
  /** One phrase, e.g. "kube-router's default deny for pod shop/backend-1 (policies: NetworkPolicy shop/deny-all)". */
  description: string;
}

/** A mapper recognises the rules of one enforcer and returns undefined for the others. */
export type RuleMapper = (rule: RuleRecord) => RuleMapping | undefined;

/** Comments of the rule and of the jumps that led to it, the rule's own first. */
export function commentsOf(rule: RuleRecord): string[] {
  const out: string[] = [];
  if (rule.comment) out.push(rule.comment);
  for (const step of [...(rule.path ?? [])].reverse()) if (step.comment) out.push(step.comment);
  return out;
}

/**
 * Where a rule is, as people write it: `ip filter/KUBE-POD-FW-… rule 7 (handle 42)`, or for a
 * chain's policy `ip filter/FORWARD policy`.
 */
export function ruleLocation(rule: RuleRecord): string {
  const where = `${rule.tableFamily} ${rule.table}/${rule.chain}`;
  if (rule.policy) return `${where} policy`;
  return rule.position ? `${where} rule ${rule.position} (handle ${rule.handle})` : `${where} handle ${rule.handle}`;
}
