import type { Command } from 'commander';
import { toApiError, type KubeconfigSource } from '../../api/index.js';
import { printError, table } from '../output.js';

export function registerContexts(program: Command): void {
  program
    .command('contexts')
    .description('List the kubeconfig contexts Pathlight can connect to')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--json', 'print JSON')
    .action(async (opts: { kubeconfig?: string; json?: boolean }) => {
      const source: KubeconfigSource = opts.kubeconfig ? { kind: 'path', path: opts.kubeconfig } : { kind: 'default' };
      try {
        // Loaded on use: the Kubernetes client is heavy and --help should be instant.
        const { listContexts } = await import('../../backend/cluster/kubeconfig.js');
        const list = await listContexts(source);
        if (opts.json) {
          process.stdout.write(JSON.stringify(list, null, 2) + '\n');
          return;
        }
        if (list.contexts.length === 0) {
          process.stdout.write(`No contexts in ${list.files.join(', ')}.\n`);
          return;
        }
        const rows = list.contexts.map((c) => [
          c.current ? '*' : '',
          c.name,
          c.cluster,
          c.server ?? '(missing cluster)',
          `${c.user} (${c.auth.join('+') || 'missing user'})`,
          c.namespace,
        ]);
        process.stdout.write(table(['CURRENT', 'NAME', 'CLUSTER', 'SERVER', 'USER', 'NAMESPACE'], rows));
        for (const c of list.contexts) for (const p of c.problems) process.stderr.write(`warning: ${p}\n`);
        for (const c of list.contexts) if (c.insecureSkipTlsVerify) process.stderr.write(`${insecureWarning(c.name, c.cluster)}\n`);
      } catch (err) {
        const error = toApiError(err);
        if (opts.json) process.stdout.write(JSON.stringify({ error }, null, 2) + '\n');
        printError(error);
        process.exitCode = 1;
      }
    });
}

/** The risk of a context whose cluster sets `insecure-skip-tls-verify`, in one line. */
export function insecureWarning(context: string, cluster: string): string {
  return `warning: context "${context}": cluster "${cluster}" sets insecure-skip-tls-verify — the API server's certificate is not checked, so anyone on the path can read and change the traffic, credentials included; set certificate-authority(-data) instead`;
}
