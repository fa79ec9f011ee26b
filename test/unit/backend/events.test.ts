/**
 * The events table's store (columns, interned strings): each Hubble-style filter picks what a
 * user asked for, the rows read back as they were added, the timeline counts by type, the
 * pickers list what was seen; a replay's store answers on time and type before its rows are
 * read and says how many events a filter could not judge yet.
 */
import { describe, expect, it } from 'vitest';
import { EventStore, toRow } from '../../../src/backend/workbench/events.js';
import type { diagnose } from '../../../src/core/index.js';

type Ev = diagnose.ProbeEvent & { node: string };
const s = 1_764_000_000_000_000_000;
const pod = (namespace: string, name: string) => ({ kind: 'pod', namespace, name });
const base = (i: number, over: Record<string, unknown>): Ev =>
  ({
    v: 1,
    ts: s + i * 1e9,
    node: i % 2 ? 'node-b' : 'node-a',
    netns: 1,
    proto: 'tcp',
    src: '10.244.0.5',
    sport: 40000 + i,
    dst: '10.244.1.7',
    dport: 8080,
    family: 4,
    ifindex: 2,
    ...over,
  }) as unknown as Ev;

const events: Ev[] = [
  base(0, {
    type: 'drop',
    reason: 'NETFILTER_DROP',
    reasonCode: 1,
    location: 'nft_do_chain',
    identities: { src: pod('shop', 'frontend-1'), dst: pod('shop', 'backend-1') },
  }),
  base(1, {
    type: 'tcp',
    event: 'refused',
    errno: 'ECONNREFUSED',
    state: 'SYN_SENT',
    identities: { src: pod('shop', 'frontend-1'), dst: pod('billing', 'ledger-0') },
  }),
  base(2, {
    type: 'tcp',
    event: 'established',
    state: 'ESTABLISHED',
    identities: { src: pod('shop', 'frontend-2'), dst: { kind: 'service', namespace: 'shop', name: 'backend' } },
  }),
  base(3, { type: 'dns', proto: 'udp', dport: 53, dst: '10.96.0.10', qr: 'query', id: 7, qname: 'backend.shop.svc.cluster.local.', qtype: 'A', dir: 'egress' }),
  base(4, {
    type: 'dns',
    proto: 'udp',
    sport: 53,
    src: '10.96.0.10',
    dst: '10.244.0.5',
    dport: 40004,
    qr: 'response',
    id: 7,
    qname: 'nope.shop.svc.cluster.local.',
    qtype: 'AAAA',
    rcode: 'NXDOMAIN',
    dir: 'ingress',
  }),
  base(70, { type: 'drop', reason: 'NO_SOCKET', reasonCode: 2, location: 'tcp_v4_rcv', dport: 9090 }),
];

function store(): EventStore {
  const st = new EventStore();
  for (const e of events) st.add(e);
  return st;
}
const seqs = (st: EventStore, f: Parameters<EventStore['page']>[0]) => st.page(f, 0, 100).rows.map((r) => r.seq);

describe('the events store', () => {
  it('gives back each row as the event says it', () => {
    const st = store();
    const rows = st.page({}, 0, 100).rows;
    expect(rows).toEqual(events.map((e, i) => toRow(e, i)));
    expect(rows[0]).toMatchObject({
      type: 'drop',
      verdict: 'dropped',
      reason: 'NETFILTER_DROP',
      src: 'shop/frontend-1:40000',
      dst: 'shop/backend-1:8080',
      node: 'node-a',
      port: 8080,
    });
    expect(rows[1]).toMatchObject({ verdict: 'error', reason: 'refused (ECONNREFUSED)' });
    expect(rows[4]).toMatchObject({ verdict: 'error', reason: 'NXDOMAIN', detail: 'nope.shop.svc.cluster.local AAAA', src: '10.96.0.10:53' });
    expect(st.page({}, 2, 2).rows.map((r) => r.seq)).toEqual([2, 3]);
  });

  it('filters as the user asks', () => {
    const st = store();
    expect(seqs(st, { namespace: 'billing' })).toEqual([1]);
    expect(seqs(st, { namespace: 'shop' })).toEqual([0, 1, 2]);
    expect(seqs(st, { namespace: 'nowhere' })).toEqual([]);
    expect(seqs(st, { pod: 'frontend' })).toEqual([0, 1, 2]);
    expect(seqs(st, { pod: 'shop/frontend-2' })).toEqual([2]);
    // A Service is not a pod.
    expect(seqs(st, { pod: 'backend' })).toEqual([0]);
    expect(seqs(st, { type: ['dns'] })).toEqual([3, 4]);
    expect(seqs(st, { type: ['drop', 'tcp'], verdict: ['error'] })).toEqual([1]);
    expect(seqs(st, { reason: 'netfilter_drop' })).toEqual([0]);
    expect(seqs(st, { reason: 'refused' })).toEqual([1]);
    expect(seqs(st, { port: 9090 })).toEqual([5]);
    expect(seqs(st, { rcode: 'nxdomain' })).toEqual([4]);
    expect(seqs(st, { text: 'NOPE.shop' })).toEqual([4]);
    expect(seqs(st, { text: 'frontend-1:4000' })).toEqual([0, 1]);
    expect(seqs(st, { text: 'node-b' })).toEqual([1, 3]);
    expect(seqs(st, { from: s + 2e9, to: s + 4e9 })).toEqual([2, 3, 4]);
    // Pages of one filter's matches; an event added after is counted in the next page asked for.
    expect(st.page({ text: 'frontend' }, 1, 1).rows.map((r) => r.seq)).toEqual([1]);
    expect(st.page({ text: 'frontend' }, 2, 5).rows.map((r) => r.seq)).toEqual([2]);
    st.add(base(80, { type: 'drop', reason: 'NETFILTER_DROP', reasonCode: 1, location: '', identities: { src: pod('shop', 'frontend-3') } }));
    expect(st.page({ text: 'frontend' }, 2, 5)).toMatchObject({ matched: 4, rows: [{ seq: 2 }, { seq: 6 }] });
    st.clear();
    for (const e of events) st.add(e);
    expect(st.page({ text: 'frontend' }, 0, 10).matched).toBe(3);
  });

  it('counts the timeline by type over every filter but the time range; lists what was seen', () => {
    const st = store();
    const p = st.page({ type: ['drop', 'tcp'], from: s + 60e9 }, 0, 100);
    expect(p).toMatchObject({ total: 6, matched: 1 });
    expect(p.histogram.start).toBe(s);
    expect(p.histogram.bucketMs).toBe(1000);
    const counted = p.histogram.buckets.map((b, i) => [i, ...b]).filter((b) => b[1]! + b[2]! + b[3]! + b[4]! > 0);
    expect(counted).toEqual([
      [0, 1, 0, 0, 0],
      [1, 0, 0, 1, 0],
      [2, 0, 0, 1, 0],
      [70, 1, 0, 0, 0],
    ]);
    expect(p.facets).toEqual({
      reasons: ['NETFILTER_DROP', 'NO_SOCKET', 'NXDOMAIN', 'established', 'query', 'refused (ECONNREFUSED)'],
      namespaces: ['billing', 'shop'],
      rcodes: ['NXDOMAIN'],
    });
    st.clear();
    expect(st.page({}, 0, 10)).toMatchObject({ total: 0, matched: 0, rows: [], facets: { reasons: [], namespaces: [], rcodes: [] } });
  });

  it('lists HTTP exchanges: the status as the reason, an error status as an error, the request in words', () => {
    const st = store();
    const http = (i: number, status: number, over: Record<string, unknown> = {}) =>
      base(i, {
        type: 'http',
        role: 'client',
        method: 'GET',
        path: '/cart',
        queryStripped: true,
        host: 'backend:8080',
        version: 'HTTP/1.1',
        status,
        latencyNs: 12_300_000,
        ...over,
      });
    st.add(http(90, 503, { identities: { src: pod('shop', 'frontend-1'), dst: pod('shop', 'backend-1') } }));
    st.add(http(91, 200, { role: 'server', method: undefined, path: undefined, host: undefined, latencyNs: undefined }));
    const rows = st.page({ type: ['http'] }, 0, 10).rows;
    expect(rows).toEqual([
      expect.objectContaining({
        type: 'http',
        verdict: 'error',
        reason: '503',
        detail: "GET /cart?… (Host backend:8080) · 12.3 ms · client's socket",
        src: 'shop/frontend-1:40090',
      }),
      expect.objectContaining({ type: 'http', verdict: 'forwarded', reason: '200', detail: "request not seen · server's socket" }),
    ]);
    expect(seqs(st, { reason: '503' })).toEqual([6]);
    expect(seqs(st, { text: '/cart' })).toEqual([6]);
    expect(seqs(st, { text: 'request not seen' })).toEqual([7]);
    expect(seqs(st, { type: ['http'], verdict: ['error'] })).toEqual([6]);
    st.add(http(92, 0, { encrypted: true, version: 'TLS', method: undefined, path: undefined, host: undefined, latencyNs: undefined }));
    expect(st.page({ reason: 'tls' }, 0, 10).rows).toEqual([
      expect.objectContaining({ type: 'http', verdict: 'info', reason: 'TLS', detail: "encrypted, not decoded · client's socket" }),
    ]);
    // The timeline's fourth count is HTTP.
    const h = st.page({}, 0, 1).histogram;
    expect(h.buckets[90]).toEqual([0, 0, 0, 1]);
  });

  it('grows past its first capacity', () => {
    const st = new EventStore();
    for (let i = 0; i < 5000; i++) st.add(base(i, { type: 'drop', reason: i % 2 ? 'A' : 'B', reasonCode: 0, location: '' }));
    expect(st.page({ reason: 'a' }, 2400, 10)).toMatchObject({ total: 5000, matched: 2500 });
    expect(st.page({}, 4999, 10).rows[0]).toMatchObject({ seq: 4999, src: '10.244.0.5:44999' });
  });

  it("a replay's store: time and type exact before the rows are read, the rest pending until they are", () => {
    const read = (k: number) => toRow(events[k]!, k);
    const st = new EventStore({
      ts: Float64Array.from(events, (e) => e.ts),
      type: Uint8Array.from(events, (e) => ({ drop: 1, dns: 2, tcp: 3, http: 4 })[e.type]),
      readRow: read,
    });
    expect(st.page({ type: ['tcp'] }, 0, 10, 6)).toMatchObject({ matched: 2, rows: [{ seq: 1, reason: 'refused (ECONNREFUSED)' }, { seq: 2 }] });
    expect(st.page({ type: ['tcp'] }, 0, 10, 6)).not.toHaveProperty('pending');
    // Up to the instant shown (the first 3 events).
    expect(st.page({}, 0, 10, 3)).toMatchObject({ total: 3, matched: 3 });
    expect(st.page({ reason: 'NETFILTER_DROP' }, 0, 10, 6)).toMatchObject({ matched: 0, pending: 6 });
    st.fill(events[0]!);
    st.fill(events[1]!);
    expect(st.page({ reason: 'NETFILTER_DROP' }, 0, 10, 6)).toMatchObject({ matched: 1, pending: 4 });
    for (const e of events.slice(2)) st.fill(e);
    const all = st.page({ text: 'nope' }, 0, 10, 6);
    expect(all.matched).toBe(1);
    expect(all).not.toHaveProperty('pending');
  });
});
