/**
 * The `.pathlight` recording container: an append-only file of zstd-compressed chunks of
 * NDJSON records, each chunk framed with its time range, record count and a CRC, and an index
 * at the end for fast opening and seeking.
 *
 * Why this shape (and not SQLite): the file is written while a live session runs and must
 * survive the app being killed at any instant; a framed log loses at most the chunk being
 * filled (≤ 1 s), and a reader can always recover every intact chunk before — and after — a
 * damaged stretch by checking CRCs and resynchronising on the frame magic. SQLite would need
 * its WAL beside the file (two files to send a colleague) and offers no partial recovery of a
 * truncated or corrupted database from Node. Chunks compress well (records repeat their
 * keys) and seeking decompresses one chunk.
 *
 * Layout (little-endian):
 *   file header  "PLREC\r\n\x1a" u32 headerLen  JSON {type, version, created}
 *   frame*       "PLCH" u32 payloadLen u32 crc u8 kind [3 pad] i64 tFirst i64 tLast u32 count  payload
 *                kind 1 = chunk (zstd NDJSON records), 2 = index (zstd JSON of chunk entries)
 *   trailer      u64 indexFrameOffset "PLIX" u32 crc(offset)      (only after a clean close)
 *   The frame CRC covers the frame header after the CRC field, and the payload.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { crc32, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { RecordTable, chunkLimits, probeTypeCode, recordingFormat, type ProbeLines, type ProbeTypeCode, type RecordingDamage, type SessionRecord } from '../../core/index.js';
import { PathlightError } from '../../api/index.js';

const fileMagic = Buffer.from('PLREC\r\n\x1a', 'latin1');
const frameMagic = Buffer.from('PLCH', 'latin1');
const trailerMagic = Buffer.from('PLIX', 'latin1');
const frameHeaderSize = 36;
const trailerSize = 16;
const kindChunk = 1;
const kindIndex = 2;

export interface ChunkEntry {
  offset: number;
  tFirst: number;
  tLast: number;
  count: number;
}

export interface RecordingHeader {
  type: typeof recordingFormat.type;
  version: number;
  created: string;
}

function frameHeader(kind: number, payload: Buffer, tFirst: number, tLast: number, count: number): Buffer {
  const h = Buffer.alloc(frameHeaderSize);
  frameMagic.copy(h, 0);
  h.writeUInt32LE(payload.length, 4);
  h.writeUInt8(kind, 12);
  h.writeBigInt64LE(BigInt(Math.round(tFirst)), 16);
  h.writeBigInt64LE(BigInt(Math.round(tLast)), 24);
  h.writeUInt32LE(count, 32);
  h.writeUInt32LE(crc32(payload, crc32(h.subarray(12))), 8);
  return h;
}

export interface WriterOptions {
  /** Milliseconds between automatic flushes; a crash loses at most this much. */
  flushMillis?: number;
  /** Records per chunk before an early flush. */
  chunkRecords?: number;
  now?: () => Date;
}

/** Appends records to a new recording; flushes a chunk every second and on close. */
export class RecordingWriter {
  private readonly fd: number;
  private offset: number;
  private pending: string[] = [];
  private tFirst = 0;
  private tLast = 0;
  private readonly chunks: ChunkEntry[] = [];
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private readonly chunkRecords: number;

  constructor(
    readonly path: string,
    options: WriterOptions = {},
  ) {
    this.chunkRecords = options.chunkRecords ?? chunkLimits.records;
    // 'wx': never overwrite an existing recording.
    this.fd = openSync(path, 'wx', 0o600);
    const header: RecordingHeader = { ...recordingFormat, created: (options.now?.() ?? new Date()).toISOString() };
    const json = Buffer.from(JSON.stringify(header));
    const lead = Buffer.alloc(12);
    fileMagic.copy(lead, 0);
    lead.writeUInt32LE(json.length, 8);
    this.offset = this.write(Buffer.concat([lead, json]), 0);
    this.timer = setInterval(() => this.flush(), options.flushMillis ?? chunkLimits.millis);
    this.timer.unref();
  }

  private write(buf: Buffer, at: number): number {
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, at + done);
    return at + buf.length;
  }

  append(record: SessionRecord): void {
    if (this.closed) throw new Error('recording is closed');
    if (this.pending.length === 0) this.tFirst = record.ts;
    this.tLast = Math.max(this.tLast, record.ts);
    this.tFirst = Math.min(this.tFirst, record.ts);
    this.pending.push(JSON.stringify(record.kind === 'probe' ? { ts: record.ts, kind: record.kind, data: typeFirst(record.data) } : record));
    if (this.pending.length >= this.chunkRecords) this.flush();
  }

  /** Writes buffered records as one chunk. */
  flush(): void {
    if (this.pending.length === 0 || this.closed) return;
    const payload = zstdCompressSync(Buffer.from(this.pending.join('\n')));
    const entry = { offset: this.offset, tFirst: this.tFirst, tLast: this.tLast, count: this.pending.length };
    this.offset = this.write(Buffer.concat([frameHeader(kindChunk, payload, entry.tFirst, entry.tLast, entry.count), payload]), this.offset);
    this.chunks.push(entry);
    this.pending = [];
    this.tLast = 0;
  }

  /** Flushes, writes the index and trailer, and closes the file. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.timer);
    const payload = zstdCompressSync(Buffer.from(JSON.stringify(this.chunks)));
    const indexOffset = this.offset;
    const first = this.chunks[0]?.tFirst ?? 0;
    const last = this.chunks.at(-1)?.tLast ?? 0;
    const count = this.chunks.reduce((n, c) => n + c.count, 0);
    this.offset = this.write(Buffer.concat([frameHeader(kindIndex, payload, first, last, count), payload]), this.offset);
    const trailer = Buffer.alloc(trailerSize);
    trailer.writeBigUInt64LE(BigInt(indexOffset), 0);
    trailerMagic.copy(trailer, 8);
    trailer.writeUInt32LE(crc32(trailer.subarray(0, 8)), 12);
    this.write(trailer, this.offset);
    closeSync(this.fd);
  }
}

/** Decompressed chunks kept for reading deferred lines (a frame's probe events are mostly in a few neighbouring chunks). */
const cachedChunks = 4;

/**
 * The chunks of one read, kept compressed (~16 bytes per probe event), and where each deferred
 * probe line is (chunk, byte offset, byte length) in typed arrays; a deferred line is read from
 * here again, and the few chunks last used stay decompressed.
 */
class ChunkLines implements ProbeLines {
  private readonly payloads: Buffer[] = [];
  private chunkOf: Uint32Array;
  private offsetOf: Uint32Array;
  private lengthOf: Uint32Array;
  private count = 0;
  private readonly cache = new Map<number, Buffer>();
  /** The chunk read last: reading a frame's events reads one chunk's lines in a row. */
  private last = -1;
  private lastText: Buffer | undefined;

  constructor(capacity: number) {
    const n = Math.max(16, capacity);
    this.chunkOf = new Uint32Array(n);
    this.offsetOf = new Uint32Array(n);
    this.lengthOf = new Uint32Array(n);
  }

  /** Keeps a chunk (compressed, and decompressed as the last one read); returns its number. */
  addChunk(payload: Buffer, text: Buffer): number {
    this.payloads.push(payload);
    this.remember(this.payloads.length - 1, text);
    return this.payloads.length - 1;
  }

  /** Notes where deferred line `k` (the next one) is. */
  addLine(chunk: number, offset: number, length: number): void {
    if (this.count === this.chunkOf.length) {
      const grow = (a: Uint32Array) => {
        const b = new Uint32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.chunkOf = grow(this.chunkOf);
      this.offsetOf = grow(this.offsetOf);
      this.lengthOf = grow(this.lengthOf);
    }
    this.chunkOf[this.count] = chunk;
    this.offsetOf[this.count] = offset;
    this.lengthOf[this.count++] = length;
  }

  private remember(chunk: number, text: Buffer) {
    this.last = chunk;
    this.lastText = text;
    this.cache.delete(chunk);
    this.cache.set(chunk, text);
    for (const k of this.cache.keys()) {
      if (this.cache.size <= cachedChunks) break;
      this.cache.delete(k);
    }
  }

  line(k: number): string {
    const chunk = this.chunkOf[k]!;
    let text = this.last === chunk ? this.lastText : undefined;
    if (!text) {
      text = this.cache.get(chunk) ?? decompress(this.payloads[chunk]!);
      this.remember(chunk, text);
    }
    const start = this.offsetOf[k]!;
    return text.toString('utf8', start, start + this.lengthOf[k]!);
  }
}

/** Output buffer size for decompressing: a chunk of probe records (~1.7 MiB) comes out in one piece, not copied together from many. */
const decompressChunkSize = 4 << 20;

function decompress(payload: Buffer): Buffer {
  return zstdDecompressSync(payload, { chunkSize: decompressChunkSize });
}

const tsPrefix = '{"ts":';
const probeInfix = ',"kind":"probe","data":{';
const jsonNumber = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * `ts` of a probe record's line as the writer makes it (`JSON.stringify({ts, kind, data})`:
 * this key order, no spaces) with an object as `data`, read from the line's first characters
 * (`text` is the chunk decoded as latin1, one character per byte); undefined for any other
 * line, which is then parsed in full.
 */
export function probeLineTs(text: string, start: number, end: number): number | undefined {
  if (end - start < tsPrefix.length + probeInfix.length + 2 || !text.startsWith(tsPrefix, start)) return undefined;
  const from = start + tsPrefix.length;
  // JSON number characters; a ts is at most ~25 of them.
  const comma = text.indexOf(',', from);
  if (comma === -1 || comma - from > 32 || comma + probeInfix.length > end || !text.startsWith(probeInfix, comma)) return undefined;
  const number = text.slice(from, comma);
  return jsonNumber.test(number) ? Number(number) : undefined;
}

const typeKey = '"type":"';
const versionKey = '"v":';

/**
 * The ProbeTypeCode of a probe record's line (one `probeLineTs` accepts) from its data's first
 * key: the agent writes `{"v":1,"type":"drop",…}`. `unknown` for any other shape (the line is
 * then parsed when a consumer needs its type).
 */
export function probeLineType(text: string, start: number, end: number): ProbeTypeCode {
  const infix = text.indexOf(probeInfix, start);
  if (infix === -1 || infix > end) return probeTypeCode.unknown;
  const data = infix + probeInfix.length;
  let at = data;
  if (text.startsWith(versionKey, at)) {
    const comma = text.indexOf(',', at);
    if (comma === -1 || comma - at > versionKey.length + 8) return probeTypeCode.unknown;
    at = comma + 1;
  }
  // The writer puts `type` first (after `v`); a file written otherwise is searched key by key.
  return text.startsWith(typeKey, at) ? typeValue(text, at + typeKey.length, end) : topLevelType(text, data, end);
}

/** The ProbeTypeCode of the JSON string value starting at `at` (just past its opening quote). */
function typeValue(text: string, at: number, end: number): ProbeTypeCode {
  // The closing quote included: "dnsx" is not "dns".
  if (text.startsWith('drop"', at)) return probeTypeCode.drop;
  if (text.startsWith('dns"', at)) return probeTypeCode.dns;
  if (text.startsWith('tcp"', at)) return probeTypeCode.tcp;
  const quote = text.indexOf('"', at);
  // Another type (hello, stats, bye…); a backslash would need JSON unescaping: left to the parser.
  if (quote === -1 || quote - at > 32 || quote > end) return probeTypeCode.unknown;
  return text.lastIndexOf('\\', quote) >= at ? probeTypeCode.unknown : probeTypeCode.other;
}

/**
 * The `type` key of the data object whose members start at `from` (just past its `{`), found by
 * walking the JSON text with its nesting and strings — a `type` inside a nested object (a DNS
 * answer's) is not the line's. Unknown when there is none, or the text is not what it seems.
 */
function topLevelType(text: string, from: number, end: number): ProbeTypeCode {
  let depth = 1;
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const s = i + 1;
      for (i = s; i < end; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
      if (depth === 1 && i - s === 4 && text.startsWith('type":"', s)) return typeValue(text, i + 3, end);
    } else if (c === 123 || c === 91) depth++;
    else if ((c === 125 || c === 93) && --depth === 0) return probeTypeCode.unknown;
  }
  return probeTypeCode.unknown;
}

/**
 * A probe line's data with `type` first (after `v`), as the reader finds it without parsing;
 * the same object when it is so already (the agent writes it that way).
 */
function typeFirst(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !('type' in data)) return data;
  let i = 0;
  for (const k in data) {
    if (k === 'type') return data;
    if (k !== 'v' || i++ > 0) break;
  }
  const { v, type, ...rest } = data as Record<string, unknown>;
  return { ...(v !== undefined ? { v } : {}), type, ...rest };
}

/**
 * Adds the records of one decompressed chunk to `table`: probe lines deferred (ts and kind from
 * their prefix, where they are noted in `lines`), every other line parsed now. Lines are found
 * in the chunk decoded as latin1 (byte offsets are character offsets; a newline byte is never
 * part of a UTF-8 sequence), and read later as UTF-8 from the bytes.
 */
function addChunk(payload: Buffer, bytes: Buffer, table: RecordTable, lines: ChunkLines): void {
  const chunk = lines.addChunk(payload, bytes);
  const text = bytes.toString('latin1');
  for (let start = 0; start <= text.length; ) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    const ts = probeLineTs(text, start, end);
    if (ts === undefined) table.push(JSON.parse(bytes.toString('utf8', start, end)) as SessionRecord);
    else {
      table.pushDeferred(ts, probeLineType(text, start, end));
      lines.addLine(chunk, start, end - start);
    }
    if (nl === -1) break;
    start = nl + 1;
  }
}

interface ParsedFrame {
  kind: number;
  payload: Buffer;
  offset: number;
  end: number;
  tFirst: number;
  tLast: number;
  count: number;
}

/** Reads a recording, recovering every intact chunk of a truncated or damaged file. */
export class RecordingReader {
  readonly header: RecordingHeader;
  readonly chunks: ChunkEntry[];
  readonly damage: RecordingDamage[] = [];
  /** True when the file was closed cleanly (index and trailer present). */
  readonly complete: boolean;
  private readonly fd: number;
  private readonly size: number;

  private constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new PathlightError({
        code: 'recording-unreadable',
        message: `Cannot open recording ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}.`,
        hint: 'Check the path, or open another recording.',
        file: path,
      });
    }
    this.size = fstatSync(this.fd).size;
    this.header = this.readHeader();
    const indexed = this.readIndex();
    this.complete = indexed !== undefined;
    this.chunks = indexed ?? this.scan();
  }

  static open(path: string): RecordingReader {
    return new RecordingReader(path);
  }

  get count(): number {
    return this.chunks.reduce((n, c) => n + c.count, 0);
  }
  get start(): number | undefined {
    return this.chunks[0]?.tFirst;
  }
  get end(): number | undefined {
    return this.chunks.reduce<number | undefined>((m, c) => (m === undefined || c.tLast > m ? c.tLast : m), undefined);
  }

  close(): void {
    closeSync(this.fd);
  }

  private read(at: number, length: number): Buffer {
    const buf = Buffer.alloc(Math.max(0, Math.min(length, this.size - at)));
    let done = 0;
    while (done < buf.length) {
      const n = readSync(this.fd, buf, done, buf.length - done, at + done);
      if (n === 0) break;
      done += n;
    }
    return buf;
  }

  private bad(message: string, hint: string): PathlightError {
    return new PathlightError({ code: 'recording-damaged', message: `${this.path}: ${message}`, hint, file: this.path });
  }

  private readHeader(): RecordingHeader {
    const lead = this.read(0, 12);
    if (lead.length < 12 || !lead.subarray(0, 8).equals(fileMagic)) {
      throw this.bad('not a Pathlight recording (the file does not start with its signature).', 'Open a .pathlight file.');
    }
    const json = this.read(12, lead.readUInt32LE(8));
    let header: RecordingHeader;
    try {
      header = JSON.parse(json.toString('utf8')) as RecordingHeader;
    } catch {
      throw this.bad('its header is damaged, so nothing in it can be trusted.', 'Ask for the recording again.');
    }
    if (header.type !== recordingFormat.type) throw this.bad(`has type ${String(header.type)}, not a recording.`, 'Open a .pathlight file.');
    if (header.version > recordingFormat.version) {
      throw this.bad(
        `was made by a newer Pathlight (format version ${header.version}; this one reads up to ${recordingFormat.version}).`,
        'Update Pathlight to open it.',
      );
    }
    this.dataStart = 12 + json.length;
    return header;
  }

  private dataStart = 0;

  /** A frame at `at`, if its header and CRC check out. */
  private frameAt(at: number): ParsedFrame | undefined {
    const h = this.read(at, frameHeaderSize);
    if (h.length < frameHeaderSize || !h.subarray(0, 4).equals(frameMagic)) return undefined;
    const length = h.readUInt32LE(4);
    const end = at + frameHeaderSize + length;
    if (end > this.size) return undefined;
    const payload = this.read(at + frameHeaderSize, length);
    if (crc32(payload, crc32(h.subarray(12))) !== h.readUInt32LE(8)) return undefined;
    return {
      kind: h.readUInt8(12),
      payload,
      offset: at,
      end,
      tFirst: Number(h.readBigInt64LE(16)),
      tLast: Number(h.readBigInt64LE(24)),
      count: h.readUInt32LE(32),
    };
  }

  private readIndex(): ChunkEntry[] | undefined {
    if (this.size < this.dataStart + trailerSize) return undefined;
    const t = this.read(this.size - trailerSize, trailerSize);
    if (!t.subarray(8, 12).equals(trailerMagic) || crc32(t.subarray(0, 8)) !== t.readUInt32LE(12)) return undefined;
    const frame = this.frameAt(Number(t.readBigUInt64LE(0)));
    if (!frame || frame.kind !== kindIndex) return undefined;
    try {
      return JSON.parse(zstdDecompressSync(frame.payload).toString()) as ChunkEntry[];
    } catch {
      return undefined;
    }
  }

  /** Walks the frames; on damage, records it and resynchronises on the next valid frame. */
  private scan(): ChunkEntry[] {
    const chunks: ChunkEntry[] = [];
    let at = this.dataStart;
    while (at < this.size) {
      const frame = this.frameAt(at);
      if (frame) {
        if (frame.kind === kindChunk) chunks.push({ offset: frame.offset, tFirst: frame.tFirst, tLast: frame.tLast, count: frame.count });
        at = frame.end;
        continue;
      }
      const next = this.nextFrame(at + 1);
      const lost = (next ?? this.size) - at;
      // A clean close leaves only the trailer after the last frame; anything else is damage.
      if (!(next === undefined && lost === trailerSize)) {
        this.damage.push({
          offset: at,
          bytesLost: lost,
          lastIntactTs: chunks.at(-1)?.tLast,
          message:
            next === undefined
              ? `The recording ends early or is damaged after byte ${at}: ${lost} bytes (at most the last chunk, about a second) could not be read.`
              : `Bytes ${at}–${next - 1} are damaged and were skipped; the records after them are intact.`,
        });
      }
      if (next === undefined) break;
      at = next;
    }
    return chunks;
  }

  private nextFrame(from: number): number | undefined {
    const window = 1 << 20;
    for (let at = from; at < this.size; at += window - frameMagic.length) {
      const buf = this.read(at, window);
      for (let i = buf.indexOf(frameMagic); i !== -1; i = buf.indexOf(frameMagic, i + 1)) {
        if (this.frameAt(at + i)) return at + i;
      }
    }
    return undefined;
  }

  /** The compressed payload of a chunk; undefined (and the damage noted) when its frame does not check out. */
  private chunkPayload(entry: ChunkEntry): Buffer | undefined {
    const frame = this.frameAt(entry.offset);
    if (!frame || frame.kind !== kindChunk) {
      if (!this.damage.some((d) => d.offset === entry.offset)) {
        this.damage.push({
          offset: entry.offset,
          bytesLost: frameHeaderSize,
          lastIntactTs: undefined,
          message: `A chunk of ${entry.count} records at byte ${entry.offset} is damaged and was skipped.`,
        });
      }
      return undefined;
    }
    return frame.payload;
  }

  /** Records with `from <= ts <= to`, in file order. */
  *records(from = -Infinity, to = Infinity): Generator<SessionRecord> {
    for (const chunk of this.chunks) {
      if (chunk.tLast < from || chunk.tFirst > to) continue;
      const payload = this.chunkPayload(chunk);
      if (!payload) continue;
      const records = decompress(payload).toString('utf8').split('\n').map((line) => JSON.parse(line) as SessionRecord);
      for (const r of records) if (r.ts >= from && r.ts <= to) yield r;
    }
  }

  /**
   * Every record, in file order, as a RecordTable: probe lines deferred (time from the line's
   * prefix, `data` parsed when read — see `addChunk`), the chunks kept compressed in memory. Only
   * for current-version files: `migrate` reads every record's data.
   */
  table(): RecordTable {
    const lines = new ChunkLines(this.count);
    const table = new RecordTable(lines, this.count);
    for (const chunk of this.chunks) {
      const payload = this.chunkPayload(chunk);
      if (payload) addChunk(payload, decompress(payload), table, lines);
    }
    return table;
  }

  /** The first `limit` records at or after `ts` (a scrubber position). */
  seek(ts: number, limit = 1000): SessionRecord[] {
    const out: SessionRecord[] = [];
    for (const r of this.records(ts)) {
      out.push(r);
      if (out.length >= limit) break;
    }
    return out;
  }
}
