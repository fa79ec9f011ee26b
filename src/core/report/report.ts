/**
 * A session report to hand on: for each question, what was asked, the verdict, the ranked
 * findings with their evidence and fixes, the path as a table and as a picture (pathSvg).
 * Markdown for tickets and wikis, HTML as one self-contained file (inline CSS, the picture
 * inline, a CSP that forbids loading anything, every recorded string escaped).
 */
import type { Diagnosis, Finding } from '../diagnose/types.js';
import { evidenceText, findingFacts, liveText, queryText, verdictText, verifiedText } from '../diagnose/text.js';
import type { MetaData } from '../recording/records.js';
import { escapeXml, pathSvg, verdictColours } from './svg.js';

export interface ReportQuestion {
  /** When it was asked (ns since the Unix epoch). */
  ts: number;
  from: string;
  to: string;
  port?: number | string;
  protocol?: string;
  diagnosis: Diagnosis;
  /** Where the answer comes from: the answer recorded then, re-run on the recorded state, or given on the live cluster. */
  answer: 'recorded' | 'replayed' | 'live';
}

export interface ReportInput {
  /** The recording's file name, as the reader should see it. */
  file: string;
  meta: MetaData;
  questions: ReportQuestion[];
  /** When the report was made (ISO); injected so output is reproducible in tests. */
  generated: string;
}

const iso = (ns: number) =>
  new Date(ns / 1e6)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
const answerText = { recorded: 'the answer given then', replayed: 're-run on the recorded state', live: 'answered on the live cluster' } as const;
const title = queryText;

function sessionLine(input: ReportInput): string {
  const m = input.meta;
  const parts = [
    m.cluster?.name || m.cluster?.server ? `cluster ${[m.cluster.name, m.cluster.server && `(${m.cluster.server})`].filter(Boolean).join(' ')}` : undefined,
    m.context ? `context ${m.context}` : undefined,
    m.created ? `recorded ${m.created}` : undefined,
    m.nodes?.length ? `probes on ${m.nodes.join(', ')}` : undefined,
    m.redacted ? 'names redacted' : undefined,
  ].filter(Boolean);
  return parts.join(' · ');
}

// ---- Markdown -------------------------------------------------------------------------------

/** Escapes text for Markdown prose: HTML-significant characters and the inline syntax. */
function md(s: string): string {
  return s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!).replace(/([\\`*_[\]|#])/g, '\\$1');
}

/**
 * An inline code span that a recorded name cannot leave (CommonMark "Code spans"): delimited
 * by a backtick run longer than any run inside, padded with a space when the text starts or
 * ends with a backtick (the parser strips one space from each side), and on one line (a
 * blank line would end the paragraph, and the span with it).
 */
function code(text: string): string {
  const flat = text.replace(/\r\n?|\n/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  const pad = /^`|`$|^ .* $/.test(flat) ? ' ' : '';
  return `${f}${pad}${flat}${pad}${f}`;
}

/** A fenced code block whose fence is longer than any backtick run inside. */
function fence(text: string, lang = ''): string[] {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return [f + lang, text.trimEnd(), f];
}

function findingMd(f: Finding, i: number): string[] {
  const out = [`#### ${i + 1}. ${md(f.kind)} — ${md(f.summary)}`, '', findingFacts(f), ''];
  if (f.evidence.length) {
    out.push('Evidence:', '');
    for (const e of f.evidence) {
      const [first, ...rest] = evidenceText(e);
      if (e.type === 'policy') out.push(`- ${md(first ?? '')}`, ...(rest.length ? ['', ...fence(rest.join('\n')).map((l) => `  ${l}`)] : []));
      else out.push(`- ${md([first, ...rest].join(' '))}`);
    }
    out.push('');
  }
  if (f.fix) {
    out.push(`Fix: ${md(f.fix.description)}${f.fix.verified ? ` (${verifiedText})` : ''}`, '');
    if (f.fix.kubectl) out.push(...fence(f.fix.kubectl, 'sh'), '');
    if (f.fix.yaml) out.push(...fence(f.fix.yaml, 'yaml'), '');
  }
  return out;
}

function questionMd(q: ReportQuestion, n: number, total: number): string[] {
  const d = q.diagnosis;
  const out = [`## ${total > 1 ? `${n}. ` : ''}${md(title(d))}`, ''];
  out.push(`Asked ${iso(q.ts)}: ${code(`--from ${q.from} --to ${q.to}${q.port !== undefined ? ` --port ${q.port}` : ''}`)} (${answerText[q.answer]}).`, '');
  out.push(`**Verdict: ${verdictText[d.verdict]}**${d.findings[0] ? ` — ${md(d.findings[0].summary)}` : ''}`, '');
  const svg = pathSvg(d.path, `Path ${title(d)}`);
  out.push(`![Path ${md(title(d))}](data:image/svg+xml;base64,${base64(svg)})`, '');
  out.push('| hop | verdict | what | findings |', '| --- | --- | --- | --- |');
  for (const h of d.path) out.push(`| ${h.hop} | ${h.verdict} | ${md(h.label)} | ${md(h.findings.join(', '))} |`);
  out.push('', '### Findings', '');
  if (d.findings.length === 0) out.push('None.', '');
  d.findings.forEach((f, i) => out.push(...findingMd(f, i)));
  const live = liveText(d);
  if (live) out.push(`Live: ${md(live)}`, '');
  for (const note of d.notes) out.push(`> Note: ${md(note)}`, '');
  return out;
}

/** UTF-8 bytes of text, through encodeURIComponent (core has neither Buffer nor TextEncoder). */
function utf8(text: string): number[] {
  const bytes: number[] = [];
  for (const part of encodeURIComponent(text).split(/(%[0-9A-F]{2})/)) {
    if (part.startsWith('%')) bytes.push(parseInt(part.slice(1), 16));
    else for (let i = 0; i < part.length; i++) bytes.push(part.charCodeAt(i));
  }
  return bytes;
}

/** Base64 of UTF-8 text. */
function base64(text: string): string {
  const bytes = utf8(text);
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a, b, c] = [bytes[i]!, bytes[i + 1], bytes[i + 2]];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += abc[(n >> 18) & 63]! + abc[(n >> 12) & 63]! + (b === undefined ? '=' : abc[(n >> 6) & 63]!) + (c === undefined ? '=' : abc[n & 63]!);
  }
  return out;
}

export function reportMarkdown(input: ReportInput): string {
  const out = ['# Pathlight session report', '', `${md(input.file)} — ${md(sessionLine(input))}`, '', `Generated ${input.generated}.`, ''];
  if (input.questions.length === 0) out.push('No question was asked in this session.', '');
  input.questions.forEach((q, i) => out.push(...questionMd(q, i + 1, input.questions.length)));
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}

// ---- HTML -----------------------------------------------------------------------------------

const h = escapeXml;

const css = `
:root{color-scheme:light}
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#202124;max-width:1100px;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.25rem;margin:2.2rem 0 .4rem;border-bottom:1px solid #dadce0;padding-bottom:.3rem}
h3{font-size:1.05rem;margin:1.4rem 0 .3rem}.meta{color:#5f6368}
.verdict{display:inline-block;font-weight:600;padding:.15rem .6rem;border-radius:1rem;margin:.3rem 0}
.verdict-reachable{background:${verdictColours.ok.fill};color:${verdictColours.ok.text}}
.verdict-unreachable{background:${verdictColours.fail.fill};color:${verdictColours.fail.text}}
.verdict-unknown{background:${verdictColours.unknown.fill};color:${verdictColours.unknown.text}}
.path{overflow-x:auto;margin:.8rem 0}.path svg{max-width:100%;height:auto}
table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #dadce0;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f8f9fa}.v-fail{color:${verdictColours.fail.text};font-weight:600}.v-warn{color:${verdictColours.warn.text}}.v-ok{color:${verdictColours.ok.text}}
.finding{border-left:4px solid #dadce0;padding:.2rem .9rem;margin:.8rem 0}.finding.error{border-color:${verdictColours.fail.stroke}}
.finding.warning{border-color:${verdictColours.warn.stroke}}.finding.info{border-color:${verdictColours.ok.stroke}}
.facts{color:#5f6368;font-size:.9em}pre{background:#f8f9fa;border:1px solid #e8eaed;padding:.6rem;overflow-x:auto;font-size:12px}
ul{padding-left:1.3rem}.note{color:#5f6368}
`;

function findingHtml(f: Finding, i: number): string {
  const ev = f.evidence
    .map((e) => {
      const [first, ...rest] = evidenceText(e);
      return `<li>${h(first ?? '')}${rest.length ? `<pre>${h(rest.join('\n'))}</pre>` : ''}</li>`;
    })
    .join('');
  const fix = f.fix
    ? `<p><strong>Fix:</strong> ${h(f.fix.description)}${f.fix.verified ? ` <em>(${verifiedText})</em>` : ''}</p>${f.fix.kubectl ? `<pre>${h(f.fix.kubectl)}</pre>` : ''}${f.fix.yaml ? `<pre>${h(f.fix.yaml)}</pre>` : ''}`
    : '';
  return `<div class="finding ${f.severity}"><h3>${i + 1}. ${h(f.kind)} — ${h(f.summary)}</h3><p class="facts">${h(findingFacts(f))}</p>${ev ? `<p>Evidence:</p><ul>${ev}</ul>` : ''}${fix}</div>`;
}

function questionHtml(q: ReportQuestion, n: number, total: number): string {
  const d = q.diagnosis;
  const rows = d.path
    .map((p) => `<tr><td>${h(p.hop)}</td><td class="v-${p.verdict}">${p.verdict}</td><td>${h(p.label)}</td><td>${h(p.findings.join(', '))}</td></tr>`)
    .join('');
  const live = liveText(d);
  return [
    `<section><h2>${total > 1 ? `${n}. ` : ''}${h(title(d))}</h2>`,
    `<p class="meta">Asked ${h(iso(q.ts))}: <code>--from ${h(q.from)} --to ${h(q.to)}${q.port !== undefined ? ` --port ${h(String(q.port))}` : ''}</code> (${answerText[q.answer]})</p>`,
    `<p><span class="verdict verdict-${d.verdict}">${h(verdictText[d.verdict])}</span>${d.findings[0] ? ` ${h(d.findings[0].summary)}` : ''}</p>`,
    `<div class="path">${pathSvg(d.path, `Path ${title(d)}`)}</div>`,
    `<table><thead><tr><th>hop</th><th>verdict</th><th>what</th><th>findings</th></tr></thead><tbody>${rows}</tbody></table>`,
    `<h3>Findings</h3>${d.findings.length ? d.findings.map(findingHtml).join('') : '<p>None.</p>'}`,
    live ? `<p><strong>Live:</strong> ${h(live)}</p>` : '',
    d.notes.map((x) => `<p class="note">Note: ${h(x)}</p>`).join(''),
    '</section>',
  ].join('\n');
}

/** One HTML file that loads nothing: inline CSS and SVG, and a CSP that says so. */
export function reportHtml(input: ReportInput): string {
  const body = input.questions.length
    ? input.questions.map((q, i) => questionHtml(q, i + 1, input.questions.length)).join('\n')
    : '<p>No question was asked in this session.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pathlight report — ${h(input.file)}</title>
<style>${css}</style>
</head>
<body>
<h1>Pathlight session report</h1>
<p class="meta">${h(input.file)} — ${h(sessionLine(input))}<br>Generated ${h(input.generated)}.</p>
${body}
</body>
</html>
`;
}
