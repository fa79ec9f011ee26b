import { useCallback, useEffect, useState } from 'react';
import { CommandPalette, type Command } from './components/CommandPalette.js';
import { ConnectScreen } from './features/connect/ConnectScreen.js';
import { exportPng, exportSvg } from './features/graph/GraphView.js';
import { currentGraph } from './features/graph/controller.js';
import { ProbesPanel } from './features/probes/ProbesPanel.js';
import { Workbench } from './features/workbench/Workbench.js';
import { isSource, recordingFromFile } from './features/replay/file.js';
import { useApi, useApp, useAppStore } from './store/context.js';
import { replayOf } from './store/index.js';

/** Set once this window opened the startup recording: a reload or "close recording" does not bring it back. */
const startupKey = 'pathlight.startupOpened';

const focus = (sel: string) => () => document.querySelector<HTMLElement>(sel)?.focus();

export function App() {
  const api = useApi();
  const store = useAppStore();
  const theme = useApp((s) => s.theme);
  const toggleTheme = useApp((s) => s.toggleTheme);
  const appInfo = useApp((s) => s.appInfo);
  const loadAppInfo = useApp((s) => s.loadAppInfo);
  const loadContexts = useApp((s) => s.loadContexts);
  const clusterStatus = useApp((s) => s.cluster.status);
  const paletteOpen = useApp((s) => s.paletteOpen);
  const setPaletteOpen = useApp((s) => s.setPaletteOpen);
  // A holder ConnectScreen fills with its file picker (commands and menus call it later).
  const [openFile] = useState<{ current: (() => void) | null }>(() => ({ current: null }));
  const [openRecordingFile] = useState<{ current: (() => void) | null }>(() => ({ current: null }));
  const [dragging, setDragging] = useState(false);
  const inWorkbench = clusterStatus !== 'closed';
  const replaying = useApp((s) => s.cluster.status === 'open' && s.cluster.opened.mode === 'replay');
  const chooseFile = useCallback(() => openFile.current?.(), [openFile]);
  const chooseRecording = useCallback(() => {
    // The picker lives on the Connect screen: go back there first when a session is open.
    if (store.getState().cluster.status === 'closed') openRecordingFile.current?.();
    else
      void store
        .getState()
        .closeCluster()
        .then(() => setTimeout(() => openRecordingFile.current?.()));
  }, [openRecordingFile, store]);
  const toggleRecording = useCallback(() => {
    const st = store.getState();
    void (st.liveRecording ? st.stopRecording() : st.startRecording());
  }, [store]);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  useEffect(() => {
    void loadAppInfo();
    void loadContexts().then(async () => {
      const s = store.getState();
      if (s.cluster.status !== 'closed') return;
      // The recording or workbench open before the reload comes back; else the startup recording, once per window.
      if (s.replayWanted) await s.openRecording({ kind: 'path', path: s.replayWanted });
      else if (s.workbenchWanted && s.selectedContext && s.contexts.status === 'loaded') await s.openCluster();
      else if (!sessionStorage.getItem(startupKey)) {
        sessionStorage.setItem(startupKey, '1');
        await s.openStartupRecording();
      }
    });
  }, [loadAppInfo, loadContexts, store]);

  useEffect(() => {
    const offChosen = api.on('kubeconfig.chosen', ({ path }) => void loadContexts({ kind: 'path', path }));
    const offRecording = api.on('recording.chosen', ({ path }) => void store.getState().openRecording({ kind: 'path', path }));
    const offMenu = api.on('menu.command', ({ command }) => {
      if (command === 'open-kubeconfig') openFile.current?.();
      else if (command === 'open-recording') chooseRecording();
      else if (command === 'toggle-theme') toggleTheme();
      else if (command === 'toggle-recording') toggleRecording();
      else if (command === 'bookmark') void store.getState().addNote('');
      else void loadContexts();
    });
    return () => {
      offChosen();
      offRecording();
      offMenu();
    };
  }, [api, loadContexts, toggleTheme, openFile, chooseRecording, toggleRecording, store]);

  // Drag and drop of a recording anywhere on the window.
  useEffect(() => {
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (e.relatedTarget === null) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDragging(false);
      const file = e.dataTransfer?.files[0];
      if (!file) return;
      void recordingFromFile(file).then((source) => {
        if (isSource(source)) void store.getState().openRecording(source);
        else {
          store.getState().setRecordingError(source);
          if (store.getState().cluster.status !== 'closed') void store.getState().closeCluster();
        }
      });
    };
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, [store]);

  const s = store.getState;
  const commands: Command[] = [
    { id: 'ask', title: 'Ask why', keys: 'Ctrl+Enter', run: () => void s().ask(), disabled: !inWorkbench },
    { id: 'from', title: 'Edit From (A)', keys: 'Ctrl+1', run: focus('#query-from'), disabled: !inWorkbench },
    { id: 'to', title: 'Edit To (B)', keys: 'Ctrl+2', run: focus('#query-to'), disabled: !inWorkbench },
    { id: 'probes', title: 'Probes on/off', run: () => s().setQuery({ probe: s().query.probe === 'none' ? 'ssh' : 'none' }), disabled: !inWorkbench },
    { id: 'search', title: 'Find in graph', keys: '/', run: focus('#graph-search'), disabled: !inWorkbench },
    { id: 'fit', title: 'Fit graph', keys: 'F', run: () => currentGraph()?.fit(), disabled: !inWorkbench },
    { id: 'path', title: 'Zoom to the A → B path', keys: 'P', run: () => currentGraph()?.focusPath(), disabled: !inWorkbench },
    { id: 'png', title: 'Export graph as PNG', run: exportPng, disabled: !inWorkbench },
    { id: 'svg', title: 'Export graph as SVG', run: exportSvg, disabled: !inWorkbench },
    {
      id: 'collapse',
      title: 'Collapse every namespace',
      run: () => s().setCollapsed([...s().graph.nodes.values()].filter((n) => n.kind === 'namespace').map((n) => n.id)),
      disabled: !inWorkbench,
    },
    { id: 'expand', title: 'Expand every namespace', run: () => s().setCollapsed([]), disabled: !inWorkbench },
    {
      id: 'events',
      title: 'Filter events by text',
      keys: 'E',
      run: () => (s().setBottomTab('events'), setTimeout(focus('#events-text'))),
      disabled: !inWorkbench,
    },
    { id: 'clear', title: 'Clear event filters', run: () => s().clearEventFilter(), disabled: !inWorkbench },
    { id: 'probes-tab', title: 'Show probes', run: () => s().setBottomTab('probes'), disabled: !inWorkbench },
    { id: 'advice-tab', title: 'Advise policies from the observed traffic', run: () => s().setBottomTab('advice'), disabled: !inWorkbench },
    { id: 'impact-tab', title: 'What if… (impact of a policy change on the observed traffic)', run: () => s().setBottomTab('impact'), disabled: !inWorkbench },
    { id: 'switch', title: 'Switch cluster (back to Connect)', run: () => void s().closeCluster(), disabled: !inWorkbench },
    { id: 'open', title: 'Open the selected context', keys: 'Enter', run: () => void s().openCluster(), disabled: inWorkbench || !s().selectedContext },
    { id: 'kubeconfig', title: 'Choose kubeconfig…', keys: 'Ctrl+O', run: chooseFile, disabled: inWorkbench },
    {
      id: 'record',
      title: s().liveRecording ? 'Stop recording this session' : 'Record this session',
      keys: 'Ctrl+Alt+R',
      run: toggleRecording,
      disabled: !inWorkbench || replaying,
    },
    { id: 'bookmark', title: 'Bookmark this instant of the recording', keys: 'Ctrl+Alt+B', run: () => void s().addNote(''), disabled: !s().liveRecording },
    { id: 'recording', title: 'Open recording…', keys: 'Ctrl+Shift+O', run: chooseRecording },
    { id: 'play', title: s().playing ? 'Pause the replay' : 'Play the replay', keys: 'Space', run: () => s().setPlaying(!s().playing), disabled: !replaying },
    { id: 'reload', title: 'Reload contexts', keys: 'R', run: () => void loadContexts(), disabled: inWorkbench },
    { id: 'theme', title: `Switch to ${theme === 'light' ? 'dark' : 'light'} theme`, keys: 'Ctrl+Shift+L', run: toggleTheme },
  ];

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const typing = e.target instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
      const k = e.key.toLowerCase();
      const wb = store.getState().cluster.status === 'open';
      if (mod && k === 'k') {
        e.preventDefault();
        setPaletteOpen(!store.getState().paletteOpen);
      } else if (mod && e.shiftKey && k === 'o') {
        e.preventDefault();
        chooseRecording();
      } else if (mod && k === 'o') {
        e.preventDefault();
        openFile.current?.();
      } else if (wb && mod && e.altKey && k === 'r') {
        e.preventDefault();
        toggleRecording();
      } else if (wb && mod && e.altKey && k === 'b') {
        e.preventDefault();
        void store.getState().addNote('');
      } else if (mod && e.shiftKey && k === 'l') {
        e.preventDefault();
        toggleTheme();
      } else if (wb && mod && e.key === 'Enter') {
        e.preventDefault();
        void store.getState().ask();
      } else if (wb && mod && (k === '1' || k === '2')) {
        e.preventDefault();
        focus(k === '1' ? '#query-from' : '#query-to')();
      } else if (typing || mod) {
        return;
      } else if (wb && k === '/') {
        e.preventDefault();
        focus('#graph-search')();
      } else if (wb && k === 'f') currentGraph()?.fit();
      else if (wb && k === 'p') currentGraph()?.focusPath();
      else if (wb && k === ' ' && replayOf(store.getState())) {
        e.preventDefault();
        store.getState().setPlaying(!store.getState().playing);
      } else if (wb && k === 'e') {
        e.preventDefault();
        store.getState().setBottomTab('events');
        setTimeout(focus('#events-text'));
      } else if (!wb && k === 'r') void loadContexts();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [loadContexts, toggleTheme, setPaletteOpen, store, openFile, chooseRecording, toggleRecording]);

  const shortcuts = commands.filter((c) => c.keys && !c.disabled).slice(0, 8);
  return (
    <div className={`app ${inWorkbench ? 'app-workbench' : ''}`}>
      <nav className="topbar">
        <span className="brand">
          <img src="./icon.svg" alt="" width="20" height="20" /> Pathlight
        </span>
        <span className="muted">why can’t A talk to B?</span>
        <span className="spacer" />
        <button type="button" className="palette-button" onClick={() => setPaletteOpen(true)} data-testid="open-palette">
          Commands <kbd>Ctrl K</kbd>
        </button>
        {appInfo && (
          <span className="muted" data-testid="app-info">
            v{appInfo.version} · {appInfo.shell === 'electron' ? 'desktop' : 'server mode'}
          </span>
        )}
        <button type="button" className="icon" onClick={toggleTheme} aria-label={`Switch to ${theme === 'light' ? 'dark' : 'light'} theme`}>
          {theme === 'light' ? '☾' : '☀'}
        </button>
      </nav>
      {inWorkbench ? (
        <Workbench />
      ) : (
        <>
          <ConnectScreen openFileRef={openFile} openRecordingRef={openRecordingFile} />
          <ProbesPanel />
        </>
      )}
      <footer className="shortcuts" aria-label="Keyboard shortcuts">
        {shortcuts.map((c) => (
          <span key={c.id}>
            <kbd>{c.keys}</kbd> {c.title.toLowerCase()}
          </span>
        ))}
      </footer>
      {dragging && (
        <div className="drop-overlay" aria-hidden>
          Drop a .pathlight recording to replay it
        </div>
      )}
      {paletteOpen && <CommandPalette commands={commands} onClose={() => setPaletteOpen(false)} />}
    </div>
  );
}
