/**
 * Electron entry: the thin desktop shell. Windows, menus, native dialogs and the IPC bridge
 * to the engine, which runs in a utility process (src/backend/engine/main.ts) so that its
 * work never holds up this process; everything else lives in layers that also run in server
 * mode. The start-up itself is src/main/desktop.ts, with Electron handed in.
 */
import { BrowserWindow, Menu, app, dialog, ipcMain, protocol, shell, utilityProcess } from 'electron';
import { startDesktop } from './desktop.js';

startDesktop({ BrowserWindow, Menu, app, dialog, ipcMain, protocol, shell, utilityProcess });
