/**
 * What `pathlight observe` lists: every probe event of a recording, a Hubble flows file or a live
 * agent, with the identities of both ends and a Hubble-style verdict, so the filters
 * (filters.ts) and the formats (format.ts) read one shape whatever the source.
 *
 * The verdict follows Hubble's meaning where the source has none: an agent's `drop` is DROPPED
 * (the kernel freed the packet), and so is its `rule` (the netfilter rule that dropped or
 * rejected a packet; its own verdict stays in the line), every other agent event FORWARDED (the packet went on: a
 * refused connection's reset, a DNS answer, NXDOMAIN included, were delivered). An imported
 * Hubble flow keeps its own verdict (FORWARDED, DROPPED, ERROR, AUDIT, …).
 */
import ipaddr from 'ipaddr.js';
import type { EventIdentities, Identity, ProcIdentity } from '../cluster/identity.js';

/** Agent lines that are not events: its start, statistics, errors, end, filter changes. */
export const agentLineTypes: ReadonlySet<string> = new Set(['hello', 'stats', 'bye', 'error', 'filters']);

/**
 * The event kinds `--type` accepts: the agent's probes (drop, dns, tcp; rule, http, proc as
 * they are added to the agent), `test` (an active test's steps) and `flow` (a Hubble flow that
 * is neither a drop, DNS nor a reset). Any other kind a newer agent sends is still listed,
 * printed generically.
 */
export const eventTypes = ['drop', 'dns', 'tcp', 'rule', 'http', 'proc', 'flow', 'test'] as const;

/** Hubble's verdicts (flow.Verdict), as `--verdict` takes them. */
export const verdicts = ['FORWARDED', 'DROPPED', 'ERROR', 'AUDIT', 'REDIRECTED', 'TRACED', 'TRANSLATED'] as const;

export interface ObservedEvent {
  /** ns since the Unix epoch. */
  ts: number;
  type: string;
  node?: string | undefined;
  verdict: string;
  proto?: string | undefined;
  src?: string | undefined;
  dst?: string | undefined;
  sport?: number | undefined;
  dport?: number | undefined;
  /** Who held each address at the event's time (undefined: nobody known). */
  from?: Identity | undefined;
  to?: Identity | undefined;
  /** The line as the source gave it, `identities` filled in where they were resolved. */
  line: Record<string, unknown>;
}

/** Who held an address at a time: the replay's or the live snapshot's IdentityIndex. */
export interface IdentityLookup {
  at(ip: string, ts: number): Identity | undefined;
  /** The pod and container of an event's process (`proc`), when the lookup knows pods' uids and container ids. */
  process?(proc: { podUid?: string; containerId?: string }): ProcIdentity | undefined;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

const isProc = (v: unknown): v is { podUid?: string; containerId?: string } => typeof v === 'object' && v !== null;

/** Whether an agent or imported line is an event to list (not the agent's own lifecycle). */
export function isEventLine(line: Record<string, unknown>): boolean {
  return typeof line.type === 'string' && !agentLineTypes.has(line.type);
}

/** A Hubble endpoint (`source`/`destination` of an imported flow) as an identity. */
function hubbleEndpoint(v: unknown): Identity | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const e = v as { namespace?: unknown; pod?: unknown };
  const name = str(e.pod);
  return name ? { kind: 'pod', name, ...(str(e.namespace) ? { namespace: str(e.namespace) } : {}) } : undefined;
}

function hubbleService(v: unknown): Identity | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const s = v as { name?: unknown; namespace?: unknown };
  const name = str(s.name);
  return name ? { kind: 'service', name, ...(str(s.namespace) ? { namespace: str(s.namespace) } : {}) } : undefined;
}

function verdictOf(line: Record<string, unknown>): string {
  // A netfilter rule line's own verdict is the rule's (drop, reject): the packet was dropped,
  // as Hubble says of a packet a policy denied, so `--verdict DROPPED` finds it beside its drop.
  if (line.type === 'rule') return 'DROPPED';
  const own = str(line.verdict);
  if (own) return own.toUpperCase();
  if (line.type === 'drop') return 'DROPPED';
  if (line.type === 'test' && line.outcome === 'error') return 'ERROR';
  return 'FORWARDED';
}

/**
 * The event of one line. Each end's identity: the one recorded with the line, else the Hubble
 * endpoint of an imported flow (its pod; the Service for a destination without one), else who
 * held the address then in `lookup` (the recording's snapshot and watch changes, or the live
 * snapshot). Undefined for the agent's lifecycle lines.
 */
export function observedEvent(line: Record<string, unknown>, ts: number, lookup?: IdentityLookup): ObservedEvent | undefined {
  if (!isEventLine(line)) return undefined;
  const src = str(line.src);
  const dst = str(line.dst);
  const recorded = (line.identities ?? {}) as EventIdentities;
  const from = recorded.src ?? hubbleEndpoint(line.source) ?? (src && lookup ? lookup.at(src, ts) : undefined);
  const to = recorded.dst ?? hubbleEndpoint(line.destination) ?? hubbleService(line.destinationService) ?? (dst && lookup ? lookup.at(dst, ts) : undefined);
  const proc = recorded.proc ?? (isProc(line.proc) && lookup?.process ? lookup.process(line.proc) : undefined);
  const filled =
    (from && !recorded.src) || (to && !recorded.dst) || (proc && !recorded.proc)
      ? { ...line, identities: { ...recorded, ...(from ? { src: from } : {}), ...(to ? { dst: to } : {}), ...(proc ? { proc } : {}) } }
      : line;
  return {
    ts,
    type: line.type as string,
    node: str(line.node),
    verdict: verdictOf(line),
    proto: str(line.proto)?.toLowerCase(),
    src,
    dst,
    sport: num(line.sport),
    dport: num(line.dport),
    from,
    to,
    line: filled,
  };
}

/** One spelling per address (`::ffff:10.0.0.1` is `10.0.0.1`), as the identity index keeps them. */
export function canonicalIp(ip: string): string {
  return ipaddr.isValid(ip) ? ipaddr.process(ip).toString() : ip;
}
