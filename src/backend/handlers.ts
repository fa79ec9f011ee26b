/** The engine's implementation of every call in the contract. */
import type { Handlers } from '../api/index.js';
import { appVersion } from './version.js';
import { ProbeSessions } from './probes/sessions.js';
import { describeDefaultKubeconfig, listContexts, type KubeconfigEnv } from './cluster/kubeconfig.js';

export interface BackendOptions {
  shell: 'electron' | 'server';
  env?: KubeconfigEnv;
}

export function createHandlers(options: BackendOptions, probes = new ProbeSessions()): Handlers {
  const env = options.env ?? process.env;
  return {
    'app.info': async () => ({
      version: appVersion(),
      shell: options.shell,
      platform: process.platform,
      defaultKubeconfig: describeDefaultKubeconfig(env),
    }),
    'kubeconfig.contexts': async ({ source }) => listContexts(source, env),
    'probes.start': async (req) => probes.start(req),
    'probes.status': async ({ session }) => probes.status(session),
    'probes.stop': async ({ session }) => probes.stop(session),
    'ssh.passphrase': async ({ session, passphrase }) => probes.answerPassphrase(session, passphrase),
    'ssh.trustHostKey': async ({ session, fingerprint }) => probes.trust(session, fingerprint),
  };
}
