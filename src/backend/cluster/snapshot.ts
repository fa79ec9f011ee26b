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
  /** The same kind in one namespace, for users who may read a namespace but not the cluster. */
  inNamespace?: (ns: string) => Source;
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
  const src = (kind: SnapshotKind, path: string, page: Page, optional = false, nsPage?: (ns: string) => Page): Source => ({
    kind,
    path,
    list: paged(page),
    probe: () => page({ limit: 1 }),
    optional,
    ...(nsPage ? { inNamespace: (ns: string) => src(kind, path.replace(/\/([a-z]+)$/, `/namespaces/${ns}/$1`), nsPage(ns), optional) } : {}),
  });
  const crd = (kind: SnapshotKind, group: string, version: string, plural: string): Source =>
    src(kind, `/apis/${group}/${version}/${plural}`, (p) => custom.listClusterCustomObject({ group, version, plural, ...p }), true);
  return [
    src('Namespace', '/api/v1/namespaces', (p) => core.listNamespace(p)),
    src('Node', '/api/v1/nodes', (p) => core.listNode(p)),
    src(
      'Pod',
      '/api/v1/pods',
      (p) => core.listPodForAllNamespaces(p),
      false,
      (namespace) => (p) => core.listNamespacedPod({ namespace, ...p }),
    ),
    src(
      'Service',
      '/api/v1/services',
      (p) => core.listServiceForAllNamespaces(p),
      false,
      (namespace) => (p) => core.listNamespacedService({ namespace, ...p }),
    ),
    src(
      'EndpointSlice',
      '/apis/discovery.k8s.io/v1/endpointslices',
      (p) => disc.listEndpointSliceForAllNamespaces(p),
      false,
      (namespace) => (p) => disc.listNamespacedEndpointSlice({ namespace, ...p }),
    ),
    src(
      'NetworkPolicy',
      '/apis/networking.k8s.io/v1/networkpolicies',
      (p) => net.listNetworkPolicyForAllNamespaces(p),
      false,
      (namespace) => (p) => net.listNamespacedNetworkPolicy({ namespace, ...p }),
    ),
    crd('AdminNetworkPolicy', 'policy.networking.k8s.io', 'v1alpha1', 'adminnetworkpolicies'),
    crd('BaselineAdminNetworkPolicy', 'policy.networking.k8s.io', 'v1alpha1', 'baselineadminnetworkpolicies'),
    crd('ClusterNetworkPolicy', 'policy.networking.k8s.io', 'v1alpha2', 'clusternetworkpolicies'),
    crd('CiliumNetworkPolicy', 'cilium.io', 'v2', 'ciliumnetworkpolicies'),
    crd('CiliumClusterwideNetworkPolicy', 'cilium.io', 'v2', 'ciliumclusterwidenetworkpolicies'),
  ];
}

const identityKind: Partial<Record<SnapshotKind, IdentityKind>> = { Pod: 'pod', Service: 'service', Node: 'node' };

/**
 * Whether the snapshot still follows the cluster: `live`; `reconnecting` since the first failed
 * list or watch (a blip: the watches restart with backoff and relist); `stale` once that has
 * lasted `staleAfterMs` — the objects are as they were at `since`, and answers say so.
 */
export interface SnapshotHealth {
  state: 'live' | 'reconnecting' | 'stale';
  /** ns since the Unix epoch: the first failure of this outage. */
  since?: number;
  /** The last failure, in words. */
  error?: string;
}

export interface SnapshotOptions {
  /** Wall clock in ns (injected so tests and replays control time). */
  now?: () => number;
  /** Only these kinds (default all). */
  kinds?: readonly SnapshotKind[];
  /** Longest wait between restarts of a failed informer. */
  maxBackoffMs?: number;
  /** How long a failure may last before the snapshot is called stale (default 10 s). */
  staleAfterMs?: number;
  /**
   * Where a cluster-wide list is forbidden, list these namespaces one by one instead (a user
   * with a Role in their own namespaces can still ask about them).
   */
  namespaces?: readonly string[];
}

export class ClusterSnapshot {
  version = 0;
  readonly identities = new IdentityIndex();
  readonly unavailable: Unavailable[] = [];
  /** Errors seen since start (reconnects), newest last, at most 50. */
  readonly errors: Array<{ kind: SnapshotKind; message: string; ts: number }> = [];
  /** One informer per kind, or per kind and namespace where only namespaces may be read. */
  private informers = new Map<string, { kind: SnapshotKind; informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject> }>();
  /** Namespaces read one by one, by kind, where the cluster-wide list was forbidden. */
  readonly partial = new Map<SnapshotKind, string[]>();
  /** The objects in their wire shape (see wire.ts), by kind and `namespace/name`. */
  private objects = new Map<SnapshotKind, Map<string, KubernetesObject>>();
  private listeners = new Set<(c: SnapshotChange) => void>();
  private stopped = false;
  private timers = new Set<NodeJS.Timeout>();
  /** Informers (by key) whose last list or watch failed, and the first failure of this outage. */
  private failing = new Set<string>();
  private outage: { since: number; error: string } | undefined;
  private healthListeners = new Set<(h: SnapshotHealth) => void>();
  private staleTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly now: () => number,
    private readonly maxBackoffMs: number,
    private readonly namespaces: readonly string[] = [],
    private readonly staleAfterMs = 10_000,
  ) {}

  /** Whether the snapshot still follows the cluster (see SnapshotHealth). */
  health(): SnapshotHealth {
    if (!this.outage) return { state: 'live' };
    const stale = this.now() - this.outage.since >= this.staleAfterMs * 1e6;
    return { state: stale ? 'stale' : 'reconnecting', since: this.outage.since, error: this.outage.error };
  }

  /** Every change of health (live → reconnecting → stale → live). */
  onHealth(cb: (h: SnapshotHealth) => void): () => void {
    this.healthListeners.add(cb);
    return () => this.healthListeners.delete(cb);
  }

  private failed(key: string, message: string): void {
    this.failing.add(key);
    const first = !this.outage;
    this.outage = { since: this.outage?.since ?? this.now(), error: message };
    if (first) {
      this.staleTimer = setTimeout(() => this.tellHealth(), this.staleAfterMs);
      this.tellHealth();
    }
  }

  private recovered(key: string): void {
    if (!this.failing.delete(key) || this.failing.size > 0) return;
    this.outage = undefined;
    clearTimeout(this.staleTimer);
    this.tellHealth();
  }

  private tellHealth(): void {
    if (this.stopped) return;
    const h = this.health();
    for (const l of this.healthListeners) l(h);
  }

  /** Lists everything, starts the watches, resolves once the initial lists are in. */
  static async start(kc: KubeConfig, opts: SnapshotOptions = {}): Promise<ClusterSnapshot> {
    const snap = new ClusterSnapshot(opts.now ?? (() => Date.now() * 1e6), opts.maxBackoffMs ?? 30_000, opts.namespaces, opts.staleAfterMs);
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
        const readable = s.inNamespace ? await this.startInNamespaces(kc, s) : [];
        this.unavailable.push({
          kind: s.kind,
          reason: 'forbidden',
          message: readable.length
            ? `listing ${s.kind} cluster-wide is forbidden for this user (${s.path}: 403); read in namespace${readable.length > 1 ? 's' : ''} ${readable.join(', ')} only.`
            : `listing ${s.kind} is forbidden for this user (${s.path}: 403); it is left out of the snapshot.`,
        });
        return;
      }
      if (s.optional) {
        this.unavailable.push({ kind: s.kind, reason: 'error', message: `${s.kind}: ${(err as Error).message}` });
        return;
      }
      throw err;
    }
    await this.watch(kc, s, s.kind);
  }

  /** The namespaces of `namespaces` this user may list the kind in, each watched on its own. */
  private async startInNamespaces(kc: KubeConfig, s: Source): Promise<string[]> {
    const ok: string[] = [];
    for (const ns of this.namespaces) {
      const one = s.inNamespace!(ns);
      try {
        await one.probe();
      } catch {
        continue; // forbidden here too, or no such namespace
      }
      await this.watch(kc, one, `${s.kind}/${ns}`);
      ok.push(ns);
    }
    if (ok.length) this.partial.set(s.kind, ok);
    return ok;
  }

  private async watch(kc: KubeConfig, s: Source, key: string): Promise<void> {
    const inf = makeInformer(kc, s.path, s.list);
    this.informers.set(key, { kind: s.kind, informer: inf });
    const emit = (type: SnapshotChange['type']) => (object: KubernetesObject) => this.change(s.kind, type, object);
    inf.on('add', emit('ADDED'));
    inf.on('update', emit('MODIFIED'));
    inf.on('delete', emit('DELETED'));
    let backoff = 500;
    const retry = () => {
      // A failed list or watch stops the informer: start it again, backing off — once the API
      // server answers a one-object list of the kind again (client-node's own `connect` comes
      // before its list, so it cannot tell that the cluster is back).
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (this.stopped) return;
        s.probe().then(
          () => {
            if (this.stopped) return;
            backoff = 500;
            this.recovered(key);
            void inf.start().catch(() => undefined);
          },
          (err: unknown) => {
            this.failed(key, messageOf(err));
            retry();
          },
        );
      }, backoff);
      this.timers.add(t);
      backoff = Math.min(backoff * 2, this.maxBackoffMs);
    };
    inf.on('error', (err) => {
      this.errors.push({ kind: s.kind, message: messageOf(err), ts: this.now() });
      if (this.errors.length > 50) this.errors.shift();
      if (this.stopped) return;
      this.failed(key, messageOf(err));
      retry();
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
      const who = {
        kind: ik,
        namespace: object.metadata.namespace,
        name: object.metadata.name,
        node: (object as { spec?: { nodeName?: string } }).spec?.nodeName,
      };
      if (type === 'DELETED') this.identities.remove(who, ts);
      else this.identities.set(who, ipsOf(ik, object as { spec?: unknown; status?: unknown }), ts, object);
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

  /** The kinds being watched (cluster-wide or in some namespaces). */
  kinds(): SnapshotKind[] {
    return [...new Set([...this.informers.values()].map((i) => i.kind))];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.staleTimer);
    for (const t of this.timers) clearTimeout(t);
    await Promise.all([...this.informers.values()].map((i) => i.informer.stop()));
  }
}

/** An error as a user reads it: client-node's fetch failures keep the cause's code (ECONNREFUSED…). */
function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${err.message} (${cause.code})` : err.message;
}
