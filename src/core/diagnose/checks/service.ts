/**
 * Hop 3: the Service. It exists (else the nearest names), the port asked for is one of its
 * ports, and that port's targetPort is what the next hop looks for on the backends.
 */
import { closest } from '../dns.js';
import { add, hop, portText, type Check, type Ctx } from '../context.js';
import { svcRef, type Service, type ServicePort } from '../cluster.js';

function notFound(ctx: Ctx, namespace: string, name: string) {
  const same = ctx.cluster.services.filter((s) => s.name === name);
  const near = closest(
    name,
    ctx.cluster.services.filter((s) => s.namespace === namespace).map((s) => s.name),
  );
  const hint =
    same.length > 0
      ? `a Service ${name} exists in ${same.map((s) => s.namespace).join(', ')}`
      : near
        ? `namespace ${namespace} has a Service ${near}`
        : `namespace ${namespace} has ${ctx.cluster.services.filter((s) => s.namespace === namespace).length} Services, none close to this name`;
  add(ctx, {
    kind: 'service-not-found',
    hop: 'service',
    severity: 'error',
    confidence: ctx.cluster.missing.includes('Service') ? 'low' : 'high',
    source: 'static',
    summary: `there is no Service ${name} in namespace ${namespace}${ctx.cluster.namespaces.has(namespace) ? '' : ' (no such namespace)'}; ${hint}.`,
    evidence: same.map((s) => ({ type: 'object' as const, ref: svcRef(s), text: `Service ${s.namespace}/${s.name}` })),
    fix: same[0]
      ? { description: `address ${same[0].namespace}/${same[0].name} instead`, kubectl: `kubectl -n ${same[0].namespace} get service ${name} -o wide` }
      : { description: `create the Service, or correct the name`, kubectl: `kubectl -n ${namespace} get services` },
  });
}

const portDesc = (p: ServicePort) => `${p.port}/${p.protocol}${p.name ? ` (${p.name})` : ''} → ${String(p.targetPort)}`;

function pickPort(ctx: Ctx, svc: Service): ServicePort | undefined {
  const ports = svc.ports.filter((p) => p.protocol === ctx.protocol);
  const asked = ctx.port;
  if (asked === undefined) {
    if (ports.length > 1)
      ctx.notes.push(`Service ${svc.namespace}/${svc.name} has ${ports.length} ${ctx.protocol} ports; checked ${portDesc(ports[0]!)} (give --port to choose).`);
    return ports[0];
  }
  const found = ports.find((p) => (typeof asked === 'number' ? p.port === asked : p.name === asked));
  if (found) return found;
  // A request for the targetPort number instead of the Service port is a common mix-up.
  const byTarget = ports.find((p) => p.targetPort === asked || (typeof asked === 'number' && p.targetPort === String(asked)));
  add(ctx, {
    kind: 'service-port-mismatch',
    hop: 'service',
    severity: 'error',
    confidence: 'high',
    source: 'static',
    summary: `Service ${svc.namespace}/${svc.name} has no ${ctx.protocol} port ${String(asked)}; it exposes ${svc.ports.map(portDesc).join(', ') || 'no ports'}${byTarget ? ` — ${String(asked)} is its targetPort: connect to ${byTarget.port}` : ''}.`,
    evidence: [{ type: 'object', ref: svcRef(svc), field: 'spec.ports', text: svc.ports.map(portDesc).join(', ') || 'no ports' }],
    fix: byTarget
      ? { description: `connect to port ${byTarget.port} of the Service (it forwards to ${String(byTarget.targetPort)})` }
      : typeof asked === 'number'
        ? {
            description: `add port ${asked} to the Service, or connect to one it exposes`,
            kubectl: `kubectl -n ${svc.namespace} patch service ${svc.name} --type json -p '[{"op":"add","path":"/spec/ports/-","value":{"name":"port-${asked}","port":${asked},"protocol":"${ctx.protocol}","targetPort":${asked}}}]'`,
          }
        : { description: `name one of the Service's ports ${asked}, or ask for one it exposes` },
  });
  return undefined;
}

export const serviceCheck: Check = {
  id: 'service',
  hop: 'service',
  run(ctx) {
    const t = ctx.target;
    if (t.kind === 'service' && !t.service) return notFound(ctx, t.namespace, t.name);
    if (t.kind === 'service') ctx.service = t.service;
    const svc = ctx.service;
    if (!svc) {
      hop(ctx, 'service', 'skipped', 'no Service');
      return;
    }
    if (svc.externalName) {
      hop(ctx, 'service', 'unknown', `Service ${svc.namespace}/${svc.name} (ExternalName ${svc.externalName})`, [svcRef(svc)]);
      return;
    }
    const via = t.kind === 'service' ? t.nodePort : undefined;
    if (via) {
      // Reached at a node's address: kube-proxy on that node DNATs its node port to a backend.
      const np = svc.ports.find((p) => p.nodePort === via.port && p.protocol === ctx.protocol);
      if (np) {
        ctx.servicePort = np;
        ctx.bSide.add(`${via.ip}|${via.port}`);
        hop(
          ctx,
          'service',
          'ok',
          `Service ${svc.namespace}/${svc.name} NodePort ${via.port} on ${via.node} → ${String(np.targetPort)} (externalTrafficPolicy ${svc.externalTrafficPolicy})`,
          [svcRef(svc)],
          [portText(via.ip, via.port)],
        );
        return;
      }
    }
    const port = pickPort(ctx, svc);
    if (!port) {
      hop(ctx, 'service', 'fail', `Service ${svc.namespace}/${svc.name}`, [svcRef(svc)], svc.clusterIPs);
      return;
    }
    ctx.servicePort = port;
    for (const ip of svc.clusterIPs) ctx.bSide.add(`${ip}|${port.port}`);
    hop(
      ctx,
      'service',
      'ok',
      `Service ${svc.namespace}/${svc.name} ${portDesc(port)}`,
      [svcRef(svc)],
      svc.clusterIPs.map((ip) => portText(ip, port.port)),
    );
  },
};
