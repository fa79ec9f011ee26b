/**
 * One wording for policy verdicts: the sentences `pathlight policy check` and `pathlight why`
 * print (explainLines, the policy evidence's text) and the ones the why panel lists under
 * "how the policies decide" (policyLines of the evidence's JSON) come from the same code in
 * src/core/policy/explain.ts, so they are the same sentences.
 */
import { describe, expect, it } from 'vitest';
import { diagnose as d, policy } from '../../../../src/core/index.js';
import { check, index, xyzCluster } from '../../../helpers/policy.js';
import { makePolicy } from '../../../helpers/objects.js';
import { correlate, fixturePod, labFixtures, view } from '../../../helpers/diagnose.js';

const denyAll = (n: string) => makePolicy(n, 'deny-all', { podSelector: {}, policyTypes: ['Ingress'] });

describe('policy sentences', () => {
  it('the UI lists the sentence the CLI prints for an isolated pod', () => {
    const r = check(
      index([...xyzCluster(), denyAll('x'), makePolicy('x', 'allow-b', { podSelector: { matchLabels: { pod: 'b' } }, ingress: [{}] })]),
      'y/a',
      'x/a',
      'TCP/80',
    );
    const sentence = 'ingress of x/a: TCP/80 denied — isolated by NetworkPolicy x/deny-all, no rule allows it from y/a';
    expect(r.explanation).toContain(sentence);
    expect(policy.policyLines(r.ingress)).toEqual(['ingress of x/a: selected in the NetworkPolicy tier by NetworkPolicy x/deny-all', sentence]);
    // The JSON the UI receives names the other end, so the UI can say "from y/a" too.
    expect(JSON.parse(JSON.stringify(r.ingress))).toMatchObject({ peer: 'y/a' });
    expect(policy.decisionLines(r.egress)).toEqual(r.explanation.filter((l) => l.startsWith('egress')));
  });

  it('the why panel and the CLI show the same sentences for a diagnosis’s policy evidence', () => {
    const f = labFixtures().find((x) => x.scenario === 'deny-backend-ingress')!;
    const r = d.diagnose(view(f.objects), f.query, { correlator: correlate(f.events) });
    if (!r.ok) throw new Error(r.error.message);
    const ev = r.value.findings[0]!.evidence.find((e) => e.type === 'policy')!;
    // What the CLI (and the report) print for this evidence…
    const cli = d.evidenceText(ev);
    // …and what the why panel lists, from the evidence's JSON as the API passes it on.
    const ui = policy.policyLines(JSON.parse(JSON.stringify(ev.policy)));
    const [b, a] = [fixturePod(f, 'lab-deny-ingress', 'backend').name, fixturePod(f, 'lab-deny-ingress', 'frontend').name];
    const denied = `ingress of lab-deny-ingress/${b}: TCP/8080 denied — isolated by NetworkPolicy lab-deny-ingress/deny-backend-ingress, no rule allows it from lab-deny-ingress/${a} (lab-deny-ingress/frontend)`;
    expect(cli).toContain(denied);
    expect(ui).toContain(denied);
    expect(d.diagnosisText(r.value)).toContain(`· ${denied}\n`);
  });

  it('words an answer recorded before the JSON named the other end, and nothing for what is not a verdict', () => {
    const r = check(index([...xyzCluster(), denyAll('x')]), 'y/a', 'x/a', 'TCP/80');
    const { peer: _peer, ...old } = r.ingress;
    expect(policy.policyLines(old)).toContain('ingress of x/a: TCP/80 denied — isolated by NetworkPolicy x/deny-all, no rule allows it');
    expect(policy.policyLines({ direction: 'sideways' })).toEqual([]);
    expect(policy.policyLines(null)).toEqual([]);
  });
});
