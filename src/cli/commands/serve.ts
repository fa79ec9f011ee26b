import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';

/** Where the renderer build lives relative to dist/cli/commands. */
export const rendererDir = fileURLToPath(new URL('../../renderer/', import.meta.url));

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number 0-65535');
  return n;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve the Pathlight UI and API to a browser (loopback only by default)')
    .option('--port <n>', 'port to listen on (0 = any free port)', parsePort, 7420)
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--no-open', 'do not open a browser')
    .option('--kubeconfig <file>', 'kubeconfig to use instead of $KUBECONFIG / ~/.kube/config')
    .action(async (opts: { port: number; host: string; open: boolean; kubeconfig?: string }) => {
      if (!existsSync(rendererDir + 'index.html')) {
        process.stderr.write(`error: the UI is not built (${rendererDir}index.html missing).\n  next: run \`npm run build\`.\n`);
        process.exitCode = 1;
        return;
      }
      const [{ createHandlers }, { isLoopbackHost, startServer }] = await Promise.all([
        import('../../backend/handlers.js'),
        import('../../server/server.js'),
      ]);
      const env = opts.kubeconfig ? { ...process.env, KUBECONFIG: opts.kubeconfig } : process.env;
      let server;
      try {
        server = await startServer({
          handlers: createHandlers({ shell: 'server', env }),
          staticDir: rendererDir,
          host: opts.host,
          port: opts.port,
          log: (line) => process.stderr.write(line + '\n'),
        });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const hint = e.code === 'EADDRINUSE' ? `port ${opts.port} is in use; pass --port 0 for any free port` : 'check --host/--port';
        process.stderr.write(`error: cannot listen on ${opts.host}:${opts.port}: ${e.message}\n  next: ${hint}.\n`);
        process.exitCode = 1;
        return;
      }
      if (!isLoopbackHost(opts.host)) {
        process.stderr.write(
          `warning: listening on ${opts.host}, reachable from other machines; only the token in the URL protects it.\n`,
        );
      }
      process.stdout.write(`Pathlight is serving at ${server.url}\n`);
      if (opts.open) openBrowser(server.url);
      const stop = () => void server.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

/** Opens the URL in the user's browser when the desktop has one; silent otherwise. */
export function openBrowser(url: string): boolean {
  const platform = process.platform;
  const cmd = platform === 'darwin' ? 'open' : platform === 'win32' ? 'explorer.exe' : 'xdg-open';
  if (platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return false;
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}
