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
 *
 * A reader trusts nothing in the file beyond what the CRCs prove (anyone can write valid
 * CRCs): decompression is bounded (`expansionLimits`), the index is checked against the
 * frames it names (`indexLie`) and replaced by a scan when it does not match, and a chunk that
 * does not hold records gives a named error (`recording-damaged`) rather than a crash.
 */
import { constants as bufferConstants } from 'node:buffer';
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync, statSync, writeSync, type Stats } from 'node:fs';
import { crc32, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { RecordTable, chunkLimits, isRecord, recordingFormat, type ProbeLines, type RecordingDamage, type SessionRecord } from '../../core/index.js';
import { PathlightError } from '../../api/index.js';
import { probeLineTs, probeLineType, typeFirst } from './probeLines.js';

const fileMagic = Buffer.from('PLREC\r\n\x1a', 'latin1');
const frameMagic = Buffer.from('PLCH', 'latin1');
const trailerMagic = Buffer.from('PLIX', 'latin1');
/** The frame layout described above (test/helpers/recording.ts crafts files with it). */
export const frameLayout = { headerSize: 36, trailerSize: 16, kindChunk: 1, kindIndex: 2 } as const;
const { headerSize: frameHeaderSize, trailerSize, kindChunk, kindIndex } = frameLayout;

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

/**
 * How far a recording may expand when it is read. zstd turns a few kilobytes of repeated bytes
 * into gigabytes (~30,000×), so nothing is decompressed without a limit:
 * - the whole file, in one read through it: at most `ratio` times its size on disk, or
 *   `floorBytes`, whichever is more. 256×: sessions Pathlight records expand 8–25× (the
 *   bundled demo 8×), and the densest machine-made content it writes — the tests' synthetic
 *   drops ≈ 60×, a snapshot of 20,000 templated pods ≈ 85× — stays under 100×; 256× leaves
 *   room for sessions 2.5× denser than that, and still refuses a bomb after ~1/100 of what it
 *   would expand to. The floor: a small file of near-identical lines passes any ratio
 *   (100,000 identical stats lines: 3 KB → 10 MB), and 64 MiB is read in well under a second.
 * - one chunk: at most the longest string V8 makes (~512 MiB), since a chunk is read as text;
 *   the writer's chunks hold 8,192 records or a second of them.
 */
export const expansionLimits = { ratio: 256, floorBytes: 64 * 2 ** 20, chunkBytes: bufferConstants.MAX_STRING_LENGTH } as const;

/** The shortest line the writer makes (`{"ts":0,"kind":"x"}` and its newline): a chunk of n bytes holds at most n / 20 records. */
const minRecordBytes = 20;
/**
 * The index's record counts size the first allocation of a read's columns only up to this
 * (≈ 25 MiB of typed arrays); past it the columns grow as records are actually read, so a
 * count that lies costs nothing.
 */
const capacityHint = 1 << 20;

/** Parses line `n` (1-based; 0 for a deferred probe line) of the chunk at file offset `at` into a record, or throws a named error. */
type LineParser = (text: string, at: number, n: number) => SessionRecord;

/** Line `n` of the chunk at `at`, in words (0: a deferred probe line, whose number is not kept). */
function lineName(at: number, n: number): string {
  return `${n > 0 ? `record ${n}` : 'a probe record'} of the chunk at byte ${at}`;
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
  /** Each chunk's byte offset in the file, to say where a line that is not a record is. */
  private readonly offsets: number[] = [];
  /** Each chunk's decompressed size: the exact limit when it is decompressed again. */
  private readonly sizes: number[] = [];
  private chunkOf: Uint32Array;
  private offsetOf: Uint32Array;
  private lengthOf: Uint32Array;
  private count = 0;
  private readonly cache = new Map<number, Buffer>();
  /** The chunk read last: reading a frame's events reads one chunk's lines in a row. */
  private last = -1;
  private lastText: Buffer | undefined;

  constructor(
    capacity: number,
    /** Parses a deferred line of the chunk at file offset `at`, naming the problem when it is not a record. */
    private readonly parse: LineParser,
  ) {
    const n = Math.max(16, capacity);
    this.chunkOf = new Uint32Array(n);
    this.offsetOf = new Uint32Array(n);
    this.lengthOf = new Uint32Array(n);
  }

  /** Keeps a chunk (compressed, and decompressed as the last one read); returns its number. */
  addChunk(payload: Buffer, text: Buffer, at: number): number {
    this.payloads.push(payload);
    this.offsets.push(at);
    this.sizes.push(text.length);
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
      text = this.cache.get(chunk) ?? decompress(this.payloads[chunk]!, Math.max(1, this.sizes[chunk]!));
      this.remember(chunk, text);
    }
    const start = this.offsetOf[k]!;
    return text.toString('utf8', start, start + this.lengthOf[k]!);
  }

  record(k: number): SessionRecord {
    return this.parse(this.line(k), this.offsets[this.chunkOf[k]!]!, 0);
  }
}

/** Output buffer size for decompressing: a chunk of probe records (~1.7 MiB) comes out in one piece, not copied together from many. */
const decompressChunkSize = 4 << 20;

/** Decompresses `payload`; throws ERR_BUFFER_TOO_LARGE as soon as the output passes `limit` bytes. */
function decompress(payload: Buffer, limit: number): Buffer {
  return zstdDecompressSync(payload, { chunkSize: decompressChunkSize, maxOutputLength: limit });
}

/**
 * Adds the records of one decompressed chunk to `table`: probe lines deferred (ts and kind from
 * their prefix, where they are noted in `lines`), every other line parsed now. Lines are found
 * in the chunk decoded as latin1 (byte offsets are character offsets; a newline byte is never
 * part of a UTF-8 sequence), and read later as UTF-8 from the bytes.
 */
function addChunk(payload: Buffer, bytes: Buffer, at: number, table: RecordTable, lines: ChunkLines, parse: LineParser): void {
  const chunk = lines.addChunk(payload, bytes, at);
  const text = bytes.toString('latin1');
  for (let start = 0, n = 1; start <= text.length; n++) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    // A deferred line must also end as the writer ends one (`}}`: data, then the record).
    const ts = text.endsWith('}}', end) ? probeLineTs(text, start, end) : undefined;
    if (ts === undefined) table.push(parse(bytes.toString('utf8', start, end), at, n));
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
    this.fd = openFile(path);
    this.size = fstatSync(this.fd).size;
    this.header = this.readHeader();
    const indexed = this.readIndex();
    this.complete = indexed !== undefined;
    this.chunks = indexed ?? this.scan();
  }

  /** Opens `path`; throws a PathlightError (`recording-unreadable` / `recording-damaged`) with the next step when it cannot. */
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

  /** What one read through the file may decompress in all (see `expansionLimits`). */
  private get allowed(): number {
    return Math.max(expansionLimits.floorBytes, this.size * expansionLimits.ratio);
  }

  /** Decompresses the chunk at `offset` within what `budget` (one read's) has left; a named error when it cannot. */
  private inflate(payload: Buffer, offset: number, budget: { left: number }): Buffer {
    const limit = Math.min(expansionLimits.chunkBytes, budget.left);
    let bytes: Buffer;
    try {
      if (limit < 1) throw Object.assign(new RangeError('no allowance left'), { code: 'ERR_BUFFER_TOO_LARGE' });
      bytes = decompress(payload, limit);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') {
        throw this.bad(`the chunk at byte ${offset} cannot be decompressed (${(err as Error).message}), although its checksum is right.`, alteredHint);
      }
      const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
      throw this.bad(
        limit === expansionLimits.chunkBytes
          ? `too large to open: the chunk at byte ${offset} expands past ${mib(limit)}, more than a chunk can hold.`
          : `too large to open: its chunks expand past ${mib(this.allowed)}, the most a file of ${this.size} bytes may (${expansionLimits.ratio}× its size, ${mib(expansionLimits.floorBytes)} at least; Pathlight's recordings expand about 10×).`,
        alteredHint,
      );
    }
    budget.left -= bytes.length;
    return bytes;
  }

  /** Line `n` (1-based; 0: a deferred probe line) of the chunk at file offset `at`, parsed, and checked to be a record. */
  private readonly parseLine: LineParser = (text, at, n) => {
    let r: unknown;
    try {
      r = JSON.parse(text);
    } catch {
      throw this.bad(`${lineName(at, n)} is not JSON, although the chunk's checksum is right.`, alteredHint);
    }
    if (!isRecord(r) || typeof r.ts !== 'number' || typeof r.kind !== 'string') {
      throw this.bad(`${lineName(at, n)} is not a record (an object with ts and kind), although the chunk's checksum is right.`, alteredHint);
    }
    // Checked above as far as the reader relies on (an object with ts and kind); `data` is read by its consumers.
    return r as unknown as SessionRecord;
  };

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
      // Not JSON: as damaged as a header that is not an object (refused just below).
      header = undefined as unknown as RecordingHeader;
    }
    // A header that is not an object, or a version that is not a whole number from 1 on, is as damaged as one that is not JSON.
    if (!isRecord(header) || !Number.isInteger(header.version) || header.version < 1) {
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
    const kind = h.readUInt8(12);
    if (end > this.size || (kind !== kindChunk && kind !== kindIndex)) return undefined;
    const payload = this.read(at + frameHeaderSize, length);
    if (crc32(payload, crc32(h.subarray(12))) !== h.readUInt32LE(8)) {
      this.searched += length;
      return undefined;
    }
    return {
      kind,
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
    const at = Number(t.readBigUInt64LE(0));
    const frame = this.frameAt(at);
    if (!frame || frame.kind !== kindIndex) return undefined;
    let listed: unknown;
    try {
      // An entry is under 160 bytes of JSON, and a chunk takes at least its frame header.
      listed = JSON.parse(decompress(frame.payload, Math.floor((at - this.dataStart) / frameHeaderSize) * 160 + 64).toString());
    } catch {
      listed = undefined;
    }
    const lie = this.indexLie(listed, at);
    if (lie === undefined) return listed as ChunkEntry[];
    this.damage.push({
      offset: at,
      bytesLost: 0,
      lastIntactTs: undefined,
      message: `The recording's index does not match its chunks (${lie}); the file was read chunk by chunk instead, keeping every intact chunk.`,
    });
    return undefined;
  }

  /**
   * Why `listed` (the index frame's content, at `indexOffset`) cannot be used, or undefined
   * when every entry names a chunk frame of the file — in file order, each once, before the
   * index — with that frame's own times and a plausible record count. Reads 36 bytes per chunk.
   */
  private indexLie(listed: unknown, indexOffset: number): string | undefined {
    if (!Array.isArray(listed)) return 'it is not a list of chunks';
    let end = this.dataStart;
    let records = 0;
    for (const [i, e] of listed.entries()) {
      const entry = `entry ${i + 1}`;
      if (!isRecord(e) || ![e.offset, e.tFirst, e.tLast, e.count].every(Number.isFinite)) return `${entry} is not a chunk`;
      const { offset, tFirst, tLast, count } = e as Record<keyof ChunkEntry, number>;
      if (!Number.isInteger(offset) || offset < end || offset + frameHeaderSize > indexOffset) {
        return `${entry} names byte ${offset}, ${offset < end ? 'before the end of the chunk listed before it' : 'past the last chunk'}`;
      }
      const h = this.read(offset, frameHeaderSize);
      if (!h.subarray(0, 4).equals(frameMagic) || h.readUInt8(12) !== kindChunk) return `${entry} names byte ${offset}, where no chunk starts`;
      end = offset + frameHeaderSize + h.readUInt32LE(4);
      if (end > indexOffset) return `the chunk at byte ${offset} runs into the index`;
      if (Number(h.readBigInt64LE(16)) !== Math.round(tFirst) || Number(h.readBigInt64LE(24)) !== Math.round(tLast) || h.readUInt32LE(32) !== count) {
        return `${entry} does not match the chunk at byte ${offset}`;
      }
      records += count;
      if (count < 1 || count > expansionLimits.chunkBytes / minRecordBytes) return `${entry} claims ${count} records`;
    }
    if (records > this.allowed / minRecordBytes) return `it claims ${records} records, more than the file can hold`;
    return undefined;
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
            next === undefined && this.searchStopped
              ? `Bytes ${at}–${this.size - 1} are damaged, with more false chunk headers than a damaged recording has; the search for intact chunks in them was stopped.`
              : next === undefined
                ? `The recording ends early or is damaged after byte ${at}: ${lost} bytes (at most the last chunk, about a second) could not be read.`
                : `Bytes ${at}–${next - 1} are damaged and were skipped; the records after them are intact.`,
        });
      }
      if (next === undefined) break;
      at = next;
    }
    return chunks;
  }

  /**
   * Payload bytes read for frames whose CRC did not match. Each candidate of a resync reads
   * the payload its header claims, so a file crafted with a fake frame header every few bytes
   * would cost the square of its size (1 MiB: 15 GB read, 13 s); past `searchAllowance` the
   * search stops and the rest counts as lost.
   */
  private searched = 0;
  private searchStopped = false;

  /** Four times the file, or 64 MiB: a real resync checks a few candidates, each at most the rest of the file. */
  private get searchAllowance(): number {
    return Math.max(64 * 2 ** 20, 4 * this.size);
  }

  private nextFrame(from: number): number | undefined {
    const window = 1 << 20;
    for (let at = from; at < this.size; at += window - frameMagic.length) {
      const buf = this.read(at, window);
      for (let i = buf.indexOf(frameMagic); i !== -1; i = buf.indexOf(frameMagic, i + 1)) {
        if (this.searched > this.searchAllowance) {
          this.searchStopped = true;
          return undefined;
        }
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
    const budget = { left: this.allowed };
    for (const chunk of this.chunks) {
      if (chunk.tLast < from || chunk.tFirst > to) continue;
      const payload = this.chunkPayload(chunk);
      if (!payload) continue;
      const lines = this.inflate(payload, chunk.offset, budget).toString('utf8').split('\n');
      const records = lines.map((line, i) => this.parseLine(line, chunk.offset, i + 1));
      for (const r of records) if (r.ts >= from && r.ts <= to) yield r;
    }
  }

  /**
   * Every record, in file order, as a RecordTable: probe lines deferred (time from the line's
   * prefix, `data` parsed when read — see `addChunk`), the chunks kept compressed in memory. Only
   * for current-version files: `migrate` reads every record's data.
   */
  table(): RecordTable {
    const read = this.tableRead();
    while (!read.step());
    return read.table;
  }

  /**
   * `table()`, read a chunk at a time in slices of about `sliceMillis`, with a turn of the
   * event loop between slices: the engine keeps answering (other windows, other calls) while a
   * large recording opens.
   */
  async tableInSlices(sliceMillis = 15): Promise<RecordTable> {
    const read = this.tableRead();
    await inSlices(read.step, sliceMillis);
    return read.table;
  }

  /** A read of the file into a RecordTable, one chunk per `step()` (true once every chunk is read). */
  private tableRead(): { table: RecordTable; step(): boolean } {
    const capacity = Math.min(this.count, capacityHint);
    const lines = new ChunkLines(capacity, this.parseLine);
    const table = new RecordTable(lines, capacity);
    const budget = { left: this.allowed };
    let next = 0;
    const step = () => {
      const chunk = this.chunks[next++];
      if (!chunk) return true;
      const payload = this.chunkPayload(chunk);
      if (payload) addChunk(payload, this.inflate(payload, chunk.offset, budget), chunk.offset, table, lines, this.parseLine);
      return next >= this.chunks.length;
    };
    return { table, step };
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

/** The next step for a file that holds what Pathlight would not have written. */
const alteredHint = 'Ask for the recording again: this copy was altered or not written by Pathlight (if Pathlight wrote it, report that with the file).';

/** What a non-regular file is, in words. */
function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Opens a recording for reading, refusing anything but a regular file: a folder (EISDIR on the
 * first read), and a named pipe or device, which would block the open — and the whole engine —
 * until something writes to it. Checked with stat before opening, and again on the opened
 * file (opened non-blocking) in case the path changed in between.
 */
function openFile(path: string): number {
  const refuse = (st: Stats) => {
    const kind = fileKind(st);
    return new PathlightError({
      code: 'recording-unreadable',
      message: `${path} is ${kind}, not a recording.`,
      hint:
        kind === 'a folder'
          ? 'Give the path of a .pathlight file (the recording itself, not the folder holding it).'
          : 'Save the recording to a .pathlight file first, then open that file.',
      file: path,
    });
  };
  let fd: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw refuse(st);
    fd = openSync(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  } catch (err) {
    if (err instanceof PathlightError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new PathlightError({
      code: 'recording-unreadable',
      message: `Cannot open recording ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}.`,
      hint: 'Check the path, or open another recording.',
      file: path,
    });
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw refuse(st);
  }
  return fd;
}

/**
 * Runs `step` until it returns true, in slices of about `sliceMillis` with a turn of the event
 * loop between them (so timers, sockets and other calls are served meanwhile).
 */
export async function inSlices(step: () => boolean, sliceMillis = 15): Promise<void> {
  let since = performance.now();
  while (!step()) {
    if (performance.now() - since < sliceMillis) continue;
    await new Promise((resolve) => setImmediate(resolve));
    since = performance.now();
  }
}
