/**
 * Diagnosis test helpers: a small app (frontend → backend Service → backend pods) in a
 * namespace with cluster DNS, as the API returns it (pods with owners, readiness and IPs,
 * Services with ClusterIPs, EndpointSlices; built with ./objects.ts), plus the golden fixtures
 * captured from the lab (test/lab/capture-why.mjs) and a seeded shuffle for the property tests.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { diagnose as d, type ClusterKind, type ClusterView, type KubeObject } from '../../src/core/index.js';
import { makeNamespace, makeService, makeSlice, runningPod } from './objects.js';
import { fixture } from './paths.js';

/** Objects by the kind they are listed as (the API's list items carry no `kind`). */
export type Objects = Partial<Record<ClusterKind, KubeObject[]>>;
export const view = (o: Objects): ClusterView => ({ list: (k) => o[k] ?? [] });

/** Cluster DNS: kube-system/kube-dns 10.96.0.10 → one ready CoreDNS pod. */
export function clusterDns(): Objects {
  return {
    Namespace: [makeNamespace('kube-system')],
    Pod: [
      runningPod('kube-system', 'coredns-1', {
        labels: { 'k8s-app': 'kube-dns' },
        ip: '10.244.0.2',
        deployment: 'coredns',
        ports: [
          { name: 'dns', containerPort: 53, protocol: 'UDP' },
          { name: 'dns-tcp', containerPort: 53 },
        ],
      }),
    ],
    Service: [
      makeService('kube-system', 'kube-dns', '10.96.0.10', [{ name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' }], {
        selector: { 'k8s-app': 'kube-dns' },
      }),
    ],
    EndpointSlice: [makeSlice('kube-system', 'kube-dns', [{ pod: 'coredns-1', ip: '10.244.0.2', ready: true }], [{ name: 'dns', port: 53 }])],
  };
}

export interface AppOptions {
  selector?: Record<string, string>;
  targetPort?: number | string;
  backendReady?: boolean;
  sliceReady?: boolean;
  slicePorts?: Array<{ name?: string; port: number }> | null;
  policies?: KubeObject[];
  extra?: Objects;
}

/** ns `shop`: frontend (10.244.1.10) → Service backend 10.96.1.1:8080 (targetPort http) → backend (10.244.1.20, port http 8080). */
export function app(o: AppOptions = {}): Objects {
  const ns = 'shop';
  const dns = clusterDns();
  const backendReady = o.backendReady ?? true;
  const objs: Objects = {
    Namespace: [...dns.Namespace!, makeNamespace(ns)],
    Pod: [
      ...dns.Pod!,
      runningPod(ns, 'frontend-1', { labels: { app: 'frontend' }, ip: '10.244.1.10', deployment: 'frontend' }),
      runningPod(ns, 'backend-1', {
        labels: { app: 'backend' },
        ip: '10.244.1.20',
        deployment: 'backend',
        ready: backendReady,
        ports: [{ name: 'http', containerPort: 8080 }],
        readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
      }),
    ],
    Service: [
      ...dns.Service!,
      makeService(ns, 'backend', '10.96.1.1', [{ name: 'http', port: 8080, targetPort: o.targetPort ?? 'http' }], {
        selector: o.selector ?? { app: 'backend' },
      }),
    ],
    EndpointSlice: [
      ...dns.EndpointSlice!,
      makeSlice(
        ns,
        'backend',
        (o.selector ?? { app: 'backend' }).app === 'backend' ? [{ pod: 'backend-1', ip: '10.244.1.20', ready: o.sliceReady ?? backendReady }] : [],
        o.slicePorts === undefined ? [{ name: 'http', port: 8080 }] : o.slicePorts,
      ),
    ],
    NetworkPolicy: o.policies ?? [],
  };
  for (const [k, list] of Object.entries(o.extra ?? {})) objs[k as ClusterKind] = [...(objs[k as ClusterKind] ?? []), ...(list ?? [])];
  return objs;
}

export function why(objects: Objects, q: d.WhyQuery, opts: d.DiagnoseOptions = {}): d.Diagnosis {
  const r = d.diagnose(view(objects), q, opts);
  if (!r.ok) throw new Error(`${r.error.message} (${r.error.hint})`);
  return r.value;
}

// ---- Lab fixtures ------------------------------------------------------------------------------

export interface LabFixture {
  scenario: string;
  query: { from: string; to: string };
  expected: { verdict: d.Verdict; kind: d.FindingKind };
  objects: Objects;
  events: Array<Record<string, unknown> & { type: string; ts: number; node: string }>;
}

export function labFixtures(): LabFixture[] {
  const dir = fixture('diagnose');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as LabFixture);
}

export function correlate(events: LabFixture['events']): d.Correlator {
  const c = new d.Correlator();
  for (const e of events) c.add(e as d.EvidenceLine);
  return c;
}

export { rng, shuffle as shuffled } from './random.js';
