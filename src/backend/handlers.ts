/** The engine's implementation of every call in the contract. */
import type { Handlers } from '../api/index.js';
import { appVersion } from './version.js';
import { ProbeSessions } from './probes/sessions.js';
import { WorkbenchSessions } from './workbench/sessions.js';
import { startupRecording } from './store/open.js';
import { describeDefaultKubeconfig, listContexts, type KubeconfigEnv } from './cluster/kubeconfig.js';

export interface BackendOptions {
  shell: 'electron' | 'server';
  /** The engine's environment (process.env): KUBECONFIG and HOME, PATHLIGHT_RECORDINGS_DIR, XDG_DATA_HOME… */
  env?: KubeconfigEnv & Record<string, string | undefined>;
  /**
   * Tests only: a folder of golden fixtures (test/fixtures/diagnose) offered as fake clusters
   * named `fake-<scenario>`. Read from PATHLIGHT_FAKE_CLUSTERS by default.
   */
  fakeClusters?: string;
}

export function createHandlers(options: BackendOptions, probes = new ProbeSessions(), workbench?: WorkbenchSessions): Handlers {
  const env = options.env ?? process.env;
  const wb = workbench ?? new WorkbenchSessions({ env, fakeClusters: options.fakeClusters ?? ((env as Record<string, string | undefined>).PATHLIGHT_FAKE_CLUSTERS || undefined) });
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
    'recording.startup': async () => ({ path: startupRecording() ?? null }),
    'recording.open': async ({ source }) => wb.openRecording(source),
    'replay.seek': async (req) => wb.seek(req),
    'recording.start': async ({ session }) => wb.startRecording(session),
    'recording.note': async ({ session, text }) => wb.note(session, text),
    'recording.stop': async ({ session }) => wb.stopRecording(session),
    'cluster.open': async ({ source, context }) => wb.open(source, context),
    'cluster.close': async ({ session }) => wb.close(session),
    'why.ask': async (req) => wb.ask(req),
    'why.status': async ({ question }) => wb.status(question),
    'why.cancel': async ({ question }) => wb.cancel(question),
    'graph.snapshot': async ({ session }) => wb.graphSnapshot(session),
    'graph.changes': async ({ session, since }) => wb.graphChanges(session, since),
    'graph.details': async ({ session, node }) => wb.details(session, node),
    'events.page': async (req) => wb.eventsPage(req),
  };
}
