/**
 * What people feed a policy tool, one fixture folder per shape (test/fixtures/policy/shapes):
 * Helm-rendered streams, kustomize output, JSON lists, `kubectl get all,networkpolicies -A -o
 * yaml`, workload controllers without pods. Each is read whole, what was skipped or guessed is
 * said (inputWarnings), and the policies in it take effect.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { policy } from '../../../../src/core/index.js';
import { fixture } from '../../../helpers/paths.js';

function load(shape: string): policy.PolicyIndex {
  const dir = fixture(`policy/shapes/${shape}`);
  const files = readdirSync(dir)
    .sort()
    .map((name) => ({ name, text: readFileSync(path.join(dir, name), 'utf8') }));
  return policy.indexFromFiles(files);
}

const ids = (index: policy.PolicyIndex) => index.workloads.map((w) => `${w.id} ${w.kind}`);
const verdict = (index: policy.PolicyIndex, from: string, to: string, port: string) => {
  const r = policy.checkConnection(index, { from, to, port });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.verdict;
};
const warning = (index: policy.PolicyIndex, code: policy.InputWarning['code']) => policy.inputWarnings(index).find((w) => w.code === code);

describe('input shapes', () => {
  it('Helm output: comments and empty documents are no objects; objects without a namespace go to default, and that is said', () => {
    const index = load('helm');
    expect(index.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(ids(index)).toEqual(['default/shop-db StatefulSet', 'default/shop-web Deployment']);
    expect(verdict(index, 'default/shop-web', 'default/shop-db', 'TCP/5432')).toBe('allowed');
    expect(verdict(index, 'default/shop-web', 'default/shop-db', 'TCP/22')).toBe('denied');
    expect(warning(index, 'no-namespace')).toMatchObject({ count: 3, first: ['rendered.yaml:24', 'rendered.yaml:48', 'rendered.yaml:66'] });
    expect(warning(index, 'skipped')).toMatchObject({ count: 2, first: ['rendered.yaml:4', 'rendered.yaml:15'] });
    expect(warning(index, 'skipped')?.message).toContain('Service ×1, ServiceAccount ×1');
  });

  it('kustomize output: defined namespace labels are used, a CronJob template is a workload, named ports resolve', () => {
    const index = load('kustomize');
    expect(ids(index)).toEqual(['payments/api Deployment', 'payments/api-report CronJob']);
    expect(index.namespaces.get('payments')).toMatchObject({ implied: false, labels: { team: 'payments' } });
    expect(warning(index, 'undefined-namespace')).toBeUndefined();
    expect(warning(index, 'skipped')?.message).toMatch(
      /^2 objects skipped, not read by the policy engine \(ConfigMap ×1, Service ×1\): build\.yaml:8, build\.yaml:18$/,
    );
    // The ingress rule admits namespaces labelled team=storefront only, on the named port https.
    expect(verdict(index, 'payments/api-report', 'payments/api', 'TCP/8443')).toBe('denied');
  });

  it('a JSON List: pods grouped under their workload, a NetworkPolicy applied, an item without kind skipped at its own line', () => {
    const index = load('json-list');
    expect(ids(index)).toEqual(['shop/db StatefulSet', 'shop/web Deployment']);
    expect(index.workloadById.get('shop/web')?.pods.map((p) => p.name)).toEqual(['web-7d9f8b6c5d-x2x4q', 'web-7d9f8b6c5d-k8s2m']);
    expect(verdict(index, 'shop/web', 'shop/db', 'TCP/5432')).toBe('allowed');
    expect(verdict(index, 'shop/db', 'shop/web', 'TCP/8080')).toBe('allowed');
    expect(verdict(index, 'shop/web', 'shop/db', 'TCP/6379')).toBe('denied');
    expect(warning(index, 'skipped')).toMatchObject({ count: 1, first: ['pods-and-policies.json:46'] });
    expect(warning(index, 'undefined-namespace')).toMatchObject({ count: 1, first: ['shop'] });
  });

  it('a skipped item of a JSON list is named by its index (its line would take the slow parser over the whole dump)', () => {
    const text = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a' }, spec: { containers: [{ name: 'c' }] } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'a' } },
      ],
    });
    const index = policy.indexFromFiles([{ name: 'dump.json', text }]);
    expect(warning(index, 'skipped')).toMatchObject({ count: 1, first: ['dump.json:1 items[1]'] });
  });

  it('kubectl get all,networkpolicies -A -o yaml: pods under their Deployment, static pods and pods of a non-controller owner on their own', () => {
    const index = load('get-all');
    expect(ids(index)).toEqual([
      'kube-system/coredns Deployment',
      'kube-system/etcd-cp1 Pod',
      'kube-system/kube-apiserver-cp1 Pod',
      'shop/web Deployment',
      'shop/worker-1 Pod',
      'shop/worker-2 Pod',
    ]);
    // Real pods win over the Deployment's and ReplicaSet's templates.
    expect(index.workloadById.get('shop/web')?.pods.map((p) => [p.name, p.representative])).toEqual([['web-5c7b9d8f4-abcde', false]]);
    expect(verdict(index, 'shop/web', 'kube-system/coredns', 'UDP/53')).toBe('allowed');
    expect(verdict(index, 'shop/web', 'shop/worker-1', 'TCP/80')).toBe('denied');
    const skipped = warning(index, 'skipped');
    expect(skipped).toMatchObject({ count: 3, first: ['cluster.yaml:129', 'cluster.yaml:140', 'cluster.yaml:149'] });
    expect(skipped?.message).toContain('Service ×3');
    expect(warning(index, 'undefined-namespace')?.message).toBe(
      'namespace shop not defined in the manifests: taken with the kubernetes.io/metadata.name label only',
    );
  });

  it('workload controllers without pods: every template becomes a workload the policies apply to', () => {
    const index = load('controllers');
    expect(ids(index)).toEqual(['apps/backup CronJob', 'apps/db StatefulSet', 'apps/migrate Job', 'apps/web Deployment', 'ops/agent DaemonSet']);
    expect(index.pods.every((p) => p.representative)).toBe(true);
    expect(verdict(index, 'apps/web', 'apps/db', 'TCP/5432')).toBe('allowed');
    expect(verdict(index, 'apps/migrate', 'apps/db', 'TCP/5432')).toBe('allowed');
    expect(verdict(index, 'apps/backup', 'apps/db', 'TCP/5432')).toBe('denied');
    expect(warning(index, 'undefined-namespace')).toMatchObject({ count: 2, first: ['apps', 'ops'] });
  });

  it('a referenced but undefined namespace matches a selector on its name label and no other label', () => {
    const index = policy.indexFromFiles([
      {
        name: 'x.yaml',
        text: [
          'apiVersion: v1\nkind: Pod\nmetadata: {name: api, namespace: prod, labels: {app: api}}\nspec: {containers: [{name: c}]}',
          'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: front, labels: {app: web}}\nspec: {containers: [{name: c}]}',
          'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: by-name, namespace: prod}\nspec:\n  podSelector: {}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: front}}}]\n    ports: [{port: 80}]\n  - from: [{namespaceSelector: {matchLabels: {team: front}}}]\n    ports: [{port: 81}]',
        ].join('\n---\n'),
      },
    ]);
    expect(verdict(index, 'front/web', 'prod/api', 'TCP/80')).toBe('allowed');
    expect(verdict(index, 'front/web', 'prod/api', 'TCP/81')).toBe('denied');
    expect(warning(index, 'undefined-namespace')).toMatchObject({ count: 2, first: ['prod', 'front'] });
  });

  it('pods whose only owner is not their controller nor of a workload kind are not merged; a workload-kind owner without controller still groups', () => {
    const pod = (name: string, owner: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: n, labels: {app: x}, ownerReferences: [${owner}]}\nspec: {containers: [{name: c}]}`;
    const index = policy.indexFromFiles([
      {
        name: 'p.yaml',
        text: [
          pod('a', '{apiVersion: v1, kind: ConfigMap, name: shared, uid: cm1}'),
          pod('b', '{apiVersion: v1, kind: ConfigMap, name: shared, uid: cm1}'),
          pod('c-0', '{apiVersion: apps/v1, kind: StatefulSet, name: c}'),
          pod('c-1', '{apiVersion: apps/v1, kind: StatefulSet, name: c}'),
          pod('vm', '{apiVersion: kubevirt.io/v1, kind: VirtualMachineInstance, name: vm1, uid: v1, controller: true}'),
        ].join('\n---\n'),
      },
    ]);
    expect(ids(index)).toEqual(['n/a Pod', 'n/b Pod', 'n/c StatefulSet', 'n/vm1 VirtualMachineInstance']);
  });
});
