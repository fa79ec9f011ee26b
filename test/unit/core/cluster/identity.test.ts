import { describe, expect, it } from 'vitest';
import { IdentityIndex, ipsOf } from '../../../../src/core/index.js';

const pod = (name: string, node = 'n1') => ({ kind: 'pod' as const, namespace: 'shop', name, node });

describe('IdentityIndex', () => {
  it('attributes a reused pod IP to the pod that held it at that instant', () => {
    const ix = new IdentityIndex();
    ix.set(pod('backend-a'), ['10.244.0.7'], 100);
    ix.remove(pod('backend-a'), 200);
    ix.set(pod('backend-b'), ['10.244.0.7'], 300);
    expect(ix.at('10.244.0.7', 50)).toBeUndefined();
    expect(ix.at('10.244.0.7', 150)?.name).toBe('backend-a');
    expect(ix.at('10.244.0.7', 250)).toBeUndefined();
    expect(ix.at('10.244.0.7', 300)?.name).toBe('backend-b');
    expect(ix.history('10.244.0.7').map((h) => [h.from, h.to, h.who.name])).toEqual([
      [100, 200, 'backend-a'],
      [300, undefined, 'backend-b'],
    ]);
  });

  it('hands an IP over when the new holder appears before the old one is deleted', () => {
    const ix = new IdentityIndex();
    ix.set(pod('old'), ['10.244.0.9'], 10);
    ix.set(pod('new'), ['10.244.0.9'], 20); // the delete of "old" arrives later
    ix.remove(pod('old'), 25);
    expect(ix.at('10.244.0.9', 15)?.name).toBe('old');
    expect(ix.at('10.244.0.9', 22)?.name).toBe('new');
    expect(ix.at('10.244.0.9', 30)?.name).toBe('new');
  });

  it('updates a holder without a new interval, and releases IPs it no longer lists', () => {
    const ix = new IdentityIndex();
    ix.set(pod('web', ''), ['10.0.0.1', 'fd00::1'], 1);
    ix.set(pod('web', 'n2'), ['10.0.0.1'], 5);
    expect(ix.history('10.0.0.1')).toHaveLength(1);
    expect(ix.at('10.0.0.1', 9)?.node).toBe('n2');
    expect(ix.at('fd00::1', 4)?.name).toBe('web');
    expect(ix.at('fd00::1', 5)).toBeUndefined();
  });

  it("finds a v4 holder from the agent's v4-mapped spelling, and IPv6 in any spelling", () => {
    const ix = new IdentityIndex();
    ix.set(pod('web'), ['10.244.0.9', 'fd00:10:244::9'], 100);
    expect(ix.at('::ffff:10.244.0.9', 150)?.name).toBe('web');
    expect(ix.at('fd00:10:244:0:0:0:0:9', 150)?.name).toBe('web');
    expect(ix.at('::ffff:10.244.0.10', 150)).toBeUndefined();
  });

  it('maps a node netns inode to its pod', () => {
    const ix = new IdentityIndex();
    ix.setNetns('n1', 4026532290, pod('frontend'));
    expect(ix.netns('n1', 4026532290)?.name).toBe('frontend');
    expect(ix.netns('n2', 4026532290)).toBeUndefined();
  });
});

describe('ipsOf', () => {
  it.each([
    ['pod with podIPs', 'pod', { status: { podIPs: [{ ip: '10.1.0.5' }, { ip: 'fd00::5' }], podIP: '10.1.0.5' } }, ['10.1.0.5', 'fd00::5']],
    ['pod with only podIP', 'pod', { status: { podIP: '10.1.0.6' } }, ['10.1.0.6']],
    ['hostNetwork pod (the node holds the IP)', 'pod', { spec: { hostNetwork: true }, status: { podIP: '172.30.0.2' } }, []],
    ['pending pod', 'pod', { status: {} }, []],
    ['service', 'service', { spec: { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'] } }, ['10.96.0.10']],
    ['headless service', 'service', { spec: { clusterIP: 'None' } }, []],
    [
      'node',
      'node',
      {
        status: {
          addresses: [
            { type: 'InternalIP', address: '172.30.0.2' },
            { type: 'Hostname', address: 'n1' },
          ],
        },
      },
      ['172.30.0.2'],
    ],
  ] as const)('%s', (_n, kind, obj, want) => {
    expect(ipsOf(kind, obj)).toEqual(want);
  });
});
