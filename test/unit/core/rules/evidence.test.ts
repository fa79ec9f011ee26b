/** Rule lines paired with the drop line of the same packet, and grouped by rule. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { probe, rules } from '../../../../src/core/index.js';
import { fixture } from '../../../helpers/paths.js';

const lines = readFileSync(fixture('probe/protocol.ndjson'), 'utf8')
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => {
    const r = probe.decodeProbeLine(l);
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  });
const rule = lines.find((l): l is probe.RuleLine => l.type === 'rule' && l.verdict === 'reject')!;
const drop = lines.find((l): l is probe.DropLine => l.type === 'drop' && l.reason === 'NETFILTER_DROP')!;

describe('rule evidence', () => {
  it('pairs a rule line with the drop of the same packet within the window', () => {
    // The fixture's reject and NETFILTER_DROP lines are the same 10.244.0.5:43120 → 10.244.0.7:8080 packet, 100 ns apart.
    expect(rules.dropOfRule(rule, [drop])).toBe(drop);
    expect(rules.dropOfRule(rule, [{ ...drop, ts: drop.ts + rules.ruleDropWindowNs + 1e6 }])).toBeUndefined();
    expect(rules.dropOfRule(rule, [{ ...drop, sport: drop.sport + 1 }])).toBeUndefined();
    expect(rules.dropOfRule(rule, [{ ...drop, node: 'other-node' }])).toBeUndefined();
  });

  it('groups packets by rule and says it in one sentence', () => {
    const second = { ...rule, ts: rule.ts + 1e9, sport: 43121 };
    const [e, ...rest] = rules.ruleEvidence([rule, second], [drop]);
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ node: 'node-1', packets: 2, pairedDrops: 1, firstTs: rule.ts, lastTs: second.ts });
    expect(e!.mapping).toMatchObject({ enforcer: 'kube-router', role: 'policy-default-deny', pod: { namespace: 'shop', name: 'backend-1' } });
    expect(rules.ruleEvidenceText(e!)).toBe(
      "2 packets rejected on node-1 by ip filter/KUBE-POD-FW-ABCDEFGHIJKLMNOP rule 7 (handle 42), kube-router's default deny ingress for pod shop/backend-1: no policy selecting it allowed the packet. " +
        'Rule: -A KUBE-POD-FW-ABCDEFGHIJKLMNOP -m comment --comment "rule to REJECT traffic destined for POD name:backend-1 namespace: shop" -j REJECT --reject-with icmp-port-unreachable',
    );
  });
});
