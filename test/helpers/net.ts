/** Loopback traffic for tests (never any other address). */
import net from 'node:net';

/** A loopback port nobody listens on (bound and released). */
export function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Connects to a loopback port nobody listens on and waits for the refusal (a TCP RST). */
export async function refusedConnection(port?: number): Promise<number> {
  const p = port ?? (await unusedPort());
  await new Promise<void>((resolve) => net.connect(p, '127.0.0.1').on('error', () => resolve()));
  return p;
}

/**
 * A TCP forwarder on loopback to a loopback port (e.g. the lab's API server), that can be cut
 * and restored: `cut()` closes every connection and stops listening (new connections are
 * refused, as by a stopped server); `restore()` listens on the same port again. Lets a test
 * lose one client's cluster without stopping the cluster other tests use.
 */
export async function cuttableForward(targetPort: number): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const conns = new Set<net.Socket>();
  let server: net.Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(targetPort, '127.0.0.1');
        for (const s of [client, upstream]) {
          conns.add(s);
          s.on('close', () => conns.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server!.address() as net.AddressInfo).port));
    });
  const port = await listen(0);
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const s of conns) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  return { port, cut, restore: async () => void (await listen(port)), close: cut };
}
