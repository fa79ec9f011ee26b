/** Splits the agent's output stream into its NDJSON lines, before decode.ts reads each one. */
import type { DecodeResult } from './decode.js';

/** Default longest line the splitter keeps: far above any real line, a guard against runaway memory. */
export const maxProbeLineLength = 1024 * 1024;

interface Utf8Decoder {
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}
type Utf8DecoderCtor = new (label?: string) => Utf8Decoder;

/**
 * Splits a chunked stream (strings, or UTF-8 bytes from an ssh channel or pod exec) into
 * lines: a line may span chunks, `\r\n` ends a line like `\n`, blank lines are skipped. A line
 * longer than `maxLineLength` characters becomes one `line-too-long` error and is discarded up
 * to its newline; the lines after it come through. Feed one kind of chunk per stream.
 */
export class ProbeLineSplitter {
  readonly maxLineLength: number;
  private pending = '';
  private discarding = false;
  private lineNo = 0;
  private decoder: Utf8Decoder | undefined;

  constructor(options: { maxLineLength?: number } = {}) {
    this.maxLineLength = options.maxLineLength ?? maxProbeLineLength;
  }

  /** Returns the lines completed by this chunk, in order. */
  push(chunk: string | Uint8Array): DecodeResult<string>[] {
    const text = typeof chunk === 'string' ? chunk : this.utf8().decode(chunk, { stream: true });
    const out: DecodeResult<string>[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) {
        this.append(text.slice(start), out);
        return out;
      }
      this.append(text.slice(start, nl), out);
      this.endLine(out);
      start = nl + 1;
    }
  }

  /** Ends the stream: returns the last line if it had no newline, and resets the splitter. */
  end(): DecodeResult<string>[] {
    const out: DecodeResult<string>[] = [];
    if (this.decoder) this.append(this.decoder.decode(), out);
    this.endLine(out);
    this.pending = '';
    this.discarding = false;
    this.lineNo = 0;
    this.decoder = undefined;
    return out;
  }

  private utf8(): Utf8Decoder {
    if (!this.decoder) {
      // Every runtime core targets (Node, browsers, workers) has TextDecoder; core's lib does not declare it.
      const Ctor = (globalThis as { TextDecoder?: Utf8DecoderCtor }).TextDecoder;
      if (!Ctor) throw new Error('TextDecoder is not available here: push strings instead of bytes.');
      this.decoder = new Ctor('utf-8');
    }
    return this.decoder;
  }

  private append(piece: string, out: DecodeResult<string>[]) {
    if (this.discarding || piece === '') return;
    // One extra character allowed for the \r of a \r\n ending; endLine checks the exact length.
    if (this.pending.length + piece.length > this.maxLineLength + 1) this.tooLong(out);
    else this.pending += piece;
  }

  private endLine(out: DecodeResult<string>[]) {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (this.pending === '') {
      this.lineNo += 1;
      return;
    }
    const line = this.pending.endsWith('\r') ? this.pending.slice(0, -1) : this.pending;
    this.pending = '';
    if (line.length > this.maxLineLength) {
      this.tooLong(out);
      this.discarding = false;
      return;
    }
    this.lineNo += 1;
    if (line !== '') out.push({ ok: true, value: line });
  }

  private tooLong(out: DecodeResult<string>[]) {
    this.lineNo += 1;
    this.pending = '';
    this.discarding = true;
    out.push({
      ok: false,
      error: {
        code: 'line-too-long',
        line: this.lineNo,
        message: `Probe line ${this.lineNo} is longer than ${this.maxLineLength} characters; it was skipped.`,
      },
    });
  }
}
