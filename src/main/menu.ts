/** The application menu, as a template (tested without Electron). */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openKubeconfig(): void;
  openRecording(): void;
  reloadContexts(): void;
  /** Starts recording the live session shown, or stops it. */
  toggleRecording(): void;
  bookmark(): void;
  toggleTheme(): void;
  openDocs(): void;
}

export function menuTemplate(actions: MenuActions, platform: NodeJS.Platform, isDev: boolean): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const view: MenuItemConstructorOptions[] = [
    { label: 'Toggle Theme', accelerator: 'CmdOrCtrl+Shift+L', click: () => actions.toggleTheme() },
    { type: 'separator' },
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  if (isDev) view.push({ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' });
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Kubeconfig…', accelerator: 'CmdOrCtrl+O', click: () => actions.openKubeconfig() },
        { label: 'Open Recording…', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.openRecording() },
        { label: 'Reload Contexts', accelerator: 'CmdOrCtrl+R', click: () => actions.reloadContexts() },
        { type: 'separator' },
        { label: 'Record Session / Stop Recording', accelerator: 'CmdOrCtrl+Alt+R', click: () => actions.toggleRecording() },
        { label: 'Bookmark This Instant', accelerator: 'CmdOrCtrl+Alt+B', click: () => actions.bookmark() },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'Pathlight Documentation', click: () => actions.openDocs() }] },
  ];
}
