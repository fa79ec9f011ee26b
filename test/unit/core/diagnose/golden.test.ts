/**
 * Golden tests on the lab's recorded scenarios (test/fixtures/diagnose, captured from the real
 * lab by test/lab/capture-why.mjs): the cluster objects and the probe events the agent saw give
 * the scenario's expected answer, and the rendered report matches the reviewed one beside it.
 * Property tests: the same events shuffled, duplicated or arriving late give the same answer.
 */
import { describe, expect, it } from 'vitest';
import { correlate, labFixtures, rng, shuffled, view, type LabFixture } from '../../../helpers/diagnose.js';
import { diagnose as d } from '../../../../src/core/index.js';

const fixtures = labFixtures();
const answer = (f: LabFixture, corr?: d.Correlator) => {
  const r = d.diagnose(view(f.objects), f.query, corr ? { correlator: corr } : {});
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('golden: lab scenarios', () => {
  it('has every scenario of the lab', () => {
    expect(fixtures.map((f) => f.scenario)).toEqual([
      'anp-deny',
      'deny-backend-ingress',
      'egress-forgets-dns',
      'healthy',
      'missing-named-port',
      'pod-not-ready',
      'service-selector-mismatch',
      'wrong-namespace-dns',
      'wrong-target-port',
    ]);
  });

  it.each(fixtures.map((f) => [f.scenario, f] as const))('%s: top finding and verdict with the recorded probe events', async (name, f) => {
    const diag = answer(f, correlate(f.events));
    expect(diag.findings[0]?.kind).toBe(f.expected.kind);
    expect(diag.verdict).toBe(f.expected.verdict);
    // The live part took part: evidence from the probes on every broken scenario but the ones the objects decide alone.
    expect(diag.live?.events).toBeGreaterThan(0);
    await expect(d.diagnosisText(diag)).toMatchFileSnapshot(`../../../fixtures/diagnose/${name}.golden.txt`);
  });

  it.each(fixtures.map((f) => [f.scenario, f] as const))('%s: the objects alone point at the same cause', (_name, f) => {
    const diag = answer(f);
    // Without probes a refused port is only suspected, and an unenforced ANP still reads as denied.
    expect(diag.findings[0]?.kind).toBe(f.expected.kind);
  });

  it.each(fixtures.map((f) => [f.scenario, f] as const))('%s: shuffled, duplicated and late events give the same answer', (_name, f) => {
    const base = JSON.stringify(answer(f, correlate(f.events)));
    for (const seed of [1, 2, 3]) {
      const rand = rng(seed);
      const events = shuffled([...f.events, ...f.events.filter(() => rand() < 0.3)], rand);
      // Late: half of the stream arrives after a first answer was drawn.
      const corr = correlate(events.slice(0, events.length >> 1));
      answer(f, corr);
      for (const e of events.slice(events.length >> 1)) corr.add(e as d.EvidenceLine);
      expect(JSON.stringify(answer(f, corr))).toBe(base);
    }
  });
});
