/**
 * Probe runs the UI starts, watches and stops through the API: one per node, over ssh or a
 * probe pod. Each node's stage (connecting, creating, uploading, starting, streaming, stopped),
 * its event counts and losses, and its error in plain words are pushed to the UI that started
 * the run (`probes.progress`, coalesced: see ../push.ts); `probes.status` gives the same on demand. An unknown SSH host key stops the run with the key's fingerprint; only a key
 * the backend itself was shown can then be trusted (`ssh.trustHostKey`), so the UI cannot
 * write arbitrary lines into known_hosts. An encrypted key pauses the run until the user types
 * its passphrase (`ssh.passphrase`); it goes to ssh2 and nowhere else.
 *
 * A run started from a workbench (`workbench`: its session) is fed to that session: each line
 * goes to the session's events table and graph, its ends named by the session's snapshot
 * (a `ProbeFeed` from ../workbench/workbenches.ts), like the lines of the session's questions.
 */
import { randomUUID } from 'node:crypto';
import { PathlightError, toApiError, type CallRequest, type CallResponse } from '../../api/index.js';
import type { probe } from '../../core/index.js';
import type { ProbeExit, ProbeSink, ProbeStage } from './stream.js';
import type { NodeProbeOptions, NodeProbeRun } from './start.js';
import { RunCounts } from './counts.js';
import { withSshOverlay } from './ssh/overlay.js';
import type { Notify } from '../push.js';

type StartRequest = CallRequest<'probes.start'>;
type Status = CallResponse<'probes.status'>;

interface PendingKey {
  host: string;
  port: number;
  key: Buffer;
  file: string;
}

interface Session {
  status: Status;
  /** The status changed: push it. */
  changed: () => void;
  stop?: () => Promise<ProbeExit>;
  /** Aborted by stop(): a run still connecting never starts its agent (or stops it at once). */
  readonly cancel: AbortController;
  pendingKey?: PendingKey;
  /** Resolves the transport's passphrase question. */
  answer?: (passphrase: string | undefined) => void;
}

/** Where a run started from a workbench delivers its lines (see Workbenches.probeFeed). */
export interface ProbeFeed {
  /** The workbench session fed. */
  session: string;
  /** Every decoded line of the agent, as it arrives. */
  line(l: probe.ProbeLine): void;
  /** The node's address in the session's cluster (its InternalIP), when the SSH config has none. */
  host?: string | undefined;
  /** Runs the agent instead of startOnNode (a fake cluster replays the lab's events). */
  start?: (o: NodeProbeOptions, sink: ProbeSink) => Promise<NodeProbeRun>;
}

/** How long a run waits for the user to type a passphrase. */
const passphraseWaitMs = 5 * 60_000;

const maxSessions = 64;

export class ProbeRuns {
  private sessions = new Map<string, Session>();

  constructor(private readonly notify: Notify = () => {}) {}

  start(req: StartRequest, feed?: ProbeFeed): { session: string } {
    const active = [...this.sessions.values()].filter((s) => s.status.stage !== 'stopped');
    if (active.length >= maxSessions)
      throw new PathlightError({
        code: 'invalid-request',
        message: `${active.length} probe runs are active already.`,
        hint: 'Stop some before starting more.',
      });
    const id = randomUUID();
    const status: Status = {
      session: id,
      node: req.node,
      via: req.via,
      stage: 'connecting',
      events: { drop: 0, dns: 0, tcp: 0 },
      lost: 0,
      rate: 0,
      reasons: [],
      startedAt: new Date().toISOString(),
      ...(feed ? { workbench: feed.session } : {}),
    };
    const s: Session = { status, cancel: new AbortController(), changed: () => this.notify(id, 'probes.progress', () => status) };
    this.sessions.set(id, s);
    this.forgetOld();
    void this.run(s, req, feed);
    return { session: id };
  }

  status(id: string): Status {
    return this.get(id).status;
  }

  async stop(id: string): Promise<Status> {
    const s = this.get(id);
    s.cancel.abort();
    s.answer?.(undefined);
    await s.stop?.();
    if (s.status.stage !== 'stopped') s.status.stage = 'stopped';
    s.changed();
    return s.status;
  }

  /** The user's answer to a passphrase question (null: declined). */
  answerPassphrase(id: string, passphrase: string | null): Record<string, never> {
    const s = this.get(id);
    if (!s.answer)
      throw new PathlightError({
        code: 'invalid-request',
        message: 'This probe run is not waiting for a passphrase.',
        hint: 'It may have timed out; start it again.',
      });
    s.answer(passphrase ?? undefined);
    return {};
  }

  /** Records the host key this session was refused for, after the user compared its fingerprint. */
  async trust(id: string, fingerprint: string): Promise<{ file: string }> {
    const s = this.get(id);
    const k = s.pendingKey;
    if (!k)
      throw new PathlightError({
        code: 'invalid-request',
        message: 'This probe run is not waiting for a host key decision.',
        hint: 'Start the run again; a new unknown key is shown with its fingerprint.',
      });
    const { fingerprint: fp, trustHostKey } = await import('./ssh/knownHosts.js');
    if (fp(k.key) !== fingerprint)
      throw new PathlightError({
        code: 'invalid-request',
        message: `The fingerprint confirmed (${fingerprint}) is not the node's key (${fp(k.key)}).`,
        hint: 'Compare again and confirm the fingerprint shown.',
      });
    await trustHostKey(k.file, k.host, k.port, k.key);
    s.pendingKey = undefined;
    s.changed();
    return { file: k.file };
  }

  /** Stops the runs started from a workbench session (it is closing: nothing would show their events). */
  async stopFed(workbench: string): Promise<void> {
    const fed = [...this.sessions.entries()].filter(([, s]) => s.status.workbench === workbench && s.status.stage !== 'stopped');
    await Promise.all(fed.map(([id]) => this.stop(id).catch(() => undefined)));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.stop(id).catch(() => undefined)));
  }

  private get(id: string): Session {
    const s = this.sessions.get(id);
    if (!s)
      throw new PathlightError({
        code: 'invalid-request',
        message: `There is no probe run ${id.slice(0, 40)}.`,
        hint: 'It ended and was forgotten, or the engine restarted; start it again.',
      });
    return s;
  }

  /** Keeps the most recent stopped runs only. */
  private forgetOld() {
    const stopped = [...this.sessions.entries()].filter(([, s]) => s.status.stage === 'stopped');
    for (const [id] of stopped.slice(0, Math.max(0, stopped.length - maxSessions))) this.sessions.delete(id);
  }

  private async run(s: Session, req: StartRequest, feed?: ProbeFeed) {
    const st = s.status;
    const counts = new RunCounts();
    const figures = () => {
      const f = counts.figures();
      st.events = f.events;
      st.rate = f.rate;
      st.lost = f.lost;
      st.reasons = f.reasons;
    };
    const onProgress = (stage: ProbeStage, detail?: string) => {
      if (s.cancel.signal.aborted && stage !== 'stopped') return; // stopped while connecting: it stays stopped
      st.stage = stage;
      st.detail = detail;
      if (stage === 'stopped') counts.end();
      figures();
      s.changed();
    };
    const sink: ProbeSink = {
      line: (l: probe.ProbeLine) => {
        feed?.line(l);
        if (counts.add(l)) figures();
        else if (l.type === 'error') st.error = { code: 'probe-failed', message: `The agent on ${req.node}: ${(l as { message?: string }).message ?? ''}` };
        s.changed();
      },
      bad: () => undefined,
    };
    const passphrase = (keyFile: string) =>
      new Promise<string | undefined>((resolve) => {
        const t = setTimeout(() => s.answer?.(undefined), passphraseWaitMs);
        st.passphraseFor = { file: keyFile };
        s.changed();
        s.answer = (p) => {
          clearTimeout(t);
          s.answer = undefined;
          st.passphraseFor = undefined;
          s.changed();
          resolve(p);
        };
      });
    try {
      const [{ loadKubeConfig }, { startOnNode }, { requireExecConsent }] = await Promise.all([
        import('../cluster/kubeconfig.js'),
        import('./start.js'),
        import('../cluster/execConsent.js'),
      ]);
      const kc = req.via === 'pod' && !feed?.start ? await loadKubeConfig(req.kubeconfig, req.context) : undefined;
      if (kc) requireExecConsent(kc.getCurrentUser()?.exec, kc.getCurrentContext(), req.execConsent);
      // The config is read once when the run starts: the generated one can go right after.
      const begin = feed?.start ?? startOnNode;
      const run = await withSshOverlay(req.via === 'ssh' ? req.ssh : undefined, req.sshConfig ?? req.ssh?.configFile, [req.node], (sshConfig) =>
        begin(
          {
            node: req.node,
            via: req.via,
            durationMs: req.durationSec * 1000,
            args: req.probes ? ['--probes', req.probes.join(',')] : [],
            kc,
            sshConfig,
            host: req.host ?? feed?.host,
            passphrase,
            probeNamespace: req.probeNamespace,
            probeImage: req.probeImage,
            agentImage: req.agentImage,
            onProgress,
            signal: s.cancel.signal,
          },
          sink,
        ),
      );
      s.stop = () => run.stop();
      if (s.cancel.signal.aborted) await run.stop();
      const exit = await run.done;
      st.stage = 'stopped';
      counts.end();
      figures();
      if (exit.problem) st.error = exit.problem;
      s.changed();
    } catch (err) {
      const { SshHostKeyError } = await import('./ssh/transport.js');
      if (err instanceof SshHostKeyError && err.verdict.kind === 'unknown' && err.knownHostsFile) {
        const { fingerprint, keyTypeOf } = await import('./ssh/knownHosts.js');
        s.pendingKey = { host: err.host, port: err.port, key: err.key, file: err.knownHostsFile };
        st.hostKey = { host: err.host, port: err.port, keyType: keyTypeOf(err.key), fingerprint: fingerprint(err.key), knownHostsFile: err.knownHostsFile };
      }
      // Stopped by the user while it connected: that is no error.
      if (!s.cancel.signal.aborted) st.error = toApiError(err);
      st.stage = 'stopped';
      s.changed();
    }
  }
}
