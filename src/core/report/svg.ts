/**
 * The A → B path of a Diagnosis as a picture: one box per hop, left to right, coloured by the
 * hop's verdict (the failing hop red), its findings under its label. Plain SVG text with every
 * string escaped, so a report can inline it without external resources.
 */
import type { HopVerdict, PathHop } from '../diagnose/types.js';

/** Escapes text for XML/HTML element content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Fill and stroke per verdict; keep in step with the legend in report.ts. */
export const verdictColours: Record<HopVerdict, { fill: string; stroke: string; text: string }> = {
  ok: { fill: '#e6f4ea', stroke: '#2e7d32', text: '#1b5e20' },
  fail: { fill: '#fdecea', stroke: '#c62828', text: '#b71c1c' },
  warn: { fill: '#fff4e0', stroke: '#ef6c00', text: '#8a4b00' },
  unknown: { fill: '#f1f3f4', stroke: '#80868b', text: '#3c4043' },
  skipped: { fill: '#ffffff', stroke: '#bdc1c6', text: '#80868b' },
};

const mark: Record<HopVerdict, string> = { ok: '✓', fail: '✗', warn: '!', unknown: '?', skipped: '·' };

const boxW = 160;
const boxH = 84;
const gap = 36;
const pad = 12;

/** Cuts a label to about `n` characters, keeping its end (names differ at the end: pod hashes). */
function cut(s: string, n: number): string {
  return s.length <= n ? s : `…${s.slice(s.length - n + 1)}`;
}

/** Splits a label into at most two lines of about `n` characters. */
function lines(s: string, n: number): string[] {
  if (s.length <= n) return [s];
  const at = s.lastIndexOf(' ', n);
  const split = at > n / 2 ? at : n;
  return [s.slice(0, split).trimEnd(), cut(s.slice(split).trimStart(), n)];
}

/** The path as an SVG document fragment (`<svg …>…</svg>`); `title` names it for screen readers. */
export function pathSvg(path: readonly PathHop[], title = 'A → B path'): string {
  const n = Math.max(path.length, 1);
  const width = pad * 2 + n * boxW + (n - 1) * gap;
  const height = pad * 2 + boxH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">`,
    `<title>${escapeXml(title)}</title>`,
    '<defs><marker id="pl-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#5f6368"/></marker></defs>',
  );
  path.forEach((h, i) => {
    const x = pad + i * (boxW + gap);
    const y = pad;
    const c = verdictColours[h.verdict];
    if (i > 0)
      out.push(
        `<line x1="${x - gap + 2}" y1="${y + boxH / 2}" x2="${x - 3}" y2="${y + boxH / 2}" stroke="#5f6368" stroke-width="1.5" marker-end="url(#pl-arrow)"/>`,
      );
    const dash = h.verdict === 'skipped' ? ' stroke-dasharray="4 3"' : '';
    const width = h.verdict === 'fail' ? 3 : 1.5;
    out.push(`<g class="hop hop-${h.verdict}" data-hop="${escapeXml(h.hop)}">`);
    out.push(`<title>${escapeXml(`${h.hop}: ${h.label} (${h.verdict})${h.findings.length ? ` — ${h.findings.join(', ')}` : ''}`)}</title>`);
    out.push(`<rect x="${x}" y="${y}" width="${boxW}" height="${boxH}" rx="8" fill="${c.fill}" stroke="${c.stroke}" stroke-width="${width}"${dash}/>`);
    out.push(`<text x="${x + 10}" y="${y + 20}" font-size="13" font-weight="600" fill="${c.text}">${escapeXml(`${mark[h.verdict]} ${h.hop}`)}</text>`);
    lines(h.label, 24).forEach((l, j) => out.push(`<text x="${x + 10}" y="${y + 40 + j * 15}" font-size="11" fill="#202124">${escapeXml(l)}</text>`));
    if (h.findings.length)
      out.push(`<text x="${x + 10}" y="${y + boxH - 9}" font-size="10" font-weight="600" fill="${c.text}">${escapeXml(cut(h.findings.join(', '), 28))}</text>`);
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('');
}
