import { fileURLToPath } from 'node:url';

/** Absolute path of a file under the repository root. */
export const repoPath = (rel: string) => fileURLToPath(new URL(`../../${rel}`, import.meta.url));
export const fixture = (rel: string) => repoPath(`test/fixtures/${rel}`);
