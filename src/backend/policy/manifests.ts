/**
 * Reads a folder of manifests for the policy engine: every `.yaml`, `.yml` and `.json` file
 * below it (recursively, in a stable order), handed to core as name + text.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { policy } from '../../core/index.js';
import { PathlightError } from '../../api/index.js';

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export async function readManifestFiles(dir: string): Promise<policy.SourceFile[]> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new PathlightError({ code: 'invalid-request', message: `Manifests folder ${dir} does not exist.`, hint: 'Pass --manifests with a folder of YAML or JSON manifests.' });
  }
  if (info.isFile()) return [{ name: path.basename(dir), text: await readFile(dir, 'utf8') }];
  const out: policy.SourceFile[] = [];
  await walk(dir, dir, out);
  return out;
}

async function walk(root: string, dir: string, out: policy.SourceFile[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await walk(root, full, out);
    else if (e.isFile() && EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push({ name: path.relative(root, full), text: await readFile(full, 'utf8') });
  }
}

/** Reads the folder and builds the policy index (invalid documents become diagnostics). */
export async function loadPolicyIndex(dir: string): Promise<policy.PolicyIndex> {
  return policy.indexFromFiles(await readManifestFiles(dir));
}
