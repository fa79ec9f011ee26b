// Bundled to dist/preload/preload.cjs (sandboxed preloads are CommonJS, one file).
import { contextBridge, ipcRenderer } from 'electron';
import { buildBridge } from './bridge.js';

contextBridge.exposeInMainWorld('pathlight', buildBridge(ipcRenderer));
