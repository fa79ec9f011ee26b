/** Session reports (Markdown, self-contained HTML) and the path picture they carry. */
export { pathSvg, escapeXml, verdictColours } from './svg.js';
export { reportMarkdown, reportHtml, type ReportInput, type ReportQuestion } from './report.js';
/** Evidence in words lives with the diagnosis's other sentences; kept here for the report's readers. */
export { evidenceText } from '../diagnose/text.js';
