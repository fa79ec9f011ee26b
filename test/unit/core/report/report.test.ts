/**
 * Session reports: the path picture (a box per hop, the failing hop red, every label escaped)
 * and the Markdown / HTML reports built from a golden lab diagnosis — complete (question,
 * verdict, ranked findings with evidence and fixes, path) and self-contained (no external
 * resource, hostile names escaped).
 */
import { describe, expect, it } from 'vitest';
import { report, type diagnose as d } from '../../../../src/core/index.js';
import { diagnose } from '../../../../src/core/diagnose/index.js';
import { correlate, labFixtures, view } from '../../../helpers/diagnose.js';

const f = labFixtures().find((x) => x.scenario === 'deny-backend-ingress')!;
const r = diagnose(view(f.objects), f.query, { correlator: correlate(f.events) });
if (!r.ok) throw new Error(r.error.message);
const diag: d.Diagnosis = r.value;
const input = (dg: d.Diagnosis = diag): report.ReportInput => ({
  file: 'incident.pathlight',
  meta: {
    context: 'lab',
    cluster: { name: 'pathlight-lab', server: 'https://127.0.0.1:16443' },
    created: '2026-12-03T09:00:00.000Z',
    nodes: ['pathlight-lab-node'],
  },
  questions: [{ ts: 1_796_288_431_941_000_000, from: f.query.from, to: f.query.to, diagnosis: dg, answer: 'recorded' }],
  generated: '2026-12-03T10:00:00.000Z',
});

/** A diagnosis whose names try to break out of the markup. */
function hostile(): d.Diagnosis {
  const evil = '</text><script>alert(1)</script><img src=http://x/y>';
  const dg = structuredClone(diag);
  dg.path[0]!.label = evil;
  dg.findings[0]!.summary = `denied ${evil} | ** _`;
  dg.query.from = `ns/${evil}`;
  return dg;
}

describe('pathSvg', () => {
  it('draws one box per hop, left to right, the failing hop red and thicker', () => {
    const svg = report.pathSvg(diag.path);
    expect(svg.match(/<rect /g)).toHaveLength(diag.path.length);
    const failing = diag.path.filter((h) => h.verdict === 'fail').map((h) => h.hop);
    expect(failing).toContain('policy-ingress');
    for (const hop of failing)
      expect(svg).toMatch(new RegExp(`data-hop="${hop}"><title>[^<]*</title><rect [^>]*stroke="${report.verdictColours.fail.stroke}" stroke-width="3"`));
    const ok = diag.path.find((h) => h.verdict === 'ok')!;
    expect(svg).toMatch(new RegExp(`data-hop="${ok.hop}"><title>[^<]*</title><rect [^>]*stroke="${report.verdictColours.ok.stroke}"`));
    expect(svg.match(/<line /g)).toHaveLength(diag.path.length - 1);
  });

  it('escapes labels', () => {
    const svg = report.pathSvg(hostile().path);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;/text&gt;&lt;script&gt;');
  });
});

describe('reports', () => {
  it('Markdown: question, verdict, ranked findings with evidence and fix, path table and picture', () => {
    const md = report.reportMarkdown(input());
    expect(md).toContain('# Pathlight session report');
    expect(md).toContain('**Verdict: ✗ unreachable**');
    expect(md).toContain('--from lab-deny-ingress/deploy/frontend --to backend:8080');
    expect(md).toMatch(/#### 1\. policy-deny-ingress — /);
    expect(md).toContain('Evidence:');
    expect(md).toContain('Fix: allow TCP/8080');
    expect(md).toContain('```yaml\napiVersion: networking.k8s.io/v1');
    expect(md).toMatch(/\| policy-ingress \| fail \|/);
    const img = /!\[[^\]]*\]\(data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)\)/.exec(md);
    expect(Buffer.from(img![1]!, 'base64').toString('utf8')).toBe(report.pathSvg(diag.path, `Path ${diag.query.from} → ${diag.query.to} port 8080/TCP`));
  });

  it('HTML: one file that loads nothing, with the picture inline and every finding', () => {
    const html = report.reportHtml(input());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).toMatch(/<style>[^<]+<\/style>/);
    expect(html).not.toMatch(/<link|<script|\s(?:src|href)=/i);
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    for (const [i, fi] of diag.findings.entries()) expect(html).toContain(`${i + 1}. ${fi.kind} — `);
    expect(html).toContain('kubectl apply -f - &lt;&lt;&#39;EOF&#39;');
  });

  it('escapes recorded names in both formats', () => {
    const html = report.reportHtml(input(hostile()));
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const md = report.reportMarkdown(input(hostile()));
    expect(md).not.toMatch(/<script|<img/i);
    expect(md).toContain('\\| \\*\\* \\_');
  });

  it('Markdown: a backtick in a recorded name stays inside its code span', () => {
    /** The first code span of a line as CommonMark reads it: a backtick run closed by the next run of the same length. */
    function firstCodeSpan(line: string): { content: string; after: string } | undefined {
      for (const open of line.matchAll(/`+/g)) {
        const n = open[0].length;
        const start = open.index + n;
        for (const close of line.slice(start).matchAll(/`+/g)) {
          if (close[0].length !== n) continue;
          const raw = line.slice(start, start + close.index);
          const content = /^ .*[^ ].* $/.test(raw) ? raw.slice(1, -1) : raw;
          return { content, after: line.slice(start + close.index + n) };
        }
      }
      return undefined;
    }
    for (const from of ['ns/a`b', 'ns/`**bold**`', 'ns/x``y', 'ns/end`', '`start/x']) {
      const base = input();
      const md = report.reportMarkdown({ ...base, questions: [{ ...base.questions[0]!, from, to: 'b`c:80\n\n# heading' }] });
      const line = md.split('\n').find((l) => l.startsWith('Asked '))!;
      const span = firstCodeSpan(line);
      expect(span?.content, from).toBe(`--from ${from} --to b\`c:80  # heading`);
      expect(span?.after, from).toBe(' (the answer given then).');
      expect(md).not.toMatch(/^# heading/m);
    }
  });

  it('says so when no question was asked', () => {
    expect(report.reportHtml({ ...input(), questions: [] })).toContain('No question was asked');
    expect(report.reportMarkdown({ ...input(), questions: [] })).toContain('No question was asked');
  });
});
