/**
 * Policy-engine test helpers: the upstream NetworkPolicy e2e model (namespaces x, y, z × pods
 * a, b, c, each serving 80 and 81 on TCP, UDP and SCTP with named ports `serve-80-tcp`…),
 * verdicts, and a fix applied independently of the engine. The objects come from the shared
 * builders in ./objects.ts.
 */
import { policy } from '../../src/core/index.js';
import { makeNamespace, makePod } from './objects.js';

type Obj = Record<string, unknown>;

export const NAMESPACES = ['x', 'y', 'z'] as const;
export const PODS = ['a', 'b', 'c'] as const;

/** Container ports of every e2e pod: 80 and 81 on TCP, UDP, SCTP, named `serve-<port>-<proto>`. */
export const E2E_PORTS = [80, 81].flatMap((port) =>
  ['TCP', 'UDP', 'SCTP'].map((protocol) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, containerPort: port, protocol })),
);

/** IP of pod p in namespace ns in the e2e model: 10.0.<ns index+1>.<pod index+1>. */
export function e2eIP(ns: string, pod: string): string {
  return `10.0.${NAMESPACES.indexOf(ns as 'x') + 1}.${PODS.indexOf(pod as 'a') + 1}`;
}

/** The upstream e2e cluster: namespaces labelled `ns: <name>`, pods labelled `pod: <name>`. */
export function xyzCluster(): Obj[] {
  const out: Obj[] = [];
  for (const ns of NAMESPACES) {
    out.push(makeNamespace(ns, { ns }));
    for (const p of PODS) out.push(makePod(ns, p, { labels: { pod: p }, ports: E2E_PORTS, ip: e2eIP(ns, p) }));
  }
  return out;
}

export function index(objects: Obj[]): policy.PolicyIndex {
  return policy.indexFromObjects(objects);
}

/** Verdict of one check; throws on an engine error so a typo fails the test loudly. */
export function verdict(idx: policy.PolicyIndex, from: string, to: string, port: string): 'allowed' | 'denied' {
  const r = policy.checkConnection(idx, { from, to, port });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.verdict;
}

export function check(idx: policy.PolicyIndex, from: string, to: string, port: string): policy.CheckResult {
  const r = policy.checkConnection(idx, { from, to, port });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** The `ns/pod→ns/pod` pairs of the x/y/z × a/b/c model, self-connections excluded, that `keep` accepts. */
function pairsWhere(keep: (src: string, dst: string) => boolean): Set<string> {
  const out = new Set<string>();
  for (const sn of NAMESPACES)
    for (const sp of PODS)
      for (const dn of NAMESPACES)
        for (const dp of PODS) {
          if (sn === dn && sp === dp) continue;
          if (keep(`${sn}/${sp}`, `${dn}/${dp}`)) out.add(`${sn}/${sp}→${dn}/${dp}`);
        }
  return out;
}

/**
 * The e2e reachability table for one port: the set of `ns/pod→ns/pod` pairs that are allowed
 * (self-connections excluded, as the matrix excludes them).
 */
export function reachable(idx: policy.PolicyIndex, port: string): Set<string> {
  return pairsWhere((src, dst) => verdict(idx, src, dst, port) === 'allowed');
}

/** Every pair but those `deny` says are denied. */
export function allPairsExcept(deny: (src: string, dst: string) => boolean): Set<string> {
  return pairsWhere((src, dst) => !deny(src, dst));
}

/** Applies a suggested fix to the objects independently of the engine (new policy or JSON patch). */
export function applyFix(objects: Obj[], fix: policy.FixSuggestion): Obj[] {
  let out = objects.map((o) => JSON.parse(JSON.stringify(o)) as Obj);
  for (const c of fix.changes) {
    if (c.kind === 'new-policy') out = [...out, c.manifest as Obj];
    else {
      const t = c.target!;
      const obj = out.find(
        (o) => o.kind === t.kind && (o.metadata as Obj).name === t.name && (t.namespace === undefined || (o.metadata as Obj).namespace === t.namespace),
      );
      if (!obj) throw new Error(`fix target ${t.kind} ${t.name} not found`);
      for (const op of c.jsonPatch ?? []) applyOp(obj, op);
    }
  }
  return out;
}

function applyOp(obj: Obj, op: { op: 'add' | 'remove'; path: string; value?: unknown }): void {
  const parts = op.path.split('/').slice(1);
  const last = parts.pop()!;
  let cur: unknown = obj;
  for (const p of parts) {
    const c = cur as Record<string, unknown>;
    if (c[p] === undefined) c[p] = [];
    cur = c[p];
  }
  if (Array.isArray(cur)) {
    if (op.op === 'add') cur.splice(last === '-' ? cur.length : Number(last), 0, op.value);
    else cur.splice(Number(last), 1);
  } else if (op.op === 'add') (cur as Obj)[last] = op.value;
  else delete (cur as Obj)[last];
}
