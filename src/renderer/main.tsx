import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { connectToEngine } from './api/transport.js';
import { createAppStore, followEngine } from './store/index.js';
import { AppProvider } from './store/context.js';
import './styles.css';

const api = connectToEngine();
const store = createAppStore(api, window.localStorage);
followEngine(api, store);
if (!localStorage.getItem('pathlight.ui') && window.matchMedia('(prefers-color-scheme: dark)').matches) {
  store.getState().setTheme('dark');
}

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <StrictMode>
    <AppProvider store={store} api={api}>
      <App />
    </AppProvider>
  </StrictMode>,
);
