// Finds the Electron binary, or says why there is none, without side effects: requiring the
// `electron` package would try to download the binary on the spot.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('../node_modules/electron/', import.meta.url));

export function electronBinary() {
  if (process.env.PATHLIGHT_ELECTRON) {
    return existsSync(process.env.PATHLIGHT_ELECTRON)
      ? { ok: true, binary: process.env.PATHLIGHT_ELECTRON }
      : { ok: false, why: `PATHLIGHT_ELECTRON points at ${process.env.PATHLIGHT_ELECTRON}, which does not exist` };
  }
  if (!existsSync(pkgDir)) return { ok: false, why: 'the electron package is not installed (run `npm run setup`)' };
  const pathFile = path.join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return { ok: false, why: 'the Electron binary was not downloaded (no network to its release host during setup)' };
  }
  const binary = path.join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? { ok: true, binary } : { ok: false, why: `the Electron binary is missing (${binary})` };
}
