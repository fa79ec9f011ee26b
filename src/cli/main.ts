/** `pathlight` command line. Each subcommand lives in commands/ and registers itself here. */
import { Command } from 'commander';
import { appVersion } from '../backend/version.js';
import { registerContexts } from './commands/contexts.js';
import { registerServe } from './commands/serve.js';
import { registerPolicy } from './commands/policy.js';
import { registerReplay } from './commands/replay.js';
import { registerImport } from './commands/import.js';
import { registerProbe } from './commands/probe.js';
import { registerWhy } from './commands/why.js';
import { registerRedact } from './commands/redact.js';
import { registerRecord } from './commands/record.js';
import { registerReport } from './commands/report.js';
import { registerObserve } from './commands/observe.js';

export function buildProgram(): Command {
  const program = new Command('pathlight')
    .description("Why can't A talk to B? Kubernetes network troubleshooting with eBPF probes, policy evaluation and recordings.")
    .version(appVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)');
  registerServe(program);
  registerContexts(program);
  registerPolicy(program);
  registerReplay(program);
  registerImport(program);
  registerWhy(program);
  registerProbe(program);
  registerRedact(program);
  registerRecord(program);
  registerReport(program);
  registerObserve(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}

await main(process.argv);
