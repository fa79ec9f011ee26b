/**
 * Rule evidence: the probe's `rule` lines grouped by rule, each with the drop line of the
 * same packet and what the rule is for (mapRule).
 *
 * A rule line and a drop line are the same packet when they come from the same node and
 * carry the same netns, protocol, addresses and ports within `ruleDropWindowNs`: the rules
 * probe sees the verdict as the rule gives it, the drops probe the packet being freed a few
 * microseconds later (native/README.md, "The rules probe").
 */
import type { DropLine, RuleLine } from '../probe/schemas.js';
import { mapRule } from './map.js';
import type { RuleMapping } from './types.js';
import { ruleLocation } from './types.js';

/** Keep aligned with RuleDropWindowMs in native/internal/protocol/protocol.go. */
export const ruleDropWindowNs = 1_000_000_000;

type Tuple = Pick<DropLine, 'node' | 'netns' | 'proto' | 'src' | 'sport' | 'dst' | 'dport'>;

function sameTuple(a: Tuple, b: Tuple): boolean {
  return a.node === b.node && a.netns === b.netns && a.proto === b.proto && a.src === b.src && a.sport === b.sport && a.dst === b.dst && a.dport === b.dport;
}

/** The drop line of the packet a rule line names: same node, netns and 5-tuple, the closest in time within the window. */
export function dropOfRule(rule: RuleLine, drops: readonly DropLine[]): DropLine | undefined {
  let best: DropLine | undefined;
  for (const d of drops) {
    if (!sameTuple(rule, d)) continue;
    const gap = Math.abs(d.ts - rule.ts);
    if (gap <= ruleDropWindowNs && (!best || gap < Math.abs(best.ts - rule.ts))) best = d;
  }
  return best;
}

/** One rule that dropped packets of the question, with how many and what it is for. */
export interface RuleEvidence {
  node: string;
  /** `ip filter/KUBE-POD-FW-… rule 7 (handle 42)`. */
  location: string;
  rule: RuleLine;
  mapping: RuleMapping;
  /** Packets this rule dropped (rule lines), and how many of them the drops probe saw too. */
  packets: number;
  pairedDrops: number;
  firstTs: number;
  lastTs: number;
}

/** Groups rule lines by node and rule (family, table, chain, handle), in order of first appearance. */
export function ruleEvidence(rules: readonly RuleLine[], drops: readonly DropLine[] = []): RuleEvidence[] {
  const byKey = new Map<string, RuleEvidence>();
  for (const r of rules) {
    const key = `${r.node}\u0000${r.tableFamily}\u0000${r.table}\u0000${r.chain}\u0000${r.policy ? 'policy' : r.handle}`;
    let e = byKey.get(key);
    if (!e) {
      e = { node: r.node, location: ruleLocation(r), rule: r, mapping: mapRule(r), packets: 0, pairedDrops: 0, firstTs: r.ts, lastTs: r.ts };
      byKey.set(key, e);
    }
    e.packets++;
    if (dropOfRule(r, drops)) e.pairedDrops++;
    e.firstTs = Math.min(e.firstTs, r.ts);
    e.lastTs = Math.max(e.lastTs, r.ts);
  }
  return [...byKey.values()];
}

/**
 * The evidence in one sentence: "rejected on pathlight-lab-node by ip filter/KUBE-POD-FW-…
 * rule 7 (handle 42), kube-router's default deny for pod shop/backend-1 …" with the rule's
 * text after it.
 */
export function ruleEvidenceText(e: RuleEvidence): string {
  const verb = e.rule.verdict === 'reject' ? 'rejected' : 'dropped';
  const count = e.packets === 1 ? '1 packet' : `${e.packets} packets`;
  const text = e.rule.text ? ` Rule: ${e.rule.text}` : '';
  return `${count} ${verb} on ${e.node} by ${e.location}, ${e.mapping.description}.${text}`;
}
