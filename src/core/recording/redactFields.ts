/**
 * What `pathlight redact` may leave as it is: an allow-list. Every string a recording got from
 * the cluster (objects, watch changes, probe lines, the question, the session's metadata) is
 * replaced by a pseudonym unless it is one of these:
 *
 * - the value of a vocabulary field: an enum of Kubernetes or of Pathlight (`kind`, `phase`,
 *   `protocol`, `reason`, condition `type`/`status`, a policy's `action`, a drop reason, a
 *   kernel symbol, a probe's state…), as long as it is one token;
 * - a shape that names nothing: a timestamp, a UID, a number or quantity, `true`/`false`;
 * - a built-in name (`default`, `kube-system`, `kubernetes`, `kube-dns`, `coredns`, …) or a
 *   well-known protocol/port name (`http`, `dns-tcp`, `metrics`, …);
 * - a field name or map key (label and annotation keys included), except where a key is
 *   itself a name (the agents of a recording by node);
 * - an IP address or CIDR, which gets its own keyed mapping instead.
 *
 * Everything else — names of namespaces, pods, workloads, Services, nodes, policies and their
 * rules, containers, ports, images and registries, DNS labels, annotation values, paths,
 * IDs — becomes a pseudonym, the same one wherever the same string appears, so references
 * (selectors, named ports, owners) still resolve and a replay gives the same answers.
 */

/** Pseudonym categories, strongest first: a name seen as both a Service and a label value is a Service. */
export const categories = [
  'ns',
  'node',
  'svc',
  'pod',
  'wl',
  'policy',
  'rule',
  'slice',
  'obj',
  'cluster',
  'context',
  'host',
  'container',
  'label',
  'image',
  'registry',
  'port',
  'dns',
  'value',
] as const;
export type Category = (typeof categories)[number];

/** The category of an object's name by its kind. */
export const kindCategory: Record<string, Category> = {
  Namespace: 'ns',
  Node: 'node',
  Service: 'svc',
  Pod: 'pod',
  Deployment: 'wl',
  ReplicaSet: 'wl',
  StatefulSet: 'wl',
  DaemonSet: 'wl',
  Job: 'wl',
  CronJob: 'wl',
  EndpointSlice: 'slice',
  NetworkPolicy: 'policy',
  AdminNetworkPolicy: 'policy',
  BaselineAdminNetworkPolicy: 'policy',
  ClusterNetworkPolicy: 'policy',
  CiliumNetworkPolicy: 'policy',
  CiliumClusterwideNetworkPolicy: 'policy',
  pod: 'pod',
  service: 'svc',
  node: 'node',
};

/**
 * Names that identify no one and that people look for (kept as they are): Kubernetes' own
 * namespaces and objects, the cluster DNS and its zone.
 */
export const builtIn = new Set([
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'kubernetes',
  'kube-dns',
  'coredns',
  'kube-proxy',
  'cluster.local',
  'svc',
  'true',
  'false',
]);

/** DNS labels that are structure, not names: the Service zone's and the public suffixes. */
export const keptDnsLabels = new Set(['svc', 'cluster', 'local', 'pod', 'com', 'net', 'org', 'io', 'dev', 'internal', 'arpa', 'in-addr', 'ip6', '*', '']);

/** Well-known service (port) names, IANA-style: protocol names, not anyone's. */
export const keptPortNames = new Set([
  'http',
  'https',
  'http2',
  'h2c',
  'grpc',
  'grpcs',
  'dns',
  'dns-tcp',
  'dns-udp',
  'domain',
  'metrics',
  'health',
  'healthz',
  'readiness',
  'liveness',
  'tcp',
  'udp',
  'sctp',
  'web',
  'api',
  'admin',
  'ssh',
  'ftp',
  'smtp',
  'imap',
  'pop3',
  'ldap',
  'ldaps',
  'ntp',
  'snmp',
  'syslog',
  'mysql',
  'postgres',
  'postgresql',
  'redis',
  'mongodb',
  'memcached',
  'amqp',
  'kafka',
  'nats',
  'mqtt',
  'etcd',
  'zookeeper',
  'elasticsearch',
]);

/**
 * Fields whose strings are the product's or Kubernetes' vocabulary, never a name: a hop
 * `backend` or a finding kind stays as it is even when a Service is called `backend`.
 * (Also the fields of a diagnosis that stay in recorded answers.)
 */
export const vocabularyKeys = new Set([
  // Pathlight: diagnosis and probe lines (an HTTP exchange's method too).
  'method',
  'kind',
  'type',
  'hop',
  'verdict',
  'severity',
  'confidence',
  'source',
  'protocol',
  'proto',
  'reason',
  'event',
  'state',
  'errno',
  'operator',
  'apiVersion',
  'phase',
  'qr',
  'dir',
  'qtype',
  'rcode',
  'findings',
  'direction',
  'tier',
  'role',
  'location',
  'kernel',
  'arch',
  'version',
  'attach',
  'appVersion',
  'created',
  'field',
  'rule',
  'probe',
  // Netfilter rule lines: the table's family and how the rule's text is written.
  'tableFamily',
  'syntax',
  // Kubernetes enums and field paths.
  'status',
  'action',
  'effect',
  'policyTypes',
  'ipFamilies',
  'ipFamilyPolicy',
  'sessionAffinity',
  'internalTrafficPolicy',
  'externalTrafficPolicy',
  'dnsPolicy',
  'restartPolicy',
  'imagePullPolicy',
  'terminationMessagePolicy',
  'qosClass',
  'preemptionPolicy',
  'addressType',
  'mountPropagation',
  'recursiveReadOnly',
  'appProtocol',
  'fieldPath',
  'resource',
  'scheme',
  'conditionType',
  'toEntities',
  'fromEntities',
  'architecture',
  'operatingSystem',
  'kernelVersion',
  'containerRuntimeVersion',
  'kubeletVersion',
  'kubeProxyVersion',
  'osImage',
  'unit',
  // Label keys where they are values (keys stay, as everywhere).
  'key',
  'sameLabels',
  'notSameLabels',
  'topologyKey',
]);

/**
 * Free text: names and addresses inside are replaced, the words stay. A netfilter rule's
 * table, chain, jump target and comment are text too: the rule mappers (src/core/rules) read
 * their words (`KUBE-POD-FW-…`, kube-router's "rule to REJECT traffic destined for POD
 * name:P namespace: NS", "run through nw policy NAME"), and the names in them must become the
 * same pseudonyms as the objects they name, so a redacted recording attributes its rules alike.
 * An HTTP exchange's `host` (`backend:8080`) and `path` are text for the same reason: the
 * Service named in a Host header is the one a question names (`--to backend:8080`).
 */
export const textKeys = new Set([
  'message',
  'text',
  'summary',
  'description',
  'detail',
  'note',
  'explanation',
  'comment',
  'table',
  'chain',
  'target',
  'host',
  'path',
]);

/** Fields holding DNS names: each label is a name of its own (`backend.shop.svc.cluster.local`). */
export const dnsKeys = new Set(['qname', 'externalName', 'searches', 'matchName', 'matchPattern', 'domainNames', 'zone', 'cname']);

/** How a string of the cluster is treated, by its field and the field around it. */
export type FieldClass = { keep: true } | { text: true } | { dns: true } | { category: Category };

const containerLists = new Set([
  'containers',
  'initContainers',
  'ephemeralContainers',
  'containerStatuses',
  'initContainerStatuses',
  'ephemeralContainerStatuses',
]);

/**
 * The class of a string at `key` inside `parent` (the key of the object or list around it).
 * `kind`: for a `name`, the kind of what it names (a reference's `kind`, or the object whose
 * metadata this is).
 */
export function fieldClass(key: string, parent: string | undefined, kind: string | undefined): FieldClass {
  if (vocabularyKeys.has(key)) return { keep: true };
  if (textKeys.has(key)) return { text: true };
  if (parent === 'answers' && (key === 'name' || key === 'data')) return { dns: true };
  if (dnsKeys.has(key)) return { dns: true };
  switch (key) {
    case 'name':
      if (parent && containerLists.has(parent)) return { category: 'container' };
      if (parent === 'ports') return { category: 'port' };
      if (parent === 'ingress' || parent === 'egress') return { category: 'rule' };
      // dnsConfig options (`ndots`), the agent's probes (`drops`), env variable names: vocabulary or keys.
      if (parent === 'options' || parent === 'probes' || parent === 'env') return { keep: true };
      if (parent === 'secretKeyRef' || parent === 'configMapKeyRef' || parent === 'secret' || parent === 'configMap') return { category: 'obj' };
      return { category: (kind ? kindCategory[kind] : undefined) ?? 'obj' };
    case 'namespace':
      return { category: 'ns' };
    case 'node':
    case 'nodeName':
      return { category: 'node' };
    case 'hostname':
    case 'subdomain':
      return { category: 'host' };
    case 'serviceName':
      return { category: 'svc' };
    case 'generateName':
      return { category: 'wl' };
    case 'image':
    case 'imageID':
      return { category: 'image' };
    case 'port':
    case 'targetPort':
    case 'namedPort':
      return { category: 'port' };
    default:
      return { category: 'value' };
  }
}

/** One token, as vocabulary is (`NETFILTER_DROP`, `networking.k8s.io/v1`, `nft_do_chain+0x3c4`). */
export const vocabularyShape = /^[A-Za-z0-9][\w.:/+-]{0,127}$/;

/** Strings that name nothing: timestamps, UIDs, numbers and quantities. */
export const harmlessShape =
  /^(?:\d{4}-\d\d-\d\d(?:[T ][\d:.]+)?(?:Z|[+-]\d\d:?\d\d)?|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?:m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|n|u|s|ms|h)?|true|false|True|False|Unknown)$/;

/**
 * The kind a nested value inherits (for the names in its metadata): an object's own `kind`,
 * the kind of a watch change for its `object`, the key of a snapshot's `objects` map.
 */
export function childKind(v: Record<string, unknown>, key: string | undefined, child: string, kind: string | undefined): string | undefined {
  const own = typeof v.kind === 'string' ? v.kind : kind;
  if (child === 'metadata' || child === 'object') return own;
  if (key === 'objects') return child;
  return undefined;
}

/** The kind a `name` beside other fields names: the object's own `kind` (a reference), or the object whose metadata holds it. */
export function nameKind(v: Record<string, unknown>, key: string | undefined, kind: string | undefined): string | undefined {
  return typeof v.kind === 'string' ? v.kind : key === 'metadata' ? kind : undefined;
}
