/**
 * What a graph popover says about a node or an edge, as plain data (tested without a DOM):
 * labels and addresses as chips, fields in words, ids of other graph nodes as their names;
 * counts with their plurals.
 */
import type { graph } from '../../../core/index.js';
import { httpText, httpView } from '../../../core/graph/flows.js';
import { connectionsText } from '../../../core/diagnose/text.js';

/** `1 connection`, `2 connections`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** One row of a node's popover: a value in words, or chips (labels `k=v`, addresses, ports). */
export type DetailRow = { key: string; text: string } | { key: string; chips: string[] };

const portText = (p: { name?: string; port: number; protocol?: string; targetPort?: number | string; nodePort?: number }) =>
  `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol ?? 'TCP'}${p.targetPort !== undefined && p.targetPort !== p.port ? ` → ${p.targetPort}` : ''}${p.nodePort ? ` (node ${p.nodePort})` : ''}`;
const labelChips = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`);

/** The rows of a node's popover; `nameOf` turns another node's id (a pod's workload) into its name. */
export function nodeRows(node: graph.GraphNode, nameOf: (id: string) => string | undefined): DetailRow[] {
  const rows: Array<DetailRow | undefined> = [];
  const chips = (key: string, list: string[]) => (list.length ? { key, chips: list } : undefined);
  const text = (key: string, v: string | number | undefined) => (v === undefined || v === '' ? undefined : { key, text: String(v) });
  switch (node.kind) {
    case 'namespace':
      rows.push(text('name', node.data.name), chips('labels', labelChips(node.data.labels)));
      break;
    case 'workload':
      rows.push(
        text('kind', node.data.workloadKind),
        text('namespace', node.data.namespace),
        text('pods', `${node.data.readyPods} of ${plural(node.data.pods, 'pod')} ready`),
      );
      break;
    case 'pod': {
      const d = node.data;
      rows.push(
        text('namespace', d.namespace),
        chips('IPs', d.ips),
        text('node', d.node),
        text('phase', `${d.phase ?? 'unknown'}${d.ready ? ', ready' : ', not ready'}${d.hostNetwork ? ', host network' : ''}`),
        text('workload', d.workload ? (nameOf(d.workload) ?? d.workload.replace(/^wl:/, '')) : undefined),
        chips('ports', d.ports.map(portText)),
        chips('labels', labelChips(d.labels)),
      );
      break;
    }
    case 'service': {
      const d = node.data;
      rows.push(
        text('namespace', d.namespace),
        text('type', d.type),
        chips('cluster IPs', d.clusterIPs),
        text('external name', d.externalName),
        chips('ports', d.ports.map(portText)),
        chips('selector', labelChips(d.selector)),
        text('endpoints', `${d.endpoints.ready} ready${d.endpoints.notReady ? `, ${d.endpoints.notReady} not ready` : ''}`),
        chips('labels', labelChips(d.labels)),
      );
      break;
    }
    case 'node':
      rows.push(
        chips('IPs', node.data.ips),
        text('ready', node.data.ready ? 'yes' : 'no'),
        chips('roles', node.data.roles),
        chips('labels', labelChips(node.data.labels)),
      );
      break;
    case 'dns':
      rows.push(text('name', node.data.name));
      break;
    case 'external':
      rows.push(
        text('range', node.data.world ? `${node.data.cidr} (anywhere)` : node.data.cidr),
        chips('addresses seen', node.data.addresses),
        text('distinct addresses', node.data.addressCount),
      );
      break;
  }
  return rows.filter((r): r is DetailRow => r !== undefined);
}

/** A flow edge's counts in words, plurals right: `1 connection · 0 established · 1 refused …`. */
export function flowText(s: graph.FlowStats): string {
  const parts = [plural(s.volume, 'connection'), `${s.established} established`, `${s.refused} refused`, `${s.timeout} timed out`];
  if (s.reset) parts.push(`${s.reset} reset`);
  parts.push(plural(s.dropped, 'packet dropped', 'packets dropped'));
  const http = httpView(s);
  if (http) parts.push(httpText(http));
  return parts.join(' · ');
}

/**
 * The why panel's count of A → B's connections, for a flow edge of the answer's path. One
 * connection to a Service shows on two edges: the client's socket (its TCP outcome: refused,
 * established) on the edge to the Service's address, the packets after the DNAT (drops) on the
 * edge to the backend pod — so one edge alone can say "0 refused" where the answer, which
 * joins both, says "1 refused". The popover gives both.
 */
export function pathCountsText(edgeId: string, path: graph.PathOverlay | null, live: { connections: Record<string, number> } | undefined): string | undefined {
  if (!path || !live) return undefined;
  const hop = path.hops.find((h) => h.edges.includes(edgeId));
  if (!hop) return undefined;
  const counted = connectionsText(live);
  return `A → B on the answer's path, both sides of the Service's DNAT: ${counted || 'no connection outcome seen'}`;
}
