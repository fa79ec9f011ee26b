// `npm start`: builds what is needed and opens the desktop app; where Electron cannot run,
// says so in one line and serves the same UI in a browser instead.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { electronBinary } from './electron.mjs';

const extra = process.argv.slice(2);
// No kubeconfig anywhere the app looks: open the bundled demo recording (the lab's nine faults,
// recorded by test/lab/make-demo.mjs) so a first run shows a real answer.
const demo = 'assets/demo.pathlight';
const kubeconfigs = process.env.KUBECONFIG ? process.env.KUBECONFIG.split(path.delimiter).filter(Boolean) : [path.join(os.homedir(), '.kube', 'config')];
const chosen = extra.some((a) => a === '--kubeconfig' || a.startsWith('--kubeconfig=') || a === '--open' || a.startsWith('--open='));
if (!chosen && !kubeconfigs.some((f) => existsSync(f)) && existsSync(demo)) {
  process.stderr.write(`No kubeconfig found (${kubeconfigs.join(', ')}): opening the demo recording ${demo}.\n`);
  extra.push('--open', demo);
}
try {
  execFileSync(process.execPath, ['scripts/build.mjs', '--quiet'], { stdio: 'inherit' });
} catch {
  process.stderr.write('start: the build failed (see above); fix it and run `npm start` again.\n');
  process.exit(1);
}

const electron = electronBinary();
const child = electron.ok
  ? spawn(electron.binary, ['.', ...extra], { stdio: 'inherit' })
  : (() => {
      process.stderr.write(`Electron is not available here: ${electron.why}; starting server mode instead.\n`);
      return spawn(process.execPath, ['bin/pathlight.cjs', 'serve', ...extra], { stdio: 'inherit' });
    })();
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
