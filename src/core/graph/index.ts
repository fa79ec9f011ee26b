/**
 * The workbench graph: cluster objects, observed flows and the diagnosed path as nodes and
 * edges for the UI, kept up to date incrementally (see GraphModel).
 */
export * from './types.js';
export * from './ids.js';
export { GraphModel, type GraphModelOptions } from './model.js';
export { clusterNodes, type ClusterNodes } from './cluster.js';
export { httpLabel, httpText, httpView, statsVerdict, type HttpView } from './flows.js';
export { hopEdgeVerdict, policyRelation } from './diagnosis.js';
