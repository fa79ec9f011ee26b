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

export const labFixture = (scenario: string): LabFixture => {
  const f = labFixtures().find((x) => x.scenario === scenario);
  if (!f) throw new Error(`no lab fixture ${scenario} in test/fixtures/diagnose`);
  return f;
};

/**
 * The full name, address and node of the fixture's pod of an app (`frontend`, `backend`, or
 * labels such as `{'k8s-app': 'kube-dns'}`), as the lab named and placed it when the fixture was captured.
 */
export function fixturePod(f: LabFixture, namespace: string, app: string | Record<string, string>): { name: string; ip: string; node: string } {
  const want = typeof app === 'string' ? { app } : app;
  type P = { metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: { nodeName?: string }; status?: { podIP?: string } };
  const p = (f.objects.Pod as P[] | undefined)?.find(
    (x) => x.metadata.namespace === namespace && Object.entries(want).every(([k, v]) => x.metadata.labels?.[k] === v),
  );
  if (!p) throw new Error(`no pod ${JSON.stringify(want)} in ${namespace} in the ${f.scenario} fixture`);
  return { name: p.metadata.name, ip: p.status?.podIP ?? '', node: p.spec?.nodeName ?? '' };
}

/** The fixture's lines the events table lists (drops, DNS, TCP), on one node or on all. */
export const tableEvents = (f: LabFixture, node?: string) => f.events.filter((e) => ['drop', 'dns', 'tcp'].includes(e.type) && (!node || e.node === node));

/** The fixture's drop reasons on a node with their counts, most first (then by name). */
export function dropReasons(f: LabFixture, node: string): Array<{ reason: string; count: number }> {
  const n = new Map<string, number>();
  for (const e of tableEvents(f, node)) if (e.type === 'drop') n.set(String(e.reason), (n.get(String(e.reason)) ?? 0) + 1);
  return [...n].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([reason, count]) => ({ reason, count }));
}

/** The nodes the fixture's events came from, sorted. */
export const fixtureNodes = (f: LabFixture) => [...new Set(f.events.map((e) => e.node))].sort();

export function correlate(events: LabFixture['events']): d.Correlator {
  const c = new d.Correlator();
  for (const e of events) c.add(e as d.EvidenceLine);
  return c;
}

export { rng, shuffle as shuffled } from './random.js';
