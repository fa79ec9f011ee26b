import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { PathlightError } from '../../api/index.js';
import { openForCli } from '../recording.js';
import { printError } from '../output.js';
import type { Diagnosis } from '../../core/diagnose/index.js';

interface ReportOpts {
  question?: string;
  format?: string;
  out: string;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'Export a session report from a recording: each question, the verdict, the ranked findings with evidence and fixes, and the A → B path as a picture (Markdown, or one self-contained HTML file)',
    )
    .argument('<file>', '.pathlight recording')
    .requiredOption('--out <file>', 'the report to write (never overwritten)')
    .option('--format <format>', 'md or html (default: from the --out extension)')
    .option('--question <n>', 'only the n-th question (1 = the first asked; default every question)')
    .action(async (file: string, opts: ReportOpts) => {
      const fail = (error: Parameters<typeof printError>[0]) => {
        printError(error);
        process.exitCode = 2;
      };
      const format = opts.format ?? (/\.html?$/i.test(opts.out) ? 'html' : /\.(md|markdown)$/i.test(opts.out) ? 'md' : undefined);
      if (format !== 'md' && format !== 'html')
        return fail({ code: 'invalid-request', message: `--format ${opts.format ?? '(none)'}: use md or html.`, hint: 'or give --out a .md or .html name' });
      const n = opts.question === undefined ? undefined : Number(opts.question);
      if (n !== undefined && !(Number.isInteger(n) && n >= 1))
        return fail({ code: 'invalid-request', message: `--question ${opts.question}: give the question's number, 1 for the first.` });
      const { report } = await import('../../core/index.js');
      const rec = await openForCli(file, fail);
      if (!rec) return;
      if (n !== undefined && n > rec.questions.length)
        return fail({
          code: 'invalid-request',
          message: `${file} holds ${rec.questions.length} question(s); there is no question ${n}.`,
          hint: '`pathlight replay FILE` lists them',
        });
      // The answer given at the time; re-run on the recorded state where none was recorded (a crash mid-question).
      let reasked: ReturnType<typeof rec.reask> = [];
      try {
        reasked = rec.questions.some((q) => !q.answer) ? rec.reask() : [];
      } catch (err) {
        // A probe line is parsed when a question needs it: one that is not a record is a named error then.
        if (!(err instanceof PathlightError)) throw err;
        return fail(err.detail);
      }
      const questions = rec.questions.flatMap((q, i) => {
        if (n !== undefined && i !== n - 1) return [];
        const recorded = q.answer?.data.diagnosis as Diagnosis | undefined;
        const again = reasked.find((r) => r.question.question.id === q.question.id)?.result;
        const diagnosis = recorded ?? (again?.ok ? again.value : undefined);
        if (!diagnosis) {
          process.stderr.write(
            `warning: question ${i + 1} (${q.question.from} → ${q.question.to}) has no answer and cannot be re-run: ${again && !again.ok ? again.error.message : 'no recorded state'}\n`,
          );
          return [];
        }
        return [
          {
            ts: q.ts,
            from: q.question.from,
            to: q.question.to,
            ...(q.question.port !== undefined ? { port: q.question.port } : {}),
            ...(q.question.protocol ? { protocol: q.question.protocol } : {}),
            diagnosis,
            answer: recorded ? ('recorded' as const) : ('replayed' as const),
          },
        ];
      });
      const input = { file: path.basename(file), meta: rec.meta, questions, generated: new Date().toISOString() };
      const text = format === 'html' ? report.reportHtml(input) : report.reportMarkdown(input);
      try {
        writeFileSync(opts.out, text, { flag: 'wx' });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return fail({
          code: 'invalid-request',
          message: code === 'EEXIST' ? `${opts.out} exists; a report is never overwritten.` : `cannot write ${opts.out}: ${(err as Error).message}`,
          hint: 'choose another --out',
          file: opts.out,
        });
      }
      process.stderr.write(`report: wrote ${opts.out} (${format}, ${questions.length} question(s), ${Buffer.byteLength(text).toLocaleString('en')} bytes)\n`);
    });
}
