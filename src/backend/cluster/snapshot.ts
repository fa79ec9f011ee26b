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
import { IdentityIndex, clusterKinds, ipsOf, type ClusterKind, type IdentityKind } from '../../core/index.js';
import { httpStatusOf, named } from './errors.js';
import { toWire } from './wire.js';

/** The kinds the snapshot lists and watches: what the engines read (core's ClusterKind). */
export const snapshotKinds = clusterKinds;
export type SnapshotKind = ClusterKind;

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
type Page = (page: { limit: number; _continue?: string }) => Promise<unknown>;
interface Source {
  kind: SnapshotKind;
  path: string;
  list: List;
  /** One object: is the kind served and allowed? (cheap, before the informer lists it all) */
  probe: () => Promise<unknown>;
  optional: boolean;
}

/** Objects per list request. Decoding a page blocks the event loop, so pages stay small and
 * the loop gets a turn between them (bench/cluster: one 17k-pod list stalled it for 8.8 s). */
export const listPageSize = 500;

/** Lists in pages (`limit` + `continue`: one consistent snapshot), yielding between pages. */
function paged(page: Page): List {
  return async () => {
    const items: KubernetesObject[] = [];
    let cont: string | undefined;
    let meta: KubernetesListObject<KubernetesObject>['metadata'];
    do {
      const r = (await page({ limit: listPageSize, _continue: cont })) as KubernetesListObject<KubernetesObject>;
      for (const it of r.items ?? []) items.push(it);
      meta = r.metadata;
      cont = r.metadata?._continue || undefined;
      if (cont) await new Promise((res) => setImmediate(res));
    } while (cont);
    return { apiVersion: 'v1', kind: 'List', metadata: meta, items };
  };
}

function sources(kc: KubeConfig): Source[] {
  const core = kc.makeApiClient(CoreV1Api);
  const disc = kc.makeApiClient(DiscoveryV1Api);
  const net = kc.makeApiClient(NetworkingV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const src = (kind: SnapshotKind, path: string, page: Page, optional = false): Source => ({
    kind,
    path,
    list: paged(page),
    probe: () => page({ limit: 1 }),
    optional,
  });
  const crd = (kind: SnapshotKind, group: string, version: string, plural: string): Source =>
    src(kind, `/apis/${group}/${version}/${plural}`, (p) => custom.listClusterCustomObject({ group, version, plural, ...p }), true);
  return [
    src('Namespace', '/api/v1/namespaces', (p) => core.listNamespace(p)),
    src('Node', '/api/v1/nodes', (p) => core.listNode(p)),
    src('Pod', '/api/v1/pods', (p) => core.listPodForAllNamespaces(p)),
    src('Service', '/api/v1/services', (p) => core.listServiceForAllNamespaces(p)),
    src('EndpointSlice', '/apis/discovery.k8s.io/v1/endpointslices', (p) => disc.listEndpointSliceForAllNamespaces(p)),
    src('NetworkPolicy', '/apis/networking.k8s.io/v1/networkpolicies', (p) => net.listNetworkPolicyForAllNamespaces(p)),
    crd('AdminNetworkPolicy', 'policy.networking.k8s.io', 'v1alpha1', 'adminnetworkpolicies'),
    crd('BaselineAdminNetworkPolicy', 'policy.networking.k8s.io', 'v1alpha1', 'baselineadminnetworkpolicies'),
    crd('ClusterNetworkPolicy', 'policy.networking.k8s.io', 'v1alpha2', 'clusternetworkpolicies'),
    crd('CiliumNetworkPolicy', 'cilium.io', 'v2', 'ciliumnetworkpolicies'),
    crd('CiliumClusterwideNetworkPolicy', 'cilium.io', 'v2', 'ciliumclusterwidenetworkpolicies'),
  ];
}

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
  /** The objects in their wire shape (see wire.ts), by kind and `namespace/name`. */
  private objects = new Map<SnapshotKind, Map<string, KubernetesObject>>();
  private listeners = new Set<(c: SnapshotChange) => void>();
  private stopped = false;
  private timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly now: () => number, private readonly maxBackoffMs: number) {}

  /** Lists everything, starts the watches, resolves once the initial lists are in. */
  static async start(kc: KubeConfig, opts: SnapshotOptions = {}): Promise<ClusterSnapshot> {
    const snap = new ClusterSnapshot(opts.now ?? (() => Date.now() * 1e6), opts.maxBackoffMs ?? 30_000);
    const wanted = sources(kc).filter((s) => !opts.kinds || opts.kinds.includes(s.kind));
    await named(kc, () => Promise.all(wanted.map((s) => snap.startOne(kc, s))));
    return snap;
  }

  private async startOne(kc: KubeConfig, s: Source): Promise<void> {
    // Probe the list first: a CRD that is not installed (404) or forbidden (403) is reported, not watched.
    try {
      await s.probe();
    } catch (err) {
      const code = httpStatusOf(err);
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

  private change(kind: SnapshotKind, type: SnapshotChange['type'], typed: KubernetesObject) {
    const ts = this.now();
    const object = toWire(typed) as KubernetesObject;
    const byKey = this.objects.get(kind) ?? new Map<string, KubernetesObject>();
    this.objects.set(kind, byKey);
    const k = `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
    if (type === 'DELETED') byKey.delete(k);
    else byKey.set(k, object);
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

  /** The objects of a kind as the API server sends them (`from`, not client-node's `_from`). */
  list(kind: SnapshotKind): readonly KubernetesObject[] {
    return [...(this.objects.get(kind)?.values() ?? [])];
  }

  get(kind: SnapshotKind, name: string, namespace?: string): KubernetesObject | undefined {
    return this.objects.get(kind)?.get(`${namespace ?? ''}/${name}`);
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
