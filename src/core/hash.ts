/**
 * The one FNV-1a of the code base, and what is built on it: the 53-bit keys of the "seen
 * already?" sets (the graph's flow counting, the correlator's duplicate check) and the keyed
 * bit function of the redactor's address permutation (../session/redact.ts).
 *
 * FNV-1a (Fowler–Noll–Vo, 32-bit): for each input unit, xor it in, then multiply by the prime.
 */
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** One FNV-1a step: `h` with one more input unit (a char code or a byte). */
export const fnv1aStep = (h: number, unit: number): number => Math.imul(h ^ unit, FNV_PRIME);

/**
 * FNV-1a over `units` (a string's UTF-16 code units, or numbers), continuing from `h`.
 * `mask` keeps only the low bits of each unit (0xff: the byte-wise hash of the redactor).
 * The result is unsigned.
 */
export function fnv1a(units: string | readonly number[], h = FNV_OFFSET, mask = 0xffffffff): number {
  if (typeof units === 'string') for (let i = 0; i < units.length; i++) h = fnv1aStep(h, units.charCodeAt(i) & mask);
  else for (const u of units) h = fnv1aStep(h, u & mask);
  return h >>> 0;
}

/** Murmur3's final avalanche (fmix32): one changed input bit flips each output bit half the time. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const LANE_B_SEED = 0x9747b28c;
const LANE_B_PRIME = 0x5bd1e995;

// The two lanes after mixString: module scratch rather than a returned pair, so hashing a
// key allocates nothing (the correlator hashes every agent line).
let laneA = 0;
let laneB = 0;

/** Both lanes of KeyHash over one string, then a separator, so ("ab","c") and ("a","bc") differ. */
function mixString(a: number, b: number, s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // fnv1aStep written out: V8 did not inline the call here, and this loop runs for every
    // character of every agent line's key (2-3x slower measured on 1M correlator keys).
    a = Math.imul(a ^ c, FNV_PRIME);
    b = Math.imul(b ^ c, LANE_B_PRIME);
    b ^= b >>> 15;
  }
  laneA = fnv1aStep(a, 0xff);
  laneB = Math.imul(b ^ 0xff, LANE_B_PRIME);
}

/** The two lanes as a non-negative integer below 2^53. */
function finish(a: number, b: number): number {
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b ^= b >>> 16;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 16;
  return (a >>> 0) * 2097152 + ((b >>> 0) & 0x1fffff);
}

/**
 * 53-bit hashes for the "seen already?" sets of the event aggregation. A million events
 * would cost ~150 MB as string keys; as numbers they cost a fraction of that. Two
 * independent 32-bit hashes (an FNV-1a lane and a multiply-xorshift lane) make a collision
 * (an event wrongly taken for a duplicate) about a 1-in-20,000 chance over a million events.
 */
export class KeyHash {
  private a = FNV_OFFSET;
  private b = LANE_B_SEED;

  /** The key of one string: `new KeyHash().str(s).value()`, without the object. */
  static of(s: string): number {
    mixString(FNV_OFFSET, LANE_B_SEED, s);
    return finish(laneA, laneB);
  }

  str(s: string): this {
    mixString(this.a, this.b, s);
    this.a = laneA;
    this.b = laneB;
    return this;
  }

  /** Any finite number, including ns timestamps beyond 2^53 (hashed by their two 32-bit halves). */
  num(n: number): this {
    const hi = Math.floor(n / 4294967296);
    const lo = n - hi * 4294967296;
    this.mixInt(hi | 0);
    this.mixInt(lo >>> 0);
    return this;
  }

  private mixInt(v: number) {
    this.a = fnv1aStep(this.a, v);
    this.a ^= this.a >>> 13;
    this.b = Math.imul(this.b ^ v, LANE_B_PRIME);
    this.b ^= this.b >>> 15;
  }

  /** The hash as a non-negative integer below 2^53. */
  value(): number {
    return finish(this.a, this.b);
  }
}

/**
 * Answers "first time?" for 53-bit hash keys whose high 32 bits are a hash of their own
 * (KeyHash's): an open-addressing table of doubles (linear probing,
 * at most half full). A JS Set of such keys stores each one as a heap number and rehashes it on
 * growth; this costs 16 bytes a key and no objects, which matters at millions of events.
 */
export class SeenSet {
  private table = SeenSet.empty(1 << 12);
  private count = 0;

  private static empty(size: number): Float64Array {
    return new Float64Array(size).fill(-1);
  }

  /** The slot of `key` in `table`: where it is, or the empty slot where it would go. */
  private static slot(table: Float64Array, key: number): number {
    const mask = table.length - 1;
    // The key's high 32 bits pick the slot.
    let i = ((key / 2097152) >>> 0) & mask;
    for (;;) {
      const v = table[i]!;
      if (v === key || v === -1) return i;
      i = (i + 1) & mask;
    }
  }

  /** True the first time `key` (a non-negative integer below 2^53) is offered. */
  once(key: number): boolean {
    const i = SeenSet.slot(this.table, key);
    if (this.table[i] === key) return false;
    this.table[i] = key;
    if (++this.count * 2 > this.table.length) this.grow();
    return true;
  }

  private grow() {
    const old = this.table;
    this.table = SeenSet.empty(old.length * 2);
    for (const v of old) if (v !== -1) this.table[SeenSet.slot(this.table, v)] = v;
  }

  clear(): void {
    this.table = SeenSet.empty(1 << 12);
    this.count = 0;
  }
}
