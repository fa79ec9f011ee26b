/** The installer configuration ships what the app needs on every platform we target. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoPath } from '../helpers/paths.js';

const builder = parse(readFileSync(repoPath('electron-builder.yml'), 'utf8'));
const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8'));

describe('electron-builder.yml', () => {
  it('targets Linux AppImage + deb, macOS dmg and Windows nsis', () => {
    expect(builder.linux.target).toEqual(['AppImage', 'deb']);
    expect(builder.mac.target).toEqual(['dmg']);
    expect(builder.win.target).toEqual(['nsis']);
  });

  it('ships the probe agent binaries from native/ as extra resources', () => {
    expect(builder.extraResources).toEqual([{ from: 'native/dist', to: 'probes', filter: ['*/pathlight-probe'] }]);
  });

  it('turns off the Electron fuses that let the binary run as Node, and checks the asar', () => {
    // Without these, anyone who can set an environment variable or a flag on the installed
    // app (ELECTRON_RUN_AS_NODE, NODE_OPTIONS, --inspect) runs code with its privileges.
    expect(builder.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    expect(builder.asar).toBe(true);
  });

  it('packs the built entry point that package.json names', () => {
    expect(pkg.main).toBe('dist/main/main.js');
    expect(builder.files).toContain('dist/**/*');
    expect(builder.files).toContain('package.json');
  });
});

describe('Content-Security-Policy', () => {
  it('index.html carries the same policy the server sends (minus header-only directives)', async () => {
    const { contentSecurityPolicy } = await import('../../src/api/csp.js');
    const html = readFileSync(repoPath('src/renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    const headerOnly = ['frame-ancestors'];
    const server = contentSecurityPolicy('server')
      .split('; ')
      .filter((d) => !headerOnly.some((h) => d.startsWith(h)));
    expect(meta?.split('; ')).toEqual(server);
    expect(contentSecurityPolicy('electron')).toContain("connect-src 'none'");
  });
});
