import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { printError } from '../output.js';
import { createForCli } from '../recording.js';

export function registerImport(program: Command): void {
  const cmd = program.command('import').description('Bring flows from other tools into a Pathlight recording');
  cmd
    .command('hubble')
    .description('Import `hubble observe -o jsonpb` flows (one JSON object per line) into a .pathlight recording')
    .argument('<flows>', 'file of Hubble flows, or - for standard input')
    .requiredOption('--out <file>', 'recording to create (never overwritten)')
    .action(async (flows: string, opts: { out: string }) => {
      const { importHubbleFlows, recordingFormat, scrubRecord } = await import('../../core/index.js');
      let text: string;
      try {
        text = flows === '-' ? await readStdin() : await readFile(flows, 'utf8');
      } catch (err) {
        printError({
          code: 'invalid-request',
          message: `Cannot read ${flows}: ${(err as Error).message}.`,
          hint: 'Pass a file written by `hubble observe -o jsonpb`.',
        });
        process.exitCode = 2;
        return;
      }
      const result = importHubbleFlows(text);
      for (const p of result.problems.slice(0, 20)) process.stderr.write(`warning: ${flows}:${p.line}: ${p.message}\n`);
      if (result.problems.length > 20) process.stderr.write(`warning: … and ${result.problems.length - 20} more lines not imported\n`);
      if (result.records.length === 0) {
        printError({
          code: 'invalid-request',
          message: `No Hubble flows found in ${flows}.`,
          hint: 'Capture them with `hubble observe -o jsonpb > flows.json`.',
        });
        process.exitCode = 2;
        return;
      }
      const writer = await createForCli(opts.out);
      if (!writer) return;
      const first = result.records[0]?.ts ?? 0;
      writer.append({
        ts: first,
        kind: 'meta',
        data: { source: 'hubble-import', file: path.basename(flows), format: recordingFormat, lostEvents: result.lostEvents, counts: result.counts },
      });
      // Every recording is credential-free (format v2), whatever its source.
      for (const r of result.records) {
        const clean = scrubRecord(r);
        if (clean) writer.append(clean);
      }
      writer.close();
      const counts = Object.entries(result.counts)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ');
      process.stdout.write(`Imported ${result.records.length} events (${counts}) into ${opts.out}.\n`);
      if (result.lostEvents > 0) {
        process.stdout.write(`Hubble reported ${result.lostEvents} lost events: the evidence in this recording is incomplete.\n`);
      }
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
