/** Opening a recording for a CLI command: the problem reported (exit 2), damage warned about on stderr. */
import { toApiError, type ApiError } from '../api/index.js';
import type { OpenedRecording } from '../backend/store/open.js';
import type { RecordingWriter } from '../backend/store/container.js';
import { printError } from './output.js';

export async function openForCli(file: string, fail: (e: ApiError) => void): Promise<OpenedRecording | undefined> {
  const { openRecording } = await import('../backend/store/open.js');
  try {
    const rec = await openRecording(file);
    for (const d of rec.damage) process.stderr.write(`warning: ${d.message}\n`);
    return rec;
  } catch (err) {
    fail(toApiError(err));
    return undefined;
  }
}

/** A new recording for a CLI command to write; never overwrites (the problem reported, exit 2). */
export async function createForCli(out: string): Promise<RecordingWriter | undefined> {
  const { RecordingWriter } = await import('../backend/store/container.js');
  try {
    return new RecordingWriter(out);
  } catch (err) {
    const exists = (err as NodeJS.ErrnoException).code === 'EEXIST';
    printError({
      code: 'invalid-request',
      message: exists ? `${out} already exists; recordings are never overwritten.` : `Cannot create ${out}: ${(err as Error).message}.`,
      hint: exists ? 'Choose another --out file name.' : 'Check the folder exists and is writable.',
    });
    process.exitCode = 2;
    return undefined;
  }
}
