import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importHubbleFlows, rfc3339ToNs } from '../../../../src/core/index.js';
import { fixture } from '../../../helpers/paths.js';

const imported = importHubbleFlows(readFileSync(fixture('hubble/flows.jsonpb'), 'utf8'));
const events = imported.records.map((r) => r.data as Record<string, unknown>);

describe('Hubble flow import', () => {
  it('keeps nanosecond time from RFC 3339', () => {
    expect(rfc3339ToNs('2026-11-20T10:00:00.100812345Z')! - rfc3339ToNs('2026-11-20T10:00:00Z')!).toBeCloseTo(100_812_345, -3);
    expect(rfc3339ToNs('yesterday')).toBeUndefined();
  });

  it('maps a policy drop with its reason, 5-tuple, workloads and the denying policy', () => {
    expect(events.find((e) => e.type === 'drop')).toMatchObject({
      v: 1,
      origin: 'hubble',
      node: 'kind-worker',
      verdict: 'dropped',
      reason: 'POLICY_DENIED',
      reasonCode: 133,
      proto: 'tcp',
      src: '10.244.1.5',
      sport: 44916,
      dst: '10.244.2.9',
      dport: 8080,
      direction: 'ingress',
      source: { namespace: 'shop', pod: 'frontend-7d9f-abcde', workloads: [{ name: 'frontend', kind: 'Deployment' }] },
      destination: { namespace: 'shop', pod: 'backend-66c8-qwert', labels: ['k8s:app=backend'] },
      ingressDeniedBy: [{ kind: 'NetworkPolicy', namespace: 'shop', name: 'default-deny' }],
    });
  });

  it('maps DNS queries and responses with rcode names (zero omitted = NOERROR) and latency', () => {
    const dns = events.filter((e) => e.type === 'dns');
    expect(dns).toHaveLength(2);
    expect(dns[0]).toMatchObject({ qr: 'query', qname: 'backend.shop.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', dport: 53 });
    expect(dns[1]).toMatchObject({ qr: 'response', rcode: 'NXDOMAIN', latencyNs: 812345, sport: 53 });
  });

  it('reads a reset answered to a SYN as a refused connection, other flows as forwarded', () => {
    expect(events.find((e) => e.type === 'tcp')).toMatchObject({ event: 'refused', src: '10.244.3.4', dst: '10.244.1.5' });
    expect(events.find((e) => e.type === 'flow')).toMatchObject({ verdict: 'forwarded', dport: 5432, flags: ['SYN'] });
  });

  it('counts events Hubble lost, so the evidence is marked incomplete', () => {
    expect(imported.lostEvents).toBe(17);
    expect(events.find((e) => e.type === 'stats')).toMatchObject({ lost: 17, lostSource: 'HUBBLE_RING_BUFFER' });
  });

  it('names each line it could not import and keeps the rest, in time order', () => {
    expect(imported.problems).toEqual([
      { line: 7, message: expect.stringMatching(/not JSON/) },
      { line: 8, message: expect.stringMatching(/no "flow" object/) },
    ]);
    expect(imported.counts).toEqual({ dns: 2, drop: 1, lost: 1, flow: 1, tcp: 1 });
    const ts = imported.records.map((r) => r.ts);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
  });
});
