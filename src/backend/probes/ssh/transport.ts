/**
 * The ssh probe transport: connect to a node with ssh2 (keys, ssh-agent, ProxyJump, strict
 * known_hosts), upload the agent binary for the node's architecture over SFTP with a
 * checksum, run it (through `sudo -n` when not root) and stream its NDJSON events. Closing
 * the channel's stdin stops the agent; if Pathlight dies, the channel closes with the TCP
 * connection and the agent stops by itself (stdin EOF).
 */
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
// ssh2 is CommonJS: Node's ESM loader gives it only as a default export.
import ssh2, { type ClientChannel, type ConnectConfig, type Client as SshClient } from 'ssh2';
import { readAgent } from '../agentDir.js';
import { controlLine, lineFeeder, throwIfCancelled, type ProbeExit, type ProbeSink, type ProbeStage } from '../stream.js';
import { PathlightError, type ApiError } from '../../../api/index.js';
import { parseJump, resolveSshTarget, type SshTarget } from './config.js';
import { fingerprint, keyTypeOf, loadKnownHosts, verifyHostKey, type HostKeyVerdict } from './knownHosts.js';

export interface SshProbeOptions {
  /** OpenSSH client config text (may be empty) and its file name for messages. */
  configText: string;
  configFile?: string | undefined;
  /** The node: a Host alias of the config or the node name. */
  node: string;
  /** Address to use when the config has no HostName (the node's InternalIP). */
  fallbackHostName?: string;
  home?: string;
  /** Directory holding linux-<arch>/pathlight-probe. */
  agentDir: string;
  /** Arguments after `pathlight-probe run`. */
  args: string[];
  /** Asked for when a key file is encrypted; undefined means "no passphrase available". */
  passphrase?: (file: string) => Promise<string | undefined>;
  /** ssh-agent socket (default $SSH_AUTH_SOCK). */
  agentSocket?: string | undefined;
  readyTimeoutMs?: number;
  /** Progress for the UI: connecting, uploading, starting, streaming, stopped. */
  onProgress?: (stage: ProbeStage, detail?: string) => void;
  /** Aborts the start (between connecting, uploading and starting); the caller stops a started run. */
  signal?: AbortSignal | undefined;
}

/** A host key that is not (or differently) in known_hosts: the UI shows it for a decision. */
export class SshHostKeyError extends PathlightError {
  constructor(
    readonly verdict: HostKeyVerdict,
    readonly host: string,
    readonly port: number,
    readonly key: Buffer,
    /** Where trusting it would record it (the first UserKnownHostsFile). */
    readonly knownHostsFile?: string,
  ) {
    const fp = fingerprint(key);
    const where = port === 22 ? host : `[${host}]:${port}`;
    super(
      verdict.kind === 'unknown'
        ? {
            code: 'ssh-host-key-unknown',
            message: `The host key of ${where} is not in known_hosts (${keyTypeOf(key)} ${fp}).`,
            hint: `Compare ${fp} with the node's key (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the node) and trust it, or add it to known_hosts.`,
          }
        : {
            code: 'ssh-host-key-mismatch',
            message: `The host key of ${where} is ${fp}, but known_hosts lists ${verdict.kind === 'mismatch' ? verdict.expected.map((e) => `${fingerprint(e.key)} (${e.file}:${e.line})`).join(', ') : `it as revoked (${verdict.entry.file}:${verdict.entry.line})`}.`,
            hint: 'Someone may be intercepting the connection, or the node was reinstalled. Check with the node owner before removing the old entry; Pathlight will not connect until then.',
          },
    );
  }
}

const { Client, utils } = ssh2;
type Client = SshClient;

const archOf: Record<string, string> = { x86_64: 'amd64', amd64: 'amd64', aarch64: 'arm64', arm64: 'arm64' };

function run(conn: Client, cmd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    conn.exec(cmd, (err, ch) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      ch.on('data', (d: Buffer) => (stdout += d.toString()));
      ch.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      ch.on('close', (code: number | null) => resolve({ code, stdout, stderr }));
    });
  });
}

/** Single-quoted for a POSIX shell. */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function authConfig(t: SshTarget, opts: SshProbeOptions): Promise<Pick<ConnectConfig, 'privateKey' | 'passphrase' | 'agent'>> {
  const socket = opts.agentSocket ?? process.env.SSH_AUTH_SOCK;
  for (const file of t.identityFiles) {
    let text: Buffer;
    try {
      text = await readFile(file);
    } catch {
      continue; // like ssh: identity files that do not exist are skipped
    }
    let parsed = utils.parseKey(text);
    let passphrase: string | undefined;
    if (parsed instanceof Error && /passphrase/i.test(parsed.message)) {
      passphrase = await opts.passphrase?.(file);
      if (passphrase === undefined) {
        if (socket) return { agent: socket };
        throw new PathlightError({
          code: 'ssh-passphrase-needed',
          message: `The SSH key ${file} is encrypted and no passphrase was given.`,
          hint: 'Enter its passphrase, or load it into ssh-agent (ssh-add) and retry.',
          file,
        });
      }
      parsed = utils.parseKey(text, passphrase);
    }
    if (parsed instanceof Error) {
      throw new PathlightError({
        code: 'ssh-auth-failed',
        message: `The SSH key ${file} cannot be used: ${parsed.message}.`,
        hint: 'Check the IdentityFile of the SSH config and the passphrase.',
        file,
      });
    }
    return { privateKey: text, passphrase, agent: socket };
  }
  if (socket) return { agent: socket };
  throw new PathlightError({
    code: 'ssh-auth-failed',
    message: `No SSH key for ${t.user}@${t.alias}: none of ${t.identityFiles.join(', ')} exists and no ssh-agent is running.`,
    hint: 'Set IdentityFile for this host in the SSH config, or start ssh-agent with the key loaded.',
  });
}

/** Opens one authenticated, host-verified connection, through `sock` when jumping. */
async function connectOne(t: SshTarget, opts: SshProbeOptions, sock?: NodeJS.ReadableStream): Promise<Client> {
  if (t.strictDisabled) opts.onProgress?.('connecting', `${t.alias}: StrictHostKeyChecking no is ignored; Pathlight always checks known_hosts`);
  const known = await loadKnownHosts(t.knownHostsFiles);
  const auth = await authConfig(t, opts);
  let hostKeyProblem: SshHostKeyError | undefined;
  const conn = new Client();
  return new Promise((resolve, reject) => {
    conn.on('ready', () => resolve(conn));
    conn.on('error', (err: Error & { level?: string; code?: string }) => {
      if (hostKeyProblem) return reject(hostKeyProblem);
      const where = `${t.user}@${t.hostName}:${t.port}`;
      if (err.level === 'client-authentication') {
        return reject(
          new PathlightError({
            code: 'ssh-auth-failed',
            message: `${where} refused the SSH key(s) offered (${t.identityFiles.filter(Boolean).join(', ') || 'ssh-agent'}).`,
            hint: `Check that the key is in ~${t.user}/.ssh/authorized_keys on the node, and the User for this host in the SSH config.`,
          }),
        );
      }
      reject(
        new PathlightError({
          code: 'ssh-unreachable',
          message: `Cannot reach ${where} over SSH: ${err.message}.`,
          hint: 'Check HostName and Port for this node in the SSH config (or the node address), and that sshd runs there.',
        }),
      );
    });
    conn.connect({
      host: t.hostName,
      port: t.port,
      username: t.user,
      ...auth,
      sock: sock as ConnectConfig['sock'],
      readyTimeout: opts.readyTimeoutMs ?? 15_000,
      hostVerifier: (key: Buffer) => {
        const verdict = verifyHostKey(known, t.hostName, t.port, key);
        if (verdict.kind === 'trusted') return true;
        hostKeyProblem = new SshHostKeyError(verdict, t.hostName, t.port, key, t.knownHostsFiles[0]);
        return false;
      },
    });
  });
}

/** Connects to the target, through each ProxyJump hop in turn. */
export async function connect(opts: SshProbeOptions): Promise<{ conn: Client; target: SshTarget; hops: Client[] }> {
  const cfg = { file: opts.configFile, home: opts.home };
  const target = resolveSshTarget(opts.configText, opts.node, { ...cfg, fallbackHostName: opts.fallbackHostName });
  opts.onProgress?.('connecting', `${target.user}@${target.hostName}:${target.port}`);
  const hops: Client[] = [];
  let sock: NodeJS.ReadableStream | undefined;
  for (const spec of target.jumps) {
    const j = parseJump(spec);
    const hop = resolveSshTarget(opts.configText, j.host, cfg);
    const t = { ...hop, user: j.user ?? hop.user, port: j.port ?? hop.port, jumps: [] };
    const c = await connectOne(t, opts, sock);
    hops.push(c);
    sock = await new Promise<ClientChannel>((resolve, reject) =>
      c.forwardOut('127.0.0.1', 0, target.hostName, target.port, (err, ch) => (err ? reject(err) : resolve(ch))),
    );
  }
  try {
    return { conn: await connectOne(target, opts, sock), target, hops };
  } catch (err) {
    for (const h of hops) h.end();
    throw err;
  }
}

export interface ProbeRun {
  /** The node's agent, streaming. */
  target: SshTarget;
  arch: string;
  remotePath: string;
  /** Writes one control line to the agent's stdin (a filters, test or stop line); ignored once the run has stopped. */
  send(control: object): void;
  /** Ends the run: closes the agent's stdin; resolves when the channel has closed. */
  stop(): Promise<ProbeExit>;
  /** Resolves when the agent has exited by itself or after stop(). */
  done: Promise<ProbeExit>;
}

/** Uploads (when the node lacks this exact binary) and starts the agent; events go to `sink`. */
export async function startProbe(opts: SshProbeOptions, sink: ProbeSink): Promise<ProbeRun> {
  const { conn, target, hops } = await connect(opts);
  const close = () => {
    conn.end();
    for (const h of hops) h.end();
  };
  // A cancel while starting closes the connection: the step in flight fails, the start ends as cancelled.
  const onAbort = () => close();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    throwIfCancelled(opts.signal);
    const uname = (await run(conn, 'uname -m')).stdout.trim();
    const arch = archOf[uname];
    if (!arch)
      throw new PathlightError({
        code: 'probe-unsupported-arch',
        message: `Node ${target.alias} is ${uname || 'of an unknown architecture'}; the probe agent is built for x86_64 and aarch64.`,
        hint: 'Use a node of a supported architecture, or the pod transport with an agent image built for it.',
      });
    const { binary, sha256: sum } = await readAgent(opts.agentDir, arch, '');
    // A private directory of the SSH user: a shared /tmp path could be swapped between the
    // checksum check and the (root) execution.
    const dir = `${(await run(conn, 'printf %s "$HOME"')).stdout}/.cache/pathlight`;
    const absRemote = `${dir}/pathlight-probe-${sum.slice(0, 16)}`;
    const have = await run(conn, `mkdir -p -m 700 ${q(dir)} && sha256sum ${q(absRemote)} 2>/dev/null`);
    if (!have.stdout.startsWith(sum)) {
      opts.onProgress?.('uploading', `${binary.length} bytes to ${absRemote}`);
      // A private name per upload, then an atomic replace: two runs uploading to the same
      // node at once (two questions, two windows) never interleave their bytes.
      const part = `${absRemote}.part-${randomBytes(6).toString('hex')}`;
      await upload(conn, binary, part);
      const moved = await run(conn, `mv -f ${q(part)} ${q(absRemote)} || { rm -f ${q(part)}; exit 1; }`);
      if (moved.code !== 0)
        throw new PathlightError({
          code: 'probe-upload-failed',
          message: `Installing the uploaded agent on ${target.alias} failed: ${moved.stderr.trim() || `mv exited ${moved.code}`}.`,
          hint: 'Check free space and permissions in ~/.cache/pathlight on the node and retry.',
        });
      const check = await run(conn, `sha256sum ${q(absRemote)}`);
      if (!check.stdout.startsWith(sum)) {
        throw new PathlightError({
          code: 'probe-upload-failed',
          message: `The agent uploaded to ${target.alias}:${absRemote} has checksum ${check.stdout.split(' ')[0] || '(none)'}, expected ${sum}.`,
          hint: "Check free space in the SSH user's home directory on the node and retry.",
        });
      }
    }
    throwIfCancelled(opts.signal);
    const sudo = target.user === 'root' ? '' : 'sudo -n ';
    opts.onProgress?.('starting', `${sudo}${absRemote} run ${opts.args.join(' ')}`);
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      conn.exec(`${sudo}${q(absRemote)} run ${opts.args.map(q).join(' ')}`, (err, ch) => (err ? reject(err) : resolve(ch))),
    );
    opts.signal?.removeEventListener('abort', onAbort);
    let stderr = '';
    const lines = lineFeeder(sink, (hello) => opts.onProgress?.('streaming', `agent ${hello.version} on ${hello.kernel}`));
    channel.on('data', (d: Buffer) => lines.push(d));
    channel.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8192);
    });
    let open = true;
    const done = new Promise<ProbeExit>((resolve) => {
      channel.on('close', (code: number | null) => {
        open = false;
        lines.end();
        close();
        opts.onProgress?.('stopped', code === 0 ? undefined : `exit ${code}`);
        const problem: ApiError | undefined =
          sudo && /password is required|a terminal is required/.test(stderr)
            ? {
                code: 'ssh-sudo-failed',
                message: `sudo on ${target.alias} asks for a password, so the agent could not start.`,
                hint: `Allow ${absRemote} with NOPASSWD for ${target.user} in sudoers, or connect as root.`,
              }
            : code !== 0 && !lines.streaming
              ? {
                  code: 'probe-failed',
                  message: `The agent on ${target.alias} exited with ${code} before streaming: ${stderr.trim().split('\n').at(-1) ?? ''}`,
                  hint: "See the agent's error line above; `pathlight-probe features` on the node shows what its kernel supports.",
                }
              : undefined;
        resolve({ exitCode: code, stderr, problem });
      });
    });
    return {
      target,
      arch,
      remotePath: absRemote,
      done,
      send: (control) => {
        if (open && channel.writable) channel.write(controlLine(control));
      },
      stop: () => {
        open = false;
        channel.end(); // EOF on the agent's stdin: it detaches and writes bye
        return done;
      },
    };
  } catch (err) {
    opts.signal?.removeEventListener('abort', onAbort);
    close();
    throwIfCancelled(opts.signal);
    throw err;
  }
}

function upload(conn: Client, data: Buffer, remote: string): Promise<void> {
  return new Promise((resolve, reject) => {
    conn.sftp((err, sftp) => {
      if (err)
        return reject(
          new PathlightError({
            code: 'probe-upload-failed',
            message: `SFTP is not available on the node: ${err.message}.`,
            hint: "Enable the sftp subsystem in the node's sshd_config (Subsystem sftp internal-sftp).",
          }),
        );
      const ws = sftp.createWriteStream(remote, { mode: 0o700 });
      ws.on('error', (e: Error) =>
        reject(
          new PathlightError({
            code: 'probe-upload-failed',
            message: `Uploading the agent failed: ${e.message}.`,
            hint: "Check free space and permissions in the SSH user's home directory on the node.",
          }),
        ),
      );
      ws.on('close', () => {
        sftp.end();
        resolve();
      });
      ws.end(data);
    });
  });
}
