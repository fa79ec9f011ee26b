/**
 * The engine's process: what Electron's utility process runs (`utilityProcess.fork`, see
 * src/main/main.ts), so watches, probe streams, correlation and recordings never hold up the
 * main process that draws menus and windows. A plain Node module: under Electron it talks
 * through `process.parentPort`, under Node (`child_process.fork`, the tests) through
 * `process.send`, with the same frames (src/api/wire.ts).
 *
 * Arguments: `--open FILE`, the recording the UI opens at start (`recording.startup`).
 */
import path from 'node:path';
import type { EngineOut } from '../../api/index.js';
import { createHandlers } from '../handlers.js';
import { setStartupRecording } from '../store/open.js';
import { serveEngine, type EnginePort } from './serve.js';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

function portOfThisProcess(): EnginePort {
  // Electron adds `process.parentPort` in a utility process; Node's types do not know it.
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) return { post: (f: EngineOut) => parentPort.postMessage(f), onMessage: (l) => parentPort.on('message', (e) => l(e.data)) };
  if (!process.send) throw new Error('the Pathlight engine runs as a child process (Electron utility process or child_process.fork)');
  const send = process.send.bind(process);
  return { post: (f: EngineOut) => void send(f), onMessage: (l) => void process.on('message', l) };
}

const open = process.argv.indexOf('--open');
const file = open >= 0 ? process.argv[open + 1] : undefined;
if (file) setStartupRecording(path.resolve(file));

// Main going away ends the engine (Node's IPC channel closes; Electron kills utility processes).
process.on('disconnect', () => process.exit(0));
// process.exit runs the 'exit' handlers: recordings being written are closed cleanly.
serveEngine(portOfThisProcess(), createHandlers({ shell: 'electron' }), () => process.exit(0));
