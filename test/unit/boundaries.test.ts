/**
 * The layers hold: a forbidden import fails lint (ESLint boundary rules), and Node or DOM
 * globals fail to compile where a layer's tsconfig leaves them out.
 */
import { ESLint } from 'eslint';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../helpers/paths.js';

const eslint = new ESLint({ cwd: repoPath('.') });

async function importErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: repoPath(file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries (lint)', () => {
  it.each([
    ['src/core/x.ts', "import fs from 'node:fs';", /src\/core runs where Node is not available/],
    ['src/core/x.ts', "import { app } from 'electron';", /electron may only be imported in src\/main/],
    ['src/core/x.ts', "import { listContexts } from '../backend/cluster/kubeconfig.js';", /src\/core may not import src\/backend/],
    ['src/api/x.ts', "import { readFile } from 'fs';", /Node is not available/],
    ['src/renderer/x.ts', "import { readFileSync } from 'node:fs';", /Node is not available/],
    ['src/renderer/x.ts', "import { createHandlers } from '../backend/handlers.js';", /src\/renderer may not import src\/backend/],
    ['src/renderer/x.ts', "import { ipcRenderer } from 'electron';", /electron may only be imported/],
    ['src/renderer/features/connect/x.ts', "import { create } from 'zustand';", /zustand may only be imported in src\/renderer\/store/],
    ['src/backend/x.ts', "import { BrowserWindow } from 'electron';", /electron may only be imported/],
    ['src/backend/x.ts', "import { KubeConfig } from '@kubernetes/client-node';", /only be imported in src\/backend\/cluster/],
    ['src/backend/x.ts', "import { startServer } from '../server/server.js';", /src\/backend may not import src\/server/],
    ['src/server/x.ts', "import { Menu } from 'electron/main';", /electron may only be imported/],
    ['src/main/x.ts', "import { App } from '../renderer/App.js';", /src\/main may not import src\/renderer/],
    ['src/preload/x.ts', "import fs from 'node:fs';", /Node is not available/],
  ])('%s: %s fails', async (file, source, message) => {
    const errors = await importErrors(file, source);
    expect(errors).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    ['src/backend/cluster/x.ts', "import { KubeConfig } from '@kubernetes/client-node';"],
    ['src/main/x.ts', "import { app } from 'electron';"],
    ['src/preload/x.ts', "import { contextBridge } from 'electron';"],
    ['src/renderer/store/x.ts', "import { create } from 'zustand';"],
    ['src/renderer/x.ts', "import { createApiClient } from '../api/index.js';"],
    ['src/cli/x.ts', "import { startServer } from '../server/server.js';"],
  ])('%s: %s is allowed', async (file, source) => {
    expect(await importErrors(file, source)).toEqual([]);
  });
});

describe('layer globals (tsconfig)', () => {
  function compileIn(layer: string, source: string): string[] {
    const configPath = repoPath(`src/${layer}/tsconfig.json`);
    const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
    if (!config) throw new Error(`cannot read ${configPath}`);
    const file = repoPath(`src/${layer}/__boundary_probe__.ts`);
    const host = ts.createCompilerHost(config.options);
    const read = host.readFile.bind(host);
    host.readFile = (f) => (f === file ? source : read(f));
    const exists = host.fileExists.bind(host);
    host.fileExists = (f) => f === file || exists(f);
    const program = ts.createProgram({ rootNames: [file], options: { ...config.options, noEmit: true, composite: false }, host });
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }

  it.each([
    ['core', 'export const env = process.env;', /Cannot find name 'process'/],
    ['core', 'export const el = document.body;', /Cannot find name 'document'/],
    ['api', 'export const b = Buffer.from("x");', /Cannot find name 'Buffer'/],
    ['renderer', 'export const d = __dirname;', /Cannot find name '__dirname'/],
  ])('%s: %s does not compile', (layer, source, message) => {
    expect(compileIn(layer, source)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  it('the same code compiles in the layer that may use it', () => {
    expect(compileIn('backend', 'export const env = process.env;')).toEqual([]);
  });
});
