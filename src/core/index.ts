export * from './kubeconfig/summary.js';
export * as policy from './policy/index.js';
export * from './session/records.js';
export * from './session/summary.js';
export * from './flows/hubble.js';
export * as probe from './probe/protocol.js';
export * from './cluster/identity.js';
export * from './cluster/nodes.js';
export * from './session/scrub.js';
