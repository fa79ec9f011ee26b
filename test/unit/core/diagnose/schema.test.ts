/**
 * The diagnosis types are inferred from core's schemas (src/core/diagnose/types.ts): the
 * engine's answers on the lab scenarios are exactly what the schema describes (nothing
 * dropped, nothing refused), and the identities of a probe event agree with the cluster's.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { diagnose as d } from '../../../../src/core/index.js';
import type { EventIdentities } from '../../../../src/core/cluster/identity.js';
import { correlate, labFixtures, view } from '../../../helpers/diagnose.js';

type Identities = NonNullable<d.ProbeEvent['identities']>;

describe('diagnosis schema', () => {
  it('describes the identities the cluster gives probe events', () => {
    expectTypeOf<EventIdentities>().toExtend<Identities>();
    expectTypeOf<Identities>().toExtend<EventIdentities>();
  });

  it.each(labFixtures().map((f) => [f.scenario, f] as const))('%s: the answer is exactly what the schema describes', (_name, f) => {
    for (const corr of [undefined, correlate(f.events)]) {
      const r = d.diagnose(view(f.objects), f.query, corr ? { correlator: corr } : {});
      if (!r.ok) throw new Error(r.error.message);
      const plain = JSON.parse(JSON.stringify(r.value)) as unknown;
      expect(d.diagnosisSchema.parse(plain)).toEqual(plain);
    }
  });
});
