/**
 * Live evidence: the correlator counts connections (not packets) across the Service's DNAT,
 * and each kind of live failure lands on the static cause it fits — or becomes the answer
 * when nothing static explains it.
 */
import { describe, expect, it } from 'vitest';
import { app, why } from '../../../helpers/diagnose.js';
import { makePolicy } from '../../../helpers/objects.js';
import { diagnose as d, importHubbleFlows } from '../../../../src/core/index.js';

const A = '10.244.1.10';
const VIP = '10.96.1.1';
const POD = '10.244.1.20';
let t = 1_796_000_000_000_000_000;
const base = (over: Record<string, unknown>) =>
  ({ v: 1, ts: (t += 1_000_000), node: 'node-1', netns: 4026532290, proto: 'tcp', family: 4, ...over }) as unknown as {
    type: string;
    ts: number;
    node: string;
  } & Record<string, unknown>;
const tcp = (event: string, dst: string, dport: number, sport: number, extra: Record<string, unknown> = {}) =>
  base({ type: 'tcp', src: A, sport, dst, dport, event, state: 'SYN_SENT', role: 'client', ...extra });
const drop = (reason: string, dst: string, dport: number, sport: number, proto = 'tcp') =>
  base({ type: 'drop', src: A, sport, dst, dport, proto, ifindex: 3, reason, reasonCode: 1, hasReason: true, location: 'nf_hook_slow+0x9b' });
const dns = (qr: 'query' | 'response', qname: string, id: number, rcode?: string, answers: string[] = []) =>
  base({
    type: 'dns',
    proto: 'udp',
    src: qr === 'query' ? A : '10.96.0.10',
    sport: qr === 'query' ? 40000 : 53,
    dst: qr === 'query' ? '10.96.0.10' : A,
    dport: qr === 'query' ? 53 : 40000,
    ifindex: 3,
    dir: qr === 'query' ? 'egress' : 'ingress',
    qr,
    id,
    qname,
    qtype: 'A',
    ...(rcode ? { rcode, answers: answers.map((a) => ({ name: qname, type: 'A', ttl: 5, data: a })) } : {}),
  });

const corr = (events: Array<ReturnType<typeof base>>) => {
  const c = new d.Correlator();
  for (const e of events) c.add(e as d.EvidenceLine);
  return c;
};
const q = { from: 'shop/deploy/frontend', to: 'backend:8080' };

describe('correlator', () => {
  it('counts one connection for the client socket (VIP) and the backend side (pod IP) of the same source port, and ignores duplicates', () => {
    const events = [
      tcp('refused', VIP, 8080, 41000, { errno: 'ECONNREFUSED' }),
      drop('NO_SOCKET', POD, 9090, 41000),
      tcp('refused', VIP, 8080, 41001, { errno: 'ECONNREFUSED' }),
    ];
    const c = corr([...events, ...events]);
    expect(c.duplicates).toBe(3);
    const conns = d.connectionsBetween(c, { pods: new Set(), ips: new Set([A]) }, new Set([`${VIP}|8080`, `${POD}|9090`]), 'tcp');
    expect(conns.map((x) => [x.a.port, x.outcome, x.reasons])).toEqual([
      [41000, 'refused', ['NO_SOCKET']],
      [41001, 'refused', []],
    ]);
  });
});

describe('live evidence on the diagnosis', () => {
  it('a refusal with NO_SOCKET at the backend confirms the undeclared targetPort: error, high confidence, objects + probes', () => {
    const dg = why(app({ targetPort: 9090 }), q, {
      correlator: corr([tcp('refused', VIP, 8080, 41000, { errno: 'ECONNREFUSED' }), drop('NO_SOCKET', POD, 9090, 41000)]),
    });
    expect(dg.findings[0]).toMatchObject({ kind: 'target-port-not-listening', severity: 'error', confidence: 'high', source: 'both' });
    expect(dg.findings[0]!.summary).toMatch(/Seen live: 1 connection refused, the kernel dropped their packets \(NO_SOCKET\)/);
    expect(dg.verdict).toBe('unreachable');
    expect(dg.live?.connections.refused).toBe(1);
  });

  it('established connections although a policy denies: the policy finding stays first, as a warning that the enforcer ignores it, and the verdict is reachable', () => {
    const deny = makePolicy('shop', 'deny-all', { podSelector: { matchLabels: { app: 'backend' } }, policyTypes: ['Ingress'] });
    const dg = why(app({ policies: [deny] }), q, { correlator: corr([tcp('established', VIP, 8080, 41000, { state: 'ESTABLISHED' })]) });
    expect(dg.findings[0]).toMatchObject({ kind: 'policy-deny-ingress', severity: 'warning', source: 'both' });
    expect(dg.findings[0]!.summary).toMatch(/does not enforce this policy/);
    expect(dg.verdict).toBe('reachable');
  });

  it('a netfilter drop the policies do not explain becomes the answer: packet-dropped with the kernel reason', () => {
    const dg = why(app(), q, { correlator: corr([drop('NETFILTER_DROP', POD, 8080, 41000), drop('NETFILTER_DROP', POD, 8080, 41000 + 0)]) });
    expect(dg.findings[0]).toMatchObject({ kind: 'packet-dropped', hop: 'network', source: 'live' });
    expect(dg.findings[0]!.summary).toMatch(/NETFILTER_DROP/);
    expect(dg.verdict).toBe('unreachable');
  });

  it("a drop Hubble reported is Cilium's verdict, said apart from the kernel's: the policy deny names both", () => {
    const deny = makePolicy('shop', 'deny-all', { podSelector: { matchLabels: { app: 'backend' } }, policyTypes: ['Ingress'] });
    // The same SYN: freed by Cilium's tc program (the agent's TC_INGRESS) and Hubble's POLICY_DENIED for it.
    const hubble = { ...drop('POLICY_DENIED', POD, 8080, 41000), origin: 'hubble', location: 'TCP Flags: SYN' };
    const dg = why(app({ policies: [deny] }), q, { correlator: corr([drop('TC_INGRESS', POD, 8080, 41000), hubble]) });
    const f = dg.findings[0]!;
    expect(f.kind).toBe('policy-deny-ingress');
    expect(f.summary).toMatch(/the kernel dropped their packets \(TC_INGRESS\).*, Cilium dropped them \(Hubble: POLICY_DENIED\)/);
    const texts = f.evidence.flatMap((e) => (e.type === 'events' ? [e.text] : []));
    expect(texts).toContainEqual(expect.stringMatching(/^Cilium dropped packets of 1 connection \(Hubble\): POLICY_DENIED \(TCP Flags: SYN\)/));
    expect(texts).toContainEqual(expect.stringMatching(/^the kernel dropped packets of 1 connection: TC_INGRESS at nf_hook_slow\+0x9b/));
  });

  /** A drop as Hubble reports it (`hubble observe -o jsonpb`), through Pathlight's importer. */
  const hubbleDrop = (
    reason: string,
    direction: 'INGRESS' | 'EGRESS',
    deniedBy?: Array<{ kind: string; namespace?: string; name: string }>,
    to: { ip: string; port: number; l4: 'TCP' | 'UDP' } = { ip: POD, port: 8080, l4: 'TCP' },
  ) => {
    const flow = {
      time: new Date((t += 1_000_000) / 1e6).toISOString(),
      verdict: 'DROPPED',
      drop_reason_desc: reason,
      IP: { source: A, destination: to.ip, ipVersion: 'IPv4' },
      l4: { [to.l4]: { source_port: 41000, destination_port: to.port, ...(to.l4 === 'TCP' ? { flags: { SYN: true } } : {}) } },
      node_name: 'node-1',
      traffic_direction: direction,
      Summary: 'TCP Flags: SYN',
      ...(deniedBy ? { [direction === 'INGRESS' ? 'ingress_denied_by' : 'egress_denied_by']: deniedBy } : {}),
    };
    const [r] = importHubbleFlows(JSON.stringify({ flow, node_name: 'node-1' })).records;
    return { ...(r!.data as Record<string, unknown>), ts: r!.ts, node: 'node-1' } as ReturnType<typeof base>;
  };

  it('Cilium denies what the policies Pathlight read allow: a policy-deny finding from Hubble, with both verdicts and the policy Cilium names', () => {
    const ccnp = [{ kind: 'CiliumClusterwideNetworkPolicy', name: 'deny-shop' }];
    const dg = why(app(), q, { correlator: corr([drop('TC_INGRESS', POD, 8080, 41000), hubbleDrop('POLICY_DENY', 'INGRESS', ccnp)]) });
    const f = dg.findings[0]!;
    expect(f).toMatchObject({ kind: 'policy-deny-ingress', hop: 'policy-ingress', severity: 'error', source: 'live' });
    expect(f.summary).toMatch(/^Cilium drops A → B, at ingress, denied by CiliumClusterwideNetworkPolicy deny-shop \(Hubble: POLICY_DENY on node-1\)/);
    expect(f.summary).toMatch(/the policies Pathlight read allow this connection: the two verdicts disagree/);
    expect(dg.path.find((h) => h.hop === 'policy-ingress')?.verdict).toBe('fail');
    expect(dg.verdict).toBe('unreachable');
  });

  it("a policy deny that Hubble names too: Cilium's policy in the evidence, and no disagreement", () => {
    const deny = makePolicy('shop', 'deny-all', { podSelector: { matchLabels: { app: 'backend' } }, policyTypes: ['Ingress'] });
    const named = [{ kind: 'NetworkPolicy', namespace: 'shop', name: 'deny-all' }];
    const dg = why(app({ policies: [deny] }), q, { correlator: corr([hubbleDrop('POLICY_DENIED', 'INGRESS', named)]) });
    const f = dg.findings[0]!;
    expect(f).toMatchObject({ kind: 'policy-deny-ingress', source: 'both' });
    const texts = f.evidence.flatMap((e) => (e.type === 'events' ? [e.text] : []));
    expect(texts).toContainEqual(expect.stringMatching(/POLICY_DENIED \(TCP Flags: SYN\), at ingress, denied by NetworkPolicy shop\/deny-all$/));
    expect(dg.notes.join('\n')).not.toMatch(/Cilium's verdict/);
  });

  it('Cilium and the engine deny in different places or by different policies: the answer says how the two verdicts differ', () => {
    const deny = makePolicy('shop', 'deny-all', { podSelector: { matchLabels: { app: 'backend' } }, policyTypes: ['Ingress'] });
    const where = why(app({ policies: [deny] }), q, { correlator: corr([hubbleDrop('POLICY_DENIED', 'EGRESS')]) });
    expect(where.findings[0]!.kind).toBe('policy-deny-ingress');
    expect(where.notes).toContainEqual(
      expect.stringMatching(/^Cilium's verdict \(Hubble, node-1\): denied, at egress; Pathlight's policies deny it at ingress/),
    );
    const other = [{ kind: 'CiliumNetworkPolicy', namespace: 'shop', name: 'lockdown' }];
    const which = why(app({ policies: [deny] }), q, { correlator: corr([hubbleDrop('POLICY_DENIED', 'INGRESS', other)]) });
    expect(which.notes).toContainEqual(expect.stringMatching(/denied by CiliumNetworkPolicy shop\/lockdown; Pathlight's engine names another policy/));
  });

  it("DNS queries Cilium dropped: the egress policy's finding says so, with the policy Hubble names", () => {
    const egress = makePolicy('shop', 'frontend-egress', {
      podSelector: { matchLabels: { app: 'frontend' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'backend' } } }] }],
    });
    const named = [{ kind: 'NetworkPolicy', namespace: 'shop', name: 'frontend-egress' }];
    const dropped = hubbleDrop('POLICY_DENIED', 'EGRESS', named, { ip: '10.96.0.10', port: 53, l4: 'UDP' });
    // The agent saw the same query freed by Cilium's tc program.
    const kernel = drop('TC_INGRESS', '10.96.0.10', 53, 41000, 'udp');
    const dg = why(app({ policies: [egress] }), q, { correlator: corr([dropped, kernel]) });
    const f = dg.findings[0]!;
    expect(f).toMatchObject({ kind: 'dns-blocked-by-policy', source: 'both' });
    const texts = f.evidence.flatMap((e) => (e.type === 'events' ? [e.text] : []));
    expect(texts).toContainEqual(
      "Cilium dropped 1 DNS query from A on the way to 10.96.0.10:53 (Hubble: POLICY_DENIED, at egress, denied by NetworkPolicy shop/frontend-egress); the kernel's reason: TC_INGRESS",
    );
  });

  it("a socket's own teardown (QUEUE_PURGE at close) beside established connections is no failure: reachable", () => {
    const dg = why(app(), q, {
      correlator: corr([tcp('established', VIP, 8080, 41000, { state: 'ESTABLISHED' }), drop('QUEUE_PURGE', POD, 8080, 41001)]),
    });
    expect(dg.findings.map((f) => f.kind)).not.toContain('packet-dropped');
    expect(dg.verdict).toBe('reachable');
  });

  it('timeouts with no drop on the probed node: connection-timeout', () => {
    const dg = why(app(), q, { correlator: corr([tcp('timeout', VIP, 8080, 41000, { errno: 'ETIMEDOUT' })]) });
    expect(dg.findings[0]).toMatchObject({ kind: 'connection-timeout', source: 'live' });
  });

  it('NXDOMAIN for every search name, seen live: dns-nxdomain from the probes alone when the objects cannot tell', () => {
    const names = ['backend.shop.svc.cluster.local.', 'backend.svc.cluster.local.', 'backend.cluster.local.', 'backend.'];
    const objs = app();
    objs.Service = objs.Service!.filter((s) => s.metadata?.name !== 'backend');
    const events = names.flatMap((n, i) => [dns('query', n, 100 + i), dns('response', n, 100 + i, 'NXDOMAIN')]);
    const dg = why(objs, q, { correlator: corr(events) });
    expect(dg.findings[0]).toMatchObject({ kind: 'dns-nxdomain', source: 'both', confidence: 'high' });
  });

  it('SERVFAIL inside the cluster zone: dns-servfail', () => {
    const dg = why(app(), q, {
      correlator: corr([dns('query', 'backend.shop.svc.cluster.local.', 7), dns('response', 'backend.shop.svc.cluster.local.', 7, 'SERVFAIL')]),
    });
    expect(dg.findings[0]).toMatchObject({ kind: 'dns-servfail', hop: 'dns' });
  });

  it('queries that never get an answer: dns-timeout', () => {
    const dg = why(app(), q, { correlator: corr([dns('query', 'backend.shop.svc.cluster.local.', 7), dns('query', 'backend.shop.svc.cluster.local.', 8)]) });
    expect(dg.findings[0]).toMatchObject({ kind: 'dns-timeout', source: 'live' });
    expect(dg.findings[0]!.evidence[0]).toMatchObject({ type: 'events', event: 'dns', connections: 2 });
  });

  it('no traffic while the probes watched: said, with how to generate it', () => {
    const dg = why(app(), q, { correlator: corr([]) });
    expect(dg.notes.join('\n')).toMatch(/no traffic from shop\/deploy\/frontend to backend:8080 was seen .* --active/);
    expect(dg.path.find((h) => h.hop === 'network')?.verdict).toBe('unknown');
  });

  it('reports what the probes lost', () => {
    const c = corr([]);
    c.add(base({ type: 'stats', probes: { drops: { events: 10, lost: 3, lostUser: 1 } } }) as d.EvidenceLine);
    c.add(base({ type: 'stats', probes: { drops: { events: 12, lost: 4, lostUser: 1 } } }) as d.EvidenceLine);
    const dg = why(app(), q, { correlator: c });
    expect(dg.live?.lost).toBe(5);
    expect(dg.notes.join('\n')).toMatch(/lost 5 events/);
  });
});
