import { readFileSync, writeFileSync } from 'node:fs';
import { crc32, zstdCompressSync } from 'node:zlib';
import type { SessionRecord } from '../../src/core/index.js';
import { frameLayout } from '../../src/backend/store/container.js';

/** A probe drop event as the agent reports it, at `i` ms after a fixed start. */
export function dropAt(i: number, start = 1_764_000_000_000_000_000): SessionRecord {
  return {
    ts: start + i * 1_000_000,
    kind: 'probe',
    data: {
      v: 1,
      type: 'drop',
      node: 'node-1',
      netns: 4026532000 + (i % 7),
      src: `10.244.1.${i % 50}`,
      sport: 40000 + (i % 2000),
      dst: '10.244.2.7',
      dport: 8080,
      reason: 'NETFILTER_DROP',
      seq: i,
    },
  };
}

/*
 * Crafting hostile recordings at test time: a file made by the real RecordingWriter is taken
 * apart into frames, changed, and put back together with valid CRCs, a fresh index and
 * trailer — what an attacker who read src/backend/store/container.ts could make. The layout
 * below is the one described at the top of that file (keep aligned with it).
 */
const { headerSize: frameHeaderSize, kindChunk, kindIndex } = frameLayout;

/** One frame of a recording: kind 1 = chunk (zstd NDJSON), 2 = index. */
export interface RawFrame {
  kind: number;
  /** The compressed payload as stored. */
  payload: Buffer;
  tFirst: number;
  tLast: number;
  count: number;
}

/** An index entry as the writer makes it. */
export interface RawIndexEntry {
  offset: number;
  tFirst: number;
  tLast: number;
  count: number;
}

/** The file header (signature + JSON) and the chunk frames of an intact recording, in order. */
export function readFrames(file: string): { header: Buffer; chunks: RawFrame[] } {
  const bytes = readFileSync(file);
  let at = 12 + bytes.readUInt32LE(8);
  const header = bytes.subarray(0, at);
  const chunks: RawFrame[] = [];
  while (at + frameHeaderSize <= bytes.length && bytes.toString('latin1', at, at + 4) === 'PLCH') {
    const length = bytes.readUInt32LE(at + 4);
    const kind = bytes.readUInt8(at + 12);
    const frame = {
      kind,
      payload: bytes.subarray(at + frameHeaderSize, at + frameHeaderSize + length),
      tFirst: Number(bytes.readBigInt64LE(at + 16)),
      tLast: Number(bytes.readBigInt64LE(at + 24)),
      count: bytes.readUInt32LE(at + 32),
    };
    if (kind === kindChunk) chunks.push(frame);
    at += frameHeaderSize + length;
  }
  return { header, chunks };
}

/** A frame's bytes with a valid CRC. */
export function frameBytes(f: RawFrame): Buffer {
  const h = Buffer.alloc(frameHeaderSize);
  h.write('PLCH', 0, 'latin1');
  h.writeUInt32LE(f.payload.length, 4);
  h.writeUInt8(f.kind, 12);
  h.writeBigInt64LE(BigInt(f.tFirst), 16);
  h.writeBigInt64LE(BigInt(f.tLast), 24);
  h.writeUInt32LE(f.count, 32);
  h.writeUInt32LE(crc32(f.payload, crc32(h.subarray(12))), 8);
  return Buffer.concat([h, f.payload]);
}

/** A chunk frame holding `lines` (NDJSON records, joined by newlines) as the writer would frame it. */
export function chunkOf(lines: string[], tFirst = 0, tLast = tFirst, count = lines.length): RawFrame {
  return { kind: kindChunk, payload: zstdCompressSync(Buffer.from(lines.join('\n'))), tFirst, tLast, count };
}

/**
 * Writes a recording made of `header` and `chunks`, then an index (the true one, or what
 * `index` makes of it) and the trailer, all with valid CRCs. Returns the file's size.
 */
export function writeFrames(file: string, header: Buffer, chunks: RawFrame[], index: (entries: RawIndexEntry[]) => RawIndexEntry[] = (e) => e): number {
  const parts: Buffer[] = [header];
  let offset = header.length;
  const entries: RawIndexEntry[] = [];
  for (const c of chunks) {
    const bytes = frameBytes(c);
    entries.push({ offset, tFirst: c.tFirst, tLast: c.tLast, count: c.count });
    parts.push(bytes);
    offset += bytes.length;
  }
  const listed: unknown = index(entries);
  // The index frame's own header as the writer fills it (what a tampered index says, when it is a list).
  const list = Array.isArray(listed) ? (listed as Array<Partial<RawIndexEntry> | undefined>) : [];
  const indexFrame = frameBytes({
    kind: kindIndex,
    payload: zstdCompressSync(Buffer.from(JSON.stringify(listed))),
    tFirst: Number(list[0]?.tFirst ?? 0),
    tLast: Number(list.at(-1)?.tLast ?? 0),
    count: list.reduce((n, e) => n + Number(e?.count ?? 0), 0) % 2 ** 32,
  });
  parts.push(indexFrame);
  const trailer = Buffer.alloc(16);
  trailer.writeBigUInt64LE(BigInt(offset), 0);
  trailer.write('PLIX', 8, 'latin1');
  trailer.writeUInt32LE(crc32(trailer.subarray(0, 8)), 12);
  parts.push(trailer);
  const bytes = Buffer.concat(parts);
  writeFileSync(file, bytes);
  return bytes.length;
}

/**
 * A decompression bomb: one valid NDJSON record whose note is `mib` MiB of one letter — a
 * few kilobytes once compressed. `copies` chunks of it (each the same bytes at its own offset,
 * a valid index listing each once) make a file of tens of kilobytes that expands to gigabytes.
 */
export function bombChunks(mib: number, copies: number, ts = 1_764_000_000_000_000_000): RawFrame[] {
  const text = Buffer.alloc(mib << 20, 'a');
  const lead = Buffer.from(`{"ts":${ts},"kind":"note","data":{"text":"`);
  const tail = Buffer.from('"}}');
  text.set(lead, 0);
  text.set(tail, text.length - tail.length);
  const one: RawFrame = { kind: kindChunk, payload: zstdCompressSync(text), tFirst: ts, tLast: ts, count: 1 };
  return Array.from({ length: copies }, () => one);
}

/** The drop, DNS, TCP and HTTP events a recording holds (what the events table lists at its end), counted from its types. */
export async function eventsIn(file: string): Promise<number> {
  const { openRecording } = await import('../../src/backend/store/open.js');
  const { isEventTypeCode } = await import('../../src/core/index.js');
  const rec = await openRecording(file);
  let n = 0;
  for (let i = 0; i < rec.probeColumns.ts.length; i++) {
    const t = rec.probeTypeAt(i);
    if (isEventTypeCode(t)) n++;
  }
  return n;
}
