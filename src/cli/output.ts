/** How CLI commands report a failed Result: the message, the next step, a non-zero exit. */
import type { ApiError } from '../api/index.js';

export function printError(error: ApiError): void {
  const where = error.file ? ` [${error.file}${error.line ? `:${error.line}${error.column ? `:${error.column}` : ''}` : ''}]` : '';
  process.stderr.write(`error (${error.code}): ${error.message}${where}\n`);
  if (error.hint) process.stderr.write(`  next: ${error.hint}\n`);
}

/** An error as a command reports it (and as `{"error": …}` on stdout with --json); exit 2. */
export function failWith(json: boolean | undefined, error: ApiError): void {
  if (json) process.stdout.write(JSON.stringify({ error }) + '\n');
  printError(error);
  process.exitCode = 2;
}

/** Left-aligned text table with a header row. */
export function table(header: string[], rows: string[][]): string {
  // A loop, not Math.max(...rows): spreading 100,000+ rows as arguments overflows the stack.
  const widths = header.map((h) => h.length);
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
