/**
 * The TypeScript side of the probe protocol agreement: every line of the Go-generated fixture
 * decodes, and the enum values the fixture uses are exactly the TypeScript enum arrays.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { probe } from '../../../../src/core/index.js';
import { fixture } from '../../../helpers/paths.js';

const text = readFileSync(fixture('probe/protocol.ndjson'), 'utf8');
const lines = text.split('\n').filter((l) => l !== '');
const raw = lines.map((l) => JSON.parse(l) as Record<string, unknown> & { type: string });

function decoded(line: string): probe.ProbeLine {
  const result = probe.decodeProbeLine(line);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}
const events = lines.map(decoded);
const ofType = <T extends probe.LineType>(type: T) => events.filter((e): e is Extract<probe.ProbeLine, { type: T }> => e.type === type);

/** A fixture line as an object, changed by `edit`, back to JSON. */
function variant(type: probe.LineType, edit: (o: Record<string, unknown>) => void): string {
  const o = structuredClone(raw.find((r) => r.type === type)!);
  edit(o);
  return JSON.stringify(o);
}

describe('probe protocol: the Go fixture', () => {
  it.each(lines.map((line, i) => [i + 1, raw[i]!.type, line] as const))('line %i (%s) decodes unchanged', (_n, _type, line) => {
    expect(decoded(line)).toEqual(JSON.parse(line));
  });

  const seen: Array<[string, readonly string[], () => unknown[]]> = [
    ['line types', probe.lineTypes, () => events.map((e) => e.type)],
    ['TCP events', probe.tcpEvents, () => ofType('tcp').map((e) => e.event)],
    ['TCP roles', probe.tcpRoles, () => ofType('tcp').flatMap((e) => e.role ?? [])],
    ['TCP reset directions', probe.tcpResetDirs, () => ofType('tcp').flatMap((e) => e.resetDir ?? [])],
    ['error codes', probe.errorCodes, () => ofType('error').map((e) => e.code)],
    ['bye reasons', probe.byeReasons, () => ofType('bye').map((e) => e.reason)],
    ['probe states', probe.probeStates, () => ofType('hello').flatMap((e) => e.probes.map((p) => p.state))],
    ['DNS qr', probe.dnsQrs, () => ofType('dns').map((e) => e.qr)],
    ['DNS dir', probe.dnsDirs, () => ofType('dns').map((e) => e.dir)],
    ['test phases', probe.testPhases, () => ofType('test').map((e) => e.phase)],
    ['test outcomes', probe.testOutcomes, () => ofType('test').flatMap((e) => e.outcome ?? [])],
    ['test protocols', probe.testProtos, () => ofType('test').flatMap((e) => e.proto ?? [])],
    ['rule verdicts', probe.ruleVerdicts, () => ofType('rule').map((e) => e.verdict)],
  ];
  it.each(seen)('%s in the fixture are exactly the TypeScript enum', (_name, values, inFixture) => {
    expect(new Set(values).size).toBe(values.length);
    expect([...new Set(inFixture())].sort()).toEqual([...values].sort());
  });

  it('keeps ts to double precision: 256 ns apart near 2026', () => {
    const [a, b] = ofType('tcp');
    expect(a!.ts).toBe(1764000000300000000);
    expect(b!.ts).toBe(a!.ts); // …000001 on the wire
    expect(probe.decodeProbeLine(variant('drop', (o) => (o.ts = 1764000000300000256))).ok).toBe(true);
  });
});

describe('probe protocol: decoding', () => {
  it('reads the process behind a socket (probe proc) on drop, dns and tcp lines', () => {
    const refused = ofType('tcp').find((e) => e.event === 'refused');
    expect(refused?.proc).toMatchObject({
      pid: 4121,
      comm: 'curl',
      containerId: expect.stringMatching(/^[0-9a-f]{64}$/),
      podUid: '60edf64d-906c-40b2-9925-3f6e53e521db',
    });
    expect(ofType('drop')[0]?.proc?.comm).toBe('curl');
    expect(ofType('dns')[0]?.proc).toEqual({ pid: 7265, tid: 7277, comm: 'kubelet', cgroupId: 1 });
    // Not known: no proc at all, never an empty one.
    expect(ofType('tcp').find((e) => e.event === 'timeout')?.proc).toBeUndefined();
    expect(probe.decodeProbeLine(variant('tcp', (o) => (o.proc = { pid: 1, comm: 'x' }))).ok).toBe(false);
  });

  it('accepts unknown extra fields (a newer agent) and drops them', () => {
    const result = probe.decodeProbeLine(variant('drop', (o) => (o.cgroup = 'kubepods')));
    expect(result.ok && result.value).toMatchObject({ type: 'drop', src: '10.244.0.5' });
    expect(result.ok && 'cgroup' in result.value).toBe(false);
  });

  it('treats omitempty fields as optional', () => {
    const result = probe.decodeProbeLine(variant('error', (o) => delete o.probe));
    expect(result.ok && result.value).toMatchObject({ type: 'error', code: 'no-btf', fatal: true });
  });

  it('reads a Go nil slice or map (null) as empty', () => {
    const hello = probe.decodeProbeLine(
      variant('hello', (o) => {
        o.probes = null;
        o.filters = { netns: null, cidr: null, port: null, proto: null, notSpecified: false };
      }),
    );
    expect(hello.ok && hello.value).toMatchObject({ probes: [], filters: { netns: [], cidr: [], port: [], proto: [] } });
    const bye = probe.decodeProbeLine(variant('bye', (o) => (o.probes = null)));
    expect(bye.ok && bye.value).toMatchObject({ probes: {} });
  });

  it.each<[string, string, probe.DecodeErrorCode, RegExp, string?]>([
    ['not JSON', '{"v":1,"type":"drop"', 'not-json', /not JSON/],
    ['empty', '', 'not-json', /not JSON/],
    ['an array', '[1,2]', 'not-object', /not a JSON object/],
    ['null', 'null', 'not-object', /not a JSON object/],
    ['v 2', variant('drop', (o) => (o.v = 2)), 'unsupported-version', /version 2.*supports version 1/, 'v'],
    ['v as text', variant('drop', (o) => (o.v = '1')), 'unsupported-version', /version "1".*supports version 1/, 'v'],
    ['no v', variant('drop', (o) => delete o.v), 'missing-field', /missing "v"/, 'v'],
    ['no type', variant('drop', (o) => delete o.type), 'missing-field', /missing "type"/, 'type'],
    ['unknown type', variant('drop', (o) => (o.type = 'flow')), 'unknown-type', /unknown type "flow".*known: hello/, 'type'],
    ['drop without src', variant('drop', (o) => delete o.src), 'missing-field', /drop line is missing "src"/, 'src'],
    ['drop with sport as text', variant('drop', (o) => (o.sport = '43120')), 'invalid-field', /invalid "sport".*expected number.*got "43120"/, 'sport'],
    ['port out of range', variant('drop', (o) => (o.dport = 70000)), 'invalid-field', /invalid "dport".*got 70000/, 'dport'],
    ['null src', variant('drop', (o) => (o.src = null)), 'invalid-field', /invalid "src".*got null/, 'src'],
    ['family 5', variant('drop', (o) => (o.family = 5)), 'invalid-field', /invalid "family"/, 'family'],
    ['fractional ts', variant('drop', (o) => (o.ts = 1.5)), 'invalid-field', /invalid "ts".*integer/, 'ts'],
    ['unknown TCP event', variant('tcp', (o) => (o.event = 'exploded')), 'invalid-field', /invalid "event".*"established".*got "exploded"/, 'event'],
    [
      'nested missing field',
      variant('hello', (o) => delete (o.probes as Array<Record<string, unknown>>)[0]!.state),
      'missing-field',
      /hello line is missing "probes\[0\]\.state"/,
      'probes[0].state',
    ],
    [
      'map value field',
      variant('stats', (o) => ((o.probes as Record<string, Record<string, unknown>>).drops!.lost = -1)),
      'invalid-field',
      /invalid "probes\.drops\.lost"/,
      'probes.drops.lost',
    ],
    ['test line without id', variant('test', (o) => delete o.id), 'missing-field', /test line is missing "id"/, 'id'],
    ['unknown test outcome', variant('test', (o) => (o.outcome = 'exploded')), 'invalid-field', /invalid "outcome".*got "exploded"/, 'outcome'],
    ['unknown test phase', variant('test', (o) => (o.phase = 'ping')), 'invalid-field', /invalid "phase"/, 'phase'],
    [
      'two problems',
      variant('drop', (o) => {
        delete o.src;
        delete o.dst;
      }),
      'missing-field',
      /missing "src" \(and 1 more problem\)/,
      'src',
    ],
  ])('rejects %s', (_name, line, code, message, field) => {
    const result = probe.decodeProbeLine(line);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(result.error.field).toBe(field);
  });
});

describe('probe protocol: splitting a stream into lines', () => {
  const values = (results: probe.DecodeResult<string>[]) => results.map((r) => (r.ok ? r.value : r.error.code));

  function splitIn(chunks: Array<string | Uint8Array>, options?: { maxLineLength?: number }) {
    const splitter = new probe.ProbeLineSplitter(options);
    return [...chunks.flatMap((c) => splitter.push(c)), ...splitter.end()];
  }
  function chunked<T extends string | Uint8Array>(whole: T, size: number): T[] {
    const out: T[] = [];
    for (let i = 0; i < whole.length; i += size) out.push(whole.slice(i, i + size) as T);
    return out;
  }

  it.each([1, 2, 7, 64, 1000, text.length])('gives the fixture lines back from %i-character chunks', (size) => {
    expect(values(splitIn(chunked(text, size)))).toEqual(lines);
  });

  it.each([1, 3, 100])('gives the fixture lines back from %i-byte chunks', (size) => {
    expect(values(splitIn(chunked(new TextEncoder().encode(text), size)))).toEqual(lines);
  });

  it('joins a multi-byte character split across byte chunks', () => {
    const bytes = new TextEncoder().encode('{"qname":"café."}\n');
    const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of é
    expect(values(splitIn([bytes.slice(0, cut), bytes.slice(cut)]))).toEqual(['{"qname":"café."}']);
  });

  it('ends lines at \\r\\n, even split between chunks, and skips blank lines', () => {
    expect(values(splitIn(['a\r', '\nb\r\n\r\n', '\nc\r\n']))).toEqual(['a', 'b', 'c']);
  });

  it('returns an unterminated last line at the end only', () => {
    const splitter = new probe.ProbeLineSplitter();
    expect(values(splitter.push('a\nb'))).toEqual(['a']);
    expect(values(splitter.push('c'))).toEqual([]);
    expect(values(splitter.end())).toEqual(['bc']);
    expect(values(splitter.end())).toEqual([]);
  });

  it('skips a line over the limit with one error, then carries on', () => {
    const results = splitIn(['12345\n', '12', '3456', '789', '\n1234567890123\n', 'abcdef\r\n', 'ok'], { maxLineLength: 6 });
    expect(values(results)).toEqual(['12345', 'line-too-long', 'line-too-long', 'abcdef', 'ok']);
    const error = results.find((r) => !r.ok);
    expect(error?.ok === false && error.error).toMatchObject({
      code: 'line-too-long',
      line: 2,
      message: expect.stringMatching(/line 2 is longer than 6 characters/),
    });
  });

  it('keeps a line of exactly the limit, with or without \\r', () => {
    expect(values(splitIn(['123456\n', '123456\r\n', '1234567\n'], { maxLineLength: 6 }))).toEqual(['123456', '123456', 'line-too-long']);
  });
});
