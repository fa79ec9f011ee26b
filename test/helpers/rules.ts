/**
 * Rule records built from recorded `iptables-save` text (test/fixtures/rules), the way the
 * agent reports them: the rule line at its position in its chain, its comments joined with
 * "; " (the agent does the same with iptables-nft's comment matches), and a path of the
 * jumps that led there, each with its own comment.
 */
import { readFileSync } from 'node:fs';
import type { probe, rules } from '../../src/core/index.js';
import { fixture } from './paths.js';

interface SavedRule {
  table: string;
  chain: string;
  position: number;
  text: string;
  comment?: string;
  target?: string;
  goto: boolean;
}

/** Every `-A` line of an iptables-save file, with its table, chain and 1-based position. */
export function readSave(file: string): SavedRule[] {
  const out: SavedRule[] = [];
  const positions = new Map<string, number>();
  let table = '';
  for (const line of readFileSync(fixture(`rules/${file}`), 'utf8').split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    const m = /^-A (\S+) /.exec(line);
    if (!m) continue;
    const chain = m[1]!;
    const position = (positions.get(`${table}/${chain}`) ?? 0) + 1;
    positions.set(`${table}/${chain}`, position);
    const comments = [...line.matchAll(/--comment "((?:[^"\\]|\\.)*)"/g)].map((c) => c[1]!.replace(/\\(.)/g, '$1'));
    const jump = / -([jg]) (\S+)/.exec(line);
    out.push({
      table,
      chain,
      position,
      text: line,
      ...(comments.length > 0 ? { comment: comments.join('; ') } : {}),
      ...(jump ? { target: jump[2]! } : {}),
      goto: jump?.[1] === 'g',
    });
  }
  return out;
}

/** The one saved rule of `chain` whose line contains `has`. */
export function savedRule(saved: SavedRule[], chain: string, has: string): SavedRule {
  const found = saved.filter((r) => r.chain === chain && r.text.includes(has));
  if (found.length !== 1) throw new Error(`${found.length} rules of ${chain} contain ${JSON.stringify(has)}`);
  return found[0]!;
}

const verdictOf = (r: SavedRule): string => {
  if (!r.target) return 'continue';
  if (r.target === 'REJECT') return 'reject';
  if (r.target === 'DROP' || r.target === 'ACCEPT' || r.target === 'RETURN') return r.target.toLowerCase();
  return r.goto ? 'goto' : 'jump';
};

/** A path step for a jump (or return) the packet took. */
export function step(r: SavedRule, handle = r.position * 10): probe.RuleStep {
  const verdict = verdictOf(r);
  return {
    tableFamily: 'ip',
    table: r.table,
    chain: r.chain,
    handle,
    verdict,
    ...(verdict === 'jump' || verdict === 'goto' ? { target: r.target } : {}),
    ...(r.comment && (verdict === 'jump' || verdict === 'goto') ? { comment: r.comment } : {}),
  };
}

/** The record of the rule that dropped the packet, after the given path. */
export function ruleRecord(r: SavedRule, path: probe.RuleStep[] = [], handle = r.position * 10): rules.RuleRecord {
  return {
    tableFamily: 'ip',
    table: r.table,
    chain: r.chain,
    handle,
    position: r.position,
    text: r.text,
    ...(r.comment ? { comment: r.comment } : {}),
    verdict: verdictOf(r) === 'reject' ? 'reject' : 'drop',
    path,
  };
}
