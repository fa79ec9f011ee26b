/** The "why" engine: A → B diagnosed hop by hop, with live evidence correlated in. */
export * from './types.js';
export {
  diagnosisText,
  evidenceText,
  findingFacts,
  liveText,
  connectionsText,
  queryText,
  verdictText,
  verifiedText,
  sourceText,
  staleText,
  blindText,
} from './text.js';
export { findingHeadline, shortName } from './headline.js';
export { diagnose, rank, checks, type DiagnoseOptions, type DiagnoseResult } from './diagnose.js';
export { Correlator, connectionsBetween, dnsLookups, type Connection, type DnsSeen, type SideA } from './correlate.js';
export { Cluster } from './cluster.js';
export { parseSource, parseTarget, splitHostPort, type WhyQuery, type Source, type Target } from './query.js';
export { candidates, resolve, resolvConfOf, lookup, type ResolvConf } from './dns.js';
export { QuestionRun, questionOf, nodeNote, recordedLine, staleAnswer, type Question, type NodeReport, type ProbePlan } from './question.js';
