/** The desktop shell's start-up with Electron stood in for (no Electron binary here). */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { startDesktop, type DesktopElectron } from '../../../src/main/desktop.js';

function fakeElectron(lock: boolean) {
  const app = Object.assign(new EventEmitter(), {
    requestSingleInstanceLock: vi.fn(() => lock),
    quit: vi.fn(),
    whenReady: vi.fn(() => new Promise<void>(() => {})),
    isPackaged: false,
  });
  const electron = {
    app,
    BrowserWindow: Object.assign(vi.fn(), { getAllWindows: () => [] }),
    Menu: { setApplicationMenu: vi.fn(), buildFromTemplate: vi.fn() },
    dialog: { showOpenDialog: vi.fn(), showMessageBox: vi.fn() },
    ipcMain: { handle: vi.fn(), on: vi.fn() },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    shell: { openExternal: vi.fn() },
    utilityProcess: { fork: vi.fn() },
  };
  return { electron, app };
}

describe('startDesktop', () => {
  it('a second instance quits at once: no scheme, no listeners, no engine, no window', () => {
    const { electron, app } = fakeElectron(false);
    expect(startDesktop(electron as unknown as DesktopElectron, ['electron', '.'])).toBe(false);
    expect(app.quit).toHaveBeenCalledTimes(1);
    expect(app.eventNames()).toEqual([]);
    expect(app.whenReady).not.toHaveBeenCalled();
    expect(electron.protocol.registerSchemesAsPrivileged).not.toHaveBeenCalled();
    // Quitting runs 'will-quit': nothing listens, so no engine is forked to be stopped.
    app.emit('will-quit');
    expect(electron.utilityProcess.fork).not.toHaveBeenCalled();
    expect(electron.BrowserWindow).not.toHaveBeenCalled();
  });

  it('the first instance registers its scheme and listeners and waits for ready', () => {
    const { electron, app } = fakeElectron(true);
    expect(startDesktop(electron as unknown as DesktopElectron, ['electron', '.'])).toBe(true);
    expect(app.quit).not.toHaveBeenCalled();
    expect(electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledTimes(1);
    expect(app.eventNames()).toEqual(expect.arrayContaining(['web-contents-created', 'second-instance', 'will-quit', 'window-all-closed']));
    expect(app.whenReady).toHaveBeenCalled();
  });

  it('a link from a page opens in the browser only after the native dialog says yes', async () => {
    const { electron, app } = fakeElectron(true);
    startDesktop(electron as unknown as DesktopElectron, ['electron', '.']);
    let openHandler: ((d: { url: string }) => { action: string }) | undefined;
    const contents = Object.assign(new EventEmitter(), {
      setWindowOpenHandler: (h: typeof openHandler) => (openHandler = h),
      session: Object.assign(new EventEmitter(), { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() }),
    });
    app.emit('web-contents-created', {}, contents);
    electron.dialog.showMessageBox.mockResolvedValueOnce({ response: 1 }).mockResolvedValueOnce({ response: 0 });
    expect(openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    await vi.waitFor(() => expect(electron.dialog.showMessageBox).toHaveBeenCalledTimes(1));
    expect(electron.dialog.showMessageBox.mock.calls[0]?.[0]).toMatchObject({
      detail: 'https://evil.example/',
      buttons: ['Open in browser', 'Cancel'],
      cancelId: 1,
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(electron.shell.openExternal).not.toHaveBeenCalled();
    openHandler?.({ url: 'https://kubernetes.io/docs' });
    await vi.waitFor(() => expect(electron.shell.openExternal).toHaveBeenCalledWith('https://kubernetes.io/docs'));
    expect(electron.shell.openExternal).toHaveBeenCalledTimes(1);
  });
});
