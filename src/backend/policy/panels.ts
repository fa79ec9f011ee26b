/**
 * The workbench's policy panels on a session's observed traffic (src/backend/policy/traffic.ts):
 * advice and impact by the same core functions as `pathlight policy advise|impact`
 * (src/cli/commands/policyTraffic.ts), shaped for the contract (src/api/policy.ts).
 */
import { stringify } from 'yaml';
import { PathlightError, type CallRequest, type CallResponse } from '../../api/index.js';
import { advisePolicies, denialText } from '../../core/policy/advise.js';
import { adviceKeeps } from '../../core/policy/adviceKeeps.js';
import { policyImpact } from '../../core/policy/impact.js';
import { parseManifests } from '../../core/policy/manifests.js';
import { POLICY_KINDS } from '../../core/policy/policyIndex.js';
import type { ObservedFlow } from '../../core/policy/observed.js';
import type { SeenTraffic } from './traffic.js';

/** The session's traffic and where it came from (what the panels say above their answer). */
export interface SessionTraffic extends SeenTraffic {
  mode: 'live' | 'fake' | 'replay';
  /** Live: events dropped as the oldest. */
  dropped?: number;
  /** The recording's file name (a replay). */
  name?: string;
}

const source = (t: SessionTraffic) => ({ mode: t.mode, events: t.events, ...(t.dropped ? { dropped: t.dropped } : {}) });

const nsOf = (id: string) => id.slice(0, id.indexOf('/'));

function noTraffic(t: SessionTraffic): PathlightError {
  return new PathlightError({
    code: 'invalid-request',
    message:
      t.mode === 'replay'
        ? `The recording shows no traffic that got through (no TCP connection established, no DNS answer)${t.events === 0 ? ': it holds no probe events' : ''}.`
        : `No traffic seen in this session yet (no TCP connection established, no DNS answer among ${t.events} probe events).`,
    hint:
      t.mode === 'replay'
        ? 'Record with probes while the workloads talk: pathlight record --kubeconfig K --duration 10m --out FILE.'
        : 'Ask a question with probes, or start a probe in the Probes tab, while the workloads talk; then advise again.',
  });
}

export function adviseSession(t: SessionTraffic, req: CallRequest<'policy.advise'>): CallResponse<'policy.advise'> {
  if (t.traffic.flows.length === 0) throw noTraffic(t);
  const index = t.cluster.policy;
  const advice = advisePolicies(index, t.traffic, {
    ...(req.namespaces?.length ? { namespaces: req.namespaces } : {}),
    ...(req.allowEgressInternet ? { allowEgressInternet: true } : {}),
  });
  // The namespaces a user may choose: of every workload seen talking, or trying to (a namespace whose traffic all failed).
  const seen = new Set<string>();
  for (const f of [...t.traffic.flows, ...t.traffic.attempts]) for (const e of [f.from, f.to]) if (e.kind === 'pod') seen.add(nsOf(e.workload));
  const keeps = adviceKeeps(index, advice);
  return {
    ...source(t),
    seenNamespaces: [...seen].sort(),
    namespaces: advice.namespaces.map((a) => ({
      namespace: a.namespace,
      yaml: header(a.namespace, t) + a.yaml,
      replaces: a.replaces,
      policies: a.policies.map((p) => {
        const name = String((p.metadata as { name?: unknown }).name);
        return {
          name,
          yaml: stringify(p, { lineWidth: 0 }),
          rules: keeps.filter((k) => k.namespace === a.namespace && k.policy === name).map((k) => ({ rule: k.rule, direction: k.direction, flows: k.flows })),
        };
      }),
    })),
    flows: advice.flows,
    attempts: advice.attempts,
    unresolved: t.traffic.unresolved,
    unplaced: t.traffic.unplaced,
    verification: advice.verification,
    // The CLI's flag named in a note is the panel's Namespaces choice here.
    notes: advice.notes.map((n) => n.replace(' — name them with --namespace to include them', ' — choose them under Namespaces to include them')),
  };
}

/** As the CLI's files begin (src/cli/commands/policyTraffic.ts), naming the session's source. */
function header(ns: string, t: SessionTraffic): string {
  const from = t.mode === 'replay' ? `the traffic in ${t.name ?? 'the recording'}` : 'the traffic seen in a live session';
  return `# NetworkPolicies for namespace ${ns}, advised by pathlight from ${from}:\n# a default deny, then per workload exactly the flows observed. Review before applying.\n`;
}

export function impactOnSession(t: SessionTraffic, req: CallRequest<'policy.impact'>): CallResponse<'policy.impact'> {
  const file = req.name ?? 'pasted policy';
  const parsed = parseManifests([{ name: file, text: req.text }]);
  if (t.traffic.flows.length === 0 && t.traffic.attempts.length === 0) throw noTraffic(t);
  const impact = policyImpact(t.cluster.policy, parsed.objects, t.traffic.flows, t.traffic.attempts);
  const diagnostics = [...parsed.diagnostics, ...impact.index.diagnostics].map((d) => ({
    severity: d.severity,
    file: d.file,
    ...(d.line ? { line: d.line } : {}),
    ...(d.column ? { column: d.column } : {}),
    ...(d.field ? { field: d.field } : {}),
    message: d.message,
  }));
  if (diagnostics.some((d) => d.severity === 'error')) return { ...source(t), diagnostics };
  if (impact.added.length + impact.replaced.length === 0)
    return {
      ...source(t),
      diagnostics: [
        ...diagnostics,
        {
          severity: 'error',
          file,
          message:
            parsed.objects.length === 0
              ? 'no document: paste or open the policies to try (YAML or JSON)'
              : `no policy among the documents (kinds read: ${Object.keys(POLICY_KINDS).join(', ')}, with their apiVersion)`,
        },
      ],
    };
  const change = (c: { flow: ObservedFlow; attempted?: boolean; deniedBy: Parameters<typeof denialText>[0][] }) => ({
    ...c.flow,
    deniedBy: c.deniedBy.map(denialText),
    ...(c.attempted ? { attempted: true } : {}),
  });
  return {
    ...source(t),
    diagnostics,
    impact: {
      replaced: impact.replaced,
      added: impact.added,
      ignored: impact.ignored,
      flows: impact.flows,
      newlyDenied: impact.newlyDenied.map(change),
      newlyAllowed: impact.newlyAllowed.map(change),
      stillDenied: impact.stillDenied,
    },
  };
}
