/**
 * The Electron window's security settings and guards, kept free of a runtime `electron`
 * import so they are tested in plain Node (the Electron binary is not on every machine).
 * Follows Electron's security checklist: isolation, sandbox, no Node in the renderer, a
 * strict CSP, no navigation, no new windows, no webviews, no permissions.
 */
import type { WebContents, WebPreferences, IpcMainInvokeEvent, WebFrameMain } from 'electron';

/** The app's own origin: the renderer is served from a privileged custom scheme. */
export const appScheme = 'pathlight';
export const appHost = 'app';
export const appOrigin = `${appScheme}://${appHost}`;
export const appEntryUrl = `${appOrigin}/index.html`;

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

/** True for URLs of the app's own pages (and nothing else, not even file://). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${appScheme}:` && u.host === appHost;
  } catch {
    return false;
  }
}

/** Only the main frame of our own page may call the engine. */
export function isTrustedSender(frame: Pick<WebFrameMain, 'url' | 'parent'> | null | undefined): boolean {
  return !!frame && frame.parent === null && isAppUrl(frame.url);
}

export function isTrustedEvent(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): boolean {
  return isTrustedSender(event.senderFrame);
}

type GuardedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'> & {
  session: {
    setPermissionRequestHandler: WebContents['session']['setPermissionRequestHandler'];
    setPermissionCheckHandler: WebContents['session']['setPermissionCheckHandler'];
    on(event: 'will-download', listener: (event: { preventDefault(): void }, item: { getURL(): string }) => void): unknown;
  };
};

/** A download the page itself made (a report: a blob of our own origin); anything else is refused. */
export function isOwnDownload(url: string): boolean {
  return url.startsWith('blob:') && isAppUrl(url.slice('blob:'.length));
}

/**
 * Blocks navigation away from the app, new windows, webviews, permission prompts and any
 * download but the page's own (blob) files. Links to http(s) pages open in the user's browser
 * instead, through `openExternal`.
 */
export function hardenWebContents(contents: GuardedContents, openExternal: (url: string) => void): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) openExternal(url);
    return { action: 'deny' };
  });
  contents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  // Checks are the synchronous side (navigator.permissions.query, clipboard, HID/serial/USB
  // device lists): without a handler Electron answers them with its defaults.
  contents.session.setPermissionCheckHandler(() => false);
  // Electron asks where to save what is let through (the report export).
  contents.session.on('will-download', (event, item) => {
    if (!isOwnDownload(item.getURL())) event.preventDefault();
  });
}

/**
 * `openExternal` behind the user's confirmation: a link the page asks to open reaches the
 * system browser only after a native dialog showed its address and the user agreed (a
 * recorded name or an annotation can carry a link). Only http(s) addresses are ever opened.
 */
export function confirmedOpenExternal(ask: (url: string) => Promise<boolean>, open: (url: string) => Promise<void> | void): (url: string) => Promise<boolean> {
  return async (url) => {
    if (!/^https?:\/\//i.test(url)) return false;
    if (!(await ask(url))) return false;
    await open(url);
    return true;
  };
}
