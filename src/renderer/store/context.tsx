/** Makes the app's store and engine client available to components without globals. */
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { ApiClient } from '../../api/index.js';
import type { AppState, AppStore } from './index.js';

interface Env {
  store: AppStore;
  api: ApiClient;
}

const EnvContext = createContext<Env | null>(null);

export function AppProvider({ store, api, children }: Env & { children: ReactNode }) {
  return <EnvContext.Provider value={{ store, api }}>{children}</EnvContext.Provider>;
}

function useEnv(): Env {
  const env = useContext(EnvContext);
  if (!env) throw new Error('AppProvider is missing');
  return env;
}

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(useEnv().store, selector);
}

export function useAppStore(): AppStore {
  return useEnv().store;
}

export function useApi(): ApiClient {
  return useEnv().api;
}
