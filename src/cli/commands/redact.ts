import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { toApiError } from '../../api/index.js';
import { printError } from '../output.js';
import { createForCli } from '../recording.js';

export function registerRedact(program: Command): void {
  program
    .command('redact')
    .description(
      'Copy a recording for sharing: every name from the cluster (namespaces, pods, workloads, Services, nodes, policies, images, …) and every IP address replaced by a consistent pseudonym',
    )
    .argument('<file>', '.pathlight recording to redact')
    .requiredOption('--out <file>', 'redacted recording to create (never overwritten)')
    .action(async (file: string, opts: { out: string }) => {
      const [{ RecordingReader }, { Redactor, migrate }] = await Promise.all([import('../../backend/store/container.js'), import('../../core/index.js')]);
      let reader;
      try {
        reader = RecordingReader.open(file);
      } catch (err) {
        printError(toApiError(err));
        process.exitCode = 2;
        return;
      }
      let writer;
      try {
        // A fresh secret salt each time: the address mapping cannot be reversed by trying addresses.
        const redactor = new Redactor({ salt: randomBytes(32).toString('base64') });
        try {
          for (const r of migrate(reader.header, reader.records())) redactor.learn(r);
        } catch (err) {
          // Read through once before the copy is created: a file that cannot be read leaves no half copy.
          printError(toApiError(err));
          process.exitCode = 2;
          return;
        }
        writer = await createForCli(opts.out);
        if (!writer) return;
        let n = 0;
        for (const r of migrate(reader.header, reader.records())) {
          writer.append(redactor.redact(r));
          n++;
        }
        writer.close();
        const names = redactor.pseudonyms().size;
        process.stdout.write(`Redacted ${n} records into ${opts.out}: ${names} names and every IP address replaced by pseudonyms.\n`);
        for (const d of reader.damage) process.stderr.write(`warning: ${d.message}\n`);
      } finally {
        reader.close();
      }
    });
}
