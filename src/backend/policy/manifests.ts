/**
 * Reads a folder of manifests for the policy engine: every `.yaml`, `.yml` and `.json` file
 * below it (recursively, in a stable order), handed to core as name + text. Symbolic links are
 * followed — a ConfigMap mounted as a volume is a folder of links into `..data` — and each
 * file or folder is read once, however many links lead to it; a link back into its own
 * ancestors is reported and not followed.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import path from 'node:path';
import { policy } from '../../core/index.js';
import { PathlightError } from '../../api/index.js';

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface ManifestFolder {
  files: policy.SourceFile[];
  /** Links that could not be followed (broken, or looping back into the folder above them). */
  diagnostics: policy.Diagnostic[];
}

export async function readManifests(dir: string): Promise<ManifestFolder> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new PathlightError({
      code: 'invalid-request',
      message: `Manifests folder ${dir} does not exist.`,
      hint: 'Pass --manifests with a folder of YAML or JSON manifests.',
    });
  }
  if (info.isFile()) return { files: [{ name: path.basename(dir), text: await readFile(dir, 'utf8') }], diagnostics: [] };
  const walker = new Walker(dir);
  const real = await realpath(dir);
  await walker.walk(dir, real, [real]);
  return { files: walker.files, diagnostics: walker.diagnostics };
}

export async function readManifestFiles(dir: string): Promise<policy.SourceFile[]> {
  return (await readManifests(dir)).files;
}

class Walker {
  readonly files: policy.SourceFile[] = [];
  readonly diagnostics: policy.Diagnostic[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly root: string) {}

  /** `real`: the folder's resolved path; `ancestors`: resolved paths of the folders above it, itself included. */
  async walk(dir: string, real: string, ancestors: readonly string[]): Promise<void> {
    this.seen.add(real);
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      const target = await this.resolve(e, full, path.join(real, e.name));
      if (!target) continue;
      if (target.dir) {
        if (ancestors.includes(target.real))
          this.warn(full, `symbolic link to ${path.relative(this.root, target.real) || '.'}, a folder above it, not followed (it would loop)`);
        else if (!this.seen.has(target.real)) await this.walk(full, target.real, [...ancestors, target.real]);
      } else if (target.file && EXTENSIONS.has(path.extname(e.name).toLowerCase()) && !this.seen.has(target.real)) {
        this.seen.add(target.real);
        this.files.push({ name: path.relative(this.root, full), text: await readFile(full, 'utf8') });
      }
    }
  }

  /** What an entry is, links followed; null for a broken link (reported) or anything else. */
  private async resolve(e: Dirent, full: string, joined: string): Promise<{ real: string; dir: boolean; file: boolean } | null> {
    if (!e.isSymbolicLink()) return { real: joined, dir: e.isDirectory(), file: e.isFile() };
    try {
      const [info, real] = await Promise.all([stat(full), realpath(full)]);
      return { real, dir: info.isDirectory(), file: info.isFile() };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      this.warn(full, code === 'ELOOP' ? 'symbolic link loop, not followed' : `symbolic link to a missing file, skipped (${code ?? 'unreadable'})`);
      return null;
    }
  }

  private warn(full: string, message: string): void {
    this.diagnostics.push({ severity: 'warning', file: path.relative(this.root, full), message });
  }
}

/** Reads the folder and builds the policy index (invalid documents become diagnostics). */
export async function loadPolicyIndex(dir: string): Promise<policy.PolicyIndex> {
  const { files, diagnostics } = await readManifests(dir);
  const index = policy.indexFromFiles(files);
  index.diagnostics.unshift(...diagnostics);
  return index;
}
