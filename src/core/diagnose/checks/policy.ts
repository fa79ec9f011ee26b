/**
 * Hops 6–7: policy. Egress of A and ingress of each backend, on the port the packet carries
 * after the Service's DNAT (policies see pod ports, not Service ports), through every tier
 * (Admin, NetworkPolicy and Cilium, Baseline), with the deciding policy and rule, and a fix
 * that was re-evaluated to allowed.
 */
import { add, hop, type Check, type Ctx } from '../context.js';
import { podRef } from '../cluster.js';
import { evaluatePair, ipEndpoint, podEndpoint, type PairResult } from '../../policy/evaluate.js';
import { explainLines, pairJson, type DirectionJson } from '../../policy/explain.js';
import { suggestFix, type FixSuggestion } from '../../policy/fix.js';
import { isEmpty, single, subtract, type ConnSet } from '../../policy/ports.js';
import type { Endpoint } from '../../policy/model.js';
import type { Finding } from '../types.js';

/** A policy fix as the finding's fix: the YAML of every change, and whether it was verified. */
export function policyFix(fix: FixSuggestion, description: string): { fix?: Finding['fix'] } {
  if (fix.changes.length === 0) return fix.problem ? { fix: { description: fix.problem, verified: false } } : {};
  const yaml = fix.changes.map((c) => c.yaml.trimEnd()).join('\n---\n') + '\n';
  const commands = fix.changes.map((c) => {
    if (!c.target || !c.jsonPatch) return `kubectl apply -f - <<'EOF'\n${c.yaml.trimEnd()}\nEOF`;
    const ns = c.target.namespace ? `-n ${c.target.namespace} ` : '';
    return `kubectl ${ns}patch ${c.target.kind.toLowerCase()} ${c.target.name} --type json -p '${JSON.stringify(c.jsonPatch)}'`;
  });
  return {
    fix: { description: `${description}: ${fix.changes.map((c) => c.description).join('; ')}`, yaml, kubectl: commands.join('\n'), verified: fix.verified },
  };
}

interface Verdict {
  /** Who the packet comes from when it is not A itself (a node's address after kube-proxy's SNAT). */
  srcText?: string;
  pair: PairResult;
  scope: ConnSet;
  dst: Endpoint;
  port: number;
  egress: DirectionJson;
  ingress: DirectionJson;
}

type Deny = Exclude<DirectionJson['decisions'][number], { reason: 'default' } | { reason: 'not-applicable' }>;
const denyTier = (d: DirectionJson): Deny | undefined => d.decisions.find((x): x is Deny => x.verdict === 'deny');

function report(ctx: Ctx, v: Verdict, dir: 'egress' | 'ingress', of: number, denied: number) {
  const d = dir === 'egress' ? v.egress : v.ingress;
  const deny = denyTier(d)!;
  const admin = deny.tier !== 'networkpolicy';
  const lines = explainLines(v.pair);
  const why = lines.find((l) => l.startsWith(`${dir} `) && l.includes('denied')) ?? lines.find((l) => l.includes('denied')) ?? `${dir} denied`;
  const a = ctx.a;
  const src = v.srcText ?? (a ? `${a.namespace}/${a.name}` : ctx.source.label);
  const dstText = v.dst.kind === 'pod' ? `${v.dst.pod.namespace}/${v.dst.pod.name}` : v.dst.ip;
  const rule = deny.reason === 'rule' ? deny.rules[0] : undefined;
  const summary =
    admin && rule
      ? `${src} → ${dstText} ${ctx.protocol}/${v.port} is denied by ${rule.policy.kind} ${rule.policy.name} rule ${rule.name ? `"${rule.name}"` : rule.rule} (${rule.action}${rule.tier === 'admin' ? ', admin tier: no NetworkPolicy can allow it' : ', baseline tier'})`
      : `${src} → ${dstText} ${ctx.protocol}/${v.port} is denied by the ${dir} policy of ${dir === 'egress' ? src : dstText}: ${why.replace(/^(egress|ingress) of [^:]+: /, '')}`;
  const fix = suggestFix(ctx.cluster.policy, { src: v.pair.src, dst: v.dst, protocol: ctx.protocol, port: v.port, scope: v.scope });
  add(ctx, {
    kind: admin ? 'admin-policy-deny' : dir === 'egress' ? 'policy-deny-egress' : 'policy-deny-ingress',
    hop: dir === 'egress' ? 'policy-egress' : 'policy-ingress',
    severity: 'error',
    confidence: 'high',
    source: 'static',
    summary: `${summary}${of > 1 ? ` (${denied} of ${of} backends)` : ''}.`,
    evidence: [
      { type: 'policy', direction: dir, text: lines.join('\n'), policy: d },
      ...(v.dst.kind === 'pod'
        ? [
            {
              type: 'object' as const,
              ref: { kind: 'Pod', namespace: v.dst.pod.namespace, name: v.dst.pod.name },
              text: `labels ${Object.entries(v.dst.pod.labels)
                .map(([k, x]) => `${k}=${x}`)
                .join(',')}`,
            },
          ]
        : []),
    ],
    ...policyFix(
      fix,
      admin
        ? `the admin tier decides before any NetworkPolicy; change ${rule ? `${rule.policy.kind} ${rule.policy.name}` : 'it'}`
        : `allow ${ctx.protocol}/${v.port} ${dir === 'egress' ? 'from' : 'into'} ${dir === 'egress' ? src : dstText}${v.srcText ? ` from ${v.srcText}` : ''}`,
    ),
  });
}

interface Leg {
  src: Endpoint;
  dst: Endpoint;
  port: number;
  srcText?: string;
}

/**
 * The packets each policy sees. A Service or pod is reached with A's address on both ends. A
 * node port on another node is not: A's egress sees the node's address and node port, and with
 * `externalTrafficPolicy: Cluster` kube-proxy on that node also SNATs to the node's address, so a
 * backend on a third node sees the node, not A; a backend on the targeted node itself receives
 * from its own node, which NetworkPolicy always admits.
 */
function nodePortLegs(ctx: Ctx, src: Endpoint, targets: Array<{ dst: Endpoint; port: number; node?: string | undefined }>) {
  const direct: Leg[] = targets.map((t) => ({ src, dst: t.dst, port: t.port }));
  const via = ctx.target.kind === 'service' ? ctx.target.nodePort : undefined;
  const none: Partial<Record<'egress' | 'ingress', string>> = {};
  if (!via) return { egress: direct, ingress: direct, none };
  const nodeEp = ipEndpoint(via.ip);
  const local = ctx.service?.externalTrafficPolicy === 'Local';
  const served = local ? targets.filter((t) => t.node === via.node) : targets;
  if (local && served.length === 0)
    ctx.notes.push(`externalTrafficPolicy Local: no ready backend runs on ${via.node}, so its node port ${via.port} has nowhere to send A's packets.`);
  const egress: Leg[] = ctx.a?.node === via.node || !nodeEp ? served.map((t) => ({ src, dst: t.dst, port: t.port })) : [{ src, dst: nodeEp, port: via.port }];
  const ingress: Leg[] = [];
  for (const t of served) {
    if (local) ingress.push({ src, dst: t.dst, port: t.port });
    else if (t.node !== via.node && nodeEp)
      ingress.push({ src: nodeEp, dst: t.dst, port: t.port, srcText: `${via.node}'s address ${via.ip} (kube-proxy's SNAT for node port ${via.port})` });
  }
  if (ingress.length === 0 && served.length > 0) none.ingress = `from ${via.node} itself, which NetworkPolicy always admits`;
  return { egress, ingress, none };
}

export const policyCheck: Check = {
  id: 'policy',
  hop: 'policy-ingress',
  run(ctx) {
    const ix = ctx.cluster.policy;
    const a = ctx.a;
    const aInfo = a ? ix.pods.find((p) => p.namespace === a.namespace && p.name === a.name) : undefined;
    const src: Endpoint | null = aInfo ? podEndpoint(aInfo) : ctx.source.kind === 'ip' ? ipEndpoint(ctx.source.ip) : null;
    const targets: Array<{ dst: Endpoint; port: number; node?: string | undefined }> = [];
    if (ctx.target.kind === 'ip' && ctx.directPort !== undefined) {
      const e = ipEndpoint(ctx.target.ip);
      if (e) targets.push({ dst: e, port: ctx.directPort });
    }
    for (const b of ctx.backends) {
      if (b.port === undefined || (!b.ready && ctx.target.kind !== 'pods')) continue;
      const info = ix.pods.find((p) => p.namespace === b.pod.namespace && p.name === b.pod.name);
      if (info) targets.push({ dst: podEndpoint(info), port: b.port, node: b.pod.node });
    }
    if (!src || targets.length === 0) {
      hop(ctx, 'policy-egress', 'skipped', 'egress policy');
      hop(ctx, 'policy-ingress', 'skipped', 'ingress policy');
      return;
    }
    const verdictOf = (from: Endpoint, dst: Endpoint, port: number, srcText?: string): Verdict => {
      const scope = single(ctx.protocol, port);
      const pair = evaluatePair(ix, from, dst, scope);
      return { ...(srcText ? { srcText } : {}), pair, scope, dst, port, ...pairJson(pair) };
    };
    const legs = nodePortLegs(ctx, src, targets);
    const byDir = {
      egress: legs.egress.slice(0, 50).map((l) => verdictOf(src, l.dst, l.port)),
      ingress: legs.ingress.slice(0, 50).map((l) => verdictOf(l.src, l.dst, l.port, l.srcText)),
    };
    const allowed = (v: Verdict) => isEmpty(subtract(v.scope, v.pair.allowed));
    const selectedBy = (d: DirectionJson) =>
      [...d.selectedBy.admin, ...d.selectedBy.networkpolicy, ...d.selectedBy.baseline].map((p) => ({
        kind: p.kind,
        ...(p.namespace ? { namespace: p.namespace } : {}),
        name: p.name,
      }));
    for (const dir of ['egress', 'ingress'] as const) {
      const verdicts = byDir[dir];
      if (verdicts.length === 0) {
        hop(ctx, dir === 'egress' ? 'policy-egress' : 'policy-ingress', 'ok', `${dir} (${legs.none[dir] ?? 'no policy applies'})`);
        continue;
      }
      const denied = verdicts.filter((v) => !v[dir].allowed);
      const h = dir === 'egress' ? 'policy-egress' : 'policy-ingress';
      const refs = [...new Map(verdicts.flatMap((v) => selectedBy(v[dir])).map((r) => [`${r.kind}/${r.namespace ?? ''}/${r.name}`, r])).values()];
      const label = `${dir} ${refs.length ? `(${refs.map((r) => r.name).join(', ')})` : '(no policy selects it)'}`;
      if (denied.length === 0) {
        hop(ctx, h, 'ok', label, refs);
        continue;
      }
      // A connection needs both directions: report a direction only where it blocks.
      hop(ctx, h, denied.length === verdicts.length ? 'fail' : 'warn', label, refs);
      if (denied.length < verdicts.length && verdicts.some(allowed)) {
        ctx.notes.push(`${dir} policy denies ${denied.length} of ${verdicts.length} backends; the others are allowed.`);
        continue;
      }
      report(ctx, denied[0]!, dir, verdicts.length, denied.length);
    }
    if (a && ctx.backends.length === 0) hop(ctx, 'policy-ingress', 'skipped', 'ingress policy', [podRef(a)]);
  },
};
