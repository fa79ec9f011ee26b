/** A kubeconfig picked on the Connect screen: refused with a message before it is sent when it could not travel. */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { maxFrameBytes, type CallName } from '../../../src/api/index.js';
import { isKubeconfigSource, kubeconfigFromFile } from '../../../src/renderer/features/connect/kubeconfigFile.js';
import { fixture } from '../../helpers/paths.js';
import { storeOn } from '../../helpers/store.js';

const picked = (name: string, body: string | Uint8Array<ArrayBuffer>) => new File([body], name);

describe('kubeconfig picked on the Connect screen', () => {
  it('refuses a 6 MiB file with its size and the next step, without reading it', async () => {
    const file = picked('huge-config', new Uint8Array(6 * 1024 * 1024).fill(0x61));
    const text = vi.spyOn(file, 'text');
    const got = await kubeconfigFromFile(file);
    expect(isKubeconfigSource(got)).toBe(false);
    expect(got).toMatchObject({
      code: 'kubeconfig-unreadable',
      message: expect.stringMatching(/huge-config is 6\.0 MiB: more than the 4\.0 MiB/),
      hint: expect.stringMatching(/--kubeconfig FILE/),
    });
    expect(text).not.toHaveBeenCalled();
  });

  it('refuses a file under the size limit whose frame would be over it (escapes)', async () => {
    const got = await kubeconfigFromFile(picked('many-lines', '\n'.repeat(3 * 1024 * 1024)));
    expect(got).toMatchObject({ code: 'kubeconfig-unreadable', message: expect.stringMatching(/many-lines is [\d.]+ MiB/) });
  });

  it('takes an ordinary kubeconfig, whose call fits in one frame', async () => {
    const text = readFileSync(fixture('kubeconfig/three-contexts.yaml'), 'utf8');
    const got = await kubeconfigFromFile(picked('config', text));
    expect(got).toEqual({ kind: 'text', name: 'config', text });
    expect(Buffer.byteLength(JSON.stringify({ t: 'call', id: 'x', method: 'kubeconfig.contexts', payload: { source: got } }))).toBeLessThan(maxFrameBytes);
  });

  it('the Connect screen shows the refusal like a failed kubeconfig and sends nothing', async () => {
    const seen: Array<{ method: CallName; payload: unknown }> = [];
    const store = storeOn({ seen });
    const got = await kubeconfigFromFile(picked('huge-config', new Uint8Array(6 * 1024 * 1024)));
    if (isKubeconfigSource(got)) throw new Error('accepted a 6 MiB kubeconfig');
    store.getState().refuseKubeconfig(got);
    expect(store.getState().contexts).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('huge-config is 6.0 MiB') } });
    expect(seen.filter((c) => c.method === 'kubeconfig.contexts')).toEqual([]);
  });
});
