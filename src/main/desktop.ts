/**
 * The desktop shell's start-up, with Electron handed in (src/main/main.ts passes the real
 * module) so its decisions are tested in plain Node (test/unit/main/desktop.test.ts): a second
 * launch quits before anything starts; links open only after a native confirmation.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Electron from 'electron';
import { contentSecurityPolicy, ipcEventChannel, type EventName, type EventPayload } from '../api/index.js';
import { lookupStatic, securityHeaders } from '../backend/static.js';
import { openArg } from './args.js';
import { remoteEngine } from './engine.js';
import { registerIpc } from './ipc.js';
import { menuTemplate } from './menu.js';
import { appEntryUrl, appScheme, confirmedOpenExternal, hardenWebContents, secureWebPreferences } from './security.js';

/** The parts of the `electron` module the shell uses. */
export type DesktopElectron = Pick<typeof Electron, 'BrowserWindow' | 'Menu' | 'app' | 'dialog' | 'ipcMain' | 'protocol' | 'shell' | 'utilityProcess'>;

/**
 * Starts the desktop app; false (and the app quits) when another instance holds the
 * single-instance lock, which then gets this launch's arguments ('second-instance').
 */
export function startDesktop(
  { BrowserWindow, Menu, app, dialog, ipcMain, protocol, shell, utilityProcess }: DesktopElectron,
  argv: readonly string[] = process.argv,
): boolean {
  // Before anything else: a second instance registers nothing, forks no engine and opens no
  // window (quitting ran 'will-quit', which would start an engine only to stop it).
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  const rendererDir = fileURLToPath(new URL('../renderer/', import.meta.url));
  const preloadPath = fileURLToPath(new URL('../preload/preload.cjs', import.meta.url));
  const iconPath = fileURLToPath(new URL('../../assets/icon.png', import.meta.url));
  const enginePath = fileURLToPath(new URL('../backend/engine/main.js', import.meta.url));
  const docsUrl = 'https://pathlight.dev/docs';

  protocol.registerSchemesAsPrivileged([{ scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

  let mainWindow: Electron.BrowserWindow | undefined;

  const openExternal = confirmedOpenExternal(
    async (url) => {
      const options: Electron.MessageBoxOptions = {
        type: 'question',
        buttons: ['Open in browser', 'Cancel'],
        defaultId: 1,
        cancelId: 1,
        noLink: true,
        title: 'Open link',
        message: 'Open this address in your web browser?',
        detail: url,
      };
      const answer = mainWindow ? await dialog.showMessageBox(mainWindow, options) : await dialog.showMessageBox(options);
      return answer.response === 0;
    },
    (url) => shell.openExternal(url),
  );

  function send<E extends EventName>(event: E, payload: EventPayload<E>): void {
    mainWindow?.webContents.send(ipcEventChannel(event), payload);
  }

  async function serveRenderer(request: Request): Promise<Response> {
    const found = await lookupStatic(rendererDir, new URL(request.url).pathname);
    if (found.status !== 200) return new Response(null, { status: found.status });
    return new Response(await readFile(found.file), {
      headers: { 'content-type': found.contentType, ...securityHeaders(contentSecurityPolicy('electron')) },
    });
  }

  async function chooseKubeconfig(): Promise<void> {
    if (!mainWindow) return;
    const result = await dialog.showOpenDialog(mainWindow, {
      title: 'Open Kubeconfig',
      properties: ['openFile', 'showHiddenFiles'],
      filters: [{ name: 'All files', extensions: ['*'] }],
    });
    const path = result.filePaths[0];
    if (!result.canceled && path) send('kubeconfig.chosen', { path });
  }

  async function chooseRecording(): Promise<void> {
    if (!mainWindow) return;
    const result = await dialog.showOpenDialog(mainWindow, {
      title: 'Open Recording',
      properties: ['openFile'],
      filters: [
        { name: 'Pathlight recordings', extensions: ['pathlight'] },
        { name: 'All files', extensions: ['*'] },
      ],
    });
    const path = result.filePaths[0];
    if (!result.canceled && path) send('recording.chosen', { path });
  }

  function createWindow(): void {
    mainWindow = new BrowserWindow({
      width: 1400,
      height: 900,
      minWidth: 900,
      minHeight: 600,
      show: false,
      title: 'Pathlight',
      icon: iconPath,
      webPreferences: secureWebPreferences(preloadPath),
    });
    mainWindow.once('ready-to-show', () => mainWindow?.show());
    mainWindow.on('closed', () => (mainWindow = undefined));
    void mainWindow.loadURL(appEntryUrl);
  }

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, (url) => void openExternal(url)));

  // `--open FILE` (npm start without a kubeconfig): the recording the UI opens at start, which
  // the engine hands out (recording.startup).
  const startupFile = openArg(argv);
  const engine = remoteEngine(
    () => utilityProcess.fork(enginePath, startupFile ? ['--open', path.resolve(startupFile)] : [], { serviceName: 'Pathlight engine', stdio: 'inherit' }),
    (line) => console.error(`pathlight: ${line}`),
  );
  // The engine closes the recordings it writes before the app goes.
  app.on('will-quit', () => engine.stop());

  app.on('second-instance', (_event, argv, cwd) => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
    // A second launch with --open FILE opens that recording in this window.
    const file = openArg(argv);
    if (file) send('recording.chosen', { path: path.resolve(cwd, file) });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  void app.whenReady().then(() => {
    protocol.handle(appScheme, serveRenderer);
    registerIpc(ipcMain, engine);
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate(
          {
            openKubeconfig: () => void chooseKubeconfig(),
            openRecording: () => void chooseRecording(),
            reloadContexts: () => send('menu.command', { command: 'reload-contexts' }),
            toggleRecording: () => send('menu.command', { command: 'toggle-recording' }),
            bookmark: () => send('menu.command', { command: 'bookmark' }),
            toggleTheme: () => send('menu.command', { command: 'toggle-theme' }),
            openDocs: () => void openExternal(docsUrl),
          },
          process.platform,
          !app.isPackaged,
        ),
      ),
    );
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });
  return true;
}
