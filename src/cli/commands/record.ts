import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { toApiError, type ApiError } from '../../api/index.js';
import { failWith } from '../output.js';
import { printAnswer, whyArgs, whyOptions, withInterrupt, type WhyOpts } from './why.js';
import type { SessionRecorder } from '../../backend/store/recorder.js';

interface RecordOpts extends WhyOpts {
  out: string;
  note?: string;
}

export function registerRecord(program: Command): void {
  whyOptions(
    program
      .command('record')
      .description(
        'Ask why A cannot talk to B, as `pathlight why` does, and record the session into a .pathlight file: metadata, the cluster snapshot and its changes, every probe event with identities, the question and the answer; exit 0 reachable, 1 not, 2 error',
      )
      .requiredOption('--out <file>', 'the recording to write (never overwritten)')
      .option('--note <text>', 'a note to keep in the recording (what you were looking for)'),
  ).action(async (opts: RecordOpts) => {
    const fail = (error: ApiError) => failWith(opts.json, error);
    const args = whyArgs(opts, 'record');
    if (!args.ok) return fail(args.error);
    if (existsSync(opts.out))
      return fail({
        code: 'invalid-request',
        message: `${opts.out} exists; a recording is never overwritten.`,
        hint: 'choose another --out, or remove the file first',
        file: opts.out,
      });
    let recorder: SessionRecorder | undefined;
    try {
      const [{ loadKubeConfig }, { SessionRecorder, metaFromKubeConfig }, { recordWhy }] = await Promise.all([
        import('../../backend/cluster/kubeconfig.js'),
        import('../../backend/store/recorder.js'),
        import('../../backend/diagnose/record.js'),
      ]);
      const kc = await loadKubeConfig(opts.kubeconfig, opts.context);
      recorder = SessionRecorder.create(opts.out, { meta: { ...metaFromKubeConfig(kc), source: 'pathlight record' } });
      if (opts.note) recorder.note(opts.note);
      const rec = recorder;
      // Ctrl-C stops the probes; the file is then closed cleanly (index written) with what was recorded.
      printAnswer((await withInterrupt((signal) => recordWhy(rec, { kc, ...args.value, signal }))).diagnosis, opts.json);
    } catch (err) {
      fail(toApiError(err));
    } finally {
      if (recorder) {
        recorder.close();
        process.stderr.write(
          `record: wrote ${opts.out} (${statSync(opts.out).size.toLocaleString('en')} bytes); replay it with \`pathlight replay ${opts.out} --why\`\n`,
        );
      }
    }
  });
}
