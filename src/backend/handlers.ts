/** The engine's implementation of every call in the contract. */
import type { CallContext, Handlers } from '../api/index.js';
import { appVersion } from './version.js';
import { ProbeRuns } from './probes/runs.js';
import { Workbenches } from './workbench/workbenches.js';
import { startupRecording } from './store/open.js';
import { describeDefaultKubeconfig, listContexts, type KubeconfigEnv } from './cluster/kubeconfig.js';
import { PushHub } from './push.js';
import { adviseSession, impactOnSession } from './policy/panels.js';

export interface BackendOptions {
  shell: 'electron' | 'server';
  /** The engine's environment (process.env): KUBECONFIG and HOME, PATHLIGHT_RECORDINGS_DIR, XDG_DATA_HOME… */
  env?: KubeconfigEnv & Record<string, string | undefined>;
  /**
   * Tests only: a folder of golden fixtures (test/fixtures/diagnose) offered as fake clusters
   * named `fake-<scenario>`. Read from PATHLIGHT_FAKE_CLUSTERS by default.
   */
  fakeClusters?: string;
  /** How long a session whose window went stays open for a reconnect to resume it (default 30 s). */
  resumeMs?: number;
}

/**
 * The handlers, with the hub that pushes what changes to the client that opened it: opening a
 * session, asking a question or starting a probe run subscribes the caller to its events, and
 * so does asking for its state (a window that reconnected and resyncs gets them again).
 */
export function createHandlers(options: BackendOptions, hub = new PushHub()): Handlers {
  const env = options.env ?? process.env;
  const probes = new ProbeRuns(hub.notify);
  const wb = new Workbenches(
    { env, fakeClusters: options.fakeClusters ?? ((env as Record<string, string | undefined>).PATHLIGHT_FAKE_CLUSTERS || undefined) },
    hub.notify,
  );
  /** `topic` (a session, question or probe run id) is the caller's from now on. */
  const follow = <T>(topic: string, ctx: CallContext, value: T): T => {
    hub.subscribe(topic, ctx.client);
    return value;
  };
  /**
   * A workbench session is its opener's: when that client goes (the window closed, the page
   * left) its questions are cancelled at once — their agents stop on the nodes — and the
   * session closes unless a client follows it again within `resumeMs` (a reconnect resumes).
   */
  // A closing workbench session stops the probe runs it started: nothing would show their events.
  const closeSession = async (session: string) => (await probes.stopFed(session), wb.close(session));
  const owned = <T extends { session: string }>(value: T, ctx: CallContext): T => {
    const client = ctx.client;
    if (client && !client.gone.aborted) {
      client.gone.addEventListener(
        'abort',
        // After the hub has dropped the client (its listener may run after this one).
        () =>
          setImmediate(() => {
            if (hub.audience(value.session) > 0) return;
            wb.cancelAll(value.session);
            const t = setTimeout(() => {
              if (hub.audience(value.session) === 0) void closeSession(value.session).then(() => hub.forget(value.session));
            }, options.resumeMs ?? 30_000);
            t.unref?.();
          }),
        { once: true },
      );
    }
    return follow(value.session, ctx, value);
  };
  const opened = <T extends { session: string }>(value: T, ctx: CallContext): T => follow(value.session, ctx, value);
  return {
    'app.info': async () => ({
      version: appVersion(),
      shell: options.shell,
      platform: process.platform,
      defaultKubeconfig: describeDefaultKubeconfig(env),
    }),
    'kubeconfig.contexts': async ({ source }) => listContexts(source, env),
    'probes.start': async (req, ctx) => opened(probes.start(req, req.workbench ? wb.probeFeed(req.workbench, req.node) : undefined), ctx),
    'probes.status': async ({ session }, ctx) => follow(session, ctx, probes.status(session)),
    'probes.stop': async ({ session }) => probes.stop(session),
    'ssh.passphrase': async ({ session, passphrase }) => probes.answerPassphrase(session, passphrase),
    'ssh.trustHostKey': async ({ session, fingerprint }) => probes.trust(session, fingerprint),
    'ssh.test': async ({ node, ssh, session }) => {
      const { checkSsh } = await import('./probes/ssh/check.js');
      return checkSsh({ node, ssh, host: session ? wb.nodeAddress(session, node) : undefined });
    },
    'recording.startup': async () => ({ path: startupRecording() ?? null }),
    'recording.open': async ({ source }, ctx) => owned(await wb.openRecording(source), ctx),
    'replay.seek': async (req) => wb.seek(req),
    'recording.start': async ({ session }) => wb.startRecording(session),
    'recording.note': async ({ session, text }) => wb.note(session, text),
    'recording.stop': async ({ session }) => wb.stopRecording(session),
    'cluster.open': async ({ source, context, execConsent }, ctx) => owned(await wb.open(source, context, execConsent), ctx),
    'cluster.close': async ({ session }) => (hub.forget(session), closeSession(session)),
    'cluster.health': async ({ session }, ctx) => follow(session, ctx, wb.health(session)),
    'why.ask': async (req, ctx) => {
      const asked = wb.ask(req);
      return follow(asked.question, ctx, asked);
    },
    'why.status': async ({ question }, ctx) => follow(question, ctx, wb.status(question)),
    'why.cancel': async ({ question }) => wb.cancel(question),
    'graph.snapshot': async ({ session }, ctx) => follow(session, ctx, wb.graphSnapshot(session)),
    'graph.changes': async ({ session, since }) => wb.graphChanges(session, since),
    'graph.details': async ({ session, node }) => wb.details(session, node),
    'events.page': async (req) => wb.eventsPage(req),
    'policy.advise': async (req) => adviseSession(await wb.observed(req.session), req),
    'policy.impact': async (req) => impactOnSession(await wb.observed(req.session), req),
  };
}
