/**
 * The API's answer schema (src/api/workbench.ts) is core's diagnosis schema with the
 * boundary's leniency: every answer the engine gives is one the API passes on unchanged, by
 * type (checked when the test project compiles) and on the lab's recorded scenarios.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { diagnosisSchema, whyStatusSchema, type DiagnosisJson } from '../../../src/api/index.js';
import { diagnose as d } from '../../../src/core/index.js';
import { correlate, labFixtures, view } from '../../helpers/diagnose.js';

// Compile-time: a core Diagnosis is an API answer, as input and as parsed output.
type Assignable<A, B> = [A] extends [B] ? true : false;
const coreIsApiInput: Assignable<d.Diagnosis, z.input<typeof diagnosisSchema>> = true;
const coreIsApiOutput: Assignable<d.Diagnosis, DiagnosisJson> = true;

const answers = labFixtures().map((f) => {
  const r = d.diagnose(view(f.objects), f.query, { correlator: correlate(f.events) });
  if (!r.ok) throw new Error(r.error.message);
  return [f.scenario, r.value] as const;
});

describe('the API answer schema', () => {
  it('takes the core Diagnosis type', () => {
    expect([coreIsApiInput, coreIsApiOutput]).toEqual([true, true]);
    expectTypeOf<d.Diagnosis>().toExtend<DiagnosisJson>();
  });

  it.each(answers)('%s: the engine’s answer passes the API unchanged (live evidence, policy JSON and all)', (_name, diag) => {
    const plain = JSON.parse(JSON.stringify(diag)) as unknown;
    expect(diagnosisSchema.parse(plain)).toEqual(plain);
    expect(whyStatusSchema.parse({ question: 'q', state: 'done', nodes: [], startedAt: 'now', diagnosis: plain }).diagnosis).toEqual(plain);
  });

  it('keeps its leniency: a finding kind or connection outcome this build does not know still renders', () => {
    const [, diag] = answers.find(([n]) => n === 'deny-backend-ingress')!;
    const newer = {
      ...diag,
      findings: [{ ...diag.findings[0]!, kind: 'rule-dropped' }],
      live: { ...diag.live!, connections: { ...diag.live!.connections, 'half-open': 1 } },
    };
    expect(diagnosisSchema.safeParse(newer).success).toBe(true);
    expect(d.diagnosisSchema.safeParse(newer).success).toBe(false);
  });

  it.each([
    ['an unknown hop', (x: Record<string, unknown>) => ({ ...x, path: [{ hop: 'tunnel', label: 'x', refs: [], verdict: 'ok', findings: [] }] })],
    ['an unknown verdict', (x: Record<string, unknown>) => ({ ...x, verdict: 'maybe' })],
    [
      'a finding without its summary',
      (x: Record<string, unknown>) => ({
        ...x,
        findings: [{ kind: 'reachable', hop: 'source', severity: 'info', confidence: 'high', source: 'static', evidence: [] }],
      }),
    ],
    [
      'an events evidence without its example',
      (x: Record<string, unknown>) => ({
        ...x,
        findings: [
          {
            kind: 'reachable',
            hop: 'network',
            severity: 'info',
            confidence: 'high',
            summary: 's',
            source: 'live',
            evidence: [{ type: 'events', event: 'tcp', text: 't', connections: 1, events: 1, first: 0, last: 0, nodes: [] }],
          },
        ],
      }),
    ],
  ])('refuses %s', (_what, spoil) => {
    const [, diag] = answers[0]!;
    expect(diagnosisSchema.safeParse(spoil(JSON.parse(JSON.stringify(diag)) as Record<string, unknown>)).success).toBe(false);
  });
});
