/** The SSH settings schema: what the Connect form may send, and what could inject config lines. */
import { describe, expect, it } from 'vitest';
import { parseJumpSpec, sshSettingsSchema } from '../../../src/api/index.js';

describe('sshSettingsSchema', () => {
  it('takes a full form', () => {
    const s = {
      configFile: '~/.ssh/config',
      user: 'ubuntu',
      identityFile: '/home/me/.ssh/id_ed25519',
      jump: 'ops@bastion.example.com:2222',
      nodes: [
        { node: 'worker-1', address: '10.0.0.5' },
        { node: 'worker-2', address: 'fd00::2' },
      ],
    };
    expect(sshSettingsSchema.parse(s)).toEqual(s);
    expect(sshSettingsSchema.parse({})).toEqual({});
  });

  it.each([
    ['a user with a newline', { user: 'root\n  ProxyCommand sh -c evil' }],
    ['a user with a space', { user: 'root x' }],
    ['a key path with a space', { identityFile: '/home/me/my key' }],
    ['a key path with a newline', { identityFile: '/k\nHost *' }],
    ['a key path with a quote', { identityFile: '/k"' }],
    ['a key path with #', { identityFile: '/k#x' }],
    ['a config path with a carriage return', { configFile: '/c\rHost *' }],
    ['a jump host with a newline', { jump: 'bastion\nProxyCommand evil' }],
    ['a jump host with a bad port', { jump: 'bastion:70000' }],
    ['a jump host with two @', { jump: 'a@b@c' }],
    ['a node name with a space', { nodes: [{ node: 'w 1', address: '10.0.0.1' }] }],
    ['a node pattern', { nodes: [{ node: '*', address: '10.0.0.1' }] }],
    ['an address with a newline', { nodes: [{ node: 'w1', address: '10.0.0.1\n  User root' }] }],
    ['an address with a port', { nodes: [{ node: 'w1', address: '10.0.0.1:22' }] }],
    [
      'a node twice',
      {
        nodes: [
          { node: 'w1', address: 'a' },
          { node: 'w1', address: 'b' },
        ],
      },
    ],
    ['an unknown field', { proxyCommand: 'evil' }],
  ])('refuses %s', (_, s) => {
    expect(sshSettingsSchema.safeParse(s).success).toBe(false);
  });

  it.each([
    ['bastion', { host: 'bastion' }],
    ['ops@bastion', { user: 'ops', host: 'bastion' }],
    ['ops@10.1.2.3:2222', { user: 'ops', host: '10.1.2.3', port: 2222 }],
    ['[fd00::1]:22', { host: 'fd00::1', port: 22 }],
  ])('reads the jump host %s', (spec, want) => {
    expect(parseJumpSpec(spec)).toEqual(want);
  });
});
