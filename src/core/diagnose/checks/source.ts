/** Hop 1: A itself: a running pod with an address (or an address given as is). */
import { hop, type Check } from '../context.js';
import { podRef } from '../cluster.js';

export const sourceCheck: Check = {
  id: 'source',
  hop: 'source',
  run(ctx) {
    if (ctx.source.kind === 'ip') {
      hop(ctx, 'source', 'ok', ctx.source.ip, [], [ctx.source.ip]);
      return;
    }
    const a = ctx.a;
    if (!a) return;
    const others = ctx.source.pods.length - 1;
    hop(
      ctx,
      'source',
      a.phase === 'Running' ? 'ok' : 'warn',
      `${a.namespace}/${a.name}${others > 0 ? ` (+${others} more)` : ''}`,
      ctx.source.pods.map(podRef),
      ctx.source.pods.flatMap((p) => p.ips),
    );
    if (a.phase !== 'Running')
      ctx.notes.push(`${a.namespace}/${a.name} is ${a.phase}, not Running: it may not be sending at all (kubectl -n ${a.namespace} describe pod ${a.name}).`);
    if (a.hostNetwork)
      ctx.notes.push(`${a.namespace}/${a.name} uses the node's network: policies do not select it, and its traffic leaves with the node's address.`);
  },
};
