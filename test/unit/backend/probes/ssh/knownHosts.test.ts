import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprint, hostKeyName, keyTypeOf, parseKnownHosts, verifyHostKey } from '../../../../../src/backend/probes/ssh/knownHosts.js';

const blob = (type: string, body: string) => {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.from(body)]);
};
const keyA = blob('ssh-ed25519', 'key-a');
const keyB = blob('ssh-ed25519', 'key-b');
const line = (hosts: string, key: Buffer, marker = '') => `${marker}${marker ? ' ' : ''}${hosts} ${keyTypeOf(key)} ${key.toString('base64')}`;

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts', () => {
  it.each([
    ['plain host on port 22', line('node-1,10.0.0.1', keyA), '10.0.0.1', 22, 'trusted'],
    ['[host]:port form', line('[127.0.0.1]:2222', keyA), '127.0.0.1', 2222, 'trusted'],
    ['port 22 entry does not cover another port', line('127.0.0.1', keyA), '127.0.0.1', 2222, 'unknown'],
    ['hashed entry', line(hashed('[10.0.0.9]:2200'), keyA), '10.0.0.9', 2200, 'trusted'],
    ['glob', line('*.nodes.example', keyA), 'a.nodes.example', 22, 'trusted'],
    ['negated glob excludes', line('*.nodes.example,!bad.nodes.example', keyA), 'bad.nodes.example', 22, 'unknown'],
    ['another key for the host', line('10.0.0.1', keyB), '10.0.0.1', 22, 'mismatch'],
    ['revoked key', line('*', keyA, '@revoked'), '10.0.0.1', 22, 'revoked'],
  ])('%s', (_name, text, host, port, verdict) => {
    const entries = parseKnownHosts(`# comment\n\n${text}\n`, '/kh');
    expect(verifyHostKey(entries, host, port, keyA).kind).toBe(verdict);
  });

  it('says where the expected key is written', () => {
    const v = verifyHostKey(parseKnownHosts(`${line('a', keyA)}\n${line('10.0.0.1', keyB)}\n`, '/home/u/.ssh/known_hosts'), '10.0.0.1', 22, keyA);
    expect(v).toMatchObject({ kind: 'mismatch', expected: [{ file: '/home/u/.ssh/known_hosts', line: 2 }] });
  });

  it('prints fingerprints as ssh does and names the key type', () => {
    expect(fingerprint(keyA)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(keyTypeOf(keyA)).toBe('ssh-ed25519');
    expect(hostKeyName('h', 22)).toBe('h');
    expect(hostKeyName('h', 2222)).toBe('[h]:2222');
  });
});
