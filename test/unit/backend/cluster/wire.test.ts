import { describe, expect, it } from 'vitest';
import { toWire } from '../../../../src/backend/cluster/wire.js';

describe('toWire', () => {
  it("gives a NetworkPolicy rule its `from` back (client-node's `_from` made every ingress rule admit any source)", () => {
    const typed = { spec: { ingress: [{ _from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }] } };
    expect(toWire(typed)).toEqual({
      spec: { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }] },
    });
  });

  it('writes Dates as the API does and drops undefined fields', () => {
    expect(toWire({ metadata: { creationTimestamp: new Date('2026-12-03T08:34:08Z'), deletionTimestamp: undefined } })).toEqual({
      metadata: { creationTimestamp: '2026-12-03T08:34:08Z' },
    });
  });

  it('leaves plain watch objects as they are', () => {
    const plain = { metadata: { name: 'x', labels: { a: 'b' } }, spec: { ports: [{ port: 1 }] } };
    expect(toWire(plain)).toEqual(plain);
  });
});
