/**
 * Calico's rules (Felix, iptables or nftables data plane). Chain names (Felix's rule
 * definitions): `cali-tw-<iface>` (to a workload: the pod's ingress) and `cali-fw-<iface>`
 * (from a workload: its egress) for each pod interface; `cali-pi-<policy>` and
 * `cali-po-<policy>` for a policy's inbound and outbound rules; `cali-pri-`/`cali-pro-` for
 * profiles (a namespace's or service account's defaults, e.g. `cali-pri-kns.shop`). A policy
 * part longer than the chain name allows becomes `_` and a hash. Every rule carries a
 * `cali:<16 characters>` comment (its stable id); the drops at the end of a pod's chain say
 * "Drop if no policies passed packet" (no policy of the tier accepted: the pod's default
 * deny) or "Drop if no profiles matched". Calico names a Kubernetes NetworkPolicy
 * `knp.default.<name>` in the policy's namespace, a tier's policy `<tier>.<name>`, and an
 * AdminNetworkPolicy `kanp.adminnetworkpolicy.<name>`.
 */
import type { RuleMapping, RuleObject, RuleRecord } from './types.js';
import { commentsOf } from './types.js';

const chainRe = /(?:^|-)cali-(tw|fw|pi|po|pri|pro)-(.+)$/;

/** The Calico rule id (`cali:…`) of a comment. */
export function calicoRuleId(comment: string | undefined): string | undefined {
  return /cali:([A-Za-z0-9_-]{16})/.exec(comment ?? '')?.[1];
}

/**
 * The Kubernetes object behind a Calico policy name (as in a chain name or a comment):
 * `knp.default.NAME` is a NetworkPolicy, `kanp.adminnetworkpolicy.NAME` an
 * AdminNetworkPolicy, `kbanp.…` a BaselineAdminNetworkPolicy; other names are Calico's own
 * (GlobalNetworkPolicy without a namespace, NetworkPolicy with one).
 */
export function calicoPolicyObject(name: string, namespace?: string): RuleObject {
  const tierless = name.replace(/^[^/]+\//, ''); // "tier/name" in older chain names
  const k8s = /^knp\.default\.(.+)$/.exec(tierless);
  if (k8s) return { kind: 'NetworkPolicy', ...(namespace ? { namespace } : {}), name: k8s[1]! };
  const anp = /^kanp\.adminnetworkpolicy\.(.+)$/.exec(tierless);
  if (anp) return { kind: 'AdminNetworkPolicy', name: anp[1]! };
  const banp = /^kbanp\.baselineadminnetworkpolicy\.(.+)$/.exec(tierless);
  if (banp) return { kind: 'BaselineAdminNetworkPolicy', name: banp[1]! };
  return namespace ? { kind: 'projectcalico.org/NetworkPolicy', namespace, name: tierless } : { kind: 'projectcalico.org/GlobalNetworkPolicy', name: tierless };
}

/** Policies named by `Policy NS/NAME ingress|egress` comments, or by the unhashed policy chains the packet went through. */
function policiesOf(rule: RuleRecord): RuleObject[] {
  const out: RuleObject[] = [];
  const seen = new Set<string>();
  const add = (o: RuleObject) => {
    const k = `${o.kind}/${o.namespace ?? ''}/${o.name}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(o);
    }
  };
  for (const c of commentsOf(rule)) {
    const m = /Policy (?:([a-z0-9][-a-z0-9]*)\/)?(\S+) (?:ingress|egress)/.exec(c);
    if (m) add(calicoPolicyObject(m[2]!, m[1]));
  }
  const chains = [rule.chain, ...(rule.path ?? []).flatMap((s) => [s.chain, s.target ?? ''])];
  for (const ch of chains) {
    const m = chainRe.exec(ch);
    if (m && (m[1] === 'pi' || m[1] === 'po') && !m[2]!.startsWith('_')) add(calicoPolicyObject(m[2]!));
  }
  return out;
}

export function mapCalico(rule: RuleRecord): RuleMapping | undefined {
  const m = chainRe.exec(rule.chain);
  const id = calicoRuleId(rule.comment) ?? calicoRuleId(rule.text);
  if (!m && !id && !/^cali-/.test(rule.chain) && rule.table !== 'calico') return undefined;
  const base = { enforcer: 'calico' as const, software: 'Calico', policies: policiesOf(rule) };
  const idText = id ? ` (rule id cali:${id})` : '';
  const named = base.policies.length > 0 ? ` (${base.policies.map((p) => `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`).join(', ')})` : '';
  const text = `${rule.comment ?? ''} ${rule.text ?? ''}`;
  if (m && (m[1] === 'tw' || m[1] === 'fw')) {
    const dir = m[1] === 'tw' ? 'ingress' : 'egress';
    if (/Drop if no policies passed packet/.test(text)) {
      return {
        ...base,
        role: 'policy-default-deny',
        description: `Calico's default deny (${dir}) of the pod on ${m[2]}: no policy allowed it${named}${idText}`,
      };
    }
    if (/Drop if no profiles matched/.test(text)) {
      return { ...base, role: 'policy-default-deny', description: `Calico's profile default (${dir}) of the pod on ${m[2]}: no profile allowed it${idText}` };
    }
    return { ...base, role: 'other', description: `Calico's ${dir} rule of the pod on ${m[2]}${idText}` };
  }
  if (m && (m[1] === 'pi' || m[1] === 'po')) {
    const dir = m[1] === 'pi' ? 'ingress' : 'egress';
    const policy = m[2]!.startsWith('_') ? `the policy chain ${rule.chain} (hashed name)` : named.slice(2, -1) || m[2]!;
    return { ...base, role: 'policy-deny', description: `a deny rule of ${policy}, ${dir}${idText}` };
  }
  if (m) {
    return { ...base, role: 'policy-deny', description: `a rule of Calico's profile ${m[2]} (namespace or service account defaults)${idText}` };
  }
  return { ...base, role: 'other', description: `Calico's ${rule.chain} rule${idText}` };
}
