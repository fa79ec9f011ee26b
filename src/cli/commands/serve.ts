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
    // `--open FILE` before `--no-open`: both set `open` (a file name, or false for no browser).
    .option('--open <file>', 'open this .pathlight recording in the UI (replay, read-only)')
    .option('--no-open', 'do not open a browser')
    .option('--kubeconfig <file>', 'kubeconfig to use instead of $KUBECONFIG / ~/.kube/config')
    .action(async (opts: { port: number; host: string; open?: string | boolean; kubeconfig?: string }) => {
      if (!existsSync(rendererDir + 'index.html')) {
        process.stderr.write(`error: the UI is not built (${rendererDir}index.html missing).\n  next: run \`npm run build\`.\n`);
        process.exitCode = 1;
        return;
      }
      // Whichever of --open FILE / --no-open comes last wins `opts.open`; keep both meanings.
      const browser = opts.open !== false && !process.argv.includes('--no-open');
      const eq = process.argv.find((a) => a.startsWith('--open='));
      const file = typeof opts.open === 'string' ? opts.open : eq ? eq.slice('--open='.length) : process.argv[process.argv.indexOf('--open') + 1];
      if (file !== undefined && (typeof opts.open === 'string' || process.argv.includes('--open') || eq)) {
        // Read it now: a file that cannot be opened is said here, not later in the UI.
        const { openRecording, setStartupRecording } = await import('../../backend/store/open.js');
        try {
          const rec = await openRecording(file);
          setStartupRecording(rec.path, rec);
          const secs = rec.start !== undefined && rec.end !== undefined ? ((rec.end - rec.start) / 1e9).toFixed(1) : '0';
          process.stdout.write(`Recording: ${rec.path} (${rec.questions.length} question(s), ${secs} s${rec.complete ? '' : ', not closed cleanly'})\n`);
          for (const d of rec.damage) process.stderr.write(`warning: ${d.message}\n`);
        } catch (err) {
          const { toApiError } = await import('../../api/index.js');
          const e = toApiError(err);
          process.stderr.write(`error: ${e.message}\n${e.hint ? `  next: ${e.hint}\n` : ''}`);
          process.exitCode = 2;
          return;
        }
      }
      const [{ createHandlers }, { isLoopbackHost, startServer }] = await Promise.all([import('../../backend/handlers.js'), import('../../server/server.js')]);
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
        process.stderr.write(`warning: listening on ${opts.host}, reachable from other machines; only the token in the URL protects it.\n`);
      }
      process.stdout.write(`Pathlight is serving at ${server.url}\n`);
      if (browser) openBrowser(server.url);
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
