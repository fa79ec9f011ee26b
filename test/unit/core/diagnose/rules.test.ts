/**
 * Rule evidence in the answer: the rule the agent's rules probe named is attached to the
 * static cause it implements (kube-router's default deny → the NetworkPolicy finding;
 * kube-proxy's reject → the endpoints finding), and a rule no policy explains becomes the
 * `rule-drop` answer naming the rule and who wrote it.
 */
import { describe, expect, it } from 'vitest';
import { app, correlate, fixturePod, labFixtures, why } from '../../../helpers/diagnose.js';
import { makePolicy } from '../../../helpers/objects.js';
import { diagnose as d } from '../../../../src/core/index.js';

const A = '10.244.1.10';
const VIP = '10.96.1.1';
const POD = '10.244.1.20';
let t = 1_796_000_000_000_000_000;
const base = (over: Record<string, unknown>) =>
  ({ v: 1, ts: (t += 1_000_000), node: 'node-1', netns: 4026531840, proto: 'tcp', family: 4, ...over }) as unknown as d.EvidenceLine;
const tcp = (event: string, sport: number, extra: Record<string, unknown> = {}) =>
  base({ type: 'tcp', src: A, sport, dst: VIP, dport: 8080, event, state: 'SYN_SENT', role: 'client', ...extra });
const drop = (sport: number) =>
  base({
    type: 'drop',
    src: A,
    sport,
    dst: POD,
    dport: 8080,
    ifindex: 3,
    reason: 'NETFILTER_DROP',
    reasonCode: 12,
    hasReason: true,
    location: 'nft_do_chain+0x46f',
  });
const rule = (sport: number, over: Record<string, unknown>, dst = POD) =>
  base({ type: 'rule', src: A, sport, dst, dport: 8080, tableFamily: 'ip', table: 'filter', handle: 220, traceId: sport, ...over });

const kubeRouterReject = (sport: number) =>
  rule(sport, {
    chain: 'KUBE-POD-FW-C4SKXKXMRZ5CNYKW',
    position: 7,
    verdict: 'reject',
    syntax: 'iptables',
    comment: 'rule to REJECT traffic destined for POD name:backend-1 namespace: shop',
    text: '-A KUBE-POD-FW-C4SKXKXMRZ5CNYKW -m comment --comment "rule to REJECT traffic destined for POD name:backend-1 namespace: shop" -m mark ! --mark 0x10000/0x10000 -j REJECT --reject-with icmp-port-unreachable',
    path: [
      {
        tableFamily: 'ip',
        table: 'filter',
        chain: 'KUBE-ROUTER-FORWARD',
        handle: 212,
        verdict: 'jump',
        target: 'KUBE-POD-FW-C4SKXKXMRZ5CNYKW',
        comment: 'rule to jump traffic destined to POD name:backend-1 namespace: shop to chain KUBE-POD-FW-C4SKXKXMRZ5CNYKW',
      },
      {
        tableFamily: 'ip',
        table: 'filter',
        chain: 'KUBE-POD-FW-C4SKXKXMRZ5CNYKW',
        handle: 207,
        verdict: 'jump',
        target: 'KUBE-NWPLCY-XEUJ7CZWZHTXN32B',
        comment: 'run through nw policy deny-all',
      },
    ],
  });

const corr = (lines: d.EvidenceLine[]) => {
  const c = new d.Correlator();
  for (const l of lines) c.add(l);
  return c;
};
const q = { from: 'shop/deploy/frontend', to: 'backend:8080' };

describe('rule evidence', () => {
  it("puts kube-router's rule beside the NetworkPolicy that denies, naming the policy it implements", () => {
    const deny = makePolicy('shop', 'deny-all', { podSelector: { matchLabels: { app: 'backend' } }, policyTypes: ['Ingress'] });
    const dg = why(app({ policies: [deny] }), q, {
      correlator: corr([tcp('refused', 41000, { errno: 'ECONNREFUSED' }), drop(41000), kubeRouterReject(41000), kubeRouterReject(41000)]),
    });
    const f = dg.findings[0]!;
    expect(f).toMatchObject({ kind: 'policy-deny-ingress', source: 'both', confidence: 'high' });
    expect(f.summary).toMatch(
      /The probes saw the packets rejected on node-1 by ip filter\/KUBE-POD-FW-C4SKXKXMRZ5CNYKW rule 7 \(handle 220\), kube-router's default deny ingress for pod shop\/backend-1: .*NetworkPolicy shop\/deny-all\./,
    );
    const ev = f.evidence.find((e) => e.type === 'rule');
    expect(ev).toMatchObject({
      type: 'rule',
      node: 'node-1',
      table: 'filter',
      chain: 'KUBE-POD-FW-C4SKXKXMRZ5CNYKW',
      handle: 220,
      position: 7,
      verdict: 'reject',
      enforcer: 'kube-router',
      role: 'policy-default-deny',
      policies: [{ kind: 'NetworkPolicy', namespace: 'shop', name: 'deny-all' }],
      packets: 2, // the SYN and its retransmission: one rule, counted once with both packets
    });
    expect(d.evidenceText(ev!)[1]).toMatch(/^rule: -A KUBE-POD-FW-C4SKXKXMRZ5CNYKW .* -j REJECT/);
    expect(dg.findings.some((x) => x.kind === 'rule-drop')).toBe(false);
  });

  it('a host firewall rule the policies do not explain is the answer: rule-drop, naming the rule, instead of the anonymous drop', () => {
    const hostfw = (sport: number) =>
      rule(sport, {
        tableFamily: 'inet',
        table: 'hostfw',
        chain: 'forward',
        handle: 7,
        position: 2,
        verdict: 'drop',
        syntax: 'nft',
        text: 'ip daddr 10.244.1.20 tcp dport 8080 drop',
      });
    const dg = why(app(), q, { correlator: corr([tcp('timeout', 41000, { errno: 'ETIMEDOUT' }), drop(41000), hostfw(41000)]) });
    const f = dg.findings[0]!;
    expect(f).toMatchObject({ kind: 'rule-drop', hop: 'network', severity: 'error', confidence: 'high', source: 'live' });
    expect(f.summary).toBe(
      'A → B packets are dropped on node-1 by inet hostfw/forward rule 2 (handle 7), which looks like it comes from software Pathlight does not recognise (not a policy enforcer or kube-proxy it knows): inet hostfw/forward rule 2 (handle 7): ip daddr 10.244.1.20 tcp dport 8080 drop, from software Pathlight does not recognise.',
    );
    expect(f.fix?.kubectl).toBe('nft -a list chain inet hostfw forward  # on node-1');
    expect(f.evidence.map((e) => e.type)).toEqual(['rule', 'events', 'events']);
    expect(dg.findings.map((x) => x.kind)).not.toContain('packet-dropped');
    expect(dg.path.find((h) => h.hop === 'network')).toMatchObject({ verdict: 'fail', findings: ['rule-drop'] });
    expect(dg.verdict).toBe('unreachable');
    expect(d.diagnosisText(dg)).toMatch(/answer rule-drop .*\n.*inet hostfw\/forward rule 2/);
  });

  it('a refusal answered by a firewall REJECT is told apart from a closed port', () => {
    const reject = rule(41000, {
      chain: 'INPUT',
      position: 1,
      verdict: 'reject',
      text: '-A INPUT -p tcp -m tcp --dport 8080 -j REJECT --reject-with tcp-reset',
      syntax: 'iptables',
    });
    const closed = why(app(), q, { correlator: corr([tcp('refused', 41000, { errno: 'ECONNREFUSED' })]) });
    expect(closed.findings[0]!.kind).not.toBe('rule-drop');
    const dg = why(app(), q, { correlator: corr([tcp('refused', 41000, { errno: 'ECONNREFUSED' }), reject]) });
    expect(dg.findings[0]).toMatchObject({
      kind: 'rule-drop',
      summary: expect.stringMatching(/^A → B packets are rejected on node-1 by ip filter\/INPUT rule 1/),
    });
    expect(dg.findings.map((x) => x.kind)).not.toContain('target-port-not-listening');
    expect(dg.findings.map((x) => x.kind)).not.toContain('connection-refused');
  });

  it("kube-proxy's reject of a Service without endpoints lands on the endpoints finding", () => {
    const reject = rule(
      41000,
      {
        chain: 'KUBE-SERVICES',
        handle: 31,
        position: 4,
        verdict: 'reject',
        comment: 'shop/backend:http has no endpoints',
        text: '-A KUBE-SERVICES -d 10.96.1.1/32 -p tcp -m comment --comment "shop/backend:http has no endpoints" -m tcp --dport 8080 -j REJECT --reject-with icmp-port-unreachable',
      },
      VIP,
    );
    const dg = why(app({ backendReady: false }), q, { correlator: corr([tcp('unreachable', 41000, { errno: 'EHOSTUNREACH' }), reject]) });
    const f = dg.findings.find((x) => x.evidence.some((e) => e.type === 'rule'))!;
    expect(f.kind).toBe('endpoints-not-ready');
    expect(f.summary).toMatch(
      /rejected on node-1 by ip filter\/KUBE-SERVICES rule 4 \(handle 31\), kube-proxy's reject for Service shop\/backend port http, which has no ready endpoints/,
    );
    expect(dg.findings.some((x) => x.kind === 'rule-drop')).toBe(false);
  });

  it('a stray packet dropped while connections succeed is a note, not the answer', () => {
    const invalid = rule(41000, { chain: 'KUBE-FORWARD', position: 1, verdict: 'drop', text: '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP' });
    const dg = why(app(), q, { correlator: corr([tcp('established', 41000, { state: 'ESTABLISHED' }), invalid]) });
    expect(dg.verdict).toBe('reachable');
    expect(dg.findings.map((x) => x.kind)).toEqual(['reachable']);
    expect(dg.notes.join('\n')).toMatch(/while A → B connections succeeded, 1 packet dropped on node-1 by ip filter\/KUBE-FORWARD rule 1/);
  });

  it('says on which node the rules probe could not run, when connections fail', () => {
    const hello = base({
      type: 'hello',
      version: '0.1.0',
      kernel: '6.1.0',
      arch: 'amd64',
      features: { btf: true, tpBtf: true, dropReasons: true, ringbuf: true, bpfStats: false, kallsyms: true },
      probes: [
        { name: 'drops', state: 'attached' },
        { name: 'rules', state: 'unavailable', detail: 'netfilter netlink: operation not permitted: the rules probe needs CAP_NET_ADMIN' },
      ],
      filters: { netns: [], cidr: [], port: [], proto: [], notSpecified: false },
      ttlMs: 1000,
    });
    const dg = why(app(), q, { correlator: corr([hello, tcp('timeout', 41000, { errno: 'ETIMEDOUT' }), drop(41000)]) });
    expect(dg.notes).toContain('the rule that drops is not named on node-1: netfilter netlink: operation not permitted: the rules probe needs CAP_NET_ADMIN');
  });

  it('rule lines of other traffic are not evidence', () => {
    const other = rule(41000, { chain: 'INPUT', verdict: 'drop', src: '10.244.9.9' });
    const dg = why(app(), q, { correlator: corr([other]) });
    expect(dg.findings.some((x) => x.evidence.some((e) => e.type === 'rule'))).toBe(false);
  });
});

describe("the lab's ingress-deny scenario with the rules probe", () => {
  // The scenario as the lab recorded it (test/fixtures/diagnose), with the rule lines the agent
  // on B's node wrote for kube-router's reject.
  const fx = labFixtures().find((f) => f.scenario === 'deny-backend-ingress')!;
  const ruleLine = fx.events.find((e) => e.type === 'rule')! as Record<string, unknown> & { node: string };
  const backend = fixturePod(fx, 'lab-deny-ingress', 'backend');

  it("names kube-router's rule and the NetworkPolicy it implements beside the static explanation, on B's node", () => {
    expect(ruleLine.node).toBe(backend.node);
    const dg = why(fx.objects, fx.query, { correlator: correlate(fx.events) });
    const f = dg.findings[0]!;
    expect(f.kind).toBe('policy-deny-ingress');
    expect(f.summary).toContain(
      `The probes saw the packets rejected on ${backend.node} by ip filter/${String(ruleLine.chain)} rule ${String(ruleLine.position)} (handle ${String(ruleLine.handle)}), kube-router's default deny ingress for pod lab-deny-ingress/${backend.name}: no policy selecting it allowed the packet, which implements NetworkPolicy lab-deny-ingress/deny-backend-ingress.`,
    );
    expect(f.evidence.filter((e) => e.type === 'rule')).toHaveLength(1);
    expect(dg.findings.map((x) => x.kind)).not.toContain('rule-drop');
  });
});
