/**
 * Hop 5: the backend pod. Traffic lands on a port the pod declares? Declaring a container
 * port is optional in Kubernetes, so a port nobody declares is only a suspicion from the
 * objects (warning, low confidence); the probes turn it into a fact (a reset from the pod, the
 * kernel's NO_SOCKET). B given as pods: their port, by number or by name.
 */
import { add, hop, portText, type Check, type Ctx } from '../context.js';
import { podRef, svcRef, type Pod } from '../cluster.js';

function undeclared(ctx: Ctx, pods: Pod[], port: number) {
  const p = pods[0]!;
  const declared = p.ports.filter((x) => x.protocol === ctx.protocol);
  const svc = ctx.service;
  const sp = ctx.servicePort;
  const idx = svc && sp ? svc.ports.indexOf(sp) : -1;
  const better = declared.length === 1 ? declared[0]! : declared.find((x) => x.containerPort === sp?.port);
  add(ctx, {
    kind: 'target-port-not-listening',
    hop: 'backend',
    severity: 'warning',
    confidence: 'low',
    source: 'static',
    summary: `${svc && sp ? `Service ${svc.namespace}/${svc.name} sends port ${sp.port} to ${port}, but` : `${ctx.protocol} ${port}:`} no container of ${p.namespace}/${p.name} declares port ${port}${declared.length ? ` (it declares ${declared.map((x) => `${x.containerPort}${x.name ? ` (${x.name})` : ''}`).join(', ')})` : ''}; if nothing listens there, connections are refused.`,
    evidence: [
      ...(svc && sp
        ? [{ type: 'object' as const, ref: svcRef(svc), field: `spec.ports[${idx}].targetPort`, text: `targetPort ${String(sp.targetPort)}` }]
        : []),
      {
        type: 'object',
        ref: podRef(p),
        field: 'spec.containers[].ports',
        text: `declared ports ${declared.map((x) => `${x.containerPort}/${x.protocol}${x.name ? ` ${x.name}` : ''}`).join(', ') || 'none'}`,
      },
    ],
    ...(svc && sp && better
      ? {
          fix: {
            description: `set targetPort to ${better.name ?? better.containerPort}`,
            kubectl: `kubectl -n ${svc.namespace} patch service ${svc.name} --type json -p '[{"op":"replace","path":"/spec/ports/${idx}/targetPort","value":${JSON.stringify(better.name ?? better.containerPort)}}]'`,
          },
        }
      : {}),
  });
}

export const backendCheck: Check = {
  id: 'backend',
  hop: 'backend',
  run(ctx) {
    const t = ctx.target;
    if (t.kind === 'ip') {
      const port = typeof ctx.port === 'number' ? ctx.port : undefined;
      if (port === undefined) ctx.notes.push(`no port given for ${t.ip}: give --port to check policies and match connections.`);
      else ctx.bSide.add(`${t.ip}|${port}`);
      ctx.directPort = port;
      hop(ctx, 'backend', 'unknown', port === undefined ? t.ip : portText(t.ip, port), [], [t.ip]);
      return;
    }
    if (t.kind === 'pods') {
      const asked = ctx.port;
      const resolved = t.pods.map((p) => ({
        pod: p,
        port:
          typeof asked === 'string'
            ? p.ports.find((x) => x.name === asked && x.protocol === ctx.protocol)?.containerPort
            : (asked ?? p.ports.find((x) => x.protocol === ctx.protocol)?.containerPort),
        ready: p.ready,
      }));
      if (asked === undefined && resolved[0]?.port !== undefined)
        ctx.notes.push(`no port given: checked ${t.pods[0]!.name}'s first declared ${ctx.protocol} port, ${resolved[0].port}.`);
      if (resolved.every((r) => r.port === undefined)) {
        ctx.notes.push(
          typeof asked === 'string'
            ? `no pod of ${t.label} declares a ${ctx.protocol} port named ${asked}.`
            : `no port given and ${t.label} declares none: give --port.`,
        );
        hop(ctx, 'backend', 'unknown', t.label, t.pods.map(podRef));
        ctx.backends = resolved;
        return;
      }
      ctx.backends = resolved;
      for (const b of resolved) if (b.port !== undefined) for (const ip of b.pod.ips) ctx.bSide.add(`${ip}|${b.port}`);
      ctx.directPort = resolved.find((r) => r.port !== undefined)?.port;
    }
    const live = ctx.backends.filter((b) => b.port !== undefined && (b.ready || t.kind === 'pods'));
    if (live.length === 0) {
      hop(ctx, 'backend', 'skipped', 'no backend reached');
      return;
    }
    const first = live[0]!;
    hop(
      ctx,
      'backend',
      'ok',
      `${first.pod.namespace}/${first.pod.name}:${first.port}${live.length > 1 ? ` (+${live.length - 1})` : ''}`,
      live.map((b) => podRef(b.pod)),
      live.flatMap((b) => b.pod.ips.map((ip) => portText(ip, b.port!))),
    );
    const silent = live.filter((b) => b.pod.ports.length > 0 && !b.pod.ports.some((x) => x.containerPort === b.port && x.protocol === ctx.protocol));
    if (silent.length === live.length)
      undeclared(
        ctx,
        silent.map((b) => b.pod),
        first.port!,
      );
  },
};
