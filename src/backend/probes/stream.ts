/** What both probe transports (ssh, pod) deliver: the agent's decoded NDJSON lines. */
import { probe } from '../../core/index.js';
import { PathlightError, type ApiError } from '../../api/index.js';

/** Progress of one node's agent, for the CLI and the UI. */
export type ProbeStage = 'connecting' | 'creating' | 'uploading' | 'starting' | 'streaming' | 'stopped';

export interface ProbeExit {
  exitCode: number | null;
  stderr: string;
  /** Why the agent never streamed, in words the user can act on. */
  problem?: ApiError | undefined;
}

export interface ProbeSink {
  line(event: probe.ProbeLine): void;
  /** A line the decoder refused (a newer agent, a broken stream): shown, not fatal. */
  bad(error: probe.DecodeError, raw?: string): void;
}

/** Splits and decodes the agent's stdout; calls `onHello` once, on the first hello line. */
export function lineFeeder(sink: ProbeSink, onHello: (hello: probe.HelloLine) => void) {
  const splitter = new probe.ProbeLineSplitter();
  let streaming = false;
  const feed = (results: probe.DecodeResult<string>[]) => {
    for (const r of results) {
      if (!r.ok) {
        sink.bad(r.error);
        continue;
      }
      const d = probe.decodeProbeLine(r.value);
      if (!d.ok) sink.bad(d.error, r.value);
      else {
        if (!streaming && d.value.type === 'hello') {
          streaming = true;
          onHello(d.value);
        }
        sink.line(d.value);
      }
    }
  };
  return {
    push: (chunk: Buffer) => feed(splitter.push(chunk)),
    end: () => feed(splitter.end()),
    get streaming() {
      return streaming;
    },
  };
}

/**
 * One control line for the agent's stdin: JSON on a single line (JSON.stringify never emits a
 * raw newline, so a value cannot start a second line). See native/README.md for the types.
 */
export function controlLine(control: object): string {
  const text = JSON.stringify(control);
  if (typeof text !== 'string' || !text.startsWith('{')) throw new TypeError('a control line is a JSON object');
  return `${text}\n`;
}

/** Ends a probe's start when its question was cancelled (between the steps of connecting, uploading, starting). */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new PathlightError({ code: 'cancelled', message: 'The probe was cancelled before its agent started.' });
}

/** Resolves after `ms`, or rejects as cancelled as soon as the signal aborts. */
export function cancellableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(new PathlightError({ code: 'cancelled', message: 'The probe was cancelled before its agent started.' }));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
