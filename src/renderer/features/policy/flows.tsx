/** Observed flows as the policy panels list them: ends (workload, or address and who holds it), protocol/port, how often. */
import type { FlowEndJson, ObservedFlowJson } from '../../../api/index.js';

export const endText = (e: FlowEndJson) => (e.kind === 'pod' ? e.workload : `${e.ip}${e.name ? ` (${e.name})` : ''}`);
const endTitle = (e: FlowEndJson) => (e.kind === 'pod' ? `pod ${e.pod}` : e.name ? `${e.ip}, ${e.name}` : `${e.ip}, no pod holds it`);
export const times = (n: number) => `${n} ${n === 1 ? 'time' : 'times'}`;

export function FlowText({ f, verb = 'seen' }: { f: ObservedFlowJson; verb?: string }) {
  return (
    <>
      <span className="flow-end" title={endTitle(f.from)}>
        {endText(f.from)}
      </span>
      {' → '}
      <span className="flow-end" title={endTitle(f.to)}>
        {endText(f.to)}
      </span>{' '}
      <code>
        {f.protocol}/{f.port}
      </code>{' '}
      <span className="muted">
        {verb} {times(f.count)}
      </span>
    </>
  );
}

/** Where the panel's traffic came from, in one line. */
export function TrafficSource({ mode, events, dropped }: { mode: 'live' | 'fake' | 'replay'; events: number; dropped?: number | undefined }) {
  return (
    <span className="muted" data-testid="policy-traffic-source">
      {mode === 'replay' ? `traffic of the whole recording (${events} probe events)` : `traffic this session's probes saw (${events} probe events)`}
      {dropped ? `, the oldest ${dropped} left out` : ''}
    </span>
  );
}
