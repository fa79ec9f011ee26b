import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;
/** The app's version, from package.json (two levels above dist/backend or src/backend). */
export function appVersion(): string {
  if (cached === undefined) {
    const pkgPath = fileURLToPath(new URL('../../package.json', import.meta.url));
    cached = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
  }
  return cached;
}
