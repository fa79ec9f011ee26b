/** Serving the renderer build, shared by server mode (HTTP) and Electron (custom protocol). */
import { stat } from 'node:fs/promises';
import path from 'node:path';

const mimeTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export type StaticLookup = { status: 200; file: string; size: number; contentType: string } | { status: 400 | 403 | 404 };

/**
 * Maps a URL path to a file inside `root`. Refuses anything that escapes it (`..`, encoded
 * slashes, absolute paths) and anything that is not a regular file.
 */
export async function lookupStatic(root: string, urlPath: string): Promise<StaticLookup> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return { status: 400 };
  }
  if (rel.includes('\0')) return { status: 400 };
  if (rel === '/' || rel === '') rel = '/index.html';
  const base = path.resolve(root);
  const file = path.resolve(base, '.' + rel);
  if (!file.startsWith(base + path.sep)) return { status: 403 };
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return { status: 404 };
  return {
    status: 200,
    file,
    size: info.size,
    contentType: mimeTypes[path.extname(file)] ?? 'application/octet-stream',
  };
}

/** Headers every renderer response carries, in both shells. */
export function securityHeaders(csp: string): Record<string, string> {
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
  };
}
