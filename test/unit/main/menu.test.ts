import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { menuTemplate } from '../../../src/main/menu.js';

function find(items: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions | undefined {
  for (const item of items) {
    if (item.label === label) return item;
    if (Array.isArray(item.submenu)) {
      const hit = find(item.submenu, label);
      if (hit) return hit;
    }
  }
  return undefined;
}

describe('menuTemplate', () => {
  const calls: string[] = [];
  const actions = {
    openKubeconfig: () => calls.push('open'),
    openRecording: () => calls.push('recording'),
    reloadContexts: () => calls.push('reload'),
    toggleRecording: () => calls.push('record'),
    bookmark: () => calls.push('bookmark'),
    toggleTheme: () => calls.push('theme'),
    openDocs: () => calls.push('docs'),
  };

  it('offers Open Kubeconfig… on Ctrl/Cmd+O and runs the action', () => {
    const item = find(menuTemplate(actions, 'linux', false), 'Open Kubeconfig…');
    expect(item?.accelerator).toBe('CmdOrCtrl+O');
    (item?.click as () => void)();
    expect(calls).toContain('open');
  });

  it('offers Open Recording… on Ctrl/Cmd+Shift+O', () => {
    const item = find(menuTemplate(actions, 'linux', false), 'Open Recording…');
    expect(item?.accelerator).toBe('CmdOrCtrl+Shift+O');
    (item?.click as () => void)();
    expect(calls).toContain('recording');
  });

  it('records the session and bookmarks from the File menu', () => {
    const record = find(menuTemplate(actions, 'linux', false), 'Record Session / Stop Recording');
    expect(record?.accelerator).toBe('CmdOrCtrl+Alt+R');
    (record?.click as () => void)();
    const bookmark = find(menuTemplate(actions, 'linux', false), 'Bookmark This Instant');
    expect(bookmark?.accelerator).toBe('CmdOrCtrl+Alt+B');
    (bookmark?.click as () => void)();
    expect(calls).toEqual(expect.arrayContaining(['record', 'bookmark']));
  });

  it('has the macOS app menu only on macOS and dev tools only in development', () => {
    const labels = (t: MenuItemConstructorOptions[]) => JSON.stringify(t);
    expect(labels(menuTemplate(actions, 'darwin', false))).toContain('"appMenu"');
    expect(labels(menuTemplate(actions, 'linux', false))).not.toContain('"appMenu"');
    expect(labels(menuTemplate(actions, 'linux', false))).not.toContain('toggleDevTools');
    expect(labels(menuTemplate(actions, 'linux', true))).toContain('toggleDevTools');
  });
});
