import { describe, expect, it } from 'vitest';
import { namespaceOf, suggest } from '../../../src/renderer/features/workbench/suggest.js';

const names = {
  namespaces: ['shop'],
  workloads: ['shop/deploy/backend', 'shop/deploy/frontend'],
  pods: ['shop/frontend-1'],
  services: ['shop/svc/backend'],
  dns: ['backend.shop', 'backend.shop.svc.cluster.local'],
  nodes: ['n1'],
};

describe('query type-ahead', () => {
  it('ranks prefix of the whole name, then of the last part, then anywhere; To offers Services and DNS names first', () => {
    expect(suggest(names, 'front', 'from').map((s) => s.value)).toEqual(['shop/frontend-1', 'shop/deploy/frontend']);
    expect(suggest(names, 'back', 'to').map((s) => `${s.kind}:${s.value}`)).toEqual([
      'dns:backend.shop',
      'dns:backend.shop.svc.cluster.local',
      'service:shop/svc/backend',
      'workload:shop/deploy/backend',
    ]);
    expect(suggest(names, 'zzz', 'to')).toEqual([]);
    expect(suggest(names, '', 'from', 2)).toHaveLength(2);
  });
});

describe('type-ahead for B follows A', () => {
  const lab = {
    namespaces: ['lab-anp', 'lab-deny-ingress'],
    workloads: ['lab-anp/deploy/backend', 'lab-deny-ingress/deploy/backend', 'lab-deny-ingress/deploy/frontend'],
    pods: [],
    services: ['lab-anp/svc/backend', 'lab-deny-ingress/svc/backend'],
    dns: ['backend.lab-anp', 'backend.lab-anp.svc.cluster.local', 'backend.lab-deny-ingress', 'backend.lab-deny-ingress.svc.cluster.local'],
    nodes: [],
  };
  it("lists A's namespace first: `backend` and lab-deny-ingress entries before backend.lab-anp", () => {
    const got = suggest(lab, 'backend', 'to', 12, namespaceOf('lab-deny-ingress/deploy/frontend')).map((s) => s.value);
    expect(got[0]).toBe('backend');
    const anp = got.indexOf('backend.lab-anp');
    expect(anp).toBeGreaterThan(0);
    for (const v of got.slice(0, anp)) expect(v === 'backend' || v.includes('lab-deny-ingress')).toBe(true);
    expect(got.filter((v) => v.includes('lab-deny-ingress')).length).toBeGreaterThanOrEqual(3);
  });
  it('without A, or for From, nothing changes', () => {
    expect(suggest(lab, 'backend', 'to')[0]!.value).toBe('backend.lab-anp');
    expect(namespaceOf('10.0.0.1')).toBeUndefined();
  });
});
