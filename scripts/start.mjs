// `npm start`: builds what is needed and opens the desktop app; where Electron cannot run,
// says so in one line and serves the same UI in a browser instead.
import { execFileSync, spawn } from 'node:child_process';
import { electronBinary } from './electron.mjs';

const extra = process.argv.slice(2);
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
