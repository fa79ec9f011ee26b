// Finds the Electron binary, or says why there is none. The `electron` package only holds a
// path to a binary downloaded at install time; that download is impossible on some machines.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export function electronBinary() {
  const require = createRequire(import.meta.url);
  let binary;
  try {
    binary = require('electron');
  } catch (err) {
    return { ok: false, why: `the electron package has no binary (${String(err.message).split('\n')[0]})` };
  }
  if (typeof binary !== 'string' || !existsSync(binary)) {
    return { ok: false, why: `the Electron binary was not downloaded (${binary} missing)` };
  }
  return { ok: true, binary };
}
