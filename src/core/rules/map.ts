/**
 * `mapRule`: which software wrote a netfilter rule and what Kubernetes object it implements.
 * Each enforcer's module recognises its own rules; the first that does answers, the generic
 * fallback otherwise.
 */
import { mapCalico } from './calico.js';
import { mapGeneric } from './generic.js';
import { mapKubeProxy } from './kubeProxy.js';
import { mapKubeRouter } from './kubeRouter.js';
import type { RuleMapper, RuleMapping, RuleRecord } from './types.js';

/** Tried in order: kube-router before kube-proxy, both write KUBE-* chains. */
export const mappers: readonly RuleMapper[] = [mapKubeRouter, mapCalico, mapKubeProxy];

export function mapRule(rule: RuleRecord): RuleMapping {
  for (const m of mappers) {
    const found = m(rule);
    if (found) return found;
  }
  return mapGeneric(rule);
}
