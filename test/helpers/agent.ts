/**
 * The probe agent binary the transports upload. `npm test` runs vitest before native/test.sh,
 * so on a fresh clone the first suite that needs it builds it; suites in parallel wait for
 * that one build (a lock directory) instead of racing on the same output file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { repoPath } from './paths.js';

const lock = repoPath('native/dist/.build-lock');
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export function ensureAgent(): string {
  const bin = repoPath('native/dist/linux-amd64/pathlight-probe');
  if (existsSync(bin) && !existsSync(lock)) return bin;
  mkdirSync(repoPath('native/dist'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed build is stale after 15 minutes.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 15 * 60_000) rmSync(lock, { recursive: true, force: true });
      sleep(500);
    }
  }
  try {
    if (!existsSync(bin)) execFileSync('bash', [repoPath('native/build.sh'), '--no-generate', '--arch', 'amd64'], { stdio: 'inherit' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return bin;
}
