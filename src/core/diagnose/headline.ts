/**
 * A finding's headline: one line a colleague would write, with short names —
 * `frontend → backend:8080 denied by lab-deny-ingress/deny-backend-ingress`. The finding's
 * summary stays the details under it, and the evidence names the pods in full.
 */
import { directionJsonSchema } from '../policy/explain.js';
import type { Diagnosis, FindingKind } from './types.js';

/**
 * What the headline reads of a finding: its kind (a string where an answer comes over the API,
 * which keeps kinds it does not know) and the policy verdicts among its evidence.
 */
export interface HeadlineFinding {
  kind: string;
  /** A warning is a partial failure (some of the HTTP requests, say), not the whole connection. */
  severity?: string;
  evidence: ReadonlyArray<{ type: string; policy?: unknown; table?: unknown; chain?: unknown; node?: unknown }>;
}

/** The first rule evidence as `table/chain on node`, when the finding has one. */
function ruleWhere(f: HeadlineFinding): string | undefined {
  const r = f.evidence.find((e) => e.type === 'rule' && typeof e.table === 'string' && typeof e.chain === 'string');
  if (!r) return undefined;
  return `${String(r.table)}/${String(r.chain)}${typeof r.node === 'string' ? ` on ${r.node}` : ''}`;
}

/** `ns/deploy/frontend` → `frontend`; `ns/frontend-789bdb595-8m99k` → `frontend`; an IP or a DNS name stays. */
export function shortName(ref: string): string {
  const parts = ref.split('/');
  const name = parts[parts.length - 1] ?? ref;
  if (parts.length === 1) return name;
  // A pod name: its ReplicaSet's hash and its own suffix (Deployment pods), or a suffix alone (DaemonSet, Job).
  return name.replace(/-[a-z0-9]{6,10}-[a-z0-9]{5}$/, '').replace(/-[a-z0-9]{5}$/, '');
}

/** B as short as the question allows, with the port when the question had one: `backend:8080`. */
function shortTarget(d: Pick<Diagnosis, 'query'>): string {
  const { to, port } = d.query;
  const hasPort = /:\d+$/.test(to);
  const host = hasPort ? to.replace(/:\d+$/, '') : to;
  const short = host.includes('/') ? shortName(host) : host;
  const p = hasPort ? to.slice(to.lastIndexOf(':') + 1) : port !== undefined ? String(port) : '';
  return p ? `${short}:${p}` : short;
}

const ref = (p: { namespace?: string; name: string }) => (p.namespace ? `${p.namespace}/${p.name}` : p.name);

/** The policies that deny, from the finding's policy evidence (in the order they decided). */
function denyingPolicies(f: HeadlineFinding): string[] {
  const out = new Set<string>();
  for (const e of f.evidence) {
    const parsed = e.type === 'policy' ? directionJsonSchema.safeParse(e.policy) : undefined;
    const dir = parsed?.success ? parsed.data : undefined;
    if (!dir || dir.allowed) continue;
    for (const dec of dir.decisions) {
      if (dec.verdict !== 'deny') continue;
      if (dec.reason === 'rule') for (const r of dec.rules) out.add(ref(r.policy));
      else if (dec.reason === 'isolated') for (const p of dec.isolatedBy) out.add(ref(p));
    }
  }
  return [...out];
}

const causes: Record<
  Exclude<
    FindingKind,
    'policy-deny-egress' | 'policy-deny-ingress' | 'admin-policy-deny' | 'dns-blocked-by-policy' | 'reachable' | 'http-server-error' | 'http-client-error'
  >,
  string
> = {
  'dns-nxdomain': 'fails: the name does not resolve (NXDOMAIN)',
  'dns-servfail': 'fails: DNS answers SERVFAIL',
  'dns-timeout': 'fails: DNS lookups time out',
  'service-not-found': 'fails: no such Service',
  'service-port-mismatch': 'fails: the Service has no such port',
  'service-no-endpoints': 'fails: the Service has no endpoints',
  'endpoints-not-ready': 'fails: no endpoint of the Service is ready',
  'selector-mismatch': "fails: the Service's selector matches no pod",
  'target-port-not-listening': "fails: the Service's target port is not declared by its pods",
  'named-port-missing': "fails: the Service's named target port is missing on its pods",
  'connection-refused': 'fails: connections refused',
  'connection-timeout': 'fails: connections time out',
  'packet-dropped': 'fails: packets dropped',
  'rule-drop': 'fails: packets dropped by a netfilter rule no policy explains',
  'http-slow': 'is slow: HTTP answers above the latency limit',
};

/** One line: `A → B` and what happens to it, with short names. */
export function findingHeadline(f: HeadlineFinding, d: Pick<Diagnosis, 'query'>): string {
  const conn = `${shortName(d.query.from)} → ${shortTarget(d)}`;
  const by = denyingPolicies(f);
  const byText = by.length ? ` by ${by.join(', ')}` : '';
  switch (f.kind) {
    case 'reachable':
      return `${conn} reachable`;
    case 'policy-deny-egress':
      return `${conn} denied${byText}${by.length ? '' : ' by an egress policy'}`;
    case 'policy-deny-ingress':
      return `${conn} denied${byText}${by.length ? '' : ' by an ingress policy'}`;
    case 'admin-policy-deny':
      return `${conn} denied${byText} (admin tier)`;
    case 'dns-blocked-by-policy':
      return `${conn} fails: DNS lookups denied${byText}`;
    case 'http-server-error':
      return f.severity === 'warning' ? `${conn} partly fails: some HTTP requests answered 5xx` : `${conn} fails: the server answers HTTP 5xx`;
    case 'http-client-error':
      return f.severity === 'warning' ? `${conn} partly refused: some HTTP requests answered 4xx` : `${conn} refused by the server: HTTP 4xx`;
    case 'rule-drop': {
      const where = ruleWhere(f);
      return where ? `${conn} dropped by rule ${where}, which no policy explains` : `${conn} ${causes['rule-drop']}`;
    }
    default:
      return `${conn} ${causes[f.kind as keyof typeof causes] ?? `fails: ${f.kind}`}`;
  }
}
