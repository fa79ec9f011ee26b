/**
 * The examples of the Kubernetes NetworkPolicy documentation, read from manifests
 * (test/fixtures/policy/k8s-docs): the reference `test-network-policy` and port ranges.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { policy } from '../../../../src/core/index.js';
import { fixture } from '../../../helpers/paths.js';
import { check, verdict } from '../../../helpers/policy.js';

const dir = fixture('policy/k8s-docs');
const files = readdirSync(dir).map((name) => ({ name, text: readFileSync(`${dir}/${name}`, 'utf8') }));

describe('Kubernetes documentation examples', () => {
  const idx = policy.indexFromFiles(files);
  it('reads the manifests without problems', () => expect(idx.diagnostics).toEqual([]));
  it.each([
    ['from an address in the ipBlock', '172.17.0.5', 'default/db', 'TCP/6379', 'allowed'],
    ['from an address in the except', '172.17.1.5', 'default/db', 'TCP/6379', 'denied'],
    ['from an address outside the ipBlock', '192.168.0.1', 'default/db', 'TCP/6379', 'denied'],
    ['from any pod of a namespace labelled project=myproject', 'myproject/client', 'default/db', 'TCP/6379', 'allowed'],
    ['not from role=frontend in another namespace', 'elsewhere/client', 'default/db', 'TCP/6379', 'denied'],
    ['not from another pod of the namespace', 'default/other', 'default/db', 'TCP/6379', 'denied'],
    ['only on TCP 6379', 'myproject/client', 'default/db', 'TCP/6380', 'denied'],
    ['egress of db to 10.0.0.0/24 on TCP 5978', 'default/db', '10.0.0.7', 'TCP/5978', 'allowed'],
    ['no other egress of db', 'default/db', '10.0.1.7', 'TCP/5978', 'denied'],
    ['no egress from db to a pod', 'default/db', 'default/frontend', 'TCP/80', 'denied'],
    ['port range start', 'default/frontend', '10.0.0.1', 'TCP/32000', 'allowed'],
    ['port range end', 'default/frontend', '10.0.0.1', 'TCP/32768', 'allowed'],
    ['past the port range', 'default/frontend', '10.0.0.1', 'TCP/32769', 'denied'],
    ['the range is TCP only', 'default/frontend', '10.0.0.1', 'UDP/32000', 'denied'],
    ['frontend egress to db is not in the range', 'default/frontend', 'default/db', 'TCP/6379', 'denied'],
  ] as const)('%s', (_n, from, to, port, want) => {
    expect(verdict(idx, from, to, port)).toBe(want);
  });

  it("admits role=frontend of the policy namespace at db's ingress, while frontend's own egress policy denies it", () => {
    const r = check(idx, 'default/frontend', 'default/db', 'TCP/6379');
    expect(r.ingress.allowed).toBe(true);
    expect(r.ingress.decisions[0]).toMatchObject({
      reason: 'rule',
      rules: [{ policy: { name: 'test-network-policy' }, rule: 'spec.ingress[0]', peer: 'pods role=frontend in namespace default' }],
    });
    expect(r.egress.allowed).toBe(false);
    expect(r.egress.decisions[0]).toMatchObject({ reason: 'isolated', isolatedBy: [{ name: 'multi-port-egress' }] });
  });

  it('names the near miss: the rule that admits the port but not this peer', () => {
    const r = check(idx, '172.17.1.5', 'default/db', 'TCP/6379');
    expect(r.ingress.decisions).toMatchObject([
      { reason: 'isolated', nearMisses: [{ policy: { name: 'test-network-policy' }, rule: 'spec.ingress[0]', misses: 'peer', ports: 'TCP/6379' }] },
    ]);
    const p = check(idx, 'myproject/client', 'default/db', 'TCP/6380');
    expect(p.ingress.decisions).toMatchObject([{ reason: 'isolated', nearMisses: [{ rule: 'spec.ingress[0]', misses: 'ports' }] }]);
  });
});
