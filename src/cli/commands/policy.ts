/**
 * `pathlight policy check|matrix --manifests DIR`: the policy engine on a folder of manifests.
 * check exits 0 when allowed, 1 when denied, 2 on any error (usage included). A document with
 * an error (warnings do not count) stops both commands with exit 2, as an answer that ignores
 * part of the input may be wrong; `--keep-going` analyses the rest and exits 1 instead of 0, so
 * a script never takes an answer from incomplete input for a clean one.
 */
import type { Command, CommanderError } from 'commander';
import { toApiError, type ApiError } from '../../api/index.js';
import type { policy } from '../../core/index.js';
import { printError } from '../output.js';
import { registerPolicyTraffic } from './policyTraffic.js';

const EXIT_ERROR = 2;

function exitOnUsageError(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? 0 : EXIT_ERROR);
}

function printDiagnostics(index: policy.PolicyIndex, engine: typeof policy): policy.InputWarning[] {
  for (const d of index.diagnostics) {
    const where = `${d.file}${d.line ? `:${d.line}${d.column ? `:${d.column}` : ''}` : ''}`;
    process.stderr.write(`${d.severity}: ${where}: ${d.message}${d.field ? ` (${d.field})` : ''}\n`);
  }
  const warnings = engine.inputWarnings(index);
  for (const w of warnings) process.stderr.write(`note: ${w.message}\n`);
  return warnings;
}

/** `warnings` for --json output, only when there are some (the documented shapes stay as they were otherwise). */
const warningsJson = (warnings: readonly policy.InputWarning[]) => (warnings.length > 0 ? { warnings } : {});

function fail(error: ApiError, json: boolean | undefined, diagnostics?: readonly policy.Diagnostic[], warnings: readonly policy.InputWarning[] = []): void {
  if (json) process.stdout.write(JSON.stringify({ error, ...(diagnostics ? { diagnostics } : {}), ...warningsJson(warnings) }, null, 2) + '\n');
  printError(error);
  process.exitCode = EXIT_ERROR;
}

/** Errors in the input: stop (and return true) unless --keep-going. */
function stopOnErrors(index: policy.PolicyIndex, opts: { keepGoing?: boolean; json?: boolean }): boolean {
  const errors = index.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors === 0 || opts.keepGoing) return false;
  fail(
    {
      code: 'invalid-request',
      message: `${errors} ${errors === 1 ? 'document' : 'documents'} in the manifests could not be used (listed above); nothing was analysed.`,
      hint: 'Fix them, or pass --keep-going to analyse the rest (exit 1 instead of 0).',
    },
    opts.json,
    index.diagnostics,
  );
  return true;
}

const hasErrors = (index: policy.PolicyIndex) => index.diagnostics.some((d) => d.severity === 'error');

const KEEP_GOING = 'analyse the rest when documents have errors (they are still listed; exit 1 instead of 0)';

async function load(dir: string) {
  // Loaded on use so `pathlight --help` stays fast.
  const { loadPolicyIndex } = await import('../../backend/policy/manifests.js');
  return loadPolicyIndex(dir);
}

interface CheckOptions {
  manifests: string;
  from: string;
  to: string;
  port: string;
  json?: boolean;
  keepGoing?: boolean;
}

export function registerPolicy(program: Command): void {
  const cmd = program.command('policy').description('Evaluate Kubernetes network policies (NetworkPolicy, AdminNetworkPolicy, ClusterNetworkPolicy, Cilium)');
  cmd
    .command('check')
    .description('Is a connection allowed? Verdict, the policies and rules that decided it, and a fix (exit 0 allowed, 1 denied, 2 error or invalid documents)')
    .requiredOption('--manifests <dir>', 'folder of YAML/JSON manifests (read recursively)')
    .requiredOption('--from <ns/name>', 'source workload or pod (NS/NAME), or an IP address')
    .requiredOption('--to <ns/name>', 'destination workload or pod (NS/NAME), or an IP address')
    .requiredOption('--port <proto/port>', 'e.g. TCP/80, UDP/53, TCP/http')
    .option('--json', 'print JSON')
    .option('--keep-going', KEEP_GOING)
    .exitOverride(exitOnUsageError)
    .action(async (opts: CheckOptions) => {
      try {
        const { policy: engine } = await import('../../core/index.js');
        const index = await load(opts.manifests);
        const warnings = printDiagnostics(index, engine);
        if (stopOnErrors(index, opts)) return;
        const r = engine.checkConnection(index, { from: opts.from, to: opts.to, port: opts.port });
        if (!r.ok) return fail({ code: 'invalid-request', message: r.error.message, ...(r.error.hint ? { hint: r.error.hint } : {}) }, opts.json);
        if (opts.json) process.stdout.write(JSON.stringify({ ...r.value, diagnostics: index.diagnostics, ...warningsJson(warnings) }, null, 2) + '\n');
        else process.stdout.write(checkText(r.value));
        process.exitCode = r.value.verdict === 'allowed' && !hasErrors(index) ? 0 : 1;
      } catch (err) {
        fail(toApiError(err), opts.json);
      }
    });
  cmd
    .command('matrix')
    .description(
      'Every allowed connection between workloads, and between workloads and external address ranges (exit 0; 2 on an error, invalid documents or no workload)',
    )
    .requiredOption('--manifests <dir>', 'folder of YAML/JSON manifests (read recursively)')
    .option('--json', 'print JSON')
    .option('--keep-going', KEEP_GOING)
    .exitOverride(exitOnUsageError)
    .action(async (opts: { manifests: string; json?: boolean; keepGoing?: boolean }) => {
      try {
        const { policy: engine } = await import('../../core/index.js');
        const index = await load(opts.manifests);
        const warnings = printDiagnostics(index, engine);
        if (stopOnErrors(index, opts)) return;
        if (index.workloads.length === 0) return fail(noWorkloads(opts.manifests, index), opts.json, index.diagnostics, warnings);
        const m = engine.computeMatrix(index);
        process.stdout.write(opts.json ? JSON.stringify({ ...m, ...warningsJson(warnings) }, null, 2) + '\n' : engine.matrixText(m));
        process.exitCode = hasErrors(index) ? 1 : 0;
      } catch (err) {
        fail(toApiError(err), opts.json);
      }
    });
  registerPolicyTraffic(cmd);
}

/** A matrix of nothing is not an answer: most often the pods were left out or not recognised. */
function noWorkloads(dir: string, index: policy.PolicyIndex): ApiError {
  const files = new Set(index.objects.map((o) => o.file)).size;
  return {
    code: 'invalid-request',
    message:
      index.objects.length === 0
        ? `No Kubernetes objects in ${dir}.`
        : `No workloads in ${dir}: ${index.objects.length} ${index.objects.length === 1 ? 'object' : 'objects'} in ${files} ${files === 1 ? 'file' : 'files'}, none a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob.`,
    hint: `Add the workloads, e.g. kubectl get pods,deployments,statefulsets,daemonsets,jobs,cronjobs,networkpolicies,namespaces -A -o yaml > ${dir}/cluster.yaml`,
  };
}

function checkText(r: policy.CheckResult): string {
  const lines = [...r.explanation];
  if (r.fix) {
    lines.push('', r.fix.verified ? 'Fix (re-evaluated: allowed):' : `Fix (incomplete: ${r.fix.problem ?? 'not verified'}):`);
    for (const c of r.fix.changes) {
      lines.push(`- ${c.description}`);
      for (const w of c.warnings) lines.push(`  warning: ${w}`);
      lines.push(
        ...c.yaml
          .trimEnd()
          .split('\n')
          .map((l) => `    ${l}`),
      );
    }
  }
  return lines.join('\n') + '\n';
}
