/**
 * `pathlight policy advise|impact --recording FILE`: the policy engine on the traffic a
 * recording saw. advise prints least-privilege NetworkPolicies for the observed flows, checked by
 * the engine (exit 0 verified, 1 when the check found a problem — the policies are printed anyway,
 * the problems on stderr — 2 on an error). impact lists the observed flows a proposed folder of
 * policies would deny or newly allow (exit 1 when observed traffic would be newly denied, a CI
 * gate for policy changes; 0 otherwise; 2 on an error).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command, CommanderError } from 'commander';
import { toApiError, type ApiError } from '../../api/index.js';
import { failWith } from '../output.js';
import { openForCli } from '../recording.js';
import type { ObservedFlow, ObservedTraffic } from '../../core/policy/observed.js';
import type { Cluster } from '../../core/diagnose/cluster.js';

const EXIT_ERROR = 2;

function exitOnUsageError(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? 0 : EXIT_ERROR);
}

const when = (ns: number) => new Date(ns / 1e6).toISOString();
const times = (n: number) => `${n} ${n === 1 ? 'time' : 'times'}`;

/** The recording's last cluster state and the flows it saw succeed; undefined when it failed (reported). */
async function observed(file: string, fail: (e: ApiError) => void): Promise<{ cluster: Cluster; traffic: ObservedTraffic } | undefined> {
  const rec = await openForCli(file, fail);
  if (!rec) return undefined;
  const { recordingTraffic } = await import('../../backend/policy/traffic.js');
  const seen = await recordingTraffic(rec);
  if (!seen) {
    fail({ code: 'invalid-request', message: `${file} holds no records.` });
    return undefined;
  }
  if (seen.traffic.flows.length === 0) {
    fail({
      code: 'invalid-request',
      message: `${file} shows no traffic that got through (no TCP connection established, no DNS answer)${seen.events === 0 ? ': it holds no probe events' : ''}.`,
      hint: 'record with probes while the workloads talk: pathlight record --kubeconfig K --duration 10m --out FILE',
    });
    return undefined;
  }
  return seen;
}

function flowJson(f: ObservedFlow) {
  const end = (e: ObservedFlow['from']) => (e.kind === 'pod' ? { workload: e.workload, pod: e.pod } : { ip: e.ip, ...(e.name ? { name: e.name } : {}) });
  return { from: end(f.from), to: end(f.to), protocol: f.protocol, port: f.port, count: f.count, first: when(f.first), last: when(f.last) };
}

interface AdviseOpts {
  recording: string;
  namespace?: string[];
  out?: string;
  allowEgressInternet?: boolean;
  json?: boolean;
}

interface ImpactOpts {
  manifests: string;
  recording: string;
  json?: boolean;
}

export function registerPolicyTraffic(cmd: Command): void {
  cmd
    .command('advise')
    .description(
      'Least-privilege NetworkPolicies from the traffic a recording saw: a default deny per namespace and, per workload, exactly the observed flows; checked by the engine before printing (exit 0 verified, 1 a check failed, 2 error)',
    )
    .requiredOption('--recording <file>', '.pathlight recording made with probes')
    .option('--namespace <ns...>', 'namespaces to advise (default: every namespace with observed traffic, but kube-system, kube-public and kube-node-lease)')
    .option('--out <dir>', 'write one NS.yaml per namespace into this folder instead of printing')
    .option('--allow-egress-internet', 'also allow egress to every address outside the private ranges (any port)')
    .option('--json', 'print JSON: the policies, the observed flows, the check and notes')
    .exitOverride(exitOnUsageError)
    .action(async (opts: AdviseOpts) => {
      const fail = (e: ApiError) => failWith(opts.json, e);
      try {
        const seen = await observed(opts.recording, fail);
        if (!seen) return;
        const { advisePolicies, flowText } = await import('../../core/policy/advise.js');
        const advice = advisePolicies(seen.cluster.policy, seen.traffic, {
          ...(opts.namespace ? { namespaces: opts.namespace } : {}),
          ...(opts.allowEgressInternet ? { allowEgressInternet: true } : {}),
        });
        if (advice.namespaces.length === 0)
          return fail({
            code: 'invalid-request',
            message: 'No namespace to advise: the observed traffic is all in kube-system, kube-public or kube-node-lease.',
            hint: 'name the namespaces with --namespace',
          });
        const count = advice.namespaces.reduce((n, a) => n + a.policies.length, 0);
        if (opts.out) {
          mkdirSync(opts.out, { recursive: true });
          for (const a of advice.namespaces) writeFileSync(path.join(opts.out, `${a.namespace}.yaml`), header(opts.recording, a.namespace) + a.yaml);
        }
        if (opts.json)
          process.stdout.write(
            JSON.stringify(
              {
                namespaces: advice.namespaces.map((a) => ({ namespace: a.namespace, policies: a.policies, replaces: a.replaces })),
                flows: advice.flows.map(flowJson),
                attempts: advice.attempts.map(flowJson),
                unresolved: seen.traffic.unresolved,
                verification: advice.verification,
                notes: advice.notes,
              },
              null,
              2,
            ) + '\n',
          );
        else if (!opts.out) process.stdout.write(advice.namespaces.map((a) => header(opts.recording, a.namespace) + a.yaml).join('---\n'));
        const v = advice.verification;
        const err = process.stderr;
        err.write(
          `${advice.flows.length} observed ${advice.flows.length === 1 ? 'flow' : 'flows'}, ${count} NetworkPolicies advised in ${advice.namespaces.map((a) => a.namespace).join(', ')}${opts.out ? ` (written to ${opts.out})` : ''}\n`,
        );
        for (const f of advice.flows) err.write(`  ${flowText(f)}: seen ${times(f.count)}\n`);
        if (advice.attempts.length > 0) {
          err.write(`left closed: ${advice.attempts.length} ${advice.attempts.length === 1 ? 'flow' : 'flows'} tried but never seen to get through\n`);
          for (const f of advice.attempts) err.write(`  ${flowText(f)}: tried ${times(f.count)}\n`);
        }
        for (const n of advice.notes) err.write(`note: ${n}\n`);
        if (seen.traffic.unresolved > 0)
          err.write(
            `note: ${seen.traffic.unresolved} probe ${seen.traffic.unresolved === 1 ? 'event' : 'events'} could not be placed (a pod gone before the recording's last snapshot, a Service without ready endpoints): not advised\n`,
          );
        if (v.verified) err.write(`verified: every observed flow allowed (${v.allowed}), nothing else between the observed workloads\n`);
        else for (const p of v.problems) err.write(`check failed: ${p}\n`);
        process.exitCode = v.verified ? 0 : 1;
      } catch (err) {
        fail(toApiError(err));
      }
    });

  cmd
    .command('impact')
    .description(
      'Which observed flows a proposed set of policies would deny or newly allow: the folder’s policies replace the recorded ones of the same name or are added (exit 1 when observed traffic would be newly denied, 0 otherwise, 2 error)',
    )
    .requiredOption('--manifests <dir>', 'folder (or file) of proposed policies, YAML/JSON')
    .requiredOption('--recording <file>', '.pathlight recording made with probes')
    .option('--json', 'print JSON')
    .exitOverride(exitOnUsageError)
    .action(async (opts: ImpactOpts) => {
      const fail = (e: ApiError, extra?: object) => {
        if (opts.json && extra) process.stdout.write(JSON.stringify({ error: e, ...extra }, null, 2) + '\n');
        failWith(opts.json && !extra, e);
      };
      try {
        const [{ readManifests }, { policy: engine }] = await Promise.all([import('../../backend/policy/manifests.js'), import('../../core/index.js')]);
        const folder = await readManifests(opts.manifests);
        const parsed = engine.parseManifests(folder.files);
        const seen = await observed(opts.recording, fail);
        if (!seen) return;
        const { policyImpact } = await import('../../core/policy/impact.js');
        const { flowText, denialText } = await import('../../core/policy/advise.js');
        const impact = policyImpact(seen.cluster.policy, parsed.objects, seen.traffic.flows, seen.traffic.attempts);
        const diagnostics = [...folder.diagnostics, ...parsed.diagnostics, ...impact.index.diagnostics];
        for (const d of diagnostics) {
          const where = `${d.file}${d.line ? `:${d.line}${d.column ? `:${d.column}` : ''}` : ''}`;
          process.stderr.write(`${d.severity}: ${where}: ${d.message}${d.field ? ` (${d.field})` : ''}\n`);
        }
        const errors = diagnostics.filter((d) => d.severity === 'error').length;
        if (errors > 0)
          return fail(
            {
              code: 'invalid-request',
              message: `${errors} ${errors === 1 ? 'document' : 'documents'} of the proposal could not be used (listed above); its impact would be wrong.`,
              hint: 'fix them and run impact again',
            },
            { diagnostics },
          );
        if (impact.added.length + impact.replaced.length === 0)
          return fail({
            code: 'invalid-request',
            message: `No policy in ${opts.manifests}.`,
            hint: 'pass the folder of the NetworkPolicies (or other policies) to try',
          });
        if (opts.json) {
          const change = (c: (typeof impact.newlyDenied)[number]) => ({
            ...flowJson(c.flow),
            ...(c.deniedBy.length > 0 ? { deniedBy: c.deniedBy } : {}),
            ...(c.attempted ? { attempted: true } : {}),
          });
          process.stdout.write(
            JSON.stringify(
              {
                replaced: impact.replaced,
                added: impact.added,
                flows: impact.flows,
                newlyDenied: impact.newlyDenied.map(change),
                newlyAllowed: impact.newlyAllowed.map(change),
                stillDenied: impact.stillDenied,
                diagnostics,
              },
              null,
              2,
            ) + '\n',
          );
        } else {
          const out: string[] = [
            `${impact.replaced.length} recorded ${impact.replaced.length === 1 ? 'policy' : 'policies'} replaced, ${impact.added.length} added; ${impact.flows} observed ${impact.flows === 1 ? 'flow' : 'flows'}: ${impact.newlyDenied.length} newly denied, ${impact.newlyAllowed.length} newly allowed`,
          ];
          if (impact.newlyDenied.length > 0) out.push('', 'newly denied:');
          for (const c of impact.newlyDenied) out.push(`  ${flowText(c.flow)} (seen ${times(c.flow.count)}): ${c.deniedBy.map(denialText).join('; ')}`);
          if (impact.newlyAllowed.length > 0) out.push('', 'newly allowed:');
          for (const c of impact.newlyAllowed)
            out.push(`  ${flowText(c.flow)} (${c.attempted ? 'tried' : 'seen'} ${times(c.flow.count)}${c.attempted ? ', never got through' : ''})`);
          if (impact.stillDenied > 0)
            out.push(
              '',
              `${impact.stillDenied} observed ${impact.stillDenied === 1 ? 'flow is' : 'flows are'} denied by the recorded policies already and still would be`,
            );
          process.stdout.write(out.join('\n') + '\n');
        }
        if (impact.ignored > 0)
          process.stderr.write(`note: ${impact.ignored} objects of the proposal that are not policies were ignored (the recorded workloads stand)\n`);
        process.exitCode = impact.newlyDenied.length > 0 ? 1 : 0;
      } catch (err) {
        fail(toApiError(err));
      }
    });
}

function header(recording: string, ns: string): string {
  return `# NetworkPolicies for namespace ${ns}, advised by pathlight from the traffic in ${path.basename(recording)}:\n# a default deny, then per workload exactly the flows observed. Review before applying.\n`;
}
