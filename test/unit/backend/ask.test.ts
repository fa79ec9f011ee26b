/**
 * The question pipeline (`ask`) on lab fixtures: the static answer first and the cluster read
 * once, the plan handed to the evidence source, every line passed on typed and correlated, the
 * nodes that gave nothing named in the answer, and a cancel that ends the question at once and
 * reaches the evidence source.
 */
import { describe, expect, it } from 'vitest';
import { ask, type EvidenceSource, type QuestionSource } from '../../../src/backend/diagnose/ask.js';
import { diagnose as d, type ClusterKind, type ClusterView } from '../../../src/core/index.js';
import { labFixtures, view } from '../../helpers/diagnose.js';

const fx = labFixtures().find((f) => f.scenario === 'deny-backend-ingress')!;
const q = { from: fx.query.from, to: fx.query.to };

/** The fixture's objects, counting how often each kind is listed. */
function counted(): { view: ClusterView; lists: Map<ClusterKind, number> } {
  const inner = view(fx.objects);
  const lists = new Map<ClusterKind, number>();
  return { lists, view: { list: (k) => (lists.set(k, (lists.get(k) ?? 0) + 1), inner.list(k)) } };
}

/** Evidence recorded in the lab, given at once. */
const recorded: EvidenceSource = {
  async collect(plan, c) {
    for (const e of fx.events) c.emit(e as d.EvidenceLine);
    return [
      ...plan.nodes.map((n) => ({ node: n.node, why: n.why })),
      {
        node: 'node-9',
        why: ['DNS: kube-system/coredns-x'],
        error: { code: 'ssh-refused', message: 'SSH to node-9 was refused', hint: 'check sshd on node-9' },
      },
    ];
  },
};

describe('ask: one question pipeline', () => {
  it('answers statically without probes, reading the cluster once', async () => {
    const c = counted();
    const statics: d.Diagnosis[] = [];
    const a = await ask({ view: c.view, unavailable: [] }, { ...q, probes: false }, { sinks: { static: (s) => statics.push(s) } });
    expect(a.diagnosis.findings[0]?.kind).toBe('policy-deny-ingress');
    expect(a.diagnosis.findings[0]?.source).toBe('static');
    expect(statics).toEqual([a.diagnosis]);
    // Once for the cluster's index, once for the policy index built on it.
    expect(c.lists.get('Pod')).toBe(2);
  });

  it('plans the probes from the static answer, correlates the typed lines, and names the node that gave nothing', async () => {
    const c = counted();
    const order: string[] = [];
    let planned: string[] = [];
    const source: QuestionSource = {
      view: c.view,
      unavailable: [],
      evidence: {
        collect: (plan, o) => {
          order.push('collect');
          planned = plan.nodes.map((n) => n.node);
          expect(plan.aIps.length).toBeGreaterThan(0);
          return recorded.collect(plan, o);
        },
      },
    };
    const lines: string[] = [];
    const a = await ask(source, { ...q, probes: true }, { sinks: { static: () => order.push('static'), line: (l) => lines.push(l.type) } });
    expect(order).toEqual(['static', 'collect']);
    expect(planned.length).toBeGreaterThan(0);
    expect(lines.length).toBe(fx.events.length);
    expect(a.staticDiagnosis.findings[0]?.source).toBe('static');
    expect(a.diagnosis.findings[0]).toMatchObject({ kind: 'policy-deny-ingress', source: 'both' });
    expect(a.diagnosis.notes).toContain('no probe on node-9: SSH to node-9 was refused (check sshd on node-9)');
    // …and next to the verdict, not only among the notes.
    expect(a.diagnosis.blindSpots).toEqual([{ node: 'node-9', reason: 'SSH to node-9 was refused', hint: 'check sshd on node-9' }]);
    expect(d.diagnosisText(a.diagnosis).split('\n')[1]).toBe('evidence incomplete: no probe on node-9 (SSH to node-9 was refused)');
    // The indexes are built once for both diagnoses (the plan lists the pods once more).
    expect(c.lists.get('Pod')).toBe(3);
  });

  it('a cancel ends the question as cancelled at once, and the evidence source sees the abort', async () => {
    let aborted = false;
    const endless: EvidenceSource = {
      collect: (_plan, o) =>
        new Promise((resolve) => {
          o.signal.addEventListener('abort', () => {
            aborted = true;
            resolve([]);
          });
        }),
    };
    const abort = new AbortController();
    const asked = ask({ view: view(fx.objects), unavailable: [], evidence: endless }, { ...q, probes: true }, { signal: abort.signal });
    setTimeout(() => abort.abort(), 20);
    await expect(asked).rejects.toMatchObject({ detail: { code: 'cancelled' } });
    expect(aborted).toBe(true);
  });

  it('names a question the cluster cannot read as a permission gap when pods could not be listed', async () => {
    const source: QuestionSource = { view: view({}), unavailable: [{ kind: 'Pod', reason: 'forbidden', message: 'listing Pod is forbidden for this user.' }] };
    await expect(ask(source, { ...q, probes: false })).rejects.toMatchObject({
      detail: { code: 'cluster-forbidden', message: expect.stringMatching(/listing Pod is forbidden/) },
    });
  });
});

describe('ask on a view that stopped following the cluster', () => {
  it('says so next to the verdict, lowers every confidence, and notes since when', async () => {
    const since = Date.UTC(2026, 11, 5, 8, 30, 0) * 1e6;
    const source: QuestionSource = { view: view(fx.objects), unavailable: [], health: () => ({ state: 'stale', since, error: 'fetch failed (ECONNREFUSED)' }) };
    const a = await ask(source, { ...q, probes: false });
    expect(a.diagnosis.stale).toEqual({ state: 'stale', since, error: 'fetch failed (ECONNREFUSED)' });
    expect(a.diagnosis.findings.length).toBeGreaterThan(0);
    expect(new Set(a.diagnosis.findings.map((f) => f.confidence))).toEqual(new Set(['low']));
    expect(a.diagnosis.notes[0]).toMatch(
      /cluster view is stale: the API server has not answered since 2026-12-05 08:30:00 UTC \(fetch failed \(ECONNREFUSED\)\)/,
    );
    expect(d.diagnosisText(a.diagnosis).split('\n')[0]).toMatch(/unreachable: .*\[STALE: from the cluster as it was at 2026-12-05 08:30:00 UTC/);
    const live = await ask({ ...source, health: () => ({ state: 'live' }) }, { ...q, probes: false });
    expect(live.diagnosis.stale).toBeUndefined();
    expect(live.diagnosis.findings[0]?.confidence).toBe('high');
  });
});
