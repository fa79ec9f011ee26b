/**
 * The renderer's Content-Security-Policy. Same policy in both shells, except how the UI
 * reaches the engine: server mode needs its own WebSocket ('self' covers ws: of the same
 * host in CSP3), Electron needs no network at all.
 * Keep aligned with the <meta> policy in src/renderer/index.html (a test checks it).
 */
export function contentSecurityPolicy(shell: 'electron' | 'server'): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    shell === 'server' ? "connect-src 'self'" : "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
