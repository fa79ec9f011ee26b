import type { Command } from 'commander';
import { toApiError } from '../../api/index.js';
import { printError, table } from '../output.js';

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('Summarise a recorded session: duration, events by type, questions and answers')
    .argument('<file>', '.pathlight recording')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const [{ RecordingReader }, { summarizeSession, migrate }] = await Promise.all([
        import('../../backend/store/recording.js'),
        import('../../core/index.js'),
      ]);
      let reader;
      try {
        reader = RecordingReader.open(file);
      } catch (err) {
        const error = toApiError(err);
        if (opts.json) process.stdout.write(JSON.stringify({ error }, null, 2) + '\n');
        printError(error);
        process.exitCode = 2;
        return;
      }
      try {
        // Older format versions are upgraded on the fly (records scrubbed, shapes of today).
        const summary = summarizeSession(migrate(reader.header, reader.records()));
        const damage = reader.damage.map((d) => d.message);
        if (opts.json) {
          process.stdout.write(JSON.stringify({ file, header: reader.header, complete: reader.complete, damage, ...summary }, null, 2) + '\n');
          return;
        }
        const when = (ns: number | undefined) => (ns === undefined ? '—' : new Date(ns / 1e6).toISOString());
        process.stdout.write(
          `${file}: recorded ${reader.header.created}, format version ${reader.header.version}${reader.complete ? '' : ' (not closed cleanly)'}\n` +
            `from ${when(summary.start)} to ${when(summary.end)} (${(summary.durationMs / 1000).toFixed(1)} s), ${summary.records} records\n\n`,
        );
        const rows = Object.entries(summary.probeEvents)
          .sort((a, b) => b[1] - a[1])
          .map(([type, n]) => [type, String(n)]);
        if (rows.length > 0) process.stdout.write(table(['PROBE EVENT', 'COUNT'], rows) + '\n');
        for (const q of summary.questions) {
          process.stdout.write(`question at ${when(q.ts)}: ${JSON.stringify(q.question)}\n  answer: ${q.answer === undefined ? '(none recorded)' : JSON.stringify(q.answer)}\n`);
        }
        for (const d of damage) process.stderr.write(`warning: ${d}\n`);
      } finally {
        reader.close();
      }
    });
}
