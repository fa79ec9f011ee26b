/**
 * A pod's port on this machine's loopback, through the API server (what `kubectl port-forward`
 * does): a listener whose connections each become a port-forward stream to the pod. And the
 * Services of one name with their EndpointSlices, to find the pod behind a well-known Service.
 */
import { createServer, type Socket } from 'node:net';
import { CoreV1Api, DiscoveryV1Api, PortForward, type KubeConfig } from '@kubernetes/client-node';
import { PathlightError } from '../../api/index.js';

export interface Forwarded {
  /** `127.0.0.1:PORT`. */
  target: string;
  close(): void;
}

export async function forwardPodPort(kc: KubeConfig, namespace: string, pod: string, port: number): Promise<Forwarded> {
  const pf = new PortForward(kc, true);
  const sockets = new Set<Socket>();
  const server = createServer((local) => {
    sockets.add(local);
    local.on('close', () => sockets.delete(local));
    local.on('error', () => local.destroy());
    pf.portForward(namespace, pod, [port], local, null, local)
      .then((ws) => {
        const socket = typeof ws === 'function' ? ws() : ws;
        local.on('close', () => socket?.close());
        socket?.on('close', () => local.destroy());
      })
      .catch(() => local.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  }).catch((err: unknown) => {
    throw new PathlightError({
      code: 'internal',
      message: `Cannot listen on the loopback for a port-forward to ${namespace}/${pod}: ${(err as Error).message}.`,
    });
  });
  return {
    target: `127.0.0.1:${(server.address() as { port: number }).port}`,
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

/** Every Service named `name` (all namespaces) and their EndpointSlices, as the API lists them. */
export async function servicesNamed(kc: KubeConfig, name: string): Promise<{ services: object[]; slices: object[] }> {
  const [services, slices] = await Promise.all([
    kc.makeApiClient(CoreV1Api).listServiceForAllNamespaces({ fieldSelector: `metadata.name=${name}` }),
    kc.makeApiClient(DiscoveryV1Api).listEndpointSliceForAllNamespaces({ labelSelector: `kubernetes.io/service-name=${name}` }),
  ]).catch((err: unknown) => {
    throw new PathlightError({
      code: 'probe-failed',
      message: `Cannot list the ${name} Services of the cluster: ${(err as Error).message}.`,
      hint: 'Check the kubeconfig and that this user may list Services and EndpointSlices.',
    });
  });
  return { services: services.items, slices: slices.items };
}
