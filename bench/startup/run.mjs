// Benchmark: how fast the CLI and server mode come up, and how long listing contexts takes
// for a large kubeconfig (1,000 contexts, e.g. a platform team's merged file).
// Run: npm run bench:startup   (figures also written to bench/results/startup.json)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const runs = Number(process.env.RUNS ?? 5);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'pathlight-bench-'));
const big = path.join(tmp, 'big.kubeconfig');
const n = 1000;
const lines = ['apiVersion: v1', 'kind: Config', `current-context: ctx-0`, 'clusters:'];
for (let i = 0; i < n; i++) lines.push(`  - name: c${i}`, '    cluster:', `      server: https://127.0.0.1:${10000 + i}`);
lines.push('users:');
for (let i = 0; i < n; i++) lines.push(`  - name: u${i}`, '    user:', `      token: t${i}`);
lines.push('contexts:');
for (let i = 0; i < n; i++) lines.push(`  - name: ctx-${i}`, '    context:', `      cluster: c${i}`, `      user: u${i}`, `      namespace: ns${i % 20}`);
writeFileSync(big, lines.join('\n') + '\n');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cli = (args) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['bin/pathlight.cjs', ...args], { encoding: 'utf8', env: { ...process.env, HOME: tmp, KUBECONFIG: '' } });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(process.hrtime.bigint() - t) / 1e6;
};

function serveReady() {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const child = spawn(process.execPath, ['bin/pathlight.cjs', 'serve', '--port', '0', '--no-open'], {
      env: { ...process.env, HOME: tmp, KUBECONFIG: big },
    });
    child.stdout.on('data', (d) => {
      if (/serving at/.test(String(d))) {
        const ms = Number(process.hrtime.bigint() - t) / 1e6;
        child.kill('SIGTERM');
        child.once('exit', () => resolve(ms));
      }
    });
    child.once('error', reject);
  });
}

const help = [];
const contexts = [];
const serve = [];
for (let i = 0; i < runs; i++) {
  help.push(cli(['--help']));
  contexts.push(cli(['contexts', '--kubeconfig', big, '--json']));
  serve.push(await serveReady());
}
rmSync(tmp, { recursive: true, force: true });

const figures = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`,
  runs,
  cliHelpMs: Math.round(median(help)),
  contexts1000Ms: Math.round(median(contexts)),
  serveReadyMs: Math.round(median(serve)),
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/startup.json', JSON.stringify(figures, null, 2) + '\n');
console.log(`pathlight --help:                      ${figures.cliHelpMs} ms (median of ${runs}, process start included)`);
console.log(`pathlight contexts (1,000 contexts):   ${figures.contexts1000Ms} ms`);
console.log(`pathlight serve until URL printed:     ${figures.serveReadyMs} ms`);
console.log(`machine: ${figures.machine}`);
console.log('reproduce: npm run bench:startup');
