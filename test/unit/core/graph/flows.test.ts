import { describe, expect, it } from 'vitest';
import type { ProbeEvent } from '../../../../src/core/diagnose/types.js';
import { GraphModel, httpView, type EdgeVerdict, type GraphEdge } from '../../../../src/core/graph/index.js';
import {
  at,
  cluster,
  dnsEvent,
  dropEvent,
  edgeById,
  expectConsistent,
  httpEvent,
  nodeById,
  podIdent,
  shuffled,
  svcIdent,
  tcpEvent,
} from '../../../helpers/graph.js';
import { deploymentPod, makeService, runningPod } from '../../../helpers/objects.js';

const A = '10.244.1.5'; // shop/frontend
const B = '10.244.2.7'; // shop/backend
const DNS = '10.96.0.10'; // kube-system/kube-dns
const ids = { src: podIdent('shop', 'frontend'), dst: podIdent('shop', 'backend') };
const objects = () => [
  runningPod('shop', 'frontend', { ip: A }),
  runningPod('shop', 'backend', { ip: B }),
  makeService('kube-system', 'kube-dns', DNS, [{ port: 53 }]),
];
const AB = 'flow|pod:shop/frontend|pod:shop/backend|tcp/8080';

function model(events: ProbeEvent[], o: { external?: 'range' | 'world' } = {}) {
  const m = new GraphModel(o);
  m.syncCluster(cluster(...objects()));
  m.addEvents(events);
  const s = m.snapshot();
  expectConsistent(s);
  return s;
}

const flow = (e: GraphEdge | undefined) => {
  if (e?.kind !== 'flow') throw new Error(`not a flow edge: ${JSON.stringify(e)}`);
  return e;
};

describe('graph: observed flows', () => {
  it('a drop between two pods gives a dropped edge with the reason counted', () => {
    const s = model([dropEvent({ src: A, dst: B, identities: ids }), dropEvent({ src: A, dst: B, ts: at(1000), identities: ids })]);
    const e = flow(edgeById(s, AB));
    expect(e).toMatchObject({ source: 'pod:shop/frontend', target: 'pod:shop/backend', protocol: 'tcp', port: 8080, verdict: 'dropped', label: 'tcp/8080' });
    expect(e.stats).toMatchObject({ events: 2, dropped: 2, dropReasons: { NETFILTER_DROP: 2 }, volume: 1, first: at(0), last: at(1000) });
  });

  const verdicts: Array<[string, EdgeVerdict, ProbeEvent[]]> = [
    ['established', 'forwarded', [tcpEvent({ src: A, dst: B, event: 'established', role: 'client', identities: ids })]],
    ['refused', 'dropped', [tcpEvent({ src: A, dst: B, event: 'refused', role: 'client', identities: ids })]],
    ['timed out', 'dropped', [tcpEvent({ src: A, dst: B, event: 'timeout', role: 'client', identities: ids })]],
    ['only retransmits', 'unknown', [tcpEvent({ src: A, dst: B, event: 'retransmit', identities: ids })]],
    [
      'one connection through, one dropped',
      'mixed',
      [tcpEvent({ src: A, dst: B, event: 'established', role: 'client', identities: ids }), dropEvent({ src: A, dst: B, sport: 40001, identities: ids })],
    ],
  ];
  it.each(verdicts)('%s → %s', (_name, verdict, events) => {
    expect(edgeById(model(events), AB)?.verdict).toBe(verdict);
  });

  it('puts replies and server-side events on the request edge', () => {
    const s = model([
      tcpEvent({ src: A, dst: B, sport: 40000, dport: 8080, event: 'established', role: 'client', identities: ids }),
      // The server's socket sees the same connection: local end first.
      tcpEvent({ src: B, dst: A, sport: 8080, dport: 40000, event: 'established', role: 'server', identities: { src: ids.dst, dst: ids.src } }),
      // A dropped SYN-ACK: from the server's port to the client's ephemeral one.
      dropEvent({ src: B, dst: A, sport: 8080, dport: 40002, identities: { src: ids.dst, dst: ids.src } }),
    ]);
    expect(s.edges.map((e) => e.id)).toEqual([AB]);
    // One connection seen from both ends counts once.
    expect(flow(edgeById(s, AB)).stats).toMatchObject({ established: 1, forwarded: 1, dropped: 1, volume: 2 });
  });

  it('matches events without identities against the cluster, and trusts identities that say "nobody"', () => {
    const s = model([dropEvent({ src: A, dst: B }), dropEvent({ src: A, dst: '10.244.2.8', identities: { src: ids.src } })]);
    expect(edgeById(s, AB)).toBeDefined();
    expect(edgeById(s, 'flow|pod:shop/frontend|ext:10.244.2.0/24|tcp/8080')).toBeDefined();
  });

  it.each([
    [
      'IPv4 by /24',
      'range' as const,
      ['203.0.113.9', '203.0.113.10', '198.51.100.1'],
      { 'ext:203.0.113.0/24': ['203.0.113.9', '203.0.113.10'], 'ext:198.51.100.0/24': ['198.51.100.1'] },
    ],
    [
      'IPv6 by /64',
      'range' as const,
      ['2001:db8:1:2::5', '2001:db8:1:2:ffff::1', '2001:db8:9::1'],
      { 'ext:2001:db8:1:2::/64': ['2001:db8:1:2::5', '2001:db8:1:2:ffff::1'], 'ext:2001:db8:9::/64': ['2001:db8:9::1'] },
    ],
    ['everything in one world node', 'world' as const, ['203.0.113.9', '8.8.8.8'], { 'ext:world': ['8.8.8.8', '203.0.113.9'] }],
  ])('groups external addresses: %s', (_name, external, addresses, want) => {
    const s = model(
      addresses.map((dst, i) => dropEvent({ src: A, dst, dport: 443, ts: at(i), identities: { src: ids.src } })),
      { external },
    );
    const got = Object.fromEntries(s.nodes.filter((n) => n.kind === 'external').map((n) => [n.id, n.kind === 'external' ? n.data.addresses : []]));
    expect(got).toEqual(want);
    for (const id of Object.keys(want)) expect(edgeById(s, `flow|pod:shop/frontend|${id}|tcp/443`)?.verdict).toBe('dropped');
  });

  it('turns lookups into DNS name nodes, with errors by rcode and the answers', () => {
    const base = { src: A, dst: DNS, identities: { src: ids.src, dst: svcIdent('kube-system', 'kube-dns') } };
    const rev = { src: DNS, dst: A, identities: { src: svcIdent('kube-system', 'kube-dns'), dst: ids.src } };
    const s = model([
      dnsEvent({ ...base, qname: 'backend.shop.svc.cluster.local.', qr: 'query', id: 1 }),
      dnsEvent({ ...rev, qname: 'backend.shop.svc.cluster.local.', qr: 'response', id: 1, answers: ['10.96.4.4'] }),
      dnsEvent({ ...base, qname: 'Nope.shop.svc.cluster.local', qr: 'query', id: 2, clientPort: 51001 }),
      dnsEvent({ ...rev, qname: 'nope.shop.svc.cluster.local', qr: 'response', rcode: 'NXDOMAIN', id: 2, clientPort: 51001 }),
      // The same response, seen again in the server's network namespace: one transaction.
      dnsEvent({
        ...rev,
        qname: 'nope.shop.svc.cluster.local',
        qr: 'response',
        rcode: 'NXDOMAIN',
        id: 2,
        clientPort: 51001,
        netns: 99,
        dir: 'egress',
        ts: at(1),
      }),
    ]);
    expect(nodeById(s, 'dns:nope.shop.svc.cluster.local')).toMatchObject({ kind: 'dns', label: 'nope.shop.svc.cluster.local' });
    const ok = edgeById(s, 'dns|pod:shop/frontend|dns:backend.shop.svc.cluster.local');
    expect(ok).toMatchObject({ kind: 'dns', verdict: 'forwarded', answers: ['10.96.4.4'] });
    const bad = edgeById(s, 'dns|pod:shop/frontend|dns:nope.shop.svc.cluster.local');
    expect(bad?.verdict).toBe('dns-error');
    expect(bad?.kind === 'dns' && bad.stats.dns).toEqual({ queries: 1, answered: 0, errors: { NXDOMAIN: 1 } });
    const udp = flow(edgeById(s, 'flow|pod:shop/frontend|svc:kube-system/kube-dns|udp/53'));
    expect(udp.verdict).toBe('mixed');
    expect(udp.stats.dns).toEqual({ queries: 2, answered: 1, errors: { NXDOMAIN: 1 } });
    expect(udp.stats.events).toBe(5);
  });

  it('keeps a pod that left the cluster as a placeholder when events name it', () => {
    const s = model([dropEvent({ src: A, dst: '10.244.3.3', identities: { src: ids.src, dst: podIdent('batch', 'gone-1', 'node-2') } })]);
    expect(nodeById(s, 'pod:batch/gone-1')).toMatchObject({ missing: true, parent: 'ns:batch', data: { ips: ['10.244.3.3'], node: 'node-2' } });
    expect(nodeById(s, 'ns:batch')).toMatchObject({ missing: true, childCount: 1 });
  });
});

describe('graph: HTTP on an edge', () => {
  // 20 requests over 9.5 s on 4 keep-alive connections: every 4th answered 503, latencies 10, 20, … 200 ms.
  const exchanges = (role: 'client' | 'server') =>
    Array.from({ length: 20 }, (_, i) =>
      httpEvent({
        src: A,
        dst: B,
        sport: 40000 + (i % 4),
        ts: at(i * 500 + (role === 'server' ? 1 : 0)),
        status: i % 4 === 3 ? 503 : 200,
        latencyMs: (i + 1) * 10,
        role,
        identities: ids,
      }),
    );

  it('shows rate, error share and p99 on the edge, counting each exchange once', () => {
    // Both sockets saw every exchange, and the stream resent some lines.
    const s = model([...exchanges('client'), ...exchanges('server'), ...exchanges('client').slice(0, 5)]);
    const e = flow(edgeById(s, AB));
    const v = httpView(e.stats)!;
    expect(v).toMatchObject({ seenBy: 'client', requests: 20, errors: 5, errorPercent: 25, classes: { '2xx': 15, '5xx': 5 } });
    expect(v.rate).toBeCloseTo(20 / 9.5, 5);
    // Nearest rank of the log histogram: within 2.5 % of the true value.
    expect(v.p50Ns! / 100e6).toBeGreaterThan(0.975);
    expect(v.p50Ns! / 100e6).toBeLessThan(1.025);
    expect(v.p99Ns! / 200e6).toBeGreaterThan(0.975);
    expect(v.p99Ns! / 200e6).toBeLessThan(1.025);
    expect(e.label).toMatch(/^tcp\/8080 · HTTP 2\.1\/s · 25 % err · p99 (19\d|20\d) ms$/);
    // The network delivered every request: a 503 is the application's answer, not a red edge.
    expect(e.verdict).toBe('forwarded');
    expect(e.stats.volume).toBe(4);
  });

  it("falls back to the server's sockets when the client's were not probed", () => {
    const v = httpView(flow(edgeById(model(exchanges('server')), AB)).stats)!;
    expect(v).toMatchObject({ seenBy: 'server', requests: 20, errors: 5 });
  });

  it('counts TLS connections apart: encrypted, not decoded, never requests', () => {
    const hello = (sport: number) => ({ ...httpEvent({ src: A, dst: B, sport, status: 0, identities: ids }), version: 'TLS', encrypted: true }) as ProbeEvent;
    const e = flow(edgeById(model([hello(40001), hello(40002)]), AB));
    expect(httpView(e.stats)).toMatchObject({ requests: 0, encrypted: 2, errors: 0, errorPercent: 0 });
    expect(e.label).toBe('tcp/8080 · TLS (encrypted)');
    const mixed = httpView(flow(edgeById(model([hello(40001), ...exchanges('client').slice(0, 4)]), AB)).stats)!;
    expect(mixed).toMatchObject({ requests: 4, encrypted: 1, errors: 1 });
  });

  it('an edge without HTTP has no HTTP figures and keeps its plain label', () => {
    const e = flow(edgeById(model([tcpEvent({ src: A, dst: B, event: 'established', role: 'client', identities: ids })]), AB));
    expect(httpView(e.stats)).toBeUndefined();
    expect(e.label).toBe('tcp/8080');
  });
});

describe('graph: duplicated and shuffled events', () => {
  /** Traffic of a small shop: several pods, connections, drops, DNS, externals. */
  function traffic(): ProbeEvent[] {
    const pods = ['a', 'b', 'c', 'd'].map((p, i) => ({ ip: `10.244.1.${i + 10}`, who: podIdent('shop', `backend-7c9d8f6b5-${p}`) }));
    const out: ProbeEvent[] = [];
    for (let i = 0; i < 400; i++) {
      const to = pods[i % pods.length]!;
      const idents = { src: ids.src, dst: to.who };
      const ts = at(i * 7);
      const sport = 40000 + (i % 37);
      switch (i % 6) {
        case 0:
          out.push(tcpEvent({ src: A, dst: to.ip, sport, ts, event: 'established', role: 'client', identities: idents }));
          break;
        case 1:
          out.push(dropEvent({ src: A, dst: to.ip, sport, ts, reason: i % 4 ? 'NETFILTER_DROP' : 'TC_INGRESS', identities: idents }));
          break;
        case 2:
          out.push(tcpEvent({ src: A, dst: to.ip, sport, ts, event: 'refused', role: 'client', identities: idents }));
          break;
        case 3:
          out.push(
            dnsEvent({
              src: DNS,
              dst: A,
              ts,
              qname: i % 2 ? 'api.example.com' : 'x.shop.svc.cluster.local',
              qr: 'response',
              rcode: i % 5 ? 'NOERROR' : 'SERVFAIL',
              id: i,
              answers: ['93.184.216.34'],
              identities: { src: svcIdent('kube-system', 'kube-dns'), dst: ids.src },
            }),
          );
          break;
        case 4:
          out.push(dropEvent({ src: A, dst: `203.0.113.${i % 50}`, dport: 443, sport, ts, identities: { src: ids.src } }));
          break;
        default:
          out.push(tcpEvent({ src: A, dst: to.ip, sport, ts, event: 'retransmit', identities: idents }));
      }
    }
    return out;
  }

  const clusterObjects = () => [...objects(), ...['a', 'b', 'c', 'd'].map((p, i) => deploymentPod('shop', 'backend', p, `10.244.1.${i + 10}`))];

  function snapshotOf(events: ProbeEvent[], batch: number) {
    const m = new GraphModel();
    m.syncCluster(cluster(...clusterObjects()));
    for (let i = 0; i < events.length; i += batch) m.addEvents(events.slice(i, i + batch));
    return m.snapshot();
  }

  it.each([1, 2, 3, 17, 2024])('same snapshot as in-order unique events (seed %i)', (seed) => {
    const events = traffic();
    const want = snapshotOf(events, events.length);
    expectConsistent(want);
    // Every event up to three times (as copies, as a reconnecting stream would resend them), then shuffled.
    const noisy = events.flatMap((e, i) => Array.from({ length: 1 + ((i * seed) % 3) }, () => structuredClone(e)));
    const got = snapshotOf(shuffled(noisy, seed), 1 + (seed % 50));
    expect(got).toEqual(want);
  });

  it('counts what the traffic holds', () => {
    const s = snapshotOf(traffic(), 400);
    // Pod a gets i ≡ 0 (mod 12): established, and i ≡ 8 (mod 12): refused, each on its own connection.
    const a = flow(edgeById(s, 'flow|pod:shop/frontend|pod:shop/backend-7c9d8f6b5-a|tcp/8080'));
    expect(a.verdict).toBe('mixed');
    expect(a.stats).toMatchObject({ events: 67, established: 34, refused: 33, forwarded: 34, dropped: 0 });
    // Pod b gets i ≡ 1 (mod 12): drops, and i ≡ 5 (mod 12): retransmits.
    const b = flow(edgeById(s, 'flow|pod:shop/frontend|pod:shop/backend-7c9d8f6b5-b|tcp/8080'));
    expect(b.verdict).toBe('dropped');
    expect(b.stats).toMatchObject({ events: 67, dropped: 34, dropReasons: { NETFILTER_DROP: 34 }, retransmit: 33 });
  });
});
