/**
 * What went wrong talking to the API server, in words the user can act on: unreachable
 * server, a certificate that does not verify, credentials that were rejected (expired token,
 * revoked certificate, a cloud login to redo), or RBAC.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { PathlightError, type ApiError } from '../../api/index.js';

const netCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);
const certCodes = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_)/;

/** The HTTP status of a failed client-node call (ApiException.code, or statusCode). */
export function httpStatusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown };
  return typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : undefined;
}

/** The innermost error code of a fetch failure (`fetch failed` → cause → cause …). */
function causeCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 6; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

/**
 * fetch (undici) refuses the ports of the Fetch standard's "bad port" list (1, 7, 22, 25, 6000,
 * 6665–6669, …) before connecting, with the cause `bad port` and no code.
 */
function isBadPort(err: unknown): boolean {
  for (let e = err as { message?: unknown; cause?: unknown } | undefined, i = 0; e && i < 6; e = e.cause as typeof e, i++) {
    if (e.message === 'bad port') return true;
  }
  return false;
}

function portOf(server: string): string {
  try {
    const u = new URL(server);
    return u.port || (u.protocol === 'http:' ? '80' : '443');
  } catch {
    return '?';
  }
}

export function clusterError(err: unknown, kc: KubeConfig): ApiError | undefined {
  if (err instanceof PathlightError) return err.detail;
  const server = kc.getCurrentCluster()?.server ?? '(no server)';
  const context = kc.getCurrentContext();
  const user = kc.getCurrentUser();
  const status = httpStatusOf(err);
  if (status === 401) {
    return {
      code: 'cluster-unauthorized',
      message: `${server} rejected the credentials of user ${user?.name ?? '?'} (context ${context}): 401 Unauthorized. They may have expired or been revoked.`,
      hint: user?.exec
        ? `Log in again with ${user.exec.command} (the exec plugin of this user), then retry.`
        : user?.authProvider
          ? 'Log in again with your identity provider (the OIDC token has expired), then retry.'
          : 'Get a fresh token or client certificate for this user (your cloud CLI or cluster admin), then retry.',
    };
  }
  if (status === 403) {
    return {
      code: 'cluster-forbidden',
      message: `${server} refused the request for user ${user?.name ?? '?'}: 403 Forbidden. ${(err as Error).message ?? ''}`.trim(),
      hint: 'Ask the cluster admin for the permissions the preflight lists (pathlight needs list/watch of pods, services, nodes…).',
    };
  }
  if (isBadPort(err)) {
    return {
      code: 'cluster-unreachable',
      message: `The API server address ${server} of context ${context} uses port ${portOf(server)}, which Node's fetch refuses to connect to (a port reserved for other protocols).`,
      hint: "Fix the port in the cluster's server: field of the kubeconfig (an API server usually listens on 6443 or 443), or reach it through a port-forward or proxy on an ordinary port.",
    };
  }
  const code = causeCode(err);
  if (code && certCodes.test(code)) {
    return {
      code: 'cluster-bad-certificate',
      message: `The certificate of ${server} does not verify (${code}) for context ${context}.`,
      hint: "Check certificate-authority(-data) of this cluster in the kubeconfig: it must be the CA that signed the API server's certificate, and the server name must be in the certificate.",
    };
  }
  if (code && netCodes.has(code)) {
    return {
      code: 'cluster-unreachable',
      message: `Cannot reach the API server ${server} of context ${context} (${code}).`,
      hint: 'Check the server address, your VPN or proxy (HTTPS_PROXY), and that the cluster is running.',
    };
  }
  return undefined;
}

/** Runs a first request against the cluster and rethrows its failure as a named error. */
export async function named<T>(kc: KubeConfig, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const e = clusterError(err, kc);
    throw e ? new PathlightError(e) : err;
  }
}
