/**
 * The Hubble client when there is no Hubble: a socket path where nothing listens, and a TCP
 * port that is closed, end in an error that names the target and the next step, within the
 * timeout (real grpc-js, real sockets; the flows themselves are checked against a real Cilium
 * in test/lab/cilium/tests/hubble.test.ts).
 */
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubbleFlowLines } from '../../src/backend/hubble/client.js';

describe('Hubble client without a Hubble', () => {
  it('no socket: "did not answer", with the next step, within the timeout', async () => {
    const t0 = Date.now();
    const target = `unix://${path.join(os.tmpdir(), `no-hubble-${process.pid}.sock`)}`;
    await expect(hubbleFlowLines({ target, sinceNs: 0, timeoutMs: 1000 })).rejects.toMatchObject({
      message: expect.stringContaining(`Hubble at ${target} did not answer`),
      detail: expect.objectContaining({ code: 'probe-failed', hint: expect.stringContaining('--enable-hubble') }),
    });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a closed TCP port (a relay port-forward that is gone): the same', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    await expect(hubbleFlowLines({ target: `127.0.0.1:${port}`, sinceNs: 0, timeoutMs: 1000 })).rejects.toMatchObject({
      message: expect.stringContaining('did not answer'),
    });
  });
});
