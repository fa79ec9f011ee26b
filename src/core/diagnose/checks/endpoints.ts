/**
 * Hop 4: the Service's endpoints. Its selector matches pods (else the pods that nearly match,
 * and the selector that would), its targetPort resolves on them (a named port must be declared
 * by the pod), and they are ready in the EndpointSlices — else why not (the readiness probe).
 */
import { distance } from 'fastest-levenshtein';
import { add, hop, type Backend, type Check, type Ctx } from '../context.js';
import { isEnded, podRef, selectorText, svcRef, type Pod, type Service, type ServicePort } from '../cluster.js';

interface NearMiss {
  pods: Pod[];
  /** The selector that would select them (keys of the Service's selector, their values). */
  selector: Record<string, string | null>;
  differs: string[];
}

/** The workload whose pods come closest to the selector: most keys equal, then the closest values. */
function nearMiss(pods: Pod[], sel: Record<string, string>): NearMiss | undefined {
  let best: { score: number; dist: number; pod: Pod } | undefined;
  for (const p of pods) {
    let score = 0;
    let dist = 0;
    let present = 0;
    for (const [k, v] of Object.entries(sel)) {
      const have = p.labels[k];
      if (have === undefined) continue;
      present++;
      if (have === v) score++;
      else dist += distance(have, v) / Math.max(have.length, v.length);
    }
    if (present === 0) continue;
    if (!best || score > best.score || (score === best.score && dist < best.dist)) best = { score, dist, pod: p };
  }
  if (!best) return undefined;
  const b = best.pod;
  // Values far from every other pod's are not a typo: require the differing values to be close.
  if (best.dist > Object.keys(sel).length * 0.75) return undefined;
  const selector: Record<string, string | null> = {};
  const differs: string[] = [];
  for (const [k, v] of Object.entries(sel)) {
    const have = b.labels[k];
    selector[k] = have ?? null;
    if (have !== v) differs.push(have === undefined ? `${k} (absent)` : `${k}=${have} (not ${v})`);
  }
  return { pods: pods.filter((p) => p.workload.kind === b.workload.kind && p.workload.name === b.workload.name), selector, differs };
}

function noPods(ctx: Ctx, svc: Service, sel: Record<string, string>) {
  // A's own pods are never the backend the selector meant: a Service selecting its caller is no fix.
  const callers = new Set(ctx.source.kind === 'ip' ? [] : ctx.source.pods.map((p) => `${p.namespace}/${p.name}`));
  const inNs = ctx.cluster.pods.filter((p) => p.namespace === svc.namespace && !isEnded(p) && !callers.has(`${p.namespace}/${p.name}`));
  const near = nearMiss(inNs, sel);
  if (near) {
    const w = near.pods[0]!.workload;
    const patch = JSON.stringify({ spec: { selector: near.selector } });
    add(ctx, {
      kind: 'selector-mismatch',
      hop: 'endpoints',
      severity: 'error',
      confidence: 'high',
      source: 'static',
      summary: `Service ${svc.namespace}/${svc.name} has no endpoints: its selector ${selectorText(sel)} matches no pod; the pods of ${w.kind} ${w.name} carry ${near.differs.join(', ')}.`,
      evidence: [
        { type: 'object', ref: svcRef(svc), field: 'spec.selector', text: `selector ${selectorText(sel)}` },
        ...near.pods.slice(0, 3).map((p) => ({ type: 'object' as const, ref: podRef(p), field: 'metadata.labels', text: `labels ${selectorText(p.labels)}` })),
      ],
      fix: {
        description: `select ${Object.entries(near.selector)
          .map(([k, v]) => (v === null ? `without ${k}` : `${k}=${v}`))
          .join(', ')}`,
        kubectl: `kubectl -n ${svc.namespace} patch service ${svc.name} --type merge -p '${patch}'`,
        yaml: `spec:\n  selector:\n${Object.entries(near.selector)
          .filter(([, v]) => v !== null)
          .map(([k, v]) => `    ${k}: ${String(v)}`)
          .join('\n')}\n`,
      },
    });
    return;
  }
  add(ctx, {
    kind: 'service-no-endpoints',
    hop: 'endpoints',
    severity: 'error',
    confidence: ctx.cluster.missing.includes('Pod') ? 'low' : 'high',
    source: 'static',
    summary: `Service ${svc.namespace}/${svc.name} has no endpoints: no pod in ${svc.namespace} matches its selector ${selectorText(sel)} (${inNs.length} running pods there).`,
    evidence: [{ type: 'object', ref: svcRef(svc), field: 'spec.selector', text: `selector ${selectorText(sel)}` }],
    fix: { description: 'start the workload this Service fronts, or correct the selector', kubectl: `kubectl -n ${svc.namespace} get pods --show-labels` },
  });
}

/** The port a pod receives the Service's traffic on: the number, or the named container port. */
export function targetPortOn(p: Pod, port: ServicePort): number | undefined {
  if (typeof port.targetPort === 'number') return port.targetPort;
  if (/^\d+$/.test(port.targetPort)) return Number(port.targetPort);
  return p.ports.find((x) => x.name === port.targetPort && x.protocol === port.protocol)?.containerPort;
}

function namedPortMissing(ctx: Ctx, svc: Service, port: ServicePort, pods: Pod[]) {
  const idx = svc.ports.indexOf(port);
  const declared = [
    ...new Map(pods.flatMap((p) => p.ports.filter((x) => x.protocol === port.protocol)).map((x) => [`${x.name ?? ''}/${x.containerPort}`, x])).values(),
  ];
  const pick = declared.length === 1 ? declared[0] : declared.find((x) => x.containerPort === port.port);
  const value = pick ? (pick.name ?? pick.containerPort) : undefined;
  const slices = ctx.cluster.slicesOf(svc);
  add(ctx, {
    kind: 'named-port-missing',
    hop: 'endpoints',
    severity: 'error',
    confidence: 'high',
    source: 'static',
    summary: `Service ${svc.namespace}/${svc.name} port ${port.port} targets the port named "${String(port.targetPort)}", which no selected pod declares (they declare ${declared.map((x) => `${x.name ?? 'unnamed'} ${x.containerPort}/${x.protocol}`).join(', ') || 'no ports'}): the Service has no usable endpoint.`,
    evidence: [
      { type: 'object', ref: svcRef(svc), field: `spec.ports[${idx}].targetPort`, text: `targetPort ${String(port.targetPort)}` },
      ...pods.slice(0, 3).map((p) => ({
        type: 'object' as const,
        ref: podRef(p),
        field: 'spec.containers[].ports',
        text: `ports ${p.ports.map((x) => `${x.name ?? '-'}=${x.containerPort}/${x.protocol}`).join(', ') || 'none'}`,
      })),
      ...slices.map((s) => ({
        type: 'object' as const,
        ref: { kind: 'EndpointSlice', namespace: s.namespace, name: s.name },
        field: 'ports',
        text: s.ports ? `ports ${s.ports.map((x) => x.port).join(', ')}` : 'lists the pods with no ports',
      })),
    ],
    ...(value !== undefined
      ? {
          fix: {
            description: `set targetPort to ${String(value)}`,
            kubectl: `kubectl -n ${svc.namespace} patch service ${svc.name} --type json -p '[{"op":"replace","path":"/spec/ports/${idx}/targetPort","value":${JSON.stringify(value)}}]'`,
          },
        }
      : { fix: { description: `name a container port "${String(port.targetPort)}" in the pods, or set the Service's targetPort to the port number` } }),
  });
}

function notReady(ctx: Ctx, svc: Service, pods: Pod[]) {
  const p = pods[0]!;
  const probe = p.probes[0];
  add(ctx, {
    kind: 'endpoints-not-ready',
    hop: 'endpoints',
    severity: 'error',
    confidence: 'high',
    source: 'static',
    summary: `Service ${svc.namespace}/${svc.name} has no ready endpoints: ${pods.length === 1 ? `pod ${p.name} is` : `all ${pods.length} pods are`} ${p.phase} but not Ready${p.readiness.length ? ` (${p.readiness.join('; ')})` : ''}${probe ? `; ${probe}` : ''}.`,
    evidence: pods.slice(0, 3).map((x) => ({
      type: 'object' as const,
      ref: podRef(x),
      field: 'status.conditions',
      text: `${x.name}: ${x.phase}, not ready${x.readiness.length ? ` — ${x.readiness.join('; ')}` : ''}${x.probes.length ? ` (${x.probes.join('; ')})` : ''}`,
    })),
    fix: {
      description: probe
        ? `make the readiness probe pass (${probe}): point it at a path/port that answers, or fix the app; the pod's events show each failed probe`
        : 'see why the pods are not ready',
      kubectl: `kubectl -n ${svc.namespace} describe pod ${p.name}`,
    },
  });
}

export const endpointsCheck: Check = {
  id: 'endpoints',
  hop: 'endpoints',
  run(ctx) {
    const svc = ctx.service;
    const port = ctx.servicePort;
    if (!svc || !port) {
      hop(ctx, 'endpoints', 'skipped', 'no endpoints to check');
      return;
    }
    const slices = ctx.cluster.slicesOf(svc);
    let pods: Pod[];
    if (svc.selector) {
      pods = ctx.cluster.selected(svc.namespace, svc.selector);
      if (pods.length === 0) return noPods(ctx, svc, svc.selector);
    } else {
      const names = new Set(slices.flatMap((s) => s.endpoints.flatMap((e) => (e.pod ? [e.pod] : []))));
      pods = ctx.cluster.pods.filter((p) => p.namespace === svc.namespace && names.has(p.name));
      if (slices.every((s) => s.endpoints.length === 0)) {
        add(ctx, {
          kind: 'service-no-endpoints',
          hop: 'endpoints',
          severity: 'error',
          confidence: 'high',
          source: 'static',
          summary: `Service ${svc.namespace}/${svc.name} has no selector and no endpoints listed for it.`,
          evidence: [{ type: 'object', ref: svcRef(svc), field: 'spec.selector', text: 'no selector: its EndpointSlices are managed by hand' }],
          fix: {
            description: 'create an EndpointSlice for it, or give the Service a selector',
            kubectl: `kubectl -n ${svc.namespace} get endpointslices -l kubernetes.io/service-name=${svc.name}`,
          },
        });
        return;
      }
    }
    const resolved = pods.map((p) => ({ p, port: targetPortOn(p, port) }));
    if (resolved.every((r) => r.port === undefined)) return namedPortMissing(ctx, svc, port, pods);
    const readyInSlice = new Set(slices.flatMap((s) => s.endpoints.filter((e) => e.ready && e.pod).map((e) => e.pod!)));
    const backends: Backend[] = resolved.map(({ p, port: n }) => ({
      pod: p,
      port: n,
      ready: slices.length > 0 ? readyInSlice.has(p.name) && p.ready !== false : p.ready,
    }));
    ctx.backends = backends;
    for (const b of backends) if (b.port !== undefined) for (const ip of b.pod.ips) ctx.bSide.add(`${ip}|${b.port}`);
    const ready = backends.filter((b) => b.ready && b.port !== undefined);
    const sliceRefs = slices.map((s) => ({ kind: 'EndpointSlice', namespace: s.namespace, name: s.name }));
    if (ready.length === 0) {
      notReady(ctx, svc, pods);
      hop(ctx, 'endpoints', 'fail', `endpoints of ${svc.name}: 0/${pods.length} ready`, [...sliceRefs, ...pods.map(podRef)]);
      return;
    }
    if (ready.length < backends.length)
      ctx.notes.push(
        `${backends.length - ready.length} of ${backends.length} pods behind ${svc.namespace}/${svc.name} are not ready (or lack the target port); traffic goes to the ${ready.length} ready ones.`,
      );
    hop(
      ctx,
      'endpoints',
      'ok',
      `endpoints of ${svc.name}: ${ready.length}/${backends.length} ready`,
      [...sliceRefs, ...ready.map((b) => podRef(b.pod))],
      ready.flatMap((b) => b.pod.ips.map((ip) => `${ip}:${b.port}`)),
    );
  },
};
