/** The engine's implementation of every call in the contract. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Handlers } from '../api/index.js';
import { describeDefaultKubeconfig, listContexts, type KubeconfigEnv } from './cluster/kubeconfig.js';

export interface BackendOptions {
  shell: 'electron' | 'server';
  env?: KubeconfigEnv;
}

let cachedVersion: string | undefined;
/** The app's version, from package.json (two levels above dist/backend). */
export function appVersion(): string {
  if (cachedVersion === undefined) {
    const pkgPath = fileURLToPath(new URL('../../package.json', import.meta.url));
    cachedVersion = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
  }
  return cachedVersion;
}

export function createHandlers(options: BackendOptions): Handlers {
  const env = options.env ?? process.env;
  return {
    'app.info': async () => ({
      version: appVersion(),
      shell: options.shell,
      platform: process.platform,
      defaultKubeconfig: describeDefaultKubeconfig(env),
    }),
    'kubeconfig.contexts': async ({ source }) => listContexts(source, env),
  };
}
