/**
 * kube-proxy's rules. iptables mode (KUBE-* chains in the ip/ip6 nat and filter tables):
 * kube-proxy comments every service rule with `NAMESPACE/NAME:PORT` and rejects the cluster
 * IP of a Service without ready endpoints in KUBE-SERVICES (KUBE-EXTERNAL-SERVICES for
 * node ports and external IPs) with the comment `NAMESPACE/NAME:PORT has no endpoints`;
 * KUBE-SVC-…, KUBE-SEP-…, KUBE-FW-… and KUBE-EXT-… belong to one Service, KUBE-FIREWALL and
 * KUBE-FORWARD drop marked or invalid packets. nftables mode (kube-proxy 1.29+) keeps its
 * rules in the tables `kube-proxy` (ip and ip6), with a `reject-chain` behind the
 * `no-endpoint-services` map.
 */
import type { RuleMapping, RuleRecord } from './types.js';
import { commentsOf } from './types.js';

/** `ns/name:port` or `ns/name` at the start of a kube-proxy comment. */
const serviceRe = /^([a-z0-9][-a-z0-9]*)\/([a-z0-9][-a-z0-9.]*)(?::([^\s"]*))?/;

function service(comment: string): { kind: string; namespace: string; name: string; port?: string } | undefined {
  const m = serviceRe.exec(comment.trim());
  if (!m) return undefined;
  return { kind: 'Service', namespace: m[1]!, name: m[2]!, ...(m[3] ? { port: m[3] } : {}) };
}

const svcText = (s: { namespace: string; name: string; port?: string }) => `Service ${s.namespace}/${s.name}${s.port ? ` port ${s.port}` : ''}`;

export function mapKubeProxy(rule: RuleRecord): RuleMapping | undefined {
  const nftMode = rule.table === 'kube-proxy' && (rule.tableFamily === 'ip' || rule.tableFamily === 'ip6');
  if (
    !nftMode &&
    !/^KUBE-(SERVICES|EXTERNAL-SERVICES|NODEPORTS|SVC-|SVL-|SEP-|FW-|EXT-|FIREWALL|PROXY-FIREWALL|FORWARD|PROXY-CANARY|MARK-|POSTROUTING)/.test(rule.chain)
  ) {
    return undefined;
  }
  const base = { enforcer: 'kube-proxy' as const, software: 'kube-proxy', policies: [] };
  const comments = commentsOf(rule);
  const noEndpoints = comments.find((c) => /has no endpoints/.test(c));
  if (noEndpoints) {
    const svc = service(noEndpoints);
    return {
      ...base,
      role: 'service-no-endpoints',
      service: svc,
      description: `kube-proxy's reject for ${svc ? svcText(svc) : 'a Service'}, which has no ready endpoints`,
    };
  }
  if (nftMode) {
    if (rule.chain === 'reject-chain' || /no-endpoint/.test(rule.text ?? '') || /no-endpoint/.test(rule.chain)) {
      return { ...base, role: 'service-no-endpoints', description: "kube-proxy's reject for a Service without ready endpoints (nftables mode)" };
    }
    return { ...base, role: 'service-firewall', description: `kube-proxy's ${rule.chain} rule (nftables mode)` };
  }
  const svc = comments.map(service).find((s) => s !== undefined);
  if (/^KUBE-(FIREWALL|FORWARD)$/.test(rule.chain)) {
    const why = /INVALID/.test(rule.text ?? '') ? 'packets conntrack marks INVALID' : 'packets kube-proxy marked for dropping';
    return { ...base, role: 'service-firewall', description: `kube-proxy's ${rule.chain} rule dropping ${why}` };
  }
  if (/^KUBE-(PROXY-FIREWALL|FW-|EXT-)/.test(rule.chain)) {
    return {
      ...base,
      role: 'service-firewall',
      service: svc,
      description: `kube-proxy's load-balancer firewall${svc ? ` of ${svcText(svc)}` : ''} (loadBalancerSourceRanges)`,
    };
  }
  return { ...base, role: 'other', service: svc, description: `kube-proxy's ${rule.chain} rule${svc ? ` for ${svcText(svc)}` : ''}` };
}
