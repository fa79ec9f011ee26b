// `npm test`: every test layer, in order: build + typecheck, lint, unit, integration and e2e
// (vitest), the probe agent on the real kernel (go test), the lab cluster when present, and
// the lab with Cilium when its build is cached.
// Ends with one line `pathlight: N passed, N failed[, N skipped]` and a non-zero exit on failure.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';

const results = [];
let passed = 0;
let failed = 0;
let skipped = 0;

/** Runs a step, streaming its output; `count(output)` may report test counts. */
function step(name, cmd, args, count) {
  return new Promise((resolve) => {
    const started = Date.now();
    process.stdout.write(`\n=== ${name}: ${[cmd, ...args].join(' ')}\n`);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      output += d;
      process.stderr.write(d);
    });
    child.on('close', (code) => {
      const counts = count?.(output, code) ?? (code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 });
      if (code !== 0 && counts.failed === 0) counts.failed = 1;
      passed += counts.passed;
      failed += counts.failed;
      skipped += counts.skipped ?? 0;
      results.push({ name, ok: code === 0, seconds: (Date.now() - started) / 1000, ...counts });
      resolve(code === 0);
    });
  });
}

mkdirSync('test-results', { recursive: true });
const built = await step('build + typecheck', process.execPath, ['scripts/build.mjs']);
await step('lint', 'eslint', ['.', '--max-warnings', '0']);
await step('format (prettier --check)', 'prettier', ['--check', '.', '--log-level', 'warn']);
if (built) {
  await step(
    'unit, integration, e2e',
    'vitest',
    [
      'run',
      '--project',
      'unit',
      '--project',
      'integration',
      '--project',
      'e2e',
      '--reporter=default',
      '--reporter=json',
      '--outputFile.json=test-results/vitest.json',
    ],
    () => {
      try {
        const r = JSON.parse(readFileSync('test-results/vitest.json', 'utf8'));
        return { passed: r.numPassedTests, failed: r.numFailedTests + (r.numFailedTestSuites ?? 0), skipped: r.numPendingTests + r.numTodoTests };
      } catch {
        return { passed: 0, failed: 1 };
      }
    },
  );
}
if (existsSync('native/test.sh')) {
  await step('probe agent (real kernel)', 'bash', ['native/test.sh'], (out) => ({
    passed: (out.match(/^\s*--- PASS/gm) ?? []).length,
    failed: (out.match(/^\s*--- FAIL/gm) ?? []).length,
    skipped: (out.match(/^\s*--- SKIP/gm) ?? []).length,
  }));
}
// The real-cluster lab: built once per machine (cached outside the clone), then brought up,
// checked and torn down. PATHLIGHT_LAB=0 leaves it out (e.g. while a lab is up for a demo).
if (existsSync('test/lab/test.sh') && process.env.PATHLIGHT_LAB !== '0') {
  const built = await step('lab build (cached)', 'bash', ['test/lab/setup.sh']);
  if (built)
    await step('lab cluster', 'bash', ['test/lab/test.sh'], (out) => {
      const m = /lab: (\d+) passed, (\d+) failed/.exec(out);
      return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
    });
  // The lab again with Cilium, when its build is in the cache: its cold build (≈ 19 min) is not
  // part of `npm test`; without it, one line says so and how to build it.
  if (built && existsSync('test/lab/cilium/test.sh')) {
    const cilium = ciliumBuild();
    if (cilium.complete)
      await step('cilium lab', 'bash', ['test/lab/cilium/test.sh'], (out) => {
        const m = /cilium lab: (\d+) passed, (\d+) failed/.exec(out);
        return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
      });
    else {
      process.stdout.write(`\n=== cilium lab: skipped, Cilium is not built (${cilium.dir}): bash test/lab/cilium/build.sh builds it once (≈ 19 min cold)\n`);
      results.push({ name: 'cilium lab (not built)', ok: true, seconds: 0, passed: 0, failed: 0, skipped: 1 });
      skipped += 1;
    }
  }
}

/** Where the lab keeps its Cilium build (test/lab/lib.sh's CILIUM_OUT), and whether it is complete. */
function ciliumBuild() {
  const r = spawnSync('bash', ['-c', '. test/lab/lib.sh && printf %s "$CILIUM_OUT"'], { encoding: 'utf8' });
  const dir = r.status === 0 ? r.stdout.trim() : '';
  return { dir: dir || '(unknown: test/lab/lib.sh failed)', complete: !!dir && existsSync(`${dir}/.complete`) };
}

process.stdout.write('\n=== summary\n');
for (const r of results) {
  process.stdout.write(
    `${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(28)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed  ${r.seconds.toFixed(1)}s\n`,
  );
}
process.stdout.write(`pathlight: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
