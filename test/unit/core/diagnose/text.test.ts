/**
 * One wording for an answer (src/core/diagnose/text.ts): what `pathlight why` prints and what
 * the session report writes say the live part, the evidence and a finding's facts in the same
 * sentences.
 */
import { describe, expect, it } from 'vitest';
import { diagnose as d, report } from '../../../../src/core/index.js';
import { correlate, labFixtures, tableEvents, view } from '../../../helpers/diagnose.js';

const f = labFixtures().find((x) => x.scenario === 'deny-backend-ingress')!;
const r = d.diagnose(view(f.objects), f.query, { correlator: correlate(f.events) });
if (!r.ok) throw new Error(r.error.message);
const diag = r.value;
const md = report.reportMarkdown({
  file: 'x.pathlight',
  meta: {},
  questions: [{ ts: 0, from: f.query.from, to: f.query.to, diagnosis: diag, answer: 'recorded' }],
  generated: 'now',
});

describe('diagnosis text', () => {
  it('the CLI and the report say the live part in the same sentence', () => {
    const live = d.liveText(diag)!;
    expect(live).toBe(`${tableEvents(f).length} events from the probes, ${diag.live!.matched} about A → B; connections: 2 refused`);
    expect(d.diagnosisText(diag)).toContain(`\nlive: ${live}\n`);
    expect(md).toContain(`Live: ${live}`);
  });

  it('says when the probes lost events that the evidence may be incomplete', () => {
    expect(d.liveText({ ...diag, live: { ...diag.live!, lost: 3 } })).toMatch(/; 3 events lost: the evidence may be incomplete$/);
    expect(d.liveText({ ...diag, live: undefined })).toBeUndefined();
  });

  it('the CLI and the report give the same evidence lines and fix', () => {
    const cli = d.diagnosisText(diag);
    const top = diag.findings[0]!;
    const events = top.evidence.find((e) => e.type === 'events')!;
    const [line] = d.evidenceText(events);
    // A's refused connects on A's node, kube-router's drops on B's: one evidence line names both.
    expect(line).toMatch(/ — \d+ events, \d\d:\d\d:\d\d\.\d{3}–\d\d:\d\d:\d\d\.\d{3} on pathlight-lab-node, pathlight-lab-node-2$/);
    expect(cli).toContain(`· ${line}`);
    expect(md).toContain(line!.replace(/[\\`*_[\]|#]/g, '\\$&'));
    expect(md).toContain(d.findingFacts(top));
    expect(cli).toContain(`(${d.verifiedText})`);
    expect(md).toContain(`(${d.verifiedText})`);
  });
});

describe('a hop that was not tested', () => {
  it('gets the neutral mark and says "not checked", never a check mark', () => {
    const f = labFixtures().find((x) => x.scenario === 'healthy')!;
    const r = d.diagnose(view(f.objects), f.query);
    if (!r.ok) throw new Error(r.error.message);
    const line = d
      .diagnosisText(r.value)
      .split('\n')
      .find((l) => l.includes('network'))!;
    expect(line).toMatch(/^ {2}· network +not checked: no probes ran\b/);
  });
});
