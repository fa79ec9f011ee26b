import { describe, expect, it } from 'vitest';
import { parseJump, resolveSshTarget } from '../../../../../src/backend/probes/ssh/config.js';

const config = `
Host bastion
  HostName 203.0.113.10
  User ops

Host node-*
  User admin
  ProxyJump bastion
  IdentityFile ~/.ssh/nodes_%h

Host node-7
  HostName 10.0.0.7
  Port 2222

Host *
  User fallback
  UserKnownHostsFile ~/.ssh/known_hosts ~/.ssh/known_hosts.pathlight
  StrictHostKeyChecking no
`;

describe('ssh config', () => {
  it('resolves like ssh: first value wins, patterns, ~ and %h', () => {
    const t = resolveSshTarget(config, 'node-7', { home: '/home/me' });
    expect(t).toMatchObject({
      hostName: '10.0.0.7',
      port: 2222,
      user: 'admin',
      identityFiles: ['/home/me/.ssh/nodes_10.0.0.7'],
      knownHostsFiles: ['/home/me/.ssh/known_hosts', '/home/me/.ssh/known_hosts.pathlight'],
      jumps: ['bastion'],
      strictDisabled: true,
    });
  });

  it('falls back to the node address and the default keys', () => {
    const t = resolveSshTarget('', 'worker-3', { home: '/h', fallbackHostName: '10.1.2.3', defaultUser: 'root' });
    expect(t).toMatchObject({ hostName: '10.1.2.3', port: 22, user: 'root', jumps: [], strictDisabled: false });
    expect(t.identityFiles).toEqual(['/h/.ssh/id_ed25519', '/h/.ssh/id_ecdsa', '/h/.ssh/id_rsa']);
    expect(t.knownHostsFiles[0]).toBe('/h/.ssh/known_hosts');
  });

  it('names a bad port', () => {
    expect(() => resolveSshTarget('Host x\n  Port nope\n', 'x', { file: '/cfg' })).toThrow(/Port nope for host x is not a port number/);
  });

  it.each([
    ['bastion', { host: 'bastion' }],
    ['ops@bastion:2200', { user: 'ops', host: 'bastion', port: 2200 }],
    ['[fd00::1]:22', { host: 'fd00::1', port: 22 }],
  ])('parses ProxyJump %s', (spec, want) => {
    expect(parseJump(spec)).toMatchObject(want);
  });
});
