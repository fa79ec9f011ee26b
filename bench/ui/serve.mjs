// `pathlight serve --port 0 --no-open [args…]` for the UI benchmarks: resolves with the URL it
// prints and the child (kill it with SIGTERM when done).
import { spawn } from 'node:child_process';

export function serve(args, env) {
  const child = spawn(process.execPath, ['bin/pathlight.cjs', 'serve', '--port', '0', '--no-open', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const on = (d) => {
      out += d;
      const m = /serving at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.once('exit', (c) => reject(new Error(`serve exited ${c}: ${out}`)));
  });
}
