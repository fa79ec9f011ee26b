/**
 * The UI follows the engine by its pushes instead of polling: a question's progress and answer
 * (why.progress), the graph's and the table's changes (graph.changed, events.appended: the UI
 * then pulls the delta and the page it shows) and probe runs (probes.progress). The engine
 * sends a window only the events of what it opened. When the link was lost and is back, the
 * UI asks for every state again (which also subscribes it again).
 */
import type { ApiClient } from '../../api/index.js';
import type { AppStore } from './index.js';

/** Runs `pull` now, or once more after the one under way: pulls never overlap nor pile up. */
function serial(pull: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const go = async () => {
    running = true;
    try {
      do {
        again = false;
        await pull();
      } while (again);
    } finally {
      running = false;
    }
  };
  return () => {
    if (running) again = true;
    else void go();
  };
}

const sessionOf = (store: AppStore) => {
  const c = store.getState().cluster;
  return c.status === 'open' ? c.opened.session : undefined;
};

/** Subscribes the store to the engine's pushes; returns the unsubscribe. */
export function followEngine(api: ApiClient, store: AppStore): () => void {
  const pullGraph = serial(() => store.getState().pollGraph());
  const pullEvents = serial(() => store.getState().loadEvents());
  const offs = [
    api.on('why.progress', (status) => store.getState().questionChanged(status)),
    api.on('graph.changed', ({ session }) => {
      // The delta says what `pending` is now too.
      if (session === sessionOf(store)) pullGraph();
    }),
    api.on('events.appended', ({ session, total }) => {
      if (session !== sessionOf(store)) return;
      const page = store.getState().events;
      // New events, or a replay's rows read that a waiting filter can now judge.
      if (!page || page.total !== total || (page.pending ?? 0) > 0) pullEvents();
    }),
    api.on('cluster.health', ({ session, ...health }) => store.getState().clusterChanged(session, { health })),
    api.on('cluster.names', ({ session, names }) => store.getState().clusterChanged(session, { names })),
    api.on('probes.progress', (status) => store.getState().probeChanged(status)),
    api.onResume(() => void resync(store)),
  ];
  return () => offs.forEach((off) => off());
}

/** Every state the pushes keep current, asked for again (after a lost link). */
export async function resync(store: AppStore): Promise<void> {
  const st = store.getState();
  await Promise.all([st.refreshQuestion(), st.refreshProbes(), st.refreshCluster(), sessionOf(store) ? st.loadGraph().then(() => st.loadEvents()) : undefined]);
}
