/**
 * kube-router's network policy rules (iptables-nft, filter table). For each pod a policy
 * selects on its node, kube-router builds a chain `KUBE-POD-FW-<hash>`, jumped to from
 * KUBE-ROUTER-FORWARD/-OUTPUT/-INPUT with "rule to jump traffic destined to POD name:P
 * namespace: NS to chain …" (ingress) or "… from POD …" (egress). That chain jumps to one
 * chain per policy, `KUBE-NWPLCY-<hash>`, with "run through nw policy NAME" (the policy is in
 * the pod's namespace), whose rules mark the packets a policy allows; the chain ends with
 * "rule to REJECT traffic destined for POD name:P namespace: NS" for unmarked packets (in
 * both directions; older releases say "default rule to REJECT …"). KUBE-NWPLCY-DEFAULT is
 * the chain of pods no egress policy selects.
 */
import type { RuleMapping, RuleObject, RuleRecord } from './types.js';
import { commentsOf } from './types.js';

const podRe = /POD name:\s*(\S+)\s+namespace:\s*([a-z0-9][-a-z0-9]*)/;
const policyJumpRe = /run through nw policy (\S+)/;

/** The pod a kube-router comment names. */
export function kubeRouterPod(comment: string): RuleObject | undefined {
  const m = podRe.exec(comment);
  return m ? { kind: 'Pod', namespace: m[2]!, name: m[1]! } : undefined;
}

export function mapKubeRouter(rule: RuleRecord): RuleMapping | undefined {
  // Only the rule's own chain counts: a packet kube-router let through can still meet a host firewall rule later.
  if (!/^KUBE-(POD-FW-|NWPLCY-|ROUTER-)/.test(rule.chain)) return undefined;
  const comments = commentsOf(rule);
  const pod = comments.map(kubeRouterPod).find((p) => p !== undefined);
  // The direction is in the jump into the pod's chain, not in the reject (it says "destined for" both ways).
  const into = (rule.path ?? []).find((s) => s.target === rule.chain && s.comment);
  const direction =
    into?.comment && /traffic from POD/.test(into.comment) ? 'egress' : into?.comment && /destined to POD/.test(into.comment) ? 'ingress' : undefined;
  const policies: RuleObject[] = [];
  // Only the policies of the chain that rejected: the path also holds the other pod's chain (its egress).
  for (const step of (rule.path ?? []).filter((s) => s.chain === rule.chain)) {
    const m = policyJumpRe.exec(step.comment ?? '');
    if (m && !policies.some((p) => p.name === m[1]))
      policies.push({ kind: 'NetworkPolicy', ...(pod?.namespace ? { namespace: pod.namespace } : {}), name: m[1]! });
  }
  const base = { enforcer: 'kube-router' as const, software: 'kube-router', pod, policies };
  const podText = pod ? `pod ${pod.namespace}/${pod.name}` : 'a pod';
  const dirText = direction ? ` ${direction}` : '';
  const polText =
    policies.length > 0 ? `, which implements ${policies.map((p) => `NetworkPolicy ${p.namespace ? `${p.namespace}/` : ''}${p.name}`).join(', ')}` : '';
  if (/^KUBE-POD-FW-/.test(rule.chain) && comments[0] !== undefined && /REJECT traffic destined for POD/.test(comments[0])) {
    return {
      ...base,
      role: 'policy-default-deny',
      description: `kube-router's default deny${dirText} for ${podText}: no policy selecting it allowed the packet${polText}`,
    };
  }
  if (rule.chain === 'KUBE-NWPLCY-DEFAULT') {
    return { ...base, role: 'policy-default-deny', description: `kube-router's default egress chain for ${podText}` };
  }
  if (/^KUBE-NWPLCY-/.test(rule.chain)) {
    return {
      ...base,
      role: 'policy-deny',
      description: `a rule of kube-router's chain ${rule.chain} for ${policies.length > 0 ? policies.map((p) => p.name).join(', ') : 'a network policy'}`,
    };
  }
  return { ...base, role: 'other', description: `kube-router's ${rule.chain} rule${pod ? ` for ${podText}` : ''}` };
}
