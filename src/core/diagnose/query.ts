/**
 * "From A to B" as the user types it, resolved against the cluster.
 * A: a pod `NS/NAME`, a workload `NS/deploy/NAME` (`sts`, `ds`, `rs`, `job`, `cronjob`; any of
 * its pods), `NS/NAME` of a workload, or an IP. B: the same, or a Service `NS/svc/NAME`, a DNS
 * name `host[:port]` (`backend`, `backend.shop`, `backend.shop.svc.cluster.local:8080`,
 * `example.com:443`), or `IP[:port]`.
 */
import ipaddr from 'ipaddr.js';
import { closest } from './dns.js';
import { isEnded, type Cluster, type Pod, type Service } from './cluster.js';

export interface WhyQuery {
  from: string;
  to: string;
  /** Port number, or a port name (of the Service or container). Also accepted as `to`'s `:port`. */
  port?: number | string;
  protocol?: 'TCP' | 'UDP';
}

export type Source = { kind: 'pods'; label: string; pods: Pod[] } | { kind: 'ip'; label: string; ip: string };

export type Target =
  | { kind: 'dns'; label: string; name: string }
  /** `service` is undefined when the named Service does not exist (reported as service-not-found). */
  | { kind: 'service'; label: string; namespace: string; name: string; service: Service | undefined; nodePort?: NodePortTarget }
  | { kind: 'pods'; label: string; pods: Pod[] }
  | { kind: 'ip'; label: string; ip: string };

/** B given as a node's address and a node port: the Service behind it, reached through that node. */
export interface NodePortTarget {
  node: string;
  ip: string;
  port: number;
}

export interface QueryError {
  message: string;
  hint: string;
  /** What the user likely meant, as the whole text of the same field (the kind kept: `ns/deploy/name`). */
  meant?: string;
}

const kinds: Record<string, string> = {
  deploy: 'Deployment',
  deployment: 'Deployment',
  deployments: 'Deployment',
  sts: 'StatefulSet',
  statefulset: 'StatefulSet',
  statefulsets: 'StatefulSet',
  ds: 'DaemonSet',
  daemonset: 'DaemonSet',
  daemonsets: 'DaemonSet',
  rs: 'ReplicaSet',
  replicaset: 'ReplicaSet',
  replicasets: 'ReplicaSet',
  job: 'Job',
  jobs: 'Job',
  cronjob: 'CronJob',
  cj: 'CronJob',
  cronjobs: 'CronJob',
  pod: 'Pod',
  po: 'Pod',
  pods: 'Pod',
};

const isIp = (s: string) => ipaddr.isValid(s);

/** `host:port`, `[v6]:port`, `v6`, `host`. */
export function splitHostPort(text: string): { host: string; port?: string } {
  const v6 = /^\[([^\]]+)\](?::(\w[\w-]*))?$/.exec(text);
  if (v6) return v6[2] ? { host: v6[1]!, port: v6[2] } : { host: v6[1]! };
  if (isIp(text)) return { host: text };
  const i = text.lastIndexOf(':');
  return i > 0 ? { host: text.slice(0, i), port: text.slice(i + 1) } : { host: text };
}

/** Running pods first, then ready ones: "any of its pods" means one that can talk. */
function rank(pods: Pod[]): Pod[] {
  return pods.filter((p) => !isEnded(p)).sort((a, b) => Number(b.ready) - Number(a.ready) || Number(!!b.ips.length) - Number(!!a.ips.length));
}

function workloadPods(cluster: Cluster, ns: string, kindWord: string, name: string): { pods: Pod[]; label: string } | QueryError {
  const kind = kinds[kindWord.toLowerCase()];
  if (!kind) return { message: `"${kindWord}" is not a workload kind`, hint: 'use deploy, sts, ds, rs, job, cronjob, pod or svc, e.g. shop/deploy/frontend' };
  if (kind === 'Pod') {
    const p = cluster.pod(ns, name);
    return p ? { pods: [p], label: `${ns}/${name}` } : notFound(cluster, ns, name, 'pod', kindWord);
  }
  const pods = rank(cluster.podsOf(ns, kind, name));
  if (pods.length === 0) return notFound(cluster, ns, name, `${kind} with running pods`, kindWord);
  return { pods, label: `${ns}/${kindWord.toLowerCase()}/${name}` };
}

/** A name not found; the nearest one suggested as the user wrote it (`kindWord`: their `deploy`, `sts`…, kept). */
function notFound(cluster: Cluster, ns: string, name: string, what: string, kindWord?: string): QueryError {
  const as = (n: string, x: string) => (kindWord ? `${n}/${kindWord}/${x}` : `${n}/${x}`);
  if (!cluster.namespaces.has(ns)) {
    const near = closest(ns, cluster.namespaces);
    return {
      message: `there is no namespace ${ns}`,
      hint: near ? `did you mean ${near}?` : 'check the namespace (kubectl get namespaces)',
      ...(near ? { meant: as(near, name) } : {}),
    };
  }
  // A workload kind asked for: its name first (a pod of the Deployment is not what was typed).
  const names = new Set(
    cluster.pods
      .filter((p) => p.namespace === ns)
      .flatMap((p) => (kindWord && kindWord.toLowerCase() !== 'pod' ? [p.workload.name] : [p.name, p.workload.name])),
  );
  const near = closest(name, names);
  return {
    message: `no ${what} ${name} in namespace ${ns}`,
    hint: near ? `did you mean ${as(ns, near)}?` : `list them with kubectl -n ${ns} get pods,deploy,sts,ds`,
    ...(near ? { meant: as(ns, near) } : {}),
  };
}

/** `NS/NAME`: a pod of that name, else the workload of that name (any kind). */
function podOrWorkload(cluster: Cluster, ns: string, name: string): { pods: Pod[]; label: string } | QueryError {
  const pod = cluster.pod(ns, name);
  if (pod) return { pods: [pod], label: `${ns}/${name}` };
  const pods = rank(cluster.pods.filter((p) => p.namespace === ns && p.workload.name === name && p.workload.kind !== 'Pod'));
  return pods.length > 0 ? { pods, label: `${ns}/${name}` } : notFound(cluster, ns, name, 'pod or workload');
}

export function parseSource(cluster: Cluster, text: string): Source | QueryError {
  const t = text.trim();
  if (isIp(t)) {
    const ip = ipaddr.process(t).toString();
    // A pod's address is that pod: its labels meet the policies, its resolver asks the names.
    const pod = cluster.podByIP(ip);
    return pod ? { kind: 'pods', pods: [pod], label: t } : { kind: 'ip', ip, label: t };
  }
  const parts = t.split('/');
  const r =
    parts.length === 2 ? podOrWorkload(cluster, parts[0]!, parts[1]!) : parts.length === 3 ? workloadPods(cluster, parts[0]!, parts[1]!, parts[2]!) : undefined;
  if (!r) return { message: `"${text}" is not a pod, workload or IP`, hint: 'use NS/NAME, NS/deploy/NAME (sts, ds, job…) or an IP address' };
  if ('message' in r) return r;
  if (r.pods[0] && r.pods.every((p) => p.ips.length === 0 && !p.hostNetwork))
    return {
      message: `${r.label} has no IP address yet (${r.pods[0].phase})`,
      hint: `wait for it to start: kubectl -n ${r.pods[0].namespace} get pod ${r.pods[0].name}`,
    };
  return { kind: 'pods', ...r };
}

export function parseTarget(cluster: Cluster, text: string): { target: Target; port?: string } | QueryError {
  const t = text.trim();
  if (t.includes('/')) {
    const parts = t.split('/');
    if (parts.length === 3 && ['svc', 'service', 'services'].includes(parts[1]!.toLowerCase())) {
      const [ns, , rest] = parts as [string, string, string];
      const { host: name, port } = splitHostPort(rest);
      const svc = cluster.service(ns, name);
      return { target: { kind: 'service', service: svc, namespace: ns, name, label: `${ns}/svc/${name}` }, ...(port ? { port } : {}) };
    }
    const { host, port } = splitHostPort(t);
    const hp = host.split('/');
    const r = hp.length === 2 ? podOrWorkload(cluster, hp[0]!, hp[1]!) : hp.length === 3 ? workloadPods(cluster, hp[0]!, hp[1]!, hp[2]!) : undefined;
    if (!r)
      return { message: `"${text}" is not a pod, workload, Service, DNS name or IP`, hint: 'use NS/NAME, NS/deploy/NAME, NS/svc/NAME, host:port or IP:port' };
    // The suggestion keeps the port that was typed with the name.
    if ('message' in r) return r.meant && port ? { ...r, meant: `${r.meant}:${port}` } : r;
    return { target: { kind: 'pods', ...r }, ...(port ? { port } : {}) };
  }
  const { host, port } = splitHostPort(t);
  if (host === '') return { message: 'B is empty', hint: 'give a pod, workload, Service, DNS name or IP' };
  if (isIp(host)) {
    const ip = ipaddr.process(host).toString();
    const svc = cluster.serviceByIP(ip);
    if (svc) return { target: { kind: 'service', service: svc, namespace: svc.namespace, name: svc.name, label: t }, ...(port ? { port } : {}) };
    const pod = cluster.podByIP(ip);
    if (pod) return { target: { kind: 'pods', pods: [pod], label: t }, ...(port ? { port } : {}) };
    const node = cluster.nodeByIP(ip);
    const np = node && port && /^\d+$/.test(port) ? cluster.serviceByNodePort(Number(port)) : undefined;
    if (node && np)
      return {
        target: {
          kind: 'service',
          service: np.service,
          namespace: np.service.namespace,
          name: np.service.name,
          label: t,
          nodePort: { node: node.name, ip, port: Number(port) },
        },
        ...(port ? { port } : {}),
      };
    return { target: { kind: 'ip', ip, label: t }, ...(port ? { port } : {}) };
  }
  if (!/^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/.test(host))
    return { message: `"${host}" is not a DNS name`, hint: 'e.g. backend, backend.shop, backend.shop.svc.cluster.local or example.com' };
  return { target: { kind: 'dns', name: host.toLowerCase(), label: t }, ...(port ? { port } : {}) };
}
