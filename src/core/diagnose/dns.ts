/**
 * Cluster DNS as a pod sees it, emulated from the objects: the resolv.conf Kubernetes writes
 * for the pod (search `<ns>.svc.<zone> svc.<zone> <zone>`, `ndots:5`, the kube-dns ClusterIP),
 * the order a stub resolver tries the names in, and what CoreDNS's kubernetes plugin answers
 * for each (Service ClusterIP, headless endpoints, pod A records, NXDOMAIN inside the zone).
 * Names outside the zone go upstream: their answer is not knowable from the cluster.
 */
import { distance } from 'fastest-levenshtein';
import type { Cluster, Pod, Service } from './cluster.js';

export interface ResolvConf {
  search: string[];
  ndots: number;
  nameservers: string[];
  /** The pod's dnsPolicy, as it decides the above. */
  policy: string;
  /** False when the pod uses the node's resolver (dnsPolicy Default, or host network without ClusterFirstWithHostNet). */
  cluster: boolean;
}

export type Lookup =
  | { kind: 'service'; fqdn: string; service: Service }
  | { kind: 'endpoint'; fqdn: string; service: Service; hostname: string }
  | { kind: 'pod'; fqdn: string; pod: Pod | undefined; ip: string }
  | { kind: 'nxdomain'; fqdn: string; why: string }
  | { kind: 'external'; fqdn: string };

export interface Resolution {
  name: string;
  /** Every name tried, in order, with its answer, up to the first that exists (or all). */
  tried: Lookup[];
  /** The first answer that is not NXDOMAIN; undefined when every name is NXDOMAIN. */
  answer: Lookup | undefined;
}

/** The cluster DNS Service (kube-system/kube-dns, as kubeadm, kind, EKS, GKE and AKS name it). */
export function dnsService(cluster: Cluster): Service | undefined {
  return cluster.service('kube-system', 'kube-dns') ?? cluster.services.find((s) => s.namespace === 'kube-system' && /(^|-)(kube-dns|coredns)$/.test(s.name));
}

export function resolvConfOf(pod: Pod, cluster: Cluster, zone: string): ResolvConf {
  const ns = dnsService(cluster)?.clusterIPs ?? [];
  const useCluster = pod.dnsPolicy === 'ClusterFirstWithHostNet' || (pod.dnsPolicy === 'ClusterFirst' && !pod.hostNetwork);
  const conf: ResolvConf = useCluster
    ? { search: [`${pod.namespace}.svc.${zone}`, `svc.${zone}`, zone], ndots: 5, nameservers: ns.slice(0, 1), policy: pod.dnsPolicy, cluster: true }
    : { search: [], ndots: 1, nameservers: [], policy: pod.dnsPolicy, cluster: false };
  const extra = pod.dnsConfig;
  if (pod.dnsPolicy === 'None') conf.cluster = false;
  if (extra) {
    if (pod.dnsPolicy === 'None') {
      conf.search = [];
      conf.nameservers = [];
      conf.ndots = 1;
    }
    conf.search.push(...(extra.searches ?? []));
    conf.nameservers.push(...(extra.nameservers ?? []));
    const nd = extra.options?.find((o) => o.name === 'ndots');
    if (nd?.value !== undefined && /^\d+$/.test(nd.value)) conf.ndots = Number(nd.value);
    // dnsPolicy None pointing at the cluster DNS still gets cluster answers.
    if (pod.dnsPolicy === 'None' && conf.nameservers.some((n) => ns.includes(n))) conf.cluster = true;
  }
  return conf;
}

/** The names a stub resolver tries, in order (glibc/musl: absolute first once it has ndots dots). */
export function candidates(name: string, conf: ResolvConf): string[] {
  const n = name.toLowerCase();
  if (n.endsWith('.')) return [n];
  const dots = n.split('.').length - 1;
  const searched = conf.search.map((s) => `${n}.${s}.`);
  return dots >= conf.ndots ? [`${n}.`, ...searched] : [...searched, `${n}.`];
}

/** What CoreDNS's kubernetes plugin answers for one fully qualified name. */
export function lookup(fqdn: string, cluster: Cluster, zone: string): Lookup {
  const suffix = `.${zone}.`;
  if (!fqdn.endsWith(suffix)) return { kind: 'external', fqdn };
  const labels = fqdn.slice(0, -suffix.length).split('.');
  const type = labels.at(-1);
  if (type === 'svc' && (labels.length === 3 || labels.length === 4)) {
    const [ns, svcName] = [labels.at(-2)!, labels.at(-3)!];
    if (!cluster.namespaces.has(ns)) return { kind: 'nxdomain', fqdn, why: `there is no namespace ${ns}` };
    const svc = cluster.service(ns, svcName);
    if (!svc) return { kind: 'nxdomain', fqdn, why: `namespace ${ns} has no Service ${svcName}` };
    if (labels.length === 4) {
      const host = labels[0]!;
      const found = cluster.slicesOf(svc).some((s) => s.endpoints.some((e) => e.hostname === host || e.pod === host));
      return found
        ? { kind: 'endpoint', fqdn, service: svc, hostname: host }
        : { kind: 'nxdomain', fqdn, why: `Service ${ns}/${svcName} has no endpoint named ${host}` };
    }
    return { kind: 'service', fqdn, service: svc };
  }
  if (type === 'pod' && labels.length === 3) {
    const ip = labels[0]!.includes('-') && !labels[0]!.includes(':') ? labels[0]!.replaceAll('-', labels[0]!.split('-').length === 4 ? '.' : ':') : labels[0]!;
    return { kind: 'pod', fqdn, pod: cluster.podByIP(ip), ip };
  }
  return { kind: 'nxdomain', fqdn, why: `${fqdn} is inside the cluster zone ${zone} but is not a Service or pod name` };
}

export function resolve(name: string, conf: ResolvConf, cluster: Cluster, zone: string): Resolution {
  const tried: Lookup[] = [];
  for (const fqdn of candidates(name, conf)) {
    const l = conf.cluster ? lookup(fqdn, cluster, zone) : ({ kind: 'external', fqdn } as const);
    tried.push(l);
    if (l.kind !== 'nxdomain') return { name, tried, answer: l };
  }
  return { name, tried, answer: undefined };
}

/** Top-level domains common enough that `x.<tld>` is an Internet name, not `svc.namespace`. */
const tlds = new Set([
  'com',
  'net',
  'org',
  'io',
  'dev',
  'app',
  'cloud',
  'internal',
  'local',
  'localdomain',
  'lan',
  'home',
  'corp',
  'ai',
  'co',
  'gov',
  'edu',
  'info',
  'biz',
  'me',
  'xyz',
  'tech',
  'online',
  'site',
  'example',
  'test',
  'invalid',
  'localhost',
]);

/**
 * Whether a name is meant for the cluster (`svc`, `svc.ns`, `svc.ns.svc…`): when every
 * cluster candidate is NXDOMAIN, the upstream has no answer for such a name either.
 */
export function clusterShaped(name: string, zone: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n.endsWith(`.${zone}`) || /\.svc(\.|$)/.test(n)) return true;
  const labels = n.split('.');
  if (labels.length === 1) return true;
  if (labels.length > 2) return false;
  const last = labels[1]!;
  return !(tlds.has(last) || /^[a-z]{2}$/.test(last));
}

/** The closest of `options` to `word`, if it is close enough to be a typo. */
export function closest(word: string, options: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = distance(word, o);
    if (d < bestD) [best, bestD] = [o, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
