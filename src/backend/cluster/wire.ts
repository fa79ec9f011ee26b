/**
 * Objects as the API server sends them. client-node deserialises list results into model
 * classes that rename fields which are reserved words in TypeScript (`from` → `_from` in a
 * NetworkPolicy rule, `continue`, `default`, `enum`, `int`) and turn timestamps into Dates,
 * while watch events arrive as plain JSON — so one informer cache mixes two shapes. The
 * engines, recordings and the UI read the wire shape; this turns either into it.
 */
const renamed: Record<string, string> = { _from: 'from', _continue: 'continue', _default: 'default', _enum: 'enum', _int: 'int' };

export function toWire(v: unknown): unknown {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString().replace(/\.000Z$/, 'Z');
  if (Array.isArray(v)) return v.map(toWire);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[renamed[k] ?? k] = toWire(x);
  return out;
}
