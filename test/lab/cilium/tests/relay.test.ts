/**
 * The Cilium lab only (`LAB_CNI=cilium`; test/lab/cilium/test.sh runs it): Hubble Relay, reached
 * as a user reaches it — a port-forward through the API server to the pod behind the
 * `hubble-relay` Service — gives every node's flows at once; and `why` with the pod transport
 * (no SSH to any node) still carries Cilium's verdict, read from Relay.
 */
import { describe, expect, it } from 'vitest';
import { lab } from '../../../helpers/lab.js';
import { kubectl, pathlight, whyJson } from '../../../helpers/labApp.js';

const ns = 'lab-cilium-deny';
const pod = (app: string, field: string) => kubectl('get', 'pods', '-n', ns, '-l', `app=${app}`, '-o', `jsonpath={.items[0].${field}}`).trim();

/** frontend → backend's pod address:8080, which the CiliumNetworkPolicy drops (nc waits out its 3 s). */
function tryDenied(): void {
  try {
    kubectl('exec', '-n', ns, pod('frontend', 'metadata.name'), '--', 'nc', '-w', '3', pod('backend', 'status.podIP'), '8080');
  } catch {
    /* dropped */
  }
}

describe('Hubble Relay (Cilium lab)', () => {
  it('observe --hubble relay: the denied connection as DROPPED (POLICY_DENIED) on the backend’s node, and flows of every node', async () => {
    const info = lab();
    const a = pod('frontend', 'status.podIP');
    const b = pod('backend', 'status.podIP');
    const bNode = pod('backend', 'spec.nodeName');
    tryDenied();
    type Event = { type: string; node: string; reason?: string; src?: string; dst?: string; dport?: number };
    let events: Event[] = [];
    await expect
      .poll(
        async () => {
          const r = await pathlight(['observe', '--hubble', 'relay', '--kubeconfig', info.adminKubeconfig, '--since', '2m', '--ip', a, '-o', 'json']);
          expect(r.code, r.stderr).toBe(0);
          events = r.stdout
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Event);
          return events.some((e) => e.type === 'drop' && e.reason === 'POLICY_DENIED' && e.dst === b && e.dport === 8080);
        },
        { timeout: 30_000, interval: 2000 },
      )
      .toBe(true);
    const drop = events.find((e) => e.type === 'drop' && e.dst === b)!;
    // Hubble names a node CLUSTER/NODE.
    expect(drop.node.split('/').pop()).toBe(bNode);
    // Relay merges the nodes: A's flows were seen where A is (egress) and where B is (the drop).
    const nodes = new Set(events.map((e) => e.node.split('/').pop()));
    expect([...nodes].sort()).toEqual([...new Set([pod('frontend', 'spec.nodeName'), bNode])].sort());
  }, 60_000);

  it('why --probe pod (no SSH): the CiliumNetworkPolicy deny, with Cilium’s POLICY_DENIED read from Relay', async () => {
    const info = lab();
    const r = await whyJson(`${ns}/deploy/frontend`, 'backend:8080', info.adminKubeconfig, ['--probe', 'pod', '--probe-image', info.images.busybox]);
    expect(r.code, r.stderr).toBe(1);
    const a = JSON.parse(r.stdout) as { findings: Array<{ kind: string; summary: string; evidence: Array<{ type: string; text: string }> }> };
    const f = a.findings[0]!;
    expect(f.kind).toBe('policy-deny-ingress');
    expect(f.summary).toContain('CiliumNetworkPolicy lab-cilium-deny/deny-backend');
    expect(f.evidence.map((e) => e.text)).toContainEqual(expect.stringMatching(/^Cilium dropped packets of \d+ connections? \(Hubble\): POLICY_DENIED/));
  }, 150_000);
});
