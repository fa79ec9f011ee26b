/**
 * What a policy change would do to the traffic a recording saw: the proposed policy objects
 * replace the recorded ones of the same kind, namespace and name, or are added; every observed
 * flow is judged before and after, and those whose verdict changes are listed — newly denied
 * with what denies them and how often the flow was seen, newly allowed.
 */
import type { ManifestObject } from './manifests.js';
import { POLICY_KINDS, PolicyIndex, isPolicyObject } from './policyIndex.js';
import { evaluatePair } from './evaluate.js';
import { isEmpty, single } from './ports.js';
import { denials, flowEndpoint, type Denial } from './advise.js';
import type { ObservedFlow } from './observed.js';
import { isObj, type Obj } from './issues.js';

export interface FlowChange {
  flow: ObservedFlow;
  /** The flow was only tried (never seen to get through): the recorded policies denied it, the proposal would not. */
  attempted?: boolean;
  /** For a newly denied flow: what denies it. */
  deniedBy: Denial[];
}

export interface Impact {
  /** Recorded policies the proposal replaces, and the ones it adds (`Kind ns/name`). */
  replaced: string[];
  added: string[];
  /** Objects of the proposal that are not policies (the recorded workloads stand). */
  ignored: number;
  flows: number;
  newlyDenied: FlowChange[];
  newlyAllowed: FlowChange[];
  /** Observed flows the recorded policies already deny and the proposal still does. */
  stillDenied: number;
}

/** `Kind ns/name`; a namespaced policy without a namespace is the default namespace's, as kubectl apply would have it. */
const identity = (o: Obj) => {
  const m = isObj(o.metadata) ? o.metadata : {};
  const ns = typeof m.namespace === 'string' && m.namespace ? m.namespace : POLICY_KINDS[String(o.kind)]?.namespaced ? 'default' : '';
  return `${String(o.kind)} ${ns ? `${ns}/` : ''}${String(m.name ?? '')}`;
};

/** The recorded index with the proposal's policies in place (replacing same-named ones). */
export function proposedIndex(
  recorded: PolicyIndex,
  proposal: readonly ManifestObject[],
): { index: PolicyIndex; replaced: string[]; added: string[]; ignored: number } {
  const incoming = proposal.filter((mo) => isPolicyObject(mo.obj));
  const names = new Set(incoming.map((mo) => identity(mo.obj)));
  const replaced: string[] = [];
  const kept = recorded.objects.filter((mo) => {
    if (!isPolicyObject(mo.obj)) return true;
    const id = identity(mo.obj);
    if (!names.has(id)) return true;
    replaced.push(id);
    return false;
  });
  const added = [...names].filter((n) => !replaced.includes(n));
  const index = new PolicyIndex([...kept, ...incoming], [], recorded);
  return { index, replaced: replaced.sort(), added: added.sort(), ignored: proposal.length - incoming.length };
}

const allowedIn = (index: PolicyIndex, f: ObservedFlow) => {
  const src = flowEndpoint(index, f.from);
  const dst = flowEndpoint(index, f.to);
  if (!src || !dst) return null;
  return evaluatePair(index, src, dst, single(f.protocol, f.port));
};

/**
 * `attempts`: flows tried but never seen to get through; one the recorded policies deny and the
 * proposal would allow is listed as newly allowed (a fix working), never as newly denied (it did
 * not work before either).
 */
export function policyImpact(
  recorded: PolicyIndex,
  proposal: readonly ManifestObject[],
  flows: readonly ObservedFlow[],
  attempts: readonly ObservedFlow[] = [],
): Impact & { index: PolicyIndex } {
  const { index, replaced, added, ignored } = proposedIndex(recorded, proposal);
  const newlyDenied: FlowChange[] = [];
  const newlyAllowed: FlowChange[] = [];
  let stillDenied = 0;
  for (const f of flows) {
    const before = allowedIn(recorded, f);
    const after = allowedIn(index, f);
    if (!before || !after) continue;
    const was = !isEmpty(before.allowed);
    const is = !isEmpty(after.allowed);
    if (was && !is) newlyDenied.push({ flow: f, deniedBy: denials(after) });
    else if (!was && is) newlyAllowed.push({ flow: f, deniedBy: [] });
    else if (!was && !is) stillDenied++;
  }
  for (const f of attempts) {
    const before = allowedIn(recorded, f);
    const after = allowedIn(index, f);
    if (before && after && isEmpty(before.allowed) && !isEmpty(after.allowed)) newlyAllowed.push({ flow: f, attempted: true, deniedBy: [] });
  }
  return { index, replaced, added, ignored, flows: flows.length, newlyDenied, newlyAllowed, stillDenied };
}
