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
