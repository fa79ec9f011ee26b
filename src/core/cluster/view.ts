/**
 * Read access to a cluster's objects, whatever holds them: the live snapshot (informers), a
 * recording being replayed, or plain object lists in tests. The engines (diagnose, graph)
 * take this, never a client.
 */
export const clusterKinds = [
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
export type ClusterKind = (typeof clusterKinds)[number];

/** A Kubernetes object as the API returns it (only the fields the engines read are typed). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  spec?: unknown;
  status?: unknown;
  [k: string]: unknown;
}

export interface ClusterView {
  list(kind: ClusterKind): readonly KubeObject[];
}

/** A view over plain object lists: each object goes to its `kind` (objects of other kinds are ignored). */
export class StaticCluster implements ClusterView {
  private byKind = new Map<string, KubeObject[]>();

  constructor(objects: readonly unknown[]) {
    for (const o of objects) {
      if (typeof o !== 'object' || o === null) continue;
      const kind = (o as KubeObject).kind;
      if (typeof kind !== 'string') continue;
      const list = this.byKind.get(kind) ?? [];
      list.push(o as KubeObject);
      this.byKind.set(kind, list);
    }
  }

  list(kind: ClusterKind): readonly KubeObject[] {
    return this.byKind.get(kind) ?? [];
  }
}
