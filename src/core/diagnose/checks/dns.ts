/**
 * Hop 2: DNS. Does B's name resolve the way A's resolver asks (search path, ndots), and can A
 * reach the cluster DNS pods at all under egress policy (and their ingress)?
 */
import { closest, clusterShaped, dnsService, resolve, resolvConfOf } from '../dns.js';
import { add, hop, type Check, type Ctx } from '../context.js';
import type { Fix } from '../types.js';
import { podRef, svcRef, type Pod } from '../cluster.js';
import { dnsPods, type PodRef } from '../../cluster/nodes.js';
import { evaluatePair, podEndpoint } from '../../policy/evaluate.js';
import { explainLines, pairJson } from '../../policy/explain.js';
import { suggestFix } from '../../policy/fix.js';
import { isEmpty, single, subtract } from '../../policy/ports.js';
import { policyFix } from './policy.js';

/** `svc.ns` / `svc.ns.svc…`: the namespace and Service a cluster-shaped name asks for. */
function askedFor(name: string, aNs: string, zone: string): { ns: string; svc: string } {
  const labels = name
    .replace(/\.$/, '')
    .replace(new RegExp(`\\.${zone.replaceAll('.', '\\.')}$`), '')
    .split('.');
  if (labels.length === 1) return { ns: aNs, svc: labels[0]! };
  return { svc: labels[0]!, ns: labels[1]! };
}

function nxdomain(ctx: Ctx, name: string) {
  hop(ctx, 'dns', 'fail', name);
  const res = ctx.resolution!;
  const a = ctx.a!;
  const { ns, svc } = askedFor(name, a.namespace, ctx.zone);
  const elsewhere = ctx.cluster.services.filter((s) => s.name === svc);
  const nsNear = ctx.cluster.namespaces.has(ns) ? undefined : closest(ns, ctx.cluster.namespaces);
  const inNear = nsNear ? elsewhere.find((s) => s.namespace === nsNear) : undefined;
  const svcNear = ctx.cluster.namespaces.has(ns)
    ? closest(
        svc,
        ctx.cluster.services.filter((s) => s.namespace === ns).map((s) => s.name),
      )
    : undefined;
  const why = res.tried.find((t) => t.kind === 'nxdomain' && t.fqdn.startsWith(`${svc}.${ns}.svc.`));
  const reason =
    why && why.kind === 'nxdomain' ? why.why : ctx.cluster.namespaces.has(ns) ? `namespace ${ns} has no Service ${svc}` : `there is no namespace ${ns}`;
  const suggestion = inNear ?? (svcNear ? ctx.cluster.service(ns, svcNear) : undefined) ?? (elsewhere.length === 1 ? elsewhere[0] : undefined);
  const better = suggestion ? (suggestion.namespace === a.namespace ? suggestion.name : `${suggestion.name}.${suggestion.namespace}`) : undefined;
  add(ctx, {
    kind: 'dns-nxdomain',
    hop: 'dns',
    severity: 'error',
    confidence: 'medium',
    source: 'static',
    summary: `${name} does not resolve from ${a.namespace}/${a.name} (NXDOMAIN): ${reason}${suggestion ? `; Service ${suggestion.name} exists in namespace ${suggestion.namespace}` : ''}.`,
    evidence: [
      {
        type: 'note',
        text: `names tried, as A's resolver would (search ${ctx.resolv!.search.join(' ')}, ndots:${ctx.resolv!.ndots}): ${res.tried.map((t) => `${t.fqdn} → ${t.kind === 'nxdomain' ? 'NXDOMAIN' : t.kind === 'external' ? 'upstream (not a cluster name)' : t.kind}`).join('; ')}`,
      },
      ...(suggestion
        ? [
            {
              type: 'object' as const,
              ref: svcRef(suggestion),
              text: `Service ${suggestion.namespace}/${suggestion.name} (${suggestion.clusterIPs.join(', ') || 'headless'})`,
            },
          ]
        : []),
    ],
    ...(better ? { fix: nameFix(a, name, better, `${suggestion!.name}.${suggestion!.namespace}.svc.${ctx.zone}`) } : {}),
  });
}

/**
 * Call B by the name that resolves — changed where the name is configured: the workload's pod
 * template (a pod of a Deployment is replaced at the next rollout, and with it any change made
 * to the pod itself), or the pod when it belongs to no workload.
 */
function nameFix(a: Pod, name: string, better: string, fqdn: string): Fix {
  const own = a.workload.kind !== 'Pod';
  const target = own ? `${a.workload.kind.toLowerCase()}/${a.workload.name}` : `pod/${a.name}`;
  return {
    description: `call it ${better} (or ${fqdn}) instead of ${name} where ${own ? `${a.workload.kind} ${a.namespace}/${a.workload.name}` : `pod ${a.namespace}/${a.name}`} configures it (its env, args or config file${own ? ', in the pod template' : ''})`,
    kubectl: `kubectl -n ${a.namespace} edit ${target}`,
  };
}

export const dnsNameCheck: Check = {
  id: 'dns-name',
  hop: 'dns',
  run(ctx) {
    const a = ctx.a;
    const t = ctx.target;
    if (t.kind === 'pods' || t.kind === 'ip' || (t.kind === 'service' && t.nodePort)) {
      hop(ctx, 'dns', 'skipped', 'no name to resolve');
      return;
    }
    if (!a) {
      hop(ctx, 'dns', 'unknown', 'resolver of A unknown (A is an address)');
      return;
    }
    ctx.resolv = resolvConfOf(a, ctx.cluster, ctx.zone);
    if (t.kind === 'service') {
      const fqdn = `${t.name}.${t.namespace}.svc.${ctx.zone}`;
      hop(ctx, 'dns', t.service ? 'ok' : 'skipped', fqdn, t.service ? [svcRef(t.service)] : [], t.service?.clusterIPs ?? []);
      ctx.resolution = { name: fqdn, tried: [], answer: t.service ? { kind: 'service', fqdn: `${fqdn}.`, service: t.service } : undefined };
      return;
    }
    const res = resolve(t.name, ctx.resolv, ctx.cluster, ctx.zone);
    ctx.resolution = res;
    const ans = res.answer;
    if (!ctx.resolv.cluster) {
      hop(ctx, 'dns', 'unknown', t.name);
      ctx.notes.push(
        `${a.namespace}/${a.name} uses dnsPolicy ${a.dnsPolicy}${a.hostNetwork ? ' on the host network' : ''}: its names are resolved by the node's resolver, which Pathlight cannot see without probes.`,
      );
      return;
    }
    const clusterNx = res.tried.filter((x) => x.kind === 'nxdomain').length;
    if (!ans || (ans.kind === 'external' && clusterNx > 0 && clusterShaped(t.name, ctx.zone))) return nxdomain(ctx, t.name);
    if (ans.kind === 'external') {
      hop(ctx, 'dns', 'unknown', t.name);
      ctx.notes.push(`${t.name} is not a cluster name: the upstream resolver answers it (probes show what it said).`);
      return;
    }
    if (ans.kind === 'service') {
      ctx.service = ans.service;
      if (ans.service.externalName) {
        hop(ctx, 'dns', 'unknown', `${ans.fqdn} → CNAME ${ans.service.externalName}`, [svcRef(ans.service)]);
        ctx.notes.push(
          `Service ${ans.service.namespace}/${ans.service.name} is an ExternalName for ${ans.service.externalName}: it resolves outside the cluster.`,
        );
        return;
      }
      hop(ctx, 'dns', 'ok', ans.fqdn.replace(/\.$/, ''), [svcRef(ans.service)], ans.service.clusterIPs);
    } else if (ans.kind === 'endpoint') {
      hop(ctx, 'dns', 'ok', ans.fqdn.replace(/\.$/, ''), [svcRef(ans.service)]);
      ctx.service = ans.service;
    } else if (ans.kind === 'pod') {
      hop(ctx, 'dns', 'ok', ans.fqdn.replace(/\.$/, ''), ans.pod ? [podRef(ans.pod)] : [], [ans.ip]);
      ctx.target = ans.pod ? { kind: 'pods', pods: [ans.pod], label: t.label } : { kind: 'ip', ip: ans.ip, label: t.label };
    }
  },
};

/** The port CoreDNS listens on inside its pod (53 unless the pod says otherwise). */
function dnsPort(p: Pod, proto: 'UDP' | 'TCP'): number {
  return p.ports.find((x) => x.protocol === proto && (x.name === 'dns' || x.name === 'dns-tcp' || x.containerPort === 53))?.containerPort ?? 53;
}

export const dnsReachCheck: Check = {
  id: 'dns-reach',
  hop: 'dns',
  run(ctx) {
    const a = ctx.a;
    if (!a || !ctx.resolv?.cluster || ctx.target.kind === 'pods' || ctx.target.kind === 'ip' || (ctx.target.kind === 'service' && ctx.target.nodePort)) return;
    if (ctx.target.kind === 'service' && !ctx.target.service) return;
    const svc = dnsService(ctx.cluster);
    const byObj = new Map<unknown, Pod>(ctx.cluster.pods.map((p) => [p.obj, p]));
    const pods = svc?.selector
      ? ctx.cluster.selected(svc.namespace, svc.selector)
      : dnsPods(ctx.cluster.pods.map((p) => p.obj as PodRef)).flatMap((o) => byObj.get(o) ?? []);
    if (!svc && pods.length === 0) {
      ctx.notes.push('no cluster DNS Service (kube-system/kube-dns) or CoreDNS pods were found: DNS reachability was not checked.');
      return;
    }
    const ready = pods.filter((p) => p.ready && p.ips.length > 0);
    if (ready.length === 0) {
      add(ctx, {
        kind: 'dns-timeout',
        hop: 'dns',
        severity: 'error',
        confidence: 'high',
        source: 'static',
        summary: `no cluster DNS pod is ready${svc ? ` behind ${svc.namespace}/${svc.name}` : ''}: every lookup from ${a.namespace}/${a.name} times out.`,
        evidence: pods.map((p) => ({
          type: 'object' as const,
          ref: podRef(p),
          field: 'status.conditions',
          text: `${p.namespace}/${p.name}: ${p.readiness.join('; ') || p.phase}`,
        })),
        fix: {
          description: 'bring CoreDNS back',
          kubectl: `kubectl -n ${svc?.namespace ?? 'kube-system'} describe pods${
            svc?.selector
              ? ` -l ${Object.entries(svc.selector)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(',')}`
              : ''
          }`,
        },
      });
      return;
    }
    const ix = ctx.cluster.policy;
    const src = ix.pods.find((p) => p.namespace === a.namespace && p.name === a.name);
    if (!src) return;
    const results = ready.map((d) => {
      const dst = ix.pods.find((p) => p.namespace === d.namespace && p.name === d.name);
      const port = dnsPort(d, 'UDP');
      const scope = single('UDP', port);
      const pair = dst ? evaluatePair(ix, podEndpoint(src), podEndpoint(dst), scope) : undefined;
      return { d, dst, port, scope, pair, allowed: !pair || isEmpty(subtract(scope, pair.allowed)) };
    });
    if (results.some((r) => r.allowed)) return;
    const r = results[0]!;
    const pair = r.pair!;
    const json = pairJson(pair);
    const egressDenied = !json.egress.allowed;
    const lines = explainLines(pair);
    const fix = suggestFix(ix, { src: podEndpoint(src), dst: podEndpoint(r.dst!), protocol: 'UDP', port: r.port, scope: r.scope });
    add(ctx, {
      kind: 'dns-blocked-by-policy',
      hop: 'dns',
      severity: 'error',
      confidence: 'high',
      source: 'static',
      summary: `${a.namespace}/${a.name} cannot reach cluster DNS: UDP ${r.port} to ${r.d.namespace}/${r.d.name}${ready.length > 1 ? ` (and the other ${ready.length - 1} DNS pods)` : ''} is denied by ${egressDenied ? 'its egress' : "the DNS pod's ingress"} policy — ${(lines.find((l) => l.includes('denied')) ?? 'denied').replace(/^(egress|ingress) of [^:]+: /, '')}.`,
      evidence: [
        { type: 'policy', direction: 'egress', text: lines.filter((l) => l.startsWith('egress')).join('\n'), policy: json.egress },
        { type: 'policy', direction: 'ingress', text: lines.filter((l) => l.startsWith('ingress')).join('\n'), policy: json.ingress },
        ...(svc ? [{ type: 'object' as const, ref: svcRef(svc), text: `cluster DNS ${svc.namespace}/${svc.name} ${svc.clusterIPs.join(', ')}` }] : []),
      ],
      ...policyFix(fix, 'allow DNS: egress to the cluster DNS pods on UDP 53 (add TCP 53 too, for answers too large for UDP)'),
    });
  },
};
