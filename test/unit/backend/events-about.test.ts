/** The events table's question filter: events to or from the question's addresses, and the DNS lookups of B's name (under a search path too). */
import { describe, expect, it } from 'vitest';
import { EventStore } from '../../../src/backend/workbench/events.js';
import type { diagnose } from '../../../src/core/index.js';

type Ev = diagnose.ProbeEvent & { node: string };
const s = 1_764_000_000_000_000_000;
const ev = (i: number, over: Record<string, unknown>): Ev =>
  ({ v: 1, ts: s + i * 1e9, node: 'node-a', netns: 1, proto: 'tcp', sport: 40000 + i, dport: 8080, family: 4, ifindex: 2, ...over }) as unknown as Ev;
const dns = (i: number, src: string, qname: string) =>
  ev(i, { type: 'dns', proto: 'udp', src, dst: '10.96.0.10', dport: 53, qr: 'query', id: i, qname, qtype: 'A', dir: 'egress' });

const events: Ev[] = [
  ev(0, { type: 'tcp', event: 'refused', errno: 'ECONNREFUSED', state: 'SYN_SENT', src: '10.244.0.5', dst: '10.96.63.89' }), // A → the Service
  ev(1, { type: 'drop', reason: 'NETFILTER_DROP', reasonCode: 1, location: 'nft_do_chain', src: '10.244.0.5', dst: '10.244.0.9' }), // A → B
  ev(2, { type: 'tcp', event: 'established', state: 'ESTABLISHED', src: '10.244.3.3', dst: '10.244.0.9' }), // someone else → B
  ev(3, { type: 'tcp', event: 'established', state: 'ESTABLISHED', src: '10.244.3.3', dst: '10.244.7.7' }), // unrelated
  dns(4, '10.244.3.3', 'backend.shop.svc.cluster.local.'), // someone else looks B up
  dns(5, '10.244.3.3', 'db.shop.svc.cluster.local.'), // another name
  dns(6, '10.244.3.3', 'backendx.shop.svc.cluster.local.'), // not B's name
];

describe('the question filter', () => {
  const st = new EventStore();
  for (const e of events) st.add(e);
  const seqs = (f: Parameters<EventStore['page']>[0]) => st.page(f, 0, 100).rows.map((r) => r.seq);

  it("keeps the question's addresses and B's lookups, and nothing else", () => {
    expect(seqs({ about: { ips: ['10.244.0.5', '10.96.63.89', '10.244.0.9'], names: ['backend'] } })).toEqual([0, 1, 2, 4]);
    expect(seqs({ about: { ips: [], names: ['backend.shop'] } })).toEqual([4]);
    expect(seqs({ about: { ips: ['10.244.0.5'], names: [] } })).toEqual([0, 1]);
  });

  it('combines with the other filters, and an empty question filters nothing', () => {
    expect(seqs({ about: { ips: ['10.244.0.9'], names: [] }, type: ['drop'] })).toEqual([1]);
    expect(seqs({ about: { ips: [], names: [] } })).toHaveLength(events.length);
  });
});
