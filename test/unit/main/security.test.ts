import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { appEntryUrl, confirmedOpenExternal, hardenWebContents, isAppUrl, isTrustedSender, secureWebPreferences } from '../../../src/main/security.js';

describe('secureWebPreferences', () => {
  it('isolates and sandboxes the renderer with no Node access', () => {
    expect(secureWebPreferences('/app/preload.cjs')).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });
});

describe('isAppUrl / isTrustedSender', () => {
  it.each([
    [appEntryUrl, true],
    ['pathlight://app/assets/index.js', true],
    ['pathlight://other/index.html', false],
    ['file:///etc/passwd', false],
    ['https://evil.example/', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isAppUrl(url)).toBe(expected);
  });

  it('trusts only our page in the main frame', () => {
    expect(isTrustedSender({ url: appEntryUrl, parent: null })).toBe(true);
    expect(isTrustedSender({ url: appEntryUrl, parent: {} as never })).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', parent: null })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
  });
});

/** Stand-in for Electron's WebContents: an event emitter plus the two setters we call. */
class FakeWebContents extends EventEmitter {
  openHandler?: (d: { url: string }) => { action: string };
  permissionHandler?: (wc: unknown, permission: string, cb: (granted: boolean) => void) => void;
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
    this.openHandler = h;
  }
  checkHandler?: (wc: unknown, permission: string, origin: string) => boolean;
  session = Object.assign(new EventEmitter(), {
    setPermissionRequestHandler: (h: FakeWebContents['permissionHandler']) => (this.permissionHandler = h),
    setPermissionCheckHandler: (h: FakeWebContents['checkHandler']) => (this.checkHandler = h),
  });
}

function navigate(contents: FakeWebContents, event: string, url: string): boolean {
  let prevented = false;
  contents.emit(event, { preventDefault: () => (prevented = true) }, url);
  return prevented;
}

describe('hardenWebContents', () => {
  const setup = () => {
    const contents = new FakeWebContents();
    const opened: string[] = [];
    hardenWebContents(contents as never, (url) => opened.push(url));
    return { contents, opened };
  };

  it('blocks navigation and redirects away from the app', () => {
    const { contents } = setup();
    expect(navigate(contents, 'will-navigate', 'https://evil.example/')).toBe(true);
    expect(navigate(contents, 'will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(navigate(contents, 'will-redirect', 'https://evil.example/')).toBe(true);
    expect(navigate(contents, 'will-navigate', 'pathlight://app/index.html')).toBe(false);
  });

  it('denies every new window, sending web links to the system browser', () => {
    const { contents, opened } = setup();
    expect(contents.openHandler?.({ url: 'https://kubernetes.io/docs' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://kubernetes.io/docs']);
  });

  it('lets through only the downloads the page made itself (a report as a blob of the app)', () => {
    const { contents } = setup();
    const download = (url: string) => {
      let prevented = false;
      contents.session.emit('will-download', { preventDefault: () => (prevented = true) }, { getURL: () => url });
      return prevented;
    };
    expect(download('blob:pathlight://app/5d7c1f0e-2b8a-4c43-9a51-1f5b8a8e0c11')).toBe(false);
    expect(download('https://evil.example/payload.sh')).toBe(true);
    expect(download('blob:https://evil.example/5d7c1f0e')).toBe(true);
    expect(download('file:///etc/passwd')).toBe(true);
  });

  it('refuses webviews and permission requests', () => {
    const { contents } = setup();
    let prevented = false;
    contents.emit('will-attach-webview', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    let granted: boolean | undefined;
    contents.permissionHandler?.(contents, 'media', (g) => (granted = g));
    expect(granted).toBe(false);
  });

  it('answers every permission check no (clipboard, devices, permissions.query)', () => {
    const { contents } = setup();
    expect(contents.checkHandler).toBeTypeOf('function');
    for (const permission of ['clipboard-read', 'media', 'hid', 'serial', 'usb', 'notifications']) {
      expect(contents.checkHandler?.(contents, permission, 'pathlight://app')).toBe(false);
    }
  });
});

describe('confirmedOpenExternal', () => {
  const setup = (answer: boolean) => {
    const asked: string[] = [];
    const opened: string[] = [];
    const open = confirmedOpenExternal(
      async (url) => (asked.push(url), answer),
      (url) => void opened.push(url),
    );
    return { open, asked, opened };
  };

  it('opens a web link only after the user agreed to its address', async () => {
    const yes = setup(true);
    expect(await yes.open('https://kubernetes.io/docs')).toBe(true);
    expect(yes.asked).toEqual(['https://kubernetes.io/docs']);
    expect(yes.opened).toEqual(['https://kubernetes.io/docs']);
    const no = setup(false);
    expect(await no.open('https://evil.example/')).toBe(false);
    expect(no.asked).toEqual(['https://evil.example/']);
    expect(no.opened).toEqual([]);
  });

  it.each(['file:///etc/passwd', 'smb://host/share', 'javascript:alert(1)', 'ms-settings:'])('never asks about nor opens %s', async (url) => {
    const s = setup(true);
    expect(await s.open(url)).toBe(false);
    expect(s.asked).toEqual([]);
    expect(s.opened).toEqual([]);
  });
});
