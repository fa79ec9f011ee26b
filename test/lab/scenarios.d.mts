import type { diagnose } from '../../src/core/index.js';

export interface LabScenario {
  name: string;
  namespace: string;
  from: string;
  to: string;
  expected: { verdict: diagnose.Verdict; kind: diagnose.FindingKind };
}
export const labScenarios: LabScenario[];
export const labProbeOnlyScenarios: LabScenario[];
export const labPlacement: Record<string, number | Record<string, number>>;
export const transitScenario: { name: string; namespace: string; nodePort: number };
