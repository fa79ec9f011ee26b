/**
 * The filters of `pathlight observe`, each on the bundled demo recording (the lab's nine
 * scenarios, recorded by the agent) and on the Hubble flows fixture: what a flag lets through,
 * that it lets nothing else through, its Hubble spelling, and the values it refuses.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecordingReader } from '../../../../src/backend/store/container.js';
import { openRecording, type OpenedRecording } from '../../../../src/backend/store/open.js';
import { importHubbleFlows, migrate, observe as o } from '../../../../src/core/index.js';
import { fixture, repoPath } from '../../../helpers/paths.js';

let rec: OpenedRecording;
let demo: o.ObservedEvent[];
let hubble: o.ObservedEvent[];
let hubbleRef: o.TimeRef;
/** The demo's probe lines by type, agent lifecycle lines aside, counted straight from its records. */
const lines: Record<string, number> = {};
let drops = 0;

beforeAll(async () => {
  rec = await openRecording(repoPath('assets/demo.pathlight'));
  const ids = rec.frameAt(rec.end!).identities;
  demo = [];
  for (let i = 0; i < rec.probeColumns.ts.length; i++) {
    const { ts, line } = rec.probeAt(i);
    const ev = o.observedEvent(line, ts, ids);
    if (ev) demo.push(ev);
  }
  const imported = importHubbleFlows(readFileSync(fixture('hubble/flows.jsonpb'), 'utf8'));
  hubble = imported.records.flatMap((r) => o.observedEvent(r.data as Record<string, unknown>, r.ts) ?? []);
  hubbleRef = { start: imported.records[0]!.ts, end: imported.records.at(-1)!.ts };
  const reader = RecordingReader.open(repoPath('assets/demo.pathlight'));
  for (const r of migrate(reader.header, reader.records())) {
    const type = r.kind === 'probe' ? (r.data as { type: string }).type : undefined;
    if (type && !['hello', 'stats', 'bye', 'error', 'filters'].includes(type)) lines[type] = (lines[type] ?? 0) + 1;
  }
  reader.close();
  // What the kernel dropped: the drops, and the netfilter rules that dropped or rejected a packet.
  drops = lines.drop! + lines.rule!;
});

function criteria(input: o.FilterInput, ref: o.TimeRef = { start: rec.start, end: rec.end! }): o.Criterion[] {
  const r = o.parseFilters(input, ref);
  if (!r.ok) throw new Error(`${r.error.flag}: ${r.error.message}`);
  return r.value;
}
const pick = (events: o.ObservedEvent[], input: o.FilterInput, ref?: o.TimeRef) => {
  const c = criteria(input, ref);
  return events.filter((e) => o.matches(c, e));
};
const refused = (input: o.FilterInput) => {
  const r = o.parseFilters(input, { start: 0, end: 0 });
  return r.ok ? undefined : r.error;
};
/** The events a filter lets through, and proof it lets no other through. */
function exactly(input: o.FilterInput, want: (e: o.ObservedEvent) => boolean, events = demo): o.ObservedEvent[] {
  const got = pick(events, input, events === hubble ? hubbleRef : undefined);
  expect(got.length).toBeGreaterThan(0);
  expect(got).toEqual(events.filter(want));
  return got;
}

describe('observe: the events of a source', () => {
  it('lists every probe event of the demo (drop, dns, tcp, rule, http), not the agent lifecycle lines, with both ends known', () => {
    expect(Object.keys(lines).sort()).toEqual(['dns', 'drop', 'http', 'rule', 'tcp']);
    expect(demo).toHaveLength(Object.values(lines).reduce((a, b) => a + b, 0));
    const byType: Record<string, number> = {};
    for (const e of demo) byType[e.type] = (byType[e.type] ?? 0) + 1;
    expect(byType).toEqual(lines);
    expect(demo.every((e) => e.from && e.to)).toBe(true);
  });

  it("resolves an end from the recording's snapshot when the line carries no identity", () => {
    const ids = rec.frameAt(rec.end!).identities;
    for (const e of demo.filter((x) => x.type === 'tcp')) {
      const { identities: _dropped, ...bare } = e.line;
      const again = o.observedEvent(bare, e.ts, ids)!;
      expect(again.from).toEqual(e.from);
      expect(again.to).toEqual(e.to);
      expect(again.line.identities).toMatchObject({ src: e.from, dst: e.to });
    }
    expect(o.observedEvent({ type: 'drop', src: '10.244.0.4', dst: '10.1.2.3' }, demo[0]!.ts)).toMatchObject({ from: undefined, to: undefined });
  });

  it('takes the ends of a Hubble flow from its endpoints (the pod; the Service when the destination has no pod)', () => {
    expect(hubble.map((e) => e.type)).toEqual(['dns', 'dns', 'drop', 'flow', 'tcp']);
    expect(hubble[2]).toMatchObject({
      verdict: 'DROPPED',
      from: { kind: 'pod', namespace: 'shop', name: 'frontend-7d9f-abcde' },
      to: { kind: 'pod', namespace: 'shop', name: 'backend-66c8-qwert' },
    });
    const noPod = o.observedEvent({ type: 'flow', verdict: 'forwarded', destinationService: { name: 'kube-dns', namespace: 'kube-system' } }, 1)!;
    expect(noPod.to).toEqual({ kind: 'service', name: 'kube-dns', namespace: 'kube-system' });
  });

  it('gives each event a Hubble verdict: drops and the rules that dropped or rejected DROPPED, the rest FORWARDED, a Hubble flow its own', () => {
    expect(new Set(demo.filter((e) => e.type === 'drop' || e.type === 'rule').map((e) => e.verdict))).toEqual(new Set(['DROPPED']));
    expect(new Set(demo.filter((e) => e.type !== 'drop' && e.type !== 'rule').map((e) => e.verdict))).toEqual(new Set(['FORWARDED']));
    // the rule's own verdict stays in the line (-o json)
    expect(new Set(demo.filter((e) => e.type === 'rule').map((e) => e.line.verdict))).toEqual(new Set(['reject']));
    expect(o.observedEvent({ type: 'drop', verdict: 'error' }, 1)!.verdict).toBe('ERROR');
  });

  it('lists a kind it does not know (a newer agent) as an event, and leaves hello, stats, bye, error out', () => {
    expect(o.observedEvent({ type: 'http', src: '10.0.0.1', dst: '10.0.0.2', status: 503 }, 1)).toMatchObject({ type: 'http', verdict: 'FORWARDED' });
    for (const type of ['hello', 'stats', 'bye', 'error', 'filters']) expect(o.observedEvent({ type }, 1)).toBeUndefined();
  });
});

describe('observe filters', () => {
  it('no flag: every event', () => {
    expect(pick(demo, {})).toHaveLength(demo.length);
  });

  describe('--from-pod / --to-pod / --pod', () => {
    it('--from-pod NS/PREFIX: events whose source is a pod of that namespace whose name starts so', () => {
      const got = exactly(
        { 'from-pod': ['lab-deny-ingress/frontend'] },
        (e) => e.from?.kind === 'pod' && e.from.namespace === 'lab-deny-ingress' && e.from.name.startsWith('frontend'),
      );
      expect(got.some((e) => e.type === 'drop' && e.line.reason === 'NETFILTER_DROP')).toBe(true);
    });

    it('--to-pod NS/PREFIX: the destination', () => {
      exactly(
        { 'to-pod': ['lab-deny-ingress/backend'] },
        (e) => e.to?.kind === 'pod' && e.to.namespace === 'lab-deny-ingress' && e.to.name.startsWith('backend'),
      );
    });

    it('--pod: either end; NS/ alone: every pod of the namespace', () => {
      exactly({ pod: ['lab-anp/backend'] }, (e) => [e.from, e.to].some((w) => w?.kind === 'pod' && w.namespace === 'lab-anp' && w.name.startsWith('backend')));
      exactly({ pod: ['lab-anp/'] }, (e) => [e.from, e.to].some((w) => w?.kind === 'pod' && w.namespace === 'lab-anp'));
    });

    it('a pod without a namespace is in default (as in Hubble), or in the one --namespace given', () => {
      expect(pick(demo, { pod: ['frontend'] })).toEqual([]);
      expect(pick(demo, { pod: ['frontend'], namespace: ['lab-healthy'] })).toEqual(pick(demo, { pod: ['lab-healthy/frontend'] }));
    });

    it('on a Hubble flow: its endpoints', () => {
      exactly({ 'to-pod': ['shop/db'] }, (e) => e.to?.name === 'db-0', hubble);
    });

    it('refuses what is not a pod name', () => {
      expect(refused({ 'from-pod': ['Shop/Front'] })).toMatchObject({
        flag: '--from-pod',
        value: 'Shop/Front',
        accepted: expect.stringContaining('[NAMESPACE/]'),
      });
      expect(refused({ pod: ['a/b/c'] })).toMatchObject({ flag: '--pod', message: expect.stringContaining('one slash') });
    });
  });

  describe('--from-service / --to-service / --service', () => {
    it('--to-service: the Service address a client dialled (DNS to kube-dns before its DNAT)', () => {
      const got = exactly({ 'to-service': ['kube-system/kube-dns'] }, (e) => e.to?.kind === 'service' && e.to.name === 'kube-dns');
      expect(new Set(got.map((e) => e.type))).toEqual(new Set(['dns']));
    });

    it('--service: either end, the whole name (not a prefix)', () => {
      exactly({ service: ['lab-anp/backend'] }, (e) => [e.from, e.to].some((w) => w?.kind === 'service' && w.namespace === 'lab-anp' && w.name === 'backend'));
      expect(pick(demo, { service: ['lab-anp/back'] })).toEqual([]);
    });

    it('refuses a namespace without the name', () => {
      expect(refused({ 'to-service': ['shop/'] })).toMatchObject({ flag: '--to-service' });
    });
  });

  describe('--namespace / --from-namespace / --to-namespace', () => {
    it('--namespace: either end in the namespace (pods and Services)', () => {
      exactly({ namespace: ['kube-system'] }, (e) => e.from?.namespace === 'kube-system' || e.to?.namespace === 'kube-system');
    });

    it('--from-namespace / --to-namespace: one end', () => {
      exactly({ 'to-namespace': ['kube-system'] }, (e) => e.to?.namespace === 'kube-system');
      exactly({ 'from-namespace': ['shop'] }, (e) => e.from?.namespace === 'shop', hubble);
    });

    it('refuses what is not a namespace name', () => {
      expect(refused({ namespace: ['Shop_1'] })).toMatchObject({ flag: '--namespace', value: 'Shop_1' });
    });
  });

  describe('--from-ip / --to-ip / --ip', () => {
    it('--from-ip: an address, also when the agent wrote it IPv4-mapped (::ffff:10.244.x.y)', () => {
      // A backend answering on an IPv6 socket (busybox httpd): the agent writes its address IPv4-mapped.
      const mapped = demo.find((e) => e.src?.startsWith('::ffff:'))!.src!;
      const v4 = mapped.slice('::ffff:'.length);
      const got = exactly({ 'from-ip': [v4] }, (e) => e.src === v4 || e.src === mapped);
      expect(got.some((e) => e.src === mapped)).toBe(true);
    });

    it('--to-ip: a CIDR', () => {
      exactly({ 'to-ip': ['10.96.0.0/16'] }, (e) => e.dst!.startsWith('10.96.'));
    });

    it('--ip: either end, values ORed', () => {
      exactly({ ip: ['10.244.3.4', '10.96.0.10'] }, (e) => [e.src, e.dst].some((a) => a === '10.244.3.4' || a === '10.96.0.10'), hubble);
    });

    it('refuses what is not an address', () => {
      for (const bad of ['10.0.0.300', '10.1', '10.0.0.0/33', 'backend'])
        expect(refused({ 'to-ip': [bad] })).toMatchObject({ flag: '--to-ip', value: bad, accepted: expect.stringContaining('CIDR') });
    });
  });

  describe('--port / --from-port / --to-port', () => {
    it('--port: either end', () => {
      exactly({ port: ['8080'] }, (e) => e.sport === 8080 || e.dport === 8080);
    });

    it('--to-port / --from-port: one end', () => {
      exactly({ 'to-port': ['53'] }, (e) => e.dport === 53);
      exactly({ 'from-port': ['5432'] }, (e) => e.sport === 5432, hubble);
    });

    it('refuses what is not a port', () => {
      for (const bad of ['0', '65536', 'http'])
        expect(refused({ port: [bad] })).toMatchObject({ flag: '--port', value: bad, accepted: 'a port number from 1 to 65535' });
    });
  });

  describe('--protocol', () => {
    it('tcp / udp: the transport (DNS over UDP is udp)', () => {
      exactly({ protocol: ['tcp'] }, (e) => e.proto === 'tcp');
      exactly({ protocol: ['UDP'] }, (e) => e.proto === 'udp');
    });

    it('dns: the DNS events', () => {
      exactly({ protocol: ['dns'] }, (e) => e.type === 'dns');
    });

    it('refuses an unknown protocol, naming the accepted ones', () => {
      expect(refused({ protocol: ['quic'] })).toMatchObject({ flag: '--protocol', accepted: 'tcp, udp, sctp, icmp, icmpv4, icmpv6, dns, http' });
    });
  });

  describe('--verdict', () => {
    it('DROPPED: the drops and the rules that dropped or rejected', () => {
      expect(exactly({ verdict: ['DROPPED'] }, (e) => e.type === 'drop' || e.type === 'rule')).toHaveLength(drops);
    });

    it('forwarded (any case), and values ORed: repeated or comma-separated', () => {
      exactly({ verdict: ['forwarded'] }, (e) => e.type !== 'drop' && e.type !== 'rule');
      expect(pick(demo, { verdict: ['DROPPED,FORWARDED'] })).toHaveLength(demo.length);
      expect(pick(demo, { verdict: ['DROPPED', 'FORWARDED'] })).toHaveLength(demo.length);
    });

    it("on a Hubble flow: Hubble's verdict", () => {
      exactly({ verdict: ['DROPPED'] }, (e) => e.line.verdict === 'dropped', hubble);
    });

    it('refuses an unknown verdict, naming the accepted ones', () => {
      expect(refused({ verdict: ['DENIED'] })).toMatchObject({ flag: '--verdict', accepted: expect.stringContaining('FORWARDED, DROPPED, ERROR') });
    });
  });

  describe('--type', () => {
    it.each(['drop', 'dns', 'tcp', 'rule'])('%s', (type) => {
      exactly({ type: [type] }, (e) => e.type === type);
    });

    it('flow: the Hubble flows that are neither drop, DNS nor reset', () => {
      exactly({ type: ['flow'] }, (e) => e.type === 'flow', hubble);
    });

    it('refuses an unknown type, naming the accepted ones', () => {
      expect(refused({ type: ['trace'] })).toMatchObject({ flag: '--type', accepted: 'drop, dns, tcp, rule, http, proc, flow, test' });
    });
  });

  describe('--drop-reason', () => {
    it("the kernel's reason (any case)", () => {
      const got = exactly({ 'drop-reason': ['netfilter_drop'] }, (e) => e.type === 'drop' && e.line.reason === 'NETFILTER_DROP');
      expect(got).toHaveLength(10);
      expect(new Set(got.map((e) => e.from?.namespace))).toContain('lab-deny-ingress');
    });

    it("Hubble's reason", () => {
      exactly({ 'drop-reason': ['POLICY_DENIED'] }, (e) => e.line.reason === 'POLICY_DENIED', hubble);
    });

    it('refuses what is not a reason name', () => {
      expect(refused({ 'drop-reason': ['no socket'] })).toMatchObject({ flag: '--drop-reason' });
    });
  });

  describe('--dns-rcode', () => {
    it('the responses with that code (not the queries)', () => {
      const got = exactly({ 'dns-rcode': ['NXDOMAIN'] }, (e) => e.type === 'dns' && e.line.qr === 'response' && e.line.rcode === 'NXDOMAIN');
      expect(got.every((e) => e.line.qr === 'response')).toBe(true);
      exactly({ 'dns-rcode': ['nxdomain'] }, (e) => e.line.qr === 'response', hubble);
      // The imported query carries NOERROR (protojson omits a zero rcode): a query has no response code.
      expect(pick(hubble, { 'dns-rcode': ['NOERROR'] }, hubbleRef)).toEqual([]);
    });

    it('refuses an unknown code, naming the accepted ones', () => {
      expect(refused({ 'dns-rcode': ['NOTFOUND'] })).toMatchObject({ flag: '--dns-rcode', accepted: expect.stringContaining('NXDOMAIN') });
      expect(refused({ 'dns-rcode': ['rcode12'] })).toBeUndefined();
    });
  });

  describe('--node-name', () => {
    it('the node, * matching any characters', () => {
      exactly({ 'node-name': ['pathlight-lab-*'] }, () => true);
      expect(pick(demo, { 'node-name': ['other-node'] })).toEqual([]);
      exactly({ 'node-name': ['kind-worker'] }, () => true, hubble);
    });
  });

  describe('--since / --until', () => {
    it('RFC 3339 times', () => {
      // A five-second slice 80 s into the demo, in whole seconds as a user types them.
      const since = new Date(Math.ceil(rec.start! / 1e9 + 80) * 1000).toISOString().replace('.000Z', 'Z');
      const until = new Date(Date.parse(since) + 5000).toISOString().replace('.000Z', 'Z');
      const [t0, t1] = [Date.parse(since) * 1e6, Date.parse(until) * 1e6];
      exactly({ since, until }, (e) => e.ts >= t0 && e.ts <= t1);
    });

    it('+DURATION after the start; DURATION before the end', () => {
      exactly({ until: '+10s' }, (e) => e.ts <= rec.start! + 10e9);
      exactly({ since: '20s' }, (e) => e.ts >= rec.end! - 20e9);
      exactly({ since: '1.5s' }, (e) => e.ts >= hubbleRef.end - 1.5e9, hubble);
    });

    it('refuses what is not a time', () => {
      expect(refused({ since: 'yesterday' })).toMatchObject({ flag: '--since', accepted: expect.stringContaining('RFC 3339') });
    });
  });

  it('different flags are ANDed, the values of one flag ORed', () => {
    exactly(
      { 'from-pod': ['lab-deny-ingress/frontend', 'lab-target-port/frontend'], verdict: ['DROPPED'] },
      (e) =>
        (e.type === 'drop' || e.type === 'rule') &&
        (e.from?.namespace === 'lab-deny-ingress' || e.from?.namespace === 'lab-target-port') &&
        e.from.name.startsWith('frontend'),
    );
  });

  it('--last N counts: a whole number of 1 or more', () => {
    expect(o.parseCount('5')).toBe(5);
    for (const bad of ['0', '-1', 'x', '1.5']) expect(o.parseCount(bad)).toBeUndefined();
  });
});

describe('when nothing matches', () => {
  it('says what each filter lets through alone, and where a pod given without its namespace was seen', () => {
    const c = criteria({ pod: ['frontend'], verdict: ['DROPPED'] });
    const n = o.explainNoMatch(c, demo);
    expect(n.alone).toEqual([
      { flag: '--pod', values: ['frontend'], matched: 0 },
      { flag: '--verdict', values: ['DROPPED'], matched: drops },
    ]);
    expect(n.elsewhere[0]).toMatchObject({ flag: '--pod', value: 'frontend', namespaces: expect.arrayContaining(['lab-deny-ingress', 'lab-healthy']) });
    const text = o.noMatchText(n, 'demo.pathlight').join('\n');
    expect(text).toContain(`no event matches the filters (${demo.length} events in demo.pathlight)`);
    expect(text).toContain(`--pod frontend: 0; --verdict DROPPED: ${drops}`);
    expect(text).toMatch(/e\.g\. --pod lab-\w+(-\w+)*\/frontend/);
  });
});
