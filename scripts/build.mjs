// Builds everything the app runs from: TypeScript layers (tsc -b), the renderer (Vite) and
// the sandboxed preload bundle (esbuild). Usage: node scripts/build.mjs [--quiet]
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { build } from 'esbuild';

const quiet = process.argv.includes('--quiet');
const step = (what) => quiet || process.stderr.write(`build: ${what}\n`);
function run(cmd, args) {
  try {
    execFileSync(cmd, args, { stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  } catch (err) {
    // tsc reports errors on stdout: show them even in quiet mode.
    if (quiet) process.stderr.write(`${err.stdout ?? ''}${err.stderr ?? ''}`);
    process.stderr.write(`build: ${cmd} failed\n`);
    process.exit(1);
  }
}

step('typescript (tsc -b)');
run('tsc', ['-b']);
// Hubble's observer API, which the Hubble client loads at run time (src/backend/hubble/client.ts).
cpSync('src/backend/hubble/proto', 'dist/backend/hubble/proto', { recursive: true, filter: (f) => !f.endsWith('.sh') });
step('renderer (vite)');
run('vite', ['build', '--logLevel', quiet ? 'error' : 'warn']);
step('preload (esbuild)');
await build({
  entryPoints: ['src/preload/preload.ts'],
  outfile: 'dist/preload/preload.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'chrome130',
  external: ['electron'],
  logLevel: 'warning',
});
