/**
 * A node's Hubble socket through SSH, for the Hubble client: the same connection a probe makes
 * (OpenSSH config, jump hosts, keys, known_hosts checked strictly: ../probes/ssh/transport.ts),
 * and a listener on the loopback of this machine whose connections each become a stream to
 * the node's unix socket (`direct-streamlocal@openssh.com`, what `ssh -L port:/path` does).
 * grpc-js talks to the listener's address.
 */
import { createServer, type Socket } from 'node:net';
import { PathlightError } from '../../api/index.js';
import { readSshConfig } from '../probes/ssh/config.js';
import { connect, type SshProbeOptions } from '../probes/ssh/transport.js';
import { hubbleFlowLines, type HubbleQuery } from './client.js';

/** Where Cilium puts a node's Hubble socket. */
export const hubbleSocketPath = '/var/run/cilium/hubble.sock';

export interface HubbleBridge {
  /** `127.0.0.1:PORT`, for hubbleFlowLines. */
  target: string;
  close(): void;
}

export async function hubbleOverSsh(opts: Omit<SshProbeOptions, 'agentDir' | 'args'>, socketPath = hubbleSocketPath): Promise<HubbleBridge> {
  const { conn, hops } = await connect({ ...opts, agentDir: '', args: [] });
  const end = () => {
    conn.end();
    for (const h of hops) h.end();
  };
  // One stream first: a node without the socket (no Cilium, Hubble off) is said at once, not
  // after the client's connection timeout.
  try {
    await new Promise<void>((resolve, reject) =>
      conn.openssh_forwardOutStreamLocal(socketPath, (err, ch) => {
        if (err) return reject(err);
        ch.close();
        resolve();
      }),
    );
  } catch (err) {
    end();
    throw new PathlightError({
      code: 'probe-failed',
      message: `Hubble at ssh://${opts.node}${socketPath}: the node has no socket to connect to (${(err as Error).message}).`,
      hint: 'Cilium runs Hubble there when cilium-agent has --enable-hubble; give the socket path as ssh://NODE/PATH if it is elsewhere, or use Hubble Relay (--hubble HOST:PORT).',
    });
  }
  const sockets = new Set<Socket>();
  const server = createServer((local) => {
    sockets.add(local);
    local.on('close', () => sockets.delete(local));
    conn.openssh_forwardOutStreamLocal(socketPath, (err, remote) => {
      if (err) {
        // The node has no such socket (no Cilium, Hubble off): the client sees the connection end.
        local.destroy();
        return;
      }
      local.pipe(remote).pipe(local);
      remote.on('close', () => local.destroy());
      local.on('close', () => remote.close());
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    end();
    throw new PathlightError({ code: 'internal', message: `Cannot listen on the loopback for the SSH bridge: ${(err as Error).message}.` });
  }
  const port = (server.address() as { port: number }).port;
  return {
    target: `127.0.0.1:${port}`,
    close() {
      server.close();
      for (const s of sockets) s.destroy();
      end();
    },
  };
}

/**
 * The flows of a query whose target may also be `ssh://NODE[/PATH]`: the node's socket (PATH,
 * default Cilium's) reached over SSH with the OpenSSH config `sshConfig` (`host`: the node's
 * address when the config has none). Messages name the target as given.
 */
export async function hubbleLines(q: HubbleQuery & { sshConfig?: string | undefined; host?: string | undefined }): Promise<string[]> {
  const { sshConfig, host, ...query } = q;
  if (!q.target.startsWith('ssh://')) return hubbleFlowLines(query);
  const rest = q.target.slice('ssh://'.length);
  const slash = rest.indexOf('/');
  const node = slash < 0 ? rest : rest.slice(0, slash);
  const { text, file } = await readSshConfig({ file: sshConfig });
  const bridge = await hubbleOverSsh({ configText: text, configFile: file, node, fallbackHostName: host }, slash < 0 ? hubbleSocketPath : rest.slice(slash));
  try {
    return await hubbleFlowLines({ ...query, target: bridge.target, label: q.label ?? q.target });
  } finally {
    bridge.close();
  }
}
