import { describe, expect, it } from 'vitest';
import { suggest } from '../../../src/renderer/features/workbench/suggest.js';

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
