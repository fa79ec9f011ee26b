/**
 * Finding the cluster's Hubble Relay from the objects: its Service (kube-system first, as Cilium
 * installs it), a ready pod behind it and the port the pod serves gRPC on — or none, so a
 * question falls back to each node's Hubble over SSH.
 */
import { describe, expect, it } from 'vitest';
import { findRelay } from '../../../../src/backend/hubble/relay.js';
import type { ClusterKind } from '../../../../src/core/index.js';
import { makeService, makeSlice } from '../../../helpers/objects.js';

const view = (o: Partial<Record<ClusterKind, object[]>>) => ({ list: (k: ClusterKind) => o[k] ?? [] });
const relaySvc = (ns: string) =>
  makeService(ns, 'hubble-relay', '10.96.0.50', [{ name: 'grpc', port: 80, targetPort: 'grpc' }], { selector: { 'k8s-app': 'hubble-relay' } });

describe('findRelay', () => {
  it("the Relay Service's ready pod and its gRPC port (the slice's, not the Service's 80)", () => {
    const slice = makeSlice(
      'kube-system',
      'hubble-relay',
      [
        { ip: '10.244.1.7', ready: false, pod: 'hubble-relay-old' },
        { ip: '10.244.1.8', ready: true, pod: 'hubble-relay-7c9' },
      ],
      [{ name: 'grpc', port: 4245 }],
    );
    expect(findRelay(view({ Service: [relaySvc('kube-system')], EndpointSlice: [slice] }))).toEqual({
      namespace: 'kube-system',
      service: 'hubble-relay',
      pod: 'hubble-relay-7c9',
      port: 4245,
    });
  });

  it('kube-system first when two namespaces have one', () => {
    const objs = {
      Service: [relaySvc('cilium'), relaySvc('kube-system')],
      EndpointSlice: [
        makeSlice('cilium', 'hubble-relay', [{ ip: '10.244.2.8', ready: true, pod: 'relay-a' }], [{ name: 'grpc', port: 4245 }]),
        makeSlice('kube-system', 'hubble-relay', [{ ip: '10.244.1.8', ready: true, pod: 'relay-b' }], [{ name: 'grpc', port: 4245 }]),
      ],
    };
    expect(findRelay(view(objs))?.pod).toBe('relay-b');
  });

  it('none: no Service, or no ready pod behind it', () => {
    expect(findRelay(view({}))).toBeUndefined();
    const notReady = makeSlice('kube-system', 'hubble-relay', [{ ip: '10.244.1.8', ready: false, pod: 'hubble-relay-7c9' }], [{ name: 'grpc', port: 4245 }]);
    expect(findRelay(view({ Service: [relaySvc('kube-system')], EndpointSlice: [notReady] }))).toBeUndefined();
  });
});
