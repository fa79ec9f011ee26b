/**
 * The Cilium lab only (`LAB_CNI=cilium`: test/lab/cilium/test.sh runs the `cilium` project while
 * it is up): Pathlight's Hubble client reads a node agent's Hubble socket over gRPC, with
 * Cilium's own observer API, and a connection a CiliumNetworkPolicy denies comes back as a
 * drop with Cilium's reason, between the two pods, filtered to A's address — from the Hubble of
 * B's node, where the ingress policy drops it (with two nodes A is on node 1, B on node 2). Every
 * node's Hubble is reachable over that node's sshd (`ssh://NODE`) and is that node's own.
 */
import { describe, expect, it } from 'vitest';
import { hubbleFlowLines } from '../../../../src/backend/hubble/client.js';
import { hubbleLines } from '../../../../src/backend/hubble/ssh.js';
import { importHubbleFlows } from '../../../../src/core/index.js';
import { lab } from '../../../helpers/lab.js';
import { kubectl, pathlight } from '../../../helpers/labApp.js';

const ns = 'lab-cilium-deny';
const pod = (app: string, field: string) => kubectl('get', 'pods', '-n', ns, '-l', `app=${app}`, '-o', `jsonpath={.items[0].${field}}`).trim();
/** The Hubble socket (as this machine sees it) of the node `app`'s pod runs on. */
const socketOf = (app: string) => {
  const name = pod(app, 'spec.nodeName');
  const node = lab().nodes.find((n) => n.name === name);
  if (!node?.hubbleSocket) throw new Error(`lab.json has no hubbleSocket for node ${name} (is this the Cilium lab?)`);
  return `unix://${node.hubbleSocket}`;
};

describe('Hubble over gRPC (Cilium lab)', () => {
  it('a connection the CiliumNetworkPolicy denies is read back from B’s node as a POLICY_DENIED drop from A to B:8080, and only A’s flows come', async () => {
    const a = pod('frontend', 'status.podIP');
    const b = pod('backend', 'status.podIP');
    const socket = socketOf('backend');
    const since = Date.now() * 1e6;
    try {
      kubectl('exec', '-n', ns, pod('frontend', 'metadata.name'), '--', 'nc', '-w', '3', b, '8080');
    } catch {
      /* the policy drops it: nc times out */
    }
    type Data = { type?: string; src?: string; dst?: string; dport?: number };
    let records: Array<{ data: Data }> = [];
    // Hubble publishes a flow within a second or so of the packet.
    await expect
      .poll(
        async () => {
          records = importHubbleFlows((await hubbleFlowLines({ target: socket, sinceNs: since, ips: [a] })).join('\n')).records as Array<{ data: Data }>;
          return records.some((r) => r.data.type === 'drop' && r.data.src === a && r.data.dst === b && r.data.dport === 8080);
        },
        { timeout: 15_000, interval: 1000 },
      )
      .toBe(true);
    const drop = records.find((r) => r.data.type === 'drop' && r.data.dst === b)!;
    expect(drop.data).toMatchObject({ origin: 'hubble', reason: 'POLICY_DENIED', proto: 'tcp' });
    expect(records.every((r) => r.data.type === 'stats' || r.data.src === a || r.data.dst === a)).toBe(true);
  });

  it('a window before anything happened holds no flow of A', async () => {
    const a = pod('frontend', 'status.podIP');
    const lines = await hubbleFlowLines({ target: socketOf('frontend'), sinceNs: (Date.now() + 60_000) * 1e6, ips: [a] });
    expect(lines).toEqual([]);
  });

  it('pathlight observe --hubble ssh://NODE: B’s node’s socket over SSH, the denied connection as DROPPED (POLICY_DENIED) between the pods', async () => {
    const info = lab();
    const a = pod('frontend', 'status.podIP');
    const b = pod('backend', 'status.podIP');
    const bNode = pod('backend', 'spec.nodeName');
    try {
      kubectl('exec', '-n', ns, pod('frontend', 'metadata.name'), '--', 'nc', '-w', '3', b, '8080');
    } catch {
      /* dropped */
    }
    await expect
      .poll(
        async () => {
          const r = await pathlight([
            'observe',
            '--hubble',
            `ssh://${bNode}`,
            '--ssh-config',
            info.sshConfig,
            '--since',
            '2m',
            '--from-ip',
            a,
            '--to-ip',
            b,
            '--verdict',
            'DROPPED',
            '-o',
            'json',
          ]);
          expect(r.code, r.stderr).toBe(0);
          return r.stdout
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { type: string; reason?: string; dport?: number })
            .some((e) => e.type === 'drop' && e.reason === 'POLICY_DENIED' && e.dport === 8080);
        },
        { timeout: 20_000, interval: 2000 },
      )
      .toBe(true);
  });

  it('ssh://NODE on every node: that node’s own agent (every flow’s node_name is cluster/NODE)', async () => {
    const info = lab();
    for (const n of info.nodes) {
      const lines = await hubbleLines({ target: `ssh://${n.name}`, sshConfig: info.sshConfig, sinceNs: (Date.now() - 120_000) * 1e6, limit: 200 });
      const names = new Set(lines.map((l) => (JSON.parse(l) as { node_name?: string }).node_name));
      expect(lines.length, n.name).toBeGreaterThan(0);
      expect([...names], n.name).toEqual([`pathlight-lab/${n.name}`]);
    }
  });
});
