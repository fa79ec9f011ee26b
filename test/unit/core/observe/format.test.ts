/** How `pathlight observe` prints an event: compact, table row, JSON; colour only when asked. */
import { describe, expect, it } from 'vitest';
import { observe as o } from '../../../../src/core/index.js';

const ts = Date.parse('2026-12-05T08:37:25.345Z') * 1e6;
const drop = o.observedEvent(
  {
    v: 1,
    type: 'drop',
    ts,
    node: 'node-1',
    proto: 'tcp',
    src: '10.244.0.9',
    sport: 55222,
    dst: '10.244.0.7',
    dport: 8080,
    reason: 'NETFILTER_DROP',
    location: 'nft_do_chain+0x46f',
    identities: {
      src: { kind: 'pod', namespace: 'shop', name: 'frontend-1' },
      dst: { kind: 'pod', namespace: 'shop', name: 'backend-1' },
    },
  },
  ts,
)!;

describe('observe output', () => {
  it('compact: time, source -> destination, type, verdict, what happened', () => {
    expect(o.compactLine(drop)).toBe(
      '2026-12-05T08:37:25.345Z shop/frontend-1:55222 -> shop/backend-1:8080 drop DROPPED (NETFILTER_DROP at nft_do_chain+0x46f)',
    );
    expect(o.compactLine(drop, { node: true })).toContain('Z node-1: shop/frontend-1');
  });

  it('compact in colour: the verdict and the reason red, an NXDOMAIN yellow; plain without colour', () => {
    const red = o.compactLine(drop, { paint: o.painter(true) });
    expect(red).toContain('\u001b[31mDROPPED\u001b[0m');
    expect(red).toContain('\u001b[31mNETFILTER_DROP\u001b[0m');
    expect(o.compactLine(drop, { paint: o.painter(false) })).not.toContain('\u001b[');
    const nx = o.observedEvent({ type: 'dns', qr: 'response', qname: 'x.', qtype: 'A', rcode: 'NXDOMAIN', src: '10.96.0.10', dst: '10.0.0.1' }, ts)!;
    expect(o.compactLine(nx, { paint: o.painter(true) })).toContain('\u001b[33mNXDOMAIN\u001b[0m');
  });

  it('an HTTP exchange as Hubble shows an L7 flow: request, status (5xx red), latency, whose socket; TLS counted, not decoded', () => {
    const http = (over: Record<string, unknown>) =>
      o.observedEvent({ type: 'http', src: '10.244.0.9', sport: 55222, dst: '10.244.0.7', dport: 8080, role: 'client', version: 'HTTP/1.1', ...over }, ts)!;
    const failed = http({ method: 'GET', path: '/cart', queryStripped: true, status: 503, latencyNs: 12_345_678 });
    expect(o.compactLine(failed)).toBe('2026-12-05T08:37:25.345Z 10.244.0.9:55222 -> 10.244.0.7:8080 http FORWARDED (GET /cart?… → 503 12.35 ms client)');
    expect(o.compactLine(failed, { paint: o.painter(true) })).toContain('\u001b[31m503\u001b[0m');
    expect(o.compactLine(http({ status: 200, role: 'server' }))).toContain('(request not seen → 200 server)');
    expect(o.compactLine(http({ status: 0, version: 'TLS', encrypted: true }))).toContain('http FORWARDED (TLS (encrypted, not decoded) client)');
  });

  it('ends without an identity are addresses ([v6]:port); Services are NS/svc/NAME', () => {
    const ev = o.observedEvent(
      {
        type: 'tcp',
        event: 'refused',
        src: 'fd00::5',
        sport: 1,
        dst: '10.96.0.1',
        dport: 443,
        identities: { dst: { kind: 'service', namespace: 'default', name: 'kubernetes' } },
      },
      ts,
    )!;
    expect(o.compactLine(ev)).toContain('[fd00::5]:1 -> default/svc/kubernetes:443 tcp-refused FORWARDED (refused)');
  });

  it("a netfilter rule: its verdict, where it is in the ruleset, and its comment; DROPPED, the rule's verdict kept in the line", () => {
    const ev = o.observedEvent(
      {
        v: 1,
        type: 'rule',
        ts,
        node: 'node-2',
        proto: 'tcp',
        src: '10.244.0.9',
        sport: 55222,
        dst: '10.244.1.7',
        dport: 8080,
        tableFamily: 'ip',
        table: 'filter',
        chain: 'KUBE-POD-FW-CYDJ4HAV7N6F3S47',
        handle: 110,
        position: 7,
        verdict: 'reject',
        comment: 'rule to REJECT traffic destined for POD name:backend-1 namespace: shop',
        text: '-A KUBE-POD-FW-CYDJ4HAV7N6F3S47 -j REJECT',
        traceId: 1,
        identities: { src: { kind: 'pod', namespace: 'shop', name: 'frontend-1' }, dst: { kind: 'pod', namespace: 'shop', name: 'backend-1' } },
      },
      ts,
    )!;
    expect(o.compactLine(ev)).toBe(
      '2026-12-05T08:37:25.345Z shop/frontend-1:55222 -> shop/backend-1:8080 rule DROPPED (reject by ip filter/KUBE-POD-FW-CYDJ4HAV7N6F3S47 rule 7 (handle 110): rule to REJECT traffic destined for POD name:backend-1 namespace: shop)',
    );
    expect(o.compactLine(ev, { paint: o.painter(true) })).toContain('\u001b[31mreject\u001b[0m by ip filter/');
    expect(ev.line.verdict).toBe('reject');
  });

  it('a kind it does not know: its own fields as key=value', () => {
    const ev = o.observedEvent({ v: 1, type: 'test', ts, node: 'n', src: '10.0.0.1', dst: '10.0.0.2', id: 't1', phase: 'done', ok: false }, ts)!;
    expect(o.summaryText(ev)).toBe('id=t1 phase=done ok=false');
  });

  it('table row: the same fields in columns', () => {
    expect(o.tableRow(drop)).toEqual([
      '2026-12-05T08:37:25.345Z',
      'node-1',
      'shop/frontend-1:55222',
      'shop/backend-1:8080',
      'drop',
      'DROPPED',
      'NETFILTER_DROP at nft_do_chain+0x46f',
    ]);
    expect(o.tableHeader).toEqual(['TIME', 'NODE', 'SOURCE', 'DESTINATION', 'TYPE', 'VERDICT', 'SUMMARY']);
  });

  it('json: the line as recorded, identities included; the time added to an imported flow that has it on its record', () => {
    expect(JSON.parse(o.jsonLine(drop))).toEqual(drop.line);
    const flow = o.observedEvent({ type: 'flow', verdict: 'forwarded', source: { namespace: 'a', pod: 'p' } }, 42)!;
    expect(JSON.parse(o.jsonLine(flow))).toMatchObject({ ts: 42, type: 'flow', identities: { src: { kind: 'pod', namespace: 'a', name: 'p' } } });
  });
});
