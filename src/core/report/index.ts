/** Session reports (Markdown, self-contained HTML) and the path picture they carry. */
export { pathSvg, escapeXml, verdictColours } from './svg.js';
export { reportMarkdown, reportHtml, evidenceText, type ReportInput, type ReportQuestion } from './report.js';
