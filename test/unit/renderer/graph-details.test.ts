/** What a graph popover says: chips for labels and addresses, names for ids, plurals, and the answer's count on its path. */
import { describe, expect, it } from 'vitest';
import type { graph } from '../../../src/core/index.js';
import { flowText, nodeRows, pathCountsText, plural } from '../../../src/renderer/features/graph/details.js';

const pod = {
  id: 'pod:shop/frontend-789bdb595-8m99k',
  kind: 'pod',
  label: 'frontend-789bdb595-8m99k',
  parent: 'wl:shop/Deployment/frontend',
  data: {
    namespace: 'shop',
    name: 'frontend-789bdb595-8m99k',
    labels: { app: 'frontend', 'pod-template-hash': '789bdb595' },
    ips: ['10.244.0.7', 'fd00::7'],
    node: 'lab-node',
    phase: 'Running',
    ready: true,
    hostNetwork: false,
    ports: [{ port: 8080, protocol: 'TCP', name: 'http' }],
    workload: 'wl:shop/Deployment/frontend',
  },
} as unknown as graph.GraphNode;

const stats = (over: Partial<graph.FlowStats>): graph.FlowStats => ({
  events: 0,
  forwarded: 0,
  established: 0,
  refused: 0,
  timeout: 0,
  unreachable: 0,
  reset: 0,
  retransmit: 0,
  dropped: 0,
  dropReasons: {},
  dns: { queries: 0, answered: 0, errors: {} },
  first: 0,
  last: 0,
  volume: 0,
  ...over,
});

describe('graph popover', () => {
  it('shows labels and IPs as chips and the workload by name, never JSON or internal ids', () => {
    const rows = nodeRows(pod, (id) => (id === 'wl:shop/Deployment/frontend' ? 'frontend' : undefined));
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(byKey.labels).toEqual({ key: 'labels', chips: ['app=frontend', 'pod-template-hash=789bdb595'] });
    expect(byKey.IPs).toEqual({ key: 'IPs', chips: ['10.244.0.7', 'fd00::7'] });
    expect(byKey.ports).toEqual({ key: 'ports', chips: ['http 8080/TCP'] });
    expect(byKey.workload).toEqual({ key: 'workload', text: 'frontend' });
    const shown = JSON.stringify(rows);
    expect(shown).not.toMatch(/wl:|pod:|\{\\"|\[\\"/);
  });

  it('says plurals right', () => {
    expect(plural(1, 'connection')).toBe('1 connection');
    expect(plural(2, 'connection')).toBe('2 connections');
    expect(flowText(stats({ volume: 1, refused: 1 }))).toBe('1 connection · 0 established · 1 refused · 0 timed out · 0 packets dropped');
    expect(flowText(stats({ volume: 2, dropped: 1 }))).toMatch(/^2 connections .* 1 packet dropped$/);
  });

  it("gives an edge's HTTP: requests, rate, statuses, errors, percentiles and whose sockets saw them", () => {
    const t0 = 1_764_000_000_000_000_000;
    const http = { requests: 4, classes: { '2xx': 3, '5xx': 1 }, timed: 0, latency: {}, first: t0, last: t0 + 2e9 };
    expect(flowText(stats({ volume: 1, established: 1, http: { server: http } }))).toBe(
      "1 connection · 1 established · 0 refused · 0 timed out · 0 packets dropped · 4 HTTP requests (2.0/s): 3× 2xx, 1× 5xx · 1 error (25 %) · seen by the server's sockets",
    );
  });

  it('an edge on the path also gives the answer’s count, which joins both sides of the Service’s DNAT', () => {
    // The lab's deny-ingress answer: the refusals on the edge to the Service, the drops on the one to the pod.
    const toPod = 'flow|pod:a|pod:b|tcp/8080';
    const path = { hops: [{ hop: 'network', edges: [toPod, 'flow|pod:a|svc:b|tcp/8080'], nodes: [] }] } as unknown as graph.PathOverlay;
    const live = { connections: { established: 0, refused: 1, timeout: 0, unreachable: 0, reset: 0 } };
    expect(pathCountsText(toPod, path, live)).toMatch(/1 refused/);
    expect(pathCountsText('flow|pod:x|pod:y|tcp/1', path, live)).toBeUndefined();
    expect(pathCountsText(toPod, path, undefined)).toBeUndefined();
  });
});
