/** Opening a recording for a CLI command: the problem reported (exit 2), damage warned about on stderr. */
import { toApiError, type ApiError } from '../api/index.js';
import type { OpenedRecording } from '../backend/store/open.js';

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
