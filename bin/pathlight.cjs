#!/usr/bin/env node
// Launcher for the `pathlight` CLI. Plain CommonJS that any Node can run: Pathlight needs
// Node >= 22.12, so under an older Node it re-runs itself with the project's pinned Node
// (installed by `npm run setup` into .tools/node), or says what to do.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { spawn } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const [major, minor] = process.versions.node.split('.').map(Number);
const modern = major > 22 || (major === 22 && minor >= 12);

if (!modern) {
  const pinned = path.join(root, '.tools', 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!fs.existsSync(pinned)) {
    process.stderr.write(
      `pathlight: needs Node >= 22.12 (this is ${process.version}).\n  next: run \`npm run setup\` in ${root} to install the pinned Node.\n`,
    );
    process.exit(1);
  }
  const child = spawn(pinned, [__filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
} else {
  const entry = path.join(root, 'dist', 'cli', 'main.js');
  if (!fs.existsSync(entry)) {
    process.stderr.write(`pathlight: not built yet (${entry} missing).\n  next: run \`npm run build\` in ${root}.\n`);
    process.exit(1);
  }
  import(require('node:url').pathToFileURL(entry).href).catch((err) => {
    process.stderr.write(`pathlight: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });
}
