/**
 * The answer on screen as a report file (Markdown for a ticket, one self-contained HTML file
 * with the path as a picture), made in the page by the same code as `pathlight report` and
 * handed to the browser as a download (the desktop app asks where to save it).
 */
import { reportHtml, reportMarkdown, type ReportInput } from '../../../core/report/index.js';
import type { Diagnosis } from '../../../core/diagnose/types.js';
import type { AppState } from '../../store/index.js';

export type ReportFormat = 'md' | 'html';

/** The report of the answer shown, or undefined when there is none (no finished answer). */
export function reportOf(s: AppState, format: ReportFormat, now = new Date()): { name: string; text: string; type: string } | undefined {
  const q = s.question;
  const d = q?.state === 'done' ? q.diagnosis : undefined;
  if (s.cluster.status !== 'open' || !q || !d) return undefined;
  const opened = s.cluster.opened;
  const rec = opened.replay;
  const origin = s.replayAnswer?.kind;
  const input: ReportInput = {
    file: rec?.name ?? opened.context,
    meta: rec
      ? { context: rec.context, cluster: rec.cluster, ...(rec.created ? { created: rec.created } : {}), nodes: rec.nodes, redacted: rec.redacted }
      : { context: opened.context, nodes: [...new Set(q.nodes.map((n) => n.node))] },
    questions: [
      {
        ts: Date.parse(q.startedAt) * 1e6,
        from: d.query.from,
        to: d.query.to,
        ...(d.query.port !== undefined ? { port: d.query.port } : {}),
        protocol: d.query.protocol,
        // The API's answer is core's Diagnosis checked leniently (a newer engine's finding kind passes); the report prints it as text.
        diagnosis: d as unknown as Diagnosis,
        answer: !rec ? 'live' : origin === 'recorded' ? 'recorded' : 'replayed',
      },
    ],
    generated: now.toISOString(),
  };
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  const base = `pathlight-report-${(rec?.name.replace(/\.pathlight$/, '') ?? opened.context).replace(/[^A-Za-z0-9._-]+/g, '-')}-${stamp}`;
  return format === 'html'
    ? { name: `${base}.html`, text: reportHtml(input), type: 'text/html' }
    : { name: `${base}.md`, text: reportMarkdown(input), type: 'text/markdown' };
}

/** Hands `file` to the browser as a download. */
export function download(file: { name: string; text: string; type: string }): void {
  const url = URL.createObjectURL(new Blob([file.text], { type: `${file.type};charset=utf-8` }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
