/**
 * Explanations and fix suggestions: every denied verdict names what denied it, and every fix,
 * applied to the manifests independently of the engine, re-evaluates to allowed without
 * opening the neighbouring connection.
 */
import { describe, expect, it } from 'vitest';
import { applyFix, check, index, verdict, xyzCluster } from '../../../helpers/policy.js';
import { makeANP, makeBANP, makeCilium, makeClusterNetworkPolicy, makePolicy } from '../../../helpers/objects.js';

type Obj = Record<string, unknown>;
const nsSel = (n: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': n } });
const denyAll = (n: string, types = ['Ingress']) => makePolicy(n, 'deny-all', { podSelector: {}, policyTypes: types });

interface Case {
  name: string;
  policies: Obj[];
  from: string;
  to: string;
  port: string;
  changes: Array<'new-policy' | 'patch'>;
  /** A neighbouring connection that must stay denied after the fix. */
  stillDenied?: [string, string, string];
}

const cases: Case[] = [
  {
    name: 'ingress isolation → a new NetworkPolicy',
    policies: [denyAll('x')],
    from: 'y/a',
    to: 'x/a',
    port: 'TCP/80',
    changes: ['new-policy'],
    stillDenied: ['z/c', 'x/a', 'TCP/80'],
  },
  {
    name: 'egress isolation → a new egress NetworkPolicy',
    policies: [denyAll('x', ['Egress'])],
    from: 'x/a',
    to: 'y/b',
    port: 'UDP/81',
    changes: ['new-policy'],
    stillDenied: ['x/a', 'y/b', 'UDP/80'],
  },
  {
    name: 'both sides isolated → two policies',
    policies: [denyAll('x', ['Egress']), denyAll('y')],
    from: 'x/a',
    to: 'y/b',
    port: 'TCP/80',
    changes: ['new-policy', 'new-policy'],
    stillDenied: ['x/b', 'y/b', 'TCP/80'],
  },
  {
    name: 'egress to an address → an ipBlock /32',
    policies: [denyAll('x', ['Egress'])],
    from: 'x/a',
    to: '203.0.113.10',
    port: 'TCP/443',
    changes: ['new-policy'],
    stillDenied: ['x/a', '203.0.113.11', 'TCP/443'],
  },
  {
    name: 'ANP Deny → an Allow rule in front of it',
    policies: [makeANP('deny-y', 10, { subject: { namespaces: nsSel('x') }, ingress: [{ name: 'no-y', action: 'Deny', from: [{ namespaces: nsSel('y') }] }] })],
    from: 'y/a',
    to: 'x/a',
    port: 'TCP/80',
    changes: ['patch'],
    stillDenied: ['y/b', 'x/a', 'TCP/80'],
  },
  {
    name: 'BANP Deny → an Allow rule in front of it',
    policies: [makeBANP({ subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ namespaces: {} }] }] })],
    from: 'x/a',
    to: 'z/c',
    port: 'TCP/81',
    changes: ['patch'],
    stillDenied: ['x/a', 'z/b', 'TCP/81'],
  },
  {
    name: 'ClusterNetworkPolicy Deny → an Accept rule with protocols',
    policies: [makeClusterNetworkPolicy('deny', 'Admin', 3, { subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] })],
    from: 'x/a',
    to: 'y/a',
    port: 'SCTP/80',
    changes: ['patch'],
    stillDenied: ['x/a', 'y/a', 'SCTP/81'],
  },
  {
    name: 'ANP Deny and NetworkPolicy isolation → one Allow in the ANP (final, so NP isolation no longer applies)',
    policies: [denyAll('x'), makeANP('deny-y', 10, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Deny', from: [{ namespaces: nsSel('y') }] }] })],
    from: 'y/c',
    to: 'x/b',
    port: 'TCP/80',
    changes: ['patch'],
    stillDenied: ['y/a', 'x/b', 'TCP/80'],
  },
  {
    name: 'Cilium default deny → a NetworkPolicy (Cilium enforces both)',
    policies: [makeCilium('x', 'only-b', { endpointSelector: {}, ingress: [{ fromEndpoints: [{ matchLabels: { pod: 'b' } }] }] })],
    from: 'z/a',
    to: 'x/a',
    port: 'TCP/80',
    changes: ['new-policy'],
    stillDenied: ['z/c', 'x/a', 'TCP/80'],
  },
  {
    name: 'Cilium ingressDeny → remove the deny rule',
    policies: [
      makeCilium('x', 'deny-y', {
        endpointSelector: {},
        enableDefaultDeny: { ingress: false },
        ingressDeny: [{ fromEndpoints: [{ matchLabels: { 'io.kubernetes.pod.namespace': 'y' } }] }],
      }),
    ],
    from: 'y/a',
    to: 'x/a',
    port: 'TCP/80',
    changes: ['patch'],
  },
];

describe('fix suggestions', () => {
  it.each(cases)('$name', ({ policies, from, to, port, changes, stillDenied }) => {
    const objects = [...xyzCluster(), ...policies];
    const r = check(index(objects), from, to, port);
    expect(r.verdict).toBe('denied');
    expect(r.fix).not.toBeNull();
    expect(r.fix!.problem).toBeUndefined();
    expect(r.fix!.verified).toBe(true);
    expect(r.fix!.changes.map((c) => c.kind)).toEqual(changes);
    for (const c of r.fix!.changes) expect(c.yaml.length).toBeGreaterThan(0);
    const fixed = index(applyFix(objects, r.fix!));
    expect(fixed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(verdict(fixed, from, to, port)).toBe('allowed');
    if (stillDenied) expect(verdict(fixed, ...stillDenied)).toBe('denied');
  });

  it('gives no fix for an allowed connection', () => {
    expect(check(index(xyzCluster()), 'x/a', 'y/a', 'TCP/80').fix).toBeNull();
  });
});

describe('explanations', () => {
  it('names the isolating policy when no rule allows', () => {
    const r = check(
      index([...xyzCluster(), denyAll('x'), makePolicy('x', 'allow-b', { podSelector: { matchLabels: { pod: 'b' } }, ingress: [{}] })]),
      'y/a',
      'x/a',
      'TCP/80',
    );
    expect(r.ingress).toMatchObject({
      subject: 'x/a',
      allowed: false,
      selectedBy: { admin: [], networkpolicy: [{ kind: 'NetworkPolicy', namespace: 'x', name: 'deny-all' }], baseline: [] },
      decisions: [{ verdict: 'deny', reason: 'isolated', isolatedBy: [{ kind: 'NetworkPolicy', namespace: 'x', name: 'deny-all' }], ports: 'TCP/80' }],
    });
    expect(r.egress).toMatchObject({ subject: 'y/a', allowed: true, decisions: [{ reason: 'default' }] });
    expect(r.explanation).toContain('ingress of x/a: TCP/80 denied — isolated by NetworkPolicy x/deny-all, no rule allows it from y/a');
  });

  it('names the rule, its tier and action', () => {
    const r = check(
      index([
        ...xyzCluster(),
        makeANP('guard', 7, {
          subject: { namespaces: nsSel('x') },
          ingress: [
            { name: 'allow-z', action: 'Allow', from: [{ namespaces: nsSel('z') }] },
            { name: 'no-y', action: 'Deny', from: [{ namespaces: nsSel('y') }] },
          ],
        }),
      ]),
      'y/a',
      'x/a',
      'TCP/80',
    );
    expect(r.ingress.decisions).toMatchObject([
      {
        verdict: 'deny',
        reason: 'rule',
        tier: 'admin',
        rules: [{ policy: { kind: 'AdminNetworkPolicy', name: 'guard' }, rule: 'spec.ingress[1]', name: 'no-y', action: 'Deny' }],
      },
    ]);
    expect(r.explanation[2]).toMatch(
      /ingress of x\/a: TCP\/80 denied by AdminNetworkPolicy guard rule spec\.ingress\[1\] "no-y" \(Deny, from all pods in namespaces kubernetes\.io\/metadata\.name=y\)/,
    );
  });

  it('lists every NetworkPolicy rule that allows, and the passes that led to the default', () => {
    const r = check(
      index([
        ...xyzCluster(),
        makePolicy('x', 'one', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] }),
        makePolicy('x', 'two', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ ports: [{ port: 80 }] }] }),
      ]),
      'y/a',
      'x/a',
      'TCP/80',
    );
    expect(r.ingress.decisions[0]).toMatchObject({
      verdict: 'allow',
      reason: 'rule',
      tier: 'networkpolicy',
      rules: [{ policy: { name: 'one' } }, { policy: { name: 'two' } }],
    });
    const p = check(
      index([...xyzCluster(), makeANP('pass', 1, { subject: { namespaces: {} }, egress: [{ name: 'to-np', action: 'Pass', to: [{ namespaces: {} }] }] })]),
      'x/a',
      'y/a',
      'TCP/80',
    );
    expect(p.egress.decisions).toMatchObject([{ verdict: 'allow', reason: 'default', passedBy: [{ name: 'to-np', action: 'Pass' }] }]);
  });
});
