/**
 * Which rule of an advice keeps which observed flow open: each flow evaluated by the engine with
 * the advice in place (as `advisePolicies` verifies it), and the allow rules that decided it
 * collected per advised policy — the egress rule of the client's policy and the ingress rule of
 * the server's. What the workbench shows under each advised policy.
 */
import type { Advice } from './advise.js';
import { flowEndpoint, indexWith } from './advise.js';
import { evaluatePair } from './evaluate.js';
import type { ObservedFlow } from './observed.js';
import { isEmpty, single } from './ports.js';
import type { PolicyIndex } from './policyIndex.js';

/** One rule of an advised policy and the observed flows it allows. */
export interface KeptByRule {
  namespace: string;
  policy: string;
  /** The rule's path in the policy (`spec.egress[1]`). */
  rule: string;
  direction: 'ingress' | 'egress';
  flows: ObservedFlow[];
}

export function adviceKeeps(index: PolicyIndex, advice: Advice): KeptByRule[] {
  const scope = new Set(advice.namespaces.map((a) => a.namespace));
  const added = advice.namespaces.flatMap((a) => a.policies.map((obj, i) => ({ obj, file: `${a.namespace}.yaml`, line: i + 1 })));
  const after = indexWith(index, added, scope);
  const advised = new Set(advice.namespaces.flatMap((a) => a.policies.map((p) => `${a.namespace}/${String((p.metadata as { name?: unknown }).name)}`)));
  const byRule = new Map<string, KeptByRule>();
  for (const f of advice.flows) {
    const src = flowEndpoint(after, f.from);
    const dst = flowEndpoint(after, f.to);
    if (!src || !dst) continue;
    const r = evaluatePair(after, src, dst, single(f.protocol, f.port));
    for (const d of [...r.egress.decisions, ...r.ingress.decisions]) {
      if (d.verdict !== 'allow' || d.reason !== 'rule' || isEmpty(d.conns)) continue;
      for (const rule of d.rules) {
        const ns = rule.policy.namespace ?? '';
        if (rule.policy.kind !== 'NetworkPolicy' || !advised.has(`${ns}/${rule.policy.name}`)) continue;
        const key = `${ns}/${rule.policy.name} ${rule.path}`;
        let e = byRule.get(key);
        if (!e) byRule.set(key, (e = { namespace: ns, policy: rule.policy.name, rule: rule.path, direction: rule.direction, flows: [] }));
        if (!e.flows.includes(f)) e.flows.push(f);
      }
    }
  }
  return [...byRule.values()];
}
