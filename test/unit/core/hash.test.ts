import { describe, expect, it } from 'vitest';
import { fmix32, fnv1a, FNV_OFFSET, KeyHash, SeenSet } from '../../../src/core/hash.js';

describe('hash', () => {
  // Reference values of 32-bit FNV-1a (the published test vectors of its authors).
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('FNV-1a of %j is the reference value', (s, h) => {
    expect(fnv1a(s)).toBe(h);
    expect(fnv1a([...s].map((c) => c.charCodeAt(0)))).toBe(h);
  });

  it('continues from a previous hash and masks units when asked', () => {
    expect(fnv1a('bar', fnv1a('foo'))).toBe(fnv1a('foobar'));
    expect(fnv1a('\u0161', FNV_OFFSET, 0xff)).toBe(fnv1a([0x61]));
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).not.toBe(fmix32(2));
  });

  it('keys strings as 53-bit integers, separating ("ab","c") from ("a","bc")', () => {
    const k = KeyHash.of('drop|node-1|10.0.0.1');
    expect(Number.isSafeInteger(k) && k >= 0).toBe(true);
    expect(KeyHash.of('drop|node-1|10.0.0.1')).toBe(k);
    expect(new KeyHash().str('ab').str('c').value()).not.toBe(new KeyHash().str('a').str('bc').value());
    const seen = new SeenSet();
    expect(seen.once(k)).toBe(true);
    expect(seen.once(k)).toBe(false);
  });
});
