import type { SessionRecord } from '../../src/core/index.js';

/** A probe drop event as the agent reports it, at `i` ms after a fixed start. */
export function dropAt(i: number, start = 1_764_000_000_000_000_000): SessionRecord {
  return {
    ts: start + i * 1_000_000,
    kind: 'probe',
    data: { v: 1, type: 'drop', node: 'node-1', netns: 4026532000 + (i % 7), src: `10.244.1.${i % 50}`, sport: 40000 + (i % 2000), dst: '10.244.2.7', dport: 8080, reason: 'NETFILTER_DROP', seq: i },
  };
}

/** The drop, DNS and TCP events a recording holds (what the events table lists at its end), counted from its types. */
export async function eventsIn(file: string): Promise<number> {
  const { openRecording } = await import('../../src/backend/store/open.js');
  const { probeTypeCode } = await import('../../src/core/index.js');
  const rec = await openRecording(file);
  let n = 0;
  for (let i = 0; i < rec.probeColumns.ts.length; i++) {
    const t = rec.probeTypeAt(i);
    if (t >= probeTypeCode.drop && t <= probeTypeCode.tcp) n++;
  }
  return n;
}
