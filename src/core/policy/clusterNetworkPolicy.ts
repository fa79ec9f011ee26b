/**
 * ClusterNetworkPolicy (`policy.networking.k8s.io/v1alpha2`): one kind for the Admin and
 * Baseline tiers, priority 0-1000, actions Accept / Deny / Pass, ports as `protocols`
 * (the older `ports` form of v1alpha1 is read too).
 */
import type { CompiledPolicy, PolicyRef } from './model.js';
import type { Issues, Obj } from './issues.js';
import { objAt } from './issues.js';
import { admin, compileAdminRules, compileSubject } from './anp.js';
import type { CompileContext } from './peers.js';

export function compileClusterNetworkPolicy(doc: Obj, ref: PolicyRef, ctx: CompileContext, issues: Issues): CompiledPolicy | null {
  const spec = objAt(doc, 'spec', '', issues) ?? {};
  const tier = spec.tier;
  if (tier !== 'Admin' && tier !== 'Baseline') issues.error('spec.tier', 'tier must be Admin or Baseline');
  const priority = Number(spec.priority);
  if (!Number.isInteger(priority) || priority < 0 || priority > 1000) issues.error('spec.priority', 'priority must be an integer 0-1000');
  const actions = { Accept: 'allow', Deny: 'deny', Pass: 'pass' } as const;
  const subject = compileSubject(spec.subject, 'spec.subject', ctx, issues);
  const ingress = compileAdminRules(spec, 'ingress', ref, actions, ctx, issues, 'protocols');
  const egress = compileAdminRules(spec, 'egress', ref, actions, ctx, issues, 'protocols');
  if (!subject || issues.hasErrors) return null;
  return admin(ref, tier === 'Admin' ? 'admin' : 'baseline', priority, subject, ingress, egress);
}
