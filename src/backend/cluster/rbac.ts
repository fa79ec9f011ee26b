/**
 * RBAC preflight: before anything else, ask the API server (SelfSubjectAccessReview) for
 * every permission Pathlight uses, so a missing one is named — verb, resource, namespace —
 * with the feature it disables, instead of surfacing later as an opaque 403.
 */
import { AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { PathlightError } from '../../api/index.js';

export interface Permission {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  /** Undefined: cluster-wide (all namespaces). */
  namespace?: string;
  /** What stops working without it. */
  feature: string;
}

export interface PermissionCheck extends Permission {
  allowed: boolean;
  /** The authorizer's reason, when it gave one. */
  reason?: string;
}

export interface Preflight {
  checks: PermissionCheck[];
  missing: PermissionCheck[];
}

const watched: Array<[string, string, string]> = [
  ['', 'namespaces', 'the cluster snapshot (namespaces)'],
  ['', 'nodes', 'node selection and node addresses'],
  ['', 'pods', 'the cluster snapshot (pods) and IP → pod identities'],
  ['', 'services', 'Service checks and Service VIP identities'],
  ['discovery.k8s.io', 'endpointslices', 'endpoint checks (ready backends, ports)'],
  ['networking.k8s.io', 'networkpolicies', 'NetworkPolicy verdicts'],
  ['policy.networking.k8s.io', 'adminnetworkpolicies', 'AdminNetworkPolicy verdicts'],
  ['policy.networking.k8s.io', 'baselineadminnetworkpolicies', 'BaselineAdminNetworkPolicy verdicts'],
];

/** Everything Pathlight asks for; `probeNamespace` is where probe pods run. */
export function permissionsNeeded(probeNamespace: string): Permission[] {
  return [
    ...watched.flatMap(([group, resource, feature]) => ['list', 'watch'].map((verb) => ({ verb, group, resource, feature }))),
    { verb: 'create', group: '', resource: 'pods', namespace: probeNamespace, feature: 'the pod probe transport (creating the probe pod)' },
    { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: probeNamespace, feature: 'the pod probe transport (streaming the agent)' },
    { verb: 'delete', group: '', resource: 'pods', namespace: probeNamespace, feature: 'cleaning up probe pods' },
  ];
}

/** `list pods (all namespaces)`, `create pods/exec in kube-system`. */
export function describePermission(p: Permission): string {
  const res = `${p.resource}${p.subresource ? `/${p.subresource}` : ''}${p.group ? `.${p.group}` : ''}`;
  return `${p.verb} ${res} ${p.namespace ? `in ${p.namespace}` : '(all namespaces)'}`;
}

export async function preflight(kc: KubeConfig, probeNamespace = 'kube-system'): Promise<Preflight> {
  const api = kc.makeApiClient(AuthorizationV1Api);
  const needed = permissionsNeeded(probeNamespace);
  let checks: PermissionCheck[];
  try {
    checks = await Promise.all(
      needed.map(async (p) => {
        const review = await api.createSelfSubjectAccessReview({
          body: { spec: { resourceAttributes: { verb: p.verb, group: p.group, resource: p.resource, subresource: p.subresource, namespace: p.namespace } } },
        });
        const st = review.status;
        return { ...p, allowed: st?.allowed === true, reason: st?.reason || st?.evaluationError || undefined };
      }),
    );
  } catch (err) {
    const e = err as { code?: number; cause?: { code?: string }; message?: string };
    throw new PathlightError({
      code: 'unavailable',
      message: `The API server ${kc.getCurrentCluster()?.server ?? ''} did not answer the permission check: ${e.cause?.code ?? (e.code ? `HTTP ${e.code}` : e.message)}.`,
      hint: 'Check that the cluster is reachable with this context (kubectl get --raw /healthz) and that the credentials are valid.',
    });
  }
  return { checks, missing: checks.filter((c) => !c.allowed) };
}
