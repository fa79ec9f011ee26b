/**
 * Upgrades the records of an older recording to the current format version, one step per
 * version, so every reader downstream (summary, replay, redact) sees only the current shapes.
 * Fixtures of each old version stay in test/fixtures/recordings.
 */
import { isRecord, recordingFormat, type FormatHeader, type SessionRecord } from './records.js';
import { scrubRecord } from './scrub.js';

/**
 * v1 → v2. v1 made no promise about data shapes or credentials, so: every record is scrubbed
 * (a Secret's watch change is dropped), a note given as a bare string becomes `{text}`, and
 * questions and answers, paired by order in v1, get the `id` / `question` that pair them in v2.
 */
function* v1ToV2(records: Iterable<SessionRecord>): Generator<SessionRecord> {
  let asked = 0;
  let open: string | undefined;
  for (const original of records) {
    const r = scrubRecord(original);
    if (!r) continue;
    if (r.kind === 'note' && !isRecord(r.data)) {
      yield { ...r, data: { text: typeof r.data === 'string' ? r.data : JSON.stringify(r.data) } };
    } else if (r.kind === 'question') {
      const data = isRecord(r.data) ? r.data : { text: r.data };
      open = typeof data.id === 'string' ? data.id : `q${++asked}`;
      yield { ...r, data: { ...data, id: open } };
    } else if (r.kind === 'answer') {
      const data = isRecord(r.data) ? r.data : { diagnosis: r.data };
      yield { ...r, data: typeof data.question === 'string' || open === undefined ? data : { ...data, question: open } };
      open = undefined;
    } else {
      yield r;
    }
  }
}

const steps: Record<number, (records: Iterable<SessionRecord>) => Iterable<SessionRecord>> = { 1: v1ToV2 };

/** Thrown for a version this build cannot read (newer, or unknown). */
export class UnsupportedFormatError extends Error {
  constructor(readonly version: number) {
    super(
      version > recordingFormat.version
        ? `format version ${version} is newer than this Pathlight reads (up to ${recordingFormat.version}); update Pathlight`
        : `format version ${version} is not a known recording format`,
    );
  }
}

/**
 * The records of a recording with header `header`, upgraded to the current version (lazily:
 * records are read as the result is iterated). Current-version records pass through as they are.
 */
export function migrate(header: FormatHeader, records: Iterable<SessionRecord>): Iterable<SessionRecord> {
  const from = header.version;
  if (!Number.isInteger(from) || from < 1 || from > recordingFormat.version) throw new UnsupportedFormatError(from);
  let out = records;
  for (let v = from; v < recordingFormat.version; v++) {
    const step = steps[v];
    if (!step) throw new UnsupportedFormatError(from);
    out = step(out);
  }
  return out;
}

/** The header after migration: the current version, and the version the file was written in. */
export function migratedHeader<H extends FormatHeader>(header: H): H & { migratedFrom?: number } {
  return header.version === recordingFormat.version ? header : { ...header, version: recordingFormat.version, migratedFrom: header.version };
}
