import { useEffect, useRef } from 'react';
import { ConnectScreen } from './features/connect/ConnectScreen.js';
import { ProbesPanel } from './features/probes/ProbesPanel.js';
import { useApi, useApp } from './store/context.js';

const shortcuts = [
  ['Ctrl/⌘ O', 'choose a kubeconfig file'],
  ['R', 'reload contexts'],
  ['↑ ↓ Enter', 'pick a context'],
  ['Ctrl/⌘ Shift L', 'light / dark theme'],
] as const;

export function App() {
  const api = useApi();
  const theme = useApp((s) => s.theme);
  const toggleTheme = useApp((s) => s.toggleTheme);
  const appInfo = useApp((s) => s.appInfo);
  const loadAppInfo = useApp((s) => s.loadAppInfo);
  const loadContexts = useApp((s) => s.loadContexts);
  const openFile = useRef<(() => void) | null>(null);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  useEffect(() => {
    void loadAppInfo();
    void loadContexts();
  }, [loadAppInfo, loadContexts]);

  useEffect(() => {
    const offChosen = api.on('kubeconfig.chosen', ({ path }) => void loadContexts({ kind: 'path', path }));
    const offMenu = api.on('menu.command', ({ command }) => {
      if (command === 'open-kubeconfig') openFile.current?.();
      else if (command === 'toggle-theme') toggleTheme();
      else void loadContexts();
    });
    return () => {
      offChosen();
      offMenu();
    };
  }, [api, loadContexts, toggleTheme]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const typing = e.target instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
      if (mod && e.key.toLowerCase() === 'o') {
        e.preventDefault();
        openFile.current?.();
      } else if (mod && e.shiftKey && e.key.toLowerCase() === 'l') {
        e.preventDefault();
        toggleTheme();
      } else if (!mod && !typing && e.key === 'r') {
        void loadContexts();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [loadContexts, toggleTheme]);

  return (
    <div className="app">
      <nav className="topbar">
        <span className="brand">
          <img src="./icon.svg" alt="" width="20" height="20" /> Pathlight
        </span>
        <span className="muted">why can’t A talk to B?</span>
        <span className="spacer" />
        {appInfo && (
          <span className="muted" data-testid="app-info">
            v{appInfo.version} · {appInfo.shell === 'electron' ? 'desktop' : 'server mode'}
          </span>
        )}
        <button type="button" className="icon" onClick={toggleTheme} aria-label={`Switch to ${theme === 'light' ? 'dark' : 'light'} theme`}>
          {theme === 'light' ? '☾' : '☀'}
        </button>
      </nav>
      <ConnectScreen openFileRef={openFile} />
      <ProbesPanel />
      <footer className="shortcuts" aria-label="Keyboard shortcuts">
        {shortcuts.map(([keys, what]) => (
          <span key={keys}>
            <kbd>{keys}</kbd> {what}
          </span>
        ))}
      </footer>
    </div>
  );
}
