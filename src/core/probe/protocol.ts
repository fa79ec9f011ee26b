/**
 * The probe agent's wire protocol (docs/architecture.md §3), in three parts: schemas.ts (the
 * enums and one schema per line type, kept aligned with native/internal/protocol/protocol.go),
 * decode.ts (one line → a typed `ProbeLine` or a `DecodeError`) and splitter.ts (a chunked
 * stream → lines). src/core/index.ts exports these names as `probe.*`.
 */
export * from './schemas.js';
export * from './decode.js';
export * from './splitter.js';
