/**
 * The live cluster snapshot: list + watch (client-node informers) of what the engines need,
 * versioned, with every change timestamped for recordings and the time-aware identity index.
 * client-node relists on `410 Gone` and resumes watches by itself; a failed list stops its
 * informer, so this restarts it with backoff. Optional kinds (policy CRDs) that the cluster
 * does not serve, or that RBAC forbids, are reported as unavailable instead of failing.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  NetworkingV1Api,
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import { IdentityIndex, ipsOf, type IdentityKind } from '../../core/index.js';

export const snapshotKinds = [
  'Namespace',
  'Node',
  'Pod',
  'Service',
  'EndpointSlice',
  'NetworkPolicy',
  'AdminNetworkPolicy',
  'BaselineAdminNetworkPolicy',
  'ClusterNetworkPolicy',
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
] as const;
export type SnapshotKind = (typeof snapshotKinds)[number];

export interface SnapshotChange {
  /** ns since the Unix epoch, when Pathlight saw it. */
  ts: number;
  version: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  kind: SnapshotKind;
  object: KubernetesObject;
}

export interface Unavailable {
  kind: SnapshotKind;
  reason: 'not-installed' | 'forbidden' | 'error';
  message: string;
}

type List = () => Promise<KubernetesListObject<KubernetesObject>>;
interface Source {
  kind: SnapshotKind;
  path: string;
  list: List;
  optional: boolean;
}

function sources(kc: KubeConfig): Source[] {
  const core = kc.makeApiClient(CoreV1Api);
  const disc = kc.makeApiClient(DiscoveryV1Api);
  const net = kc.makeApiClient(NetworkingV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const crd = (kind: SnapshotKind, group: string, version: string, plural: string): Source => ({
    kind,
    path: `/apis/${group}/${version}/${plural}`,
    list: () => custom.listClusterCustomObject({ group, version, plural }) as Promise<KubernetesListObject<KubernetesObject>>,
    optional: true,
  });
  const l = (f: () => Promise<unknown>) => f as List;
  return [
    { kind: 'Namespace', path: '/api/v1/namespaces', list: l(() => core.listNamespace()), optional: false },
    { kind: 'Node', path: '/api/v1/nodes', list: l(() => core.listNode()), optional: false },
    { kind: 'Pod', path: '/api/v1/pods', list: l(() => core.listPodForAllNamespaces()), optional: false },
    { kind: 'Service', path: '/api/v1/services', list: l(() => core.listServiceForAllNamespaces()), optional: false },
    { kind: 'EndpointSlice', path: '/apis/discovery.k8s.io/v1/endpointslices', list: l(() => disc.listEndpointSliceForAllNamespaces()), optional: false },
    { kind: 'NetworkPolicy', path: '/apis/networking.k8s.io/v1/networkpolicies', list: l(() => net.listNetworkPolicyForAllNamespaces()), optional: false },
    crd('AdminNetworkPolicy', 'policy.networking.k8s.io', 'v1alpha1', 'adminnetworkpolicies'),
    crd('BaselineAdminNetworkPolicy', 'policy.networking.k8s.io', 'v1alpha1', 'baselineadminnetworkpolicies'),
    crd('ClusterNetworkPolicy', 'policy.networking.k8s.io', 'v1alpha2', 'clusternetworkpolicies'),
    crd('CiliumNetworkPolicy', 'cilium.io', 'v2', 'ciliumnetworkpolicies'),
    crd('CiliumClusterwideNetworkPolicy', 'cilium.io', 'v2', 'ciliumclusterwidenetworkpolicies'),
  ];
}

const statusOf = (err: unknown): number | undefined => {
  const e = err as { code?: unknown; statusCode?: unknown };
  return typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : undefined;
};

const identityKind: Partial<Record<SnapshotKind, IdentityKind>> = { Pod: 'pod', Service: 'service', Node: 'node' };

export interface SnapshotOptions {
  /** Wall clock in ns (injected so tests and replays control time). */
  now?: () => number;
  /** Only these kinds (default all). */
  kinds?: readonly SnapshotKind[];
  /** Longest wait between restarts of a failed informer. */
  maxBackoffMs?: number;
}

export class ClusterSnapshot {
  version = 0;
  readonly identities = new IdentityIndex();
  readonly unavailable: Unavailable[] = [];
  /** Errors seen since start (reconnects), newest last, at most 50. */
  readonly errors: Array<{ kind: SnapshotKind; message: string; ts: number }> = [];
  private informers = new Map<SnapshotKind, Informer<KubernetesObject> & ObjectCache<KubernetesObject>>();
  private listeners = new Set<(c: SnapshotChange) => void>();
  private stopped = false;
  private timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly now: () => number, private readonly maxBackoffMs: number) {}

  /** Lists everything, starts the watches, resolves once the initial lists are in. */
  static async start(kc: KubeConfig, opts: SnapshotOptions = {}): Promise<ClusterSnapshot> {
    const snap = new ClusterSnapshot(opts.now ?? (() => Date.now() * 1e6), opts.maxBackoffMs ?? 30_000);
    const wanted = sources(kc).filter((s) => !opts.kinds || opts.kinds.includes(s.kind));
    await Promise.all(wanted.map((s) => snap.startOne(kc, s)));
    return snap;
  }

  private async startOne(kc: KubeConfig, s: Source): Promise<void> {
    // Probe the list first: a CRD that is not installed (404) or forbidden (403) is reported, not watched.
    try {
      await s.list();
    } catch (err) {
      const code = statusOf(err);
      if (code === 404 && s.optional) {
        this.unavailable.push({ kind: s.kind, reason: 'not-installed', message: `${s.kind} is not served by this cluster (${s.path}: 404).` });
        return;
      }
      if (code === 403) {
        this.unavailable.push({ kind: s.kind, reason: 'forbidden', message: `listing ${s.kind} is forbidden for this user (${s.path}: 403); it is left out of the snapshot.` });
        return;
      }
      if (s.optional) {
        this.unavailable.push({ kind: s.kind, reason: 'error', message: `${s.kind}: ${(err as Error).message}` });
        return;
      }
      throw err;
    }
    const inf = makeInformer(kc, s.path, s.list);
    this.informers.set(s.kind, inf);
    const emit = (type: SnapshotChange['type']) => (object: KubernetesObject) => this.change(s.kind, type, object);
    inf.on('add', emit('ADDED'));
    inf.on('update', emit('MODIFIED'));
    inf.on('delete', emit('DELETED'));
    let backoff = 500;
    inf.on('connect', () => (backoff = 500));
    inf.on('error', (err) => {
      this.errors.push({ kind: s.kind, message: err instanceof Error ? err.message : String(err), ts: this.now() });
      if (this.errors.length > 50) this.errors.shift();
      if (this.stopped) return;
      // A failed list or watch stops the informer: start it again, backing off.
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (!this.stopped) void inf.start().catch(() => undefined);
      }, backoff);
      this.timers.add(t);
      backoff = Math.min(backoff * 2, this.maxBackoffMs);
    });
    await inf.start();
  }

  private change(kind: SnapshotKind, type: SnapshotChange['type'], object: KubernetesObject) {
    const ts = this.now();
    this.version++;
    const ik = identityKind[kind];
    if (ik && object.metadata?.name) {
      const who = { kind: ik, namespace: object.metadata.namespace, name: object.metadata.name, node: (object as { spec?: { nodeName?: string } }).spec?.nodeName };
      if (type === 'DELETED') this.identities.remove(who, ts);
      else this.identities.set(who, ipsOf(ik, object as { spec?: unknown; status?: unknown }), ts);
    }
    const c: SnapshotChange = { ts, version: this.version, type, kind, object };
    for (const l of this.listeners) l(c);
  }

  /** Every change from now on (recordings write them; the engines re-run on them). */
  onChange(cb: (c: SnapshotChange) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  list(kind: SnapshotKind): readonly KubernetesObject[] {
    return this.informers.get(kind)?.list() ?? [];
  }

  get(kind: SnapshotKind, name: string, namespace?: string): KubernetesObject | undefined {
    return this.informers.get(kind)?.get(name, namespace);
  }

  /** The kinds being watched. */
  kinds(): SnapshotKind[] {
    return [...this.informers.keys()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
