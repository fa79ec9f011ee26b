/**
 * How `pathlight observe` prints an event: `compact` (one line, as `hubble observe` prints
 * one: time, source → destination, type, verdict, what happened), `table` (the same fields in
 * columns) and `json` (the line as the recording holds it, identities included). Colour is the
 * caller's choice (a TTY without NO_COLOR): the verdict, and an outcome that is a problem.
 */
import { describeProcess, type EventIdentities, type Identity } from '../cluster/identity.js';
import { ruleLocation, type RuleRecord } from '../rules/types.js';
import type { ObservedEvent } from './event.js';
import { httpRequestText } from '../diagnose/text.js';

const ansi = { red: '31', green: '32', yellow: '33', cyan: '36', dim: '2' } as const;
type Colour = keyof typeof ansi;
export type Paint = (text: string, colour: Colour) => string;
const plain: Paint = (t) => t;
const coloured: Paint = (t, c) => `\u001b[${ansi[c]}m${t}\u001b[0m`;

export function painter(colour: boolean): Paint {
  return colour ? coloured : plain;
}

/** ISO 8601 UTC with milliseconds. */
export function timeText(ns: number): string {
  return new Date(Math.floor(ns / 1e6)).toISOString();
}

/** An identity as the CLI names it: `ns/pod`, `ns/svc/name`, `node/name`. */
export function identityText(who: Identity): string {
  const ns = who.namespace ? `${who.namespace}/` : '';
  return who.kind === 'pod' ? `${ns}${who.name}` : who.kind === 'service' ? `${ns}svc/${who.name}` : `node/${who.name}`;
}

function endText(who: Identity | undefined, ip: string | undefined, port: number | undefined): string {
  const host = who ? identityText(who) : ip === undefined ? '?' : ip.includes(':') ? `[${ip}]` : ip;
  return port ? `${host}:${port}` : host;
}

export const sourceText = (ev: ObservedEvent) => endText(ev.from, ev.src, ev.sport);
export const destinationText = (ev: ObservedEvent) => endText(ev.to, ev.dst, ev.dport);

/** The event's kind in one word, as Hubble's `dns-request` or `to-endpoint`: `drop`, `dns-query`, `tcp-refused`, … */
export function typeText(ev: ObservedEvent): string {
  const l = ev.line;
  if (ev.type === 'dns' && typeof l.qr === 'string') return `dns-${l.qr}`;
  if (ev.type === 'tcp' && typeof l.event === 'string') return `tcp-${l.event}`;
  return ev.type;
}

/** Fields every event has, left out of a generic summary. */
const common = new Set([
  'v',
  'type',
  'ts',
  'node',
  'src',
  'dst',
  'sport',
  'dport',
  'proto',
  'family',
  'netns',
  'ifindex',
  'identities',
  'origin',
  'verdict',
  'proc',
]);

function scalar(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length > 0 && v.every((x) => scalar(x) !== undefined) ? v.join(',') : undefined;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function policies(l: Record<string, unknown>): string {
  const out: string[] = [];
  for (const [key, words] of [
    ['ingressDeniedBy', 'ingress denied by'],
    ['egressDeniedBy', 'egress denied by'],
  ] as const) {
    const list = l[key];
    if (Array.isArray(list) && list.length > 0)
      out.push(
        `${words} ${list.map((p: { kind?: string; namespace?: string; name?: string }) => `${p.kind ?? 'policy'} ${p.namespace ? `${p.namespace}/` : ''}${p.name ?? ''}`).join(', ')}`,
      );
  }
  return out.join('; ');
}

const problemTcp = new Set(['refused', 'timeout', 'unreachable', 'reset']);

/** What happened, in a few words: the drop reason and where, the DNS name and answer, the TCP outcome, the rule; other kinds as key=value. */
export function summaryText(ev: ObservedEvent, paint: Paint = plain): string {
  const what = eventText(ev, paint);
  const ids = ev.line.identities as EventIdentities | undefined;
  const by = describeProcess(ev.line.proc as Parameters<typeof describeProcess>[0], ids?.proc);
  return by ? `${what}${what ? '; ' : ''}by ${by}` : what;
}

function eventText(ev: ObservedEvent, paint: Paint): string {
  const l = ev.line;
  switch (ev.type) {
    case 'drop': {
      const reason = paint(String(l.reason ?? 'NOT_SPECIFIED'), 'red');
      const where = typeof l.location === 'string' ? (l.origin === 'hubble' ? `, ${l.location}` : ` at ${l.location}`) : '';
      const by = policies(l);
      return `${reason}${where}${by ? `; ${by}` : ''}`;
    }
    case 'dns': {
      const parts = [String(l.qname ?? '?'), String(l.qtype ?? '')].filter(Boolean);
      if (l.qr === 'response') {
        const rcode = String(l.rcode ?? '');
        if (rcode) parts.push(rcode === 'NOERROR' ? rcode : paint(rcode, 'yellow'));
        const answers = Array.isArray(l.answers)
          ? l.answers.map((a) => (typeof a === 'string' ? a : String((a as { data?: unknown }).data ?? ''))).filter(Boolean)
          : [];
        if (answers.length > 0) parts.push(answers.join(','));
        if (typeof l.latencyNs === 'number') parts.push(`${(l.latencyNs / 1e6).toFixed(2)} ms`);
      }
      return parts.join(' ');
    }
    case 'tcp': {
      const event = String(l.event ?? '?');
      const parts = [problemTcp.has(event) ? paint(event, 'yellow') : event];
      if (typeof l.errno === 'string') parts.push(`(${l.errno})`);
      if (typeof l.role === 'string') parts.push(l.role);
      const by = policies(l);
      return parts.join(' ') + (by ? `; ${by}` : '');
    }
    case 'http': {
      // As hubble observe shows an L7 flow: the request, its status, the latency, whose socket.
      if (l.encrypted === true) return `TLS (encrypted, not decoded) ${scalar(l.role) ?? ''}`.trim();
      const request = httpRequestText(l, { unseen: 'request not seen', host: false });
      const status = typeof l.status === 'number' ? l.status : 0;
      const parts = [request, '→', status >= 400 ? paint(String(status), status >= 500 ? 'red' : 'yellow') : String(status)];
      if (typeof l.latencyNs === 'number') parts.push(`${(l.latencyNs / 1e6).toFixed(2)} ms`);
      if (typeof l.role === 'string') parts.push(l.role);
      return parts.join(' ');
    }
    case 'rule': {
      // The netfilter rule that dropped or rejected the packet, where it is and its comment
      // (kube-router's and kube-proxy's name the pod, policy or Service), as `iptables -L` shows it.
      const comment = typeof l.comment === 'string' && l.comment ? `: ${l.comment}` : '';
      return `${paint(String(l.verdict ?? '?'), 'red')} by ${ruleLocation(l as unknown as RuleRecord)}${comment}`;
    }
    default:
      return Object.entries(l)
        .filter(([k]) => !common.has(k))
        .flatMap(([k, v]) => {
          const s = scalar(v);
          return s === undefined ? [] : [`${k}=${s}`];
        })
        .join(' ');
  }
}

function verdictText(v: string, paint: Paint): string {
  return v === 'DROPPED' ? paint(v, 'red') : v === 'FORWARDED' ? paint(v, 'green') : paint(v, 'yellow');
}

/** One line: `TIME [NODE:] SRC -> DST TYPE VERDICT (SUMMARY)`. */
export function compactLine(ev: ObservedEvent, o: { paint?: Paint; node?: boolean } = {}): string {
  const paint = o.paint ?? plain;
  const node = o.node && ev.node ? ` ${ev.node}:` : '';
  const summary = summaryText(ev, paint);
  return `${timeText(ev.ts)}${node} ${sourceText(ev)} -> ${destinationText(ev)} ${typeText(ev)} ${verdictText(ev.verdict, paint)}${summary ? ` (${summary})` : ''}`;
}

export const tableHeader = ['TIME', 'NODE', 'SOURCE', 'DESTINATION', 'TYPE', 'VERDICT', 'SUMMARY'];

/** The cells of a table row (uncoloured: widths are counted on them). */
export function tableRow(ev: ObservedEvent): string[] {
  return [timeText(ev.ts), ev.node ?? '', sourceText(ev), destinationText(ev), typeText(ev), ev.verdict, summaryText(ev)];
}

/** One object per line: the event as the recording holds it (`{v, type, ts, node, …, identities}`). */
export function jsonLine(ev: ObservedEvent): string {
  // An imported Hubble flow keeps its time on the record, not in the line: given here as every agent line has it.
  return JSON.stringify(typeof ev.line.ts === 'number' ? ev.line : { ts: ev.ts, ...ev.line });
}
