/** Netfilter rules (the probe's `rule` lines) mapped to the software and Kubernetes objects behind them. */
export * from './types.js';
export * from './map.js';
export { mapKubeRouter, kubeRouterPod } from './kubeRouter.js';
export { mapKubeProxy } from './kubeProxy.js';
export { mapCalico, calicoPolicyObject, calicoRuleId } from './calico.js';
export { mapGeneric, guessSoftware } from './generic.js';
export * from './evidence.js';
