/**
 * The fields each policy kind has, so that a misspelt one (`podSelectr`, `ingres`) is reported
 * instead of silently read as absent — which can turn an intended allow into a deny-all. The
 * compilers read only the fields they know; this walk is the one place that looks at the rest.
 * Shapes follow the APIs: networking.k8s.io/v1 NetworkPolicy, policy.networking.k8s.io
 * v1alpha1 (Baseline)AdminNetworkPolicy and v1alpha2 ClusterNetworkPolicy, cilium.io/v2
 * Cilium(Clusterwide)NetworkPolicy (as far as this engine reads them: L7 bodies are not walked).
 */
import { closest, distance } from 'fastest-levenshtein';
import { isObj, type Issues } from './issues.js';

/** An object with these fields; `ANY` is a field whose content is not checked; `[shape]` a list of them. */
type Shape = { readonly [field: string]: Field };
type Field = Shape | readonly [Shape] | typeof ANY;
const ANY = 'any' as const;

const META: Shape = {
  name: ANY,
  namespace: ANY,
  labels: ANY,
  annotations: ANY,
  uid: ANY,
  resourceVersion: ANY,
  generation: ANY,
  generateName: ANY,
  creationTimestamp: ANY,
  deletionTimestamp: ANY,
  deletionGracePeriodSeconds: ANY,
  ownerReferences: ANY,
  finalizers: ANY,
  managedFields: ANY,
  selfLink: ANY,
};

const top = (spec: Shape, extra: Shape = {}): Shape => ({ apiVersion: ANY, kind: ANY, metadata: META, spec, status: ANY, ...extra });

const SELECTOR: Shape = { matchLabels: ANY, matchExpressions: [{ key: ANY, operator: ANY, values: ANY }] };

// NetworkPolicy
const NP_PEER: Shape = { podSelector: SELECTOR, namespaceSelector: SELECTOR, ipBlock: { cidr: ANY, except: ANY } };
const NP_PORT: Shape = { protocol: ANY, port: ANY, endPort: ANY };
const NETWORK_POLICY = top({
  podSelector: SELECTOR,
  policyTypes: ANY,
  ingress: [{ from: [NP_PEER], ports: [NP_PORT] }],
  egress: [{ to: [NP_PEER], ports: [NP_PORT] }],
});

// Admin tiers
const NAMESPACES: Shape = { ...SELECTOR, namespaceSelector: SELECTOR, sameLabels: ANY, notSameLabels: ANY };
// `namespaces` is the early v1alpha1 name (test/lab/crds) of what later CRDs call `namespaceSelector`.
const PODS: Shape = { namespaceSelector: NAMESPACES, namespaces: NAMESPACES, podSelector: SELECTOR };
const SUBJECT: Shape = { namespaces: NAMESPACES, pods: PODS };
const INGRESS_PEER: Shape = { namespaces: NAMESPACES, pods: PODS };
const EGRESS_PEER: Shape = { ...INGRESS_PEER, nodes: SELECTOR, networks: ANY, domainNames: ANY };
const ANP_PORT: Shape = { portNumber: { protocol: ANY, port: ANY }, namedPort: ANY, portRange: { protocol: ANY, start: ANY, end: ANY } };
const RANGE: Shape = { start: ANY, end: ANY };
const DESTINATION_PORT: Shape = { number: ANY, range: RANGE, portRange: RANGE };
const PROTOCOL_BODY: Shape = { destinationPort: DESTINATION_PORT, port: DESTINATION_PORT };
const PROTOCOL: Shape = { tcp: PROTOCOL_BODY, udp: PROTOCOL_BODY, sctp: PROTOCOL_BODY, destinationNamedPort: ANY };
const adminRules = (ports: Shape) => ({
  ingress: [{ name: ANY, action: ANY, from: [INGRESS_PEER], ...ports }] as const,
  egress: [{ name: ANY, action: ANY, to: [EGRESS_PEER], ...ports }] as const,
});
// The engine reads the later `protocols` form in (Baseline)AdminNetworkPolicy rules too (anp.ts).
const ANP = top({ priority: ANY, subject: SUBJECT, ...adminRules({ ports: [ANP_PORT], protocols: [PROTOCOL] }) });
const BANP = top({ subject: SUBJECT, ...adminRules({ ports: [ANP_PORT], protocols: [PROTOCOL] }) });
const CNP = top({ tier: ANY, priority: ANY, subject: SUBJECT, ...adminRules({ protocols: [PROTOCOL], ports: [ANP_PORT] }) });

// Cilium
const CIDR_SET: Shape = { cidr: ANY, except: ANY, cidrGroupRef: ANY, cidrGroupSelector: ANY };
const TO_PORTS: Shape = {
  ports: [{ port: ANY, endPort: ANY, protocol: ANY }],
  rules: ANY,
  terminatingTLS: ANY,
  originatingTLS: ANY,
  serverNames: ANY,
  listener: ANY,
};
const CILIUM_COMMON: Shape = { toPorts: [TO_PORTS], icmps: ANY, authentication: ANY };
const CILIUM_INGRESS: Shape = {
  fromEndpoints: [SELECTOR],
  fromRequires: ANY,
  fromCIDR: ANY,
  fromCIDRSet: [CIDR_SET],
  fromEntities: ANY,
  fromGroups: ANY,
  fromNodes: ANY,
  ...CILIUM_COMMON,
};
const CILIUM_EGRESS: Shape = {
  toEndpoints: [SELECTOR],
  toRequires: ANY,
  toCIDR: ANY,
  toCIDRSet: [CIDR_SET],
  toEntities: ANY,
  toGroups: ANY,
  toNodes: ANY,
  toServices: ANY,
  toFQDNs: ANY,
  ...CILIUM_COMMON,
};
const CILIUM_RULE: Shape = {
  endpointSelector: SELECTOR,
  nodeSelector: SELECTOR,
  ingress: [CILIUM_INGRESS],
  ingressDeny: [CILIUM_INGRESS],
  egress: [CILIUM_EGRESS],
  egressDeny: [CILIUM_EGRESS],
  enableDefaultDeny: { ingress: ANY, egress: ANY },
  labels: ANY,
  description: ANY,
  log: ANY,
};
const CILIUM = top(CILIUM_RULE, { specs: [CILIUM_RULE] });

const SHAPES: Record<string, Shape> = {
  NetworkPolicy: NETWORK_POLICY,
  AdminNetworkPolicy: ANP,
  BaselineAdminNetworkPolicy: BANP,
  ClusterNetworkPolicy: CNP,
  CiliumNetworkPolicy: CILIUM,
  CiliumClusterwideNetworkPolicy: CILIUM,
};

/** Warns about every field of a policy object its kind does not have, with the likeliest intended one. */
export function checkFields(kind: string, doc: unknown, issues: Issues): void {
  const shape = SHAPES[kind];
  if (shape) walk(doc, shape, '', issues);
}

function walk(value: unknown, shape: Shape, path: string, issues: Issues): void {
  if (!isObj(value)) return;
  for (const [key, v] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (field === undefined) {
      const hint = suggestion(key, Object.keys(shape));
      issues.warn(at, `unknown field "${key}" ignored${hint ? ` — did you mean "${hint}"?` : ''}`, { atKey: true });
    } else if (Array.isArray(field)) {
      if (Array.isArray(v)) v.forEach((item, i) => walk(item, field[0] as Shape, `${at}[${i}]`, issues));
    } else if (field !== ANY) {
      walk(v, field as Shape, at, issues);
    }
  }
}

/** The known field closest to a misspelling, when it is close enough to be the one meant. */
function suggestion(key: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const lower = key.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase) return sameCase;
  const best = closest(key, known);
  return distance(key, best) <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}
