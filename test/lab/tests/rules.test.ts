/**
 * The rules probe on the lab node, over the ssh transport: the ingress-deny scenario's
 * frontend keeps calling its backend and kube-router rejects it on the backend's node (another
 * node than the frontend's in a multi-node lab; the probe runs there); the agent names that rule
 * (its chain, handle, text and comment), the engine maps it to the pod and the NetworkPolicy
 * it implements, the rule line pairs with the drop line of the same packet, and the agent's
 * trace table is gone from the node's ruleset when the run ends.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { rules, type probe } from '../../../src/core/index.js';
import { agentDir } from '../../../src/backend/probes/agentDir.js';
import { readSshConfig } from '../../../src/backend/probes/ssh/config.js';
import { startProbe } from '../../../src/backend/probes/ssh/transport.js';
import { lab } from '../../helpers/lab.js';
import { kubectl } from '../../helpers/labApp.js';

const info = lab();
// The backend's node: kube-router's ingress rules for a pod are in its own node's ruleset, and the
// rules probe traces only the ruleset of the network namespace it runs in.
const bNode = kubectl('-n', 'lab-deny-ingress', 'get', 'pod', '-l', 'app=backend', '-o', 'jsonpath={.items[0].spec.nodeName}').trim();
const bNetns = info.nodes.find((n) => n.name === bNode)?.netns;
const traceTables = () =>
  execFileSync('ip', ['netns', 'exec', bNetns!, 'nft', 'list', 'tables'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes('pathlight_trace_'));

describe('rules probe (lab node)', () => {
  it("names kube-router's reject of the ingress-deny traffic and the NetworkPolicy behind it", async () => {
    expect(bNetns, `the backend's node ${bNode} is not among the lab's nodes`).toBeDefined();
    const { text, file } = await readSshConfig({ file: info.sshConfig });
    const lines: probe.ProbeLine[] = [];
    const run = await startProbe(
      {
        configText: text,
        configFile: file,
        node: bNode,
        agentDir: agentDir(),
        args: ['--probes', 'drops,rules', '--cidr', '10.244.0.0/16', '--ttl', '60s'],
        agentSocket: '',
      },
      { line: (l) => lines.push(l), bad: () => undefined },
    );
    const denied = () =>
      lines.find((l): l is probe.RuleLine => l.type === 'rule' && rules.mapRule(l).pod?.namespace === 'lab-deny-ingress' && /^KUBE-POD-FW-/.test(l.chain));
    const end = Date.now() + 30_000;
    while (!denied() && Date.now() < end) await new Promise((r) => setTimeout(r, 250));
    await new Promise((r) => setTimeout(r, 500)); // the drop line of the same packet
    expect(traceTables()).toHaveLength(1);
    const exit = await run.stop();
    const r = denied();
    expect(r, 'a rule line for the ingress-deny scenario').toBeDefined();
    expect(r).toMatchObject({ tableFamily: 'ip', table: 'filter', verdict: 'reject', syntax: 'iptables' });
    expect(r!.text).toMatch(
      /^-A KUBE-POD-FW-\S+ -m comment --comment "rule to REJECT traffic destined for POD name:backend-\S+ namespace: lab-deny-ingress" .*-j REJECT/,
    );
    expect(rules.mapRule(r!)).toMatchObject({
      enforcer: 'kube-router',
      role: 'policy-default-deny',
      policies: [{ kind: 'NetworkPolicy', namespace: 'lab-deny-ingress', name: 'deny-backend-ingress' }],
    });
    expect(
      rules.dropOfRule(
        r!,
        lines.filter((l): l is probe.DropLine => l.type === 'drop'),
      ),
    ).toMatchObject({ reason: 'NETFILTER_DROP' });
    expect(exit.exitCode).toBe(0);
    expect(traceTables()).toEqual([]);
  }, 60_000);
});
