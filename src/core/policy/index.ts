/** Policy engine: NetworkPolicy, AdminNetworkPolicy/Baseline, ClusterNetworkPolicy and Cilium L3/L4. */
export * from './model.js';
export { ALL, NONE, single, isAll, isEmpty, describeConnSet, toPortEntries, type ConnSet, type PortEntry, type PortSpec, type Protocol } from './ports.js';
export { parseManifests, parseManifestsExact, type SourceFile, type ManifestObject, type ParsedManifests } from './manifests.js';
export { PolicyIndex, indexFromFiles, indexFromObjects } from './policyIndex.js';
export { evaluatePair, evaluateDirection, podEndpoint, ipEndpoint, type PairResult, type DirectionResult, type Decision, type RuleRef } from './evaluate.js';
export { explainLines, decisionLines, policyLines, directionJson, pairJson, directionJsonSchema, refText, type DirectionJson } from './explain.js';
export { suggestFix, type FixSuggestion, type FixChange } from './fix.js';
export { checkConnection, parsePortArg, type CheckRequest, type CheckResult, type CheckOutcome } from './check.js';
export { computeMatrix, matrixText, type Matrix, type Connection } from './matrix.js';
export { inputWarnings, type InputWarning } from './inputWarnings.js';
