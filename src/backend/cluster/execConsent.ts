/** The user's consent before an exec credential plugin of a kubeconfig runs (the app only). */
import { PathlightError, type ExecConsent } from '../../api/index.js';

/** A shell-like rendering of a command line, for the message (the UI renders its own). */
const commandLine = (command: string, args: readonly string[]) =>
  [command, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');

/**
 * The UI asks before a context's exec credential plugin runs the first time (a kubeconfig
 * from anywhere can name any program): the open refuses without the consent to this exact
 * command line. The CLI runs in the user's own shell and never asks.
 * Used by cluster.open (src/backend/workbench/source.ts) and the Probes panel's pod runs
 * (src/backend/probes/runs.ts), the two ways the app reaches a cluster.
 */
export function requireExecConsent(exec: { command?: string; args?: string[] } | undefined, context: string, consent: ExecConsent | undefined): void {
  if (!exec?.command) return;
  const args = (exec.args ?? []).map(String);
  const same = consent && consent.command === exec.command && consent.args.length === args.length && consent.args.every((a, i) => a === args[i]);
  if (same) return;
  throw new PathlightError({
    code: 'cluster-exec-consent-needed',
    message: `Context ${context} logs in by running \`${commandLine(exec.command, args)}\` (an exec credential plugin); it runs only after you agree${consent ? ', and the kubeconfig now names another command than the one agreed to' : ''}.`,
    hint: 'Check the command on the Connect screen and choose "Run it and open" if you trust it.',
  });
}
