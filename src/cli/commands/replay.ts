import type { Command } from 'commander';
import { PathlightError, toApiError } from '../../api/index.js';
import { failWith, printError, table } from '../output.js';
import { parseDuration } from './probe.js';
import { diagnosisText } from '../../core/diagnose/text.js';
import { openForCli } from '../recording.js';
import type { Diagnosis } from '../../core/diagnose/index.js';

interface ReplayOpts {
  json?: boolean;
  why?: boolean;
  from?: string;
  to?: string;
  port?: string;
  proto?: string;
  at?: string;
  zone?: string;
}

/** `--at`: an ISO time, `+30s` after the start, or ns since the Unix epoch. */
export function parseAt(text: string, start: number | undefined): number | undefined {
  const s = text.trim();
  if (/^\d{16,}$/.test(s)) return Number(s);
  if (s.startsWith('+')) {
    const ms = parseDuration(s.slice(1));
    return ms === undefined || start === undefined ? undefined : start + ms * 1e6;
  }
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t * 1e6;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description(
      'Summarise a recorded session (duration, events by type, questions and answers), or with --why re-run the diagnosis on the recorded state; --why exits 0 reachable, 1 not, 2 error',
    )
    .argument('<file>', '.pathlight recording')
    .option('--json', 'print JSON')
    .option('--why', 'diagnose on the recorded state: every recorded question again, or the one given by --from/--to')
    .option('--from <A>', 'with --why: ask this instead of the recorded questions (pod, workload or IP)')
    .option('--to <B>', 'with --why: pod, workload, Service, DNS name or IP:port')
    .option('--port <port>', 'with --why --from/--to: port number or name')
    .option('--proto <proto>', 'with --why --from/--to: tcp or udp', 'tcp')
    .option('--zone <domain>', 'with --why --from/--to: the cluster DNS domain', 'cluster.local')
    .option('--at <time>', 'with --why: the recorded state at this time (ISO time, +30s after the start, or ns); default the end')
    .action(async (file: string, opts: ReplayOpts) => {
      if (opts.why || opts.from || opts.to || opts.at) {
        // A probe line is parsed when a question needs it: one that is not a record is a named error then.
        return replayWhy(file, opts).catch((err: unknown) => {
          if (!(err instanceof PathlightError)) throw err;
          failWith(opts.json, err.detail);
        });
      }
      const [{ RecordingReader }, { summarizeSession, migrate }] = await Promise.all([
        import('../../backend/store/container.js'),
        import('../../core/index.js'),
      ]);
      const fail = (err: unknown) => {
        const error = toApiError(err);
        if (opts.json) process.stdout.write(JSON.stringify({ error }, null, 2) + '\n');
        printError(error);
        process.exitCode = 2;
      };
      let reader;
      try {
        reader = RecordingReader.open(file);
      } catch (err) {
        return fail(err);
      }
      try {
        // Older format versions are upgraded on the fly (records scrubbed, shapes of today).
        // A chunk that does not hold records (or expands too far) ends the read with a named error.
        let summary;
        try {
          summary = summarizeSession(migrate(reader.header, reader.records()));
        } catch (err) {
          return fail(err);
        }
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
          process.stdout.write(`question at ${when(q.ts)}: ${JSON.stringify(q.question)}\n  answer: ${answerLine(q.answer)}\n`);
        }
        for (const d of damage) process.stderr.write(`warning: ${d}\n`);
      } finally {
        reader.close();
      }
    });
}

/** A recorded Diagnosis in one line (verdict, top finding); anything else as JSON. */
function answerLine(answer: unknown): string {
  if (answer === undefined) return '(none recorded)';
  const d = (answer as { diagnosis?: Partial<Diagnosis> }).diagnosis;
  if (d && typeof d.verdict === 'string' && Array.isArray(d.findings)) {
    const top = d.findings[0];
    return `${d.verdict}${top ? `, ${top.kind}: ${top.summary}` : ''}`;
  }
  return JSON.stringify(answer);
}

async function replayWhy(file: string, opts: ReplayOpts): Promise<void> {
  const fail = (error: Parameters<typeof printError>[0]) => failWith(opts.json, error);
  if (!opts.why)
    return fail({
      code: 'invalid-request',
      message: '--from, --to and --at go with --why.',
      hint: `pathlight replay ${file} --why [--from A --to B] [--at TIME]`,
    });
  if (!!opts.from !== !!opts.to) return fail({ code: 'invalid-request', message: 'give both --from and --to, or neither (to re-ask the recorded questions).' });
  const proto = (opts.proto ?? 'tcp').toUpperCase();
  if (proto !== 'TCP' && proto !== 'UDP') return fail({ code: 'invalid-request', message: `--proto ${opts.proto}: use tcp or udp.` });
  const rec = await openForCli(file, fail);
  if (!rec) return;
  const t = opts.at === undefined ? rec.end : parseAt(opts.at, rec.start);
  if (t === undefined)
    return fail({
      code: 'invalid-request',
      message: opts.at === undefined ? `${file} holds no records.` : `--at ${opts.at} is not a time.`,
      hint: 'use an ISO time (2026-12-01T10:00:05Z), +30s after the start, or ns since the epoch',
    });
  const exit = (ds: Diagnosis[]) => (process.exitCode = ds.every((d) => d.verdict === 'reachable') ? 0 : 1);

  if (opts.from && opts.to) {
    const port = opts.port === undefined ? undefined : /^\d+$/.test(opts.port) ? Number(opts.port) : opts.port;
    const r = rec.why({ from: opts.from, to: opts.to, ...(port !== undefined ? { port } : {}), protocol: proto }, t);
    if (!r.ok) return fail({ code: 'invalid-request', message: r.error.message, hint: r.error.hint });
    process.stdout.write(opts.json ? JSON.stringify(r.value) + '\n' : diagnosisText(r.value));
    exit([r.value]);
    return;
  }

  const results = rec.reask(t);
  if (results.length === 0)
    return fail({
      code: 'invalid-request',
      message: `${file} holds no question${opts.at ? ' up to --at' : ''}.`,
      hint: 'ask one on the recorded state with --from A --to B',
    });
  const when = (ns: number) => new Date(ns / 1e6).toISOString();
  let failed = false;
  const answers: Diagnosis[] = [];
  for (const { question: rq, result, recorded, same } of results) {
    const q = rq.question;
    const head = {
      id: q.id,
      ts: rq.ts,
      from: q.from,
      to: q.to,
      ...(q.port !== undefined ? { port: q.port } : {}),
      ...(q.protocol ? { protocol: q.protocol } : {}),
    };
    const rec0 = recorded ? { verdict: recorded.verdict, top: recorded.findings[0]?.kind ?? null } : null;
    if (!result.ok) {
      failed = true;
      if (opts.json)
        process.stdout.write(
          JSON.stringify({ question: head, error: { code: 'invalid-request', message: result.error.message, hint: result.error.hint }, recorded: rec0 }) + '\n',
        );
      else process.stdout.write(`question ${q.id}, asked ${when(rq.ts)}: --from ${q.from} --to ${q.to}\nerror: ${result.error.message}\n\n`);
      continue;
    }
    answers.push(result.value);
    if (opts.json) {
      process.stdout.write(JSON.stringify({ question: head, ...result.value, recorded: rec0, ...(same !== undefined ? { same } : {}) }) + '\n');
      continue;
    }
    process.stdout.write(`── question ${q.id}, asked ${when(rq.ts)}: --from ${q.from} --to ${q.to}${q.port !== undefined ? ` --port ${q.port}` : ''}\n\n`);
    process.stdout.write(diagnosisText(result.value));
    process.stdout.write(
      recorded
        ? same
          ? 'recorded answer: the same findings\n\n'
          : `recorded answer differs: ${recorded.verdict}, top ${rec0?.top ?? 'none'}\n\n`
        : 'recorded answer: none (the session ended before it)\n\n',
    );
  }
  if (failed) process.exitCode = 2;
  else exit(answers);
}
