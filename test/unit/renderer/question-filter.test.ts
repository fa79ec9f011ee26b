/** The events table's question filter, from an answer: the addresses of A, the Service, the endpoints and B, and B's name as resolved. */
import { describe, expect, it } from 'vitest';
import { diagnose as d } from '../../../src/core/index.js';
import { aboutText, questionAbout } from '../../../src/renderer/features/events/questionFilter.js';
import { correlate, fixturePod, labFixture, labFixtures, view } from '../../helpers/diagnose.js';

const answer = (scenario: string) => {
  const f = labFixtures().find((x) => x.scenario === scenario)!;
  const r = d.diagnose(view(f.objects), f.query, { correlator: correlate(f.events) });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('questionAbout', () => {
  it("deny-backend-ingress: A's, the Service's and B's addresses, and B's name under the search path", () => {
    const about = questionAbout(answer('deny-backend-ingress'))!;
    expect(about.names).toEqual(['backend.lab-deny-ingress.svc.cluster.local']);
    // A's pod, the Service's ClusterIP and B's pod, without ports (the table matches addresses).
    const f = labFixture('deny-backend-ingress');
    const svc = (f.objects.Service as Array<{ metadata: { name: string; namespace: string }; spec: { clusterIP: string } }>).find(
      (s) => s.metadata.namespace === 'lab-deny-ingress' && s.metadata.name === 'backend',
    )!;
    expect(about.ips.sort()).toEqual(
      [fixturePod(f, 'lab-deny-ingress', 'frontend').ip, fixturePod(f, 'lab-deny-ingress', 'backend').ip, svc.spec.clusterIP].sort(),
    );
    expect(aboutText(about)).toBe('3 addresses, 1 DNS name');
  });

  it('a name that does not resolve is filtered on as asked', () => {
    const about = questionAbout({ query: { from: 'a/b', to: 'nope.example:443', port: 443, protocol: 'TCP' }, path: [] })!;
    expect(about).toEqual({ ips: [], names: ['nope.example'] });
    expect(aboutText(about)).toBe('1 DNS name');
  });

  it('an IP target with no hops gives nothing to filter on', () => {
    expect(questionAbout({ query: { from: 'a/b', to: '10.0.0.1:80', port: 80, protocol: 'TCP' }, path: [] })).toBeUndefined();
  });
});
