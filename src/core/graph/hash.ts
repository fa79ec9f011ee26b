/**
 * 53-bit hashes for the "seen already?" sets of the event aggregation. A million events
 * would cost ~150 MB as string keys; as numbers they cost a fraction of that. Two
 * independent 32-bit hashes make a collision (an event wrongly taken for a duplicate) about
 * a 1-in-20,000 chance over a million events.
 */
export class KeyHash {
  private a = 0x811c9dc5;
  private b = 0x9747b28c;

  str(s: string): this {
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    // A separator, so ("ab","c") and ("a","bc") differ.
    this.a = Math.imul(a ^ 0xff, 0x01000193);
    this.b = Math.imul(b ^ 0xff, 0x5bd1e995);
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
    this.a = Math.imul(this.a ^ v, 0x01000193);
    this.a ^= this.a >>> 13;
    this.b = Math.imul(this.b ^ v, 0x5bd1e995);
    this.b ^= this.b >>> 15;
  }

  /** The hash as a non-negative integer below 2^53. */
  value(): number {
    let a = this.a;
    let b = this.b;
    a ^= a >>> 16;
    a = Math.imul(a, 0x85ebca6b);
    a ^= a >>> 13;
    b ^= b >>> 16;
    b = Math.imul(b, 0xc2b2ae35);
    b ^= b >>> 16;
    return (a >>> 0) * 2097152 + ((b >>> 0) & 0x1fffff);
  }
}
