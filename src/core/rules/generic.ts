/**
 * The fallback for a rule no enforcer module recognises: the rule as it is, and a guess at
 * the software from well-known chain and table names (a host firewall, a container engine,
 * another network plugin), or "unknown software".
 */
import type { RuleMapping, RuleRecord } from './types.js';
import { ruleLocation } from './types.js';

/** Chain or table name patterns of software people run on nodes, most specific first. */
const known: ReadonlyArray<[RegExp, string]> = [
  [/^KUBE-(NWPLCY|POD-FW|ROUTER)/, 'kube-router'],
  [/^(CILIUM_|cilium)/, 'Cilium'],
  [/^(FLANNEL|flannel)/, 'Flannel'],
  [/^WEAVE/, 'Weave Net'],
  [/^(ANTREA|antrea)/, 'Antrea'],
  [/^(OVN|ovn)/, 'OVN-Kubernetes'],
  [/^KUBE-/, 'a Kubernetes component'],
  [/^(DOCKER|docker)/, 'Docker'],
  [/^(CNI-|cni-)/, 'a CNI plugin (portmap/firewall)'],
  [/^(ufw|ufw6)-/, 'ufw'],
  [/^(firewalld|filter_|nat_|mangle_|raw_)/, 'firewalld'],
  [/^f2b-/, 'fail2ban'],
  [/^(LIBVIRT|libvirt)/, 'libvirt'],
  [/^ts-/, 'Tailscale'],
  [/^(NETAVARK|netavark)/, 'Podman (netavark)'],
];

/** The software a table or chain name suggests, or undefined. */
export function guessSoftware(table: string, chain: string): string | undefined {
  for (const [re, name] of known) if (re.test(chain) || re.test(table)) return name;
  return undefined;
}

export function mapGeneric(rule: RuleRecord): RuleMapping {
  const software = guessSoftware(rule.table, rule.chain);
  const what = rule.policy ? `the ${rule.verdict} policy of ${rule.table}/${rule.chain}` : `${ruleLocation(rule)}`;
  const text = rule.text ? `: ${rule.text}` : rule.comment ? ` ("${rule.comment}")` : '';
  return {
    enforcer: software ? 'other' : 'unknown',
    software: software ?? 'unknown software',
    role: 'other',
    policies: [],
    description: `${what}${text}, ${software ? `which looks like ${software}'s` : 'from software Pathlight does not recognise'}`,
  };
}
