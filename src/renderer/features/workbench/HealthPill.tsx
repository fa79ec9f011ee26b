/**
 * The connection's state, always in the workbench's header: live, reconnecting, or stale since
 * a time (the snapshot's health, pushed as cluster.health), with Reconnect: the same context
 * opened again, the question typed kept.
 */
import type { ClusterHealth } from '../../../api/index.js';
import { useApp } from '../../store/context.js';

/** The pill's words for a health (local time of the outage's start). */
export function healthText(h: ClusterHealth | undefined): string {
  if (!h || h.state === 'live') return 'live';
  const at = h.since !== undefined ? new Date(h.since / 1e6).toLocaleTimeString() : undefined;
  return h.state === 'stale' ? `stale since ${at ?? 'an outage'}` : `reconnecting${at ? ` since ${at}` : ''}…`;
}

export function HealthPill({ health }: { health: ClusterHealth | undefined }) {
  const reconnect = useApp((s) => s.reconnectCluster);
  const state = health?.state ?? 'live';
  const title =
    state === 'live'
      ? 'The cluster view follows the cluster (list + watch)'
      : `The API server has not answered${health?.error ? `: ${health.error}` : ''}. The watches retry by themselves with backoff; answers meanwhile say they come from the view as it was.`;
  return (
    <span className="health" data-testid="cluster-health" data-state={state}>
      <span className={`health-pill health-${state}`} role="status" aria-live="polite" title={title}>
        <span className="dot" aria-hidden /> {healthText(health)}
      </span>
      <button
        type="button"
        className="link"
        onClick={() => void reconnect()}
        data-testid="reconnect"
        title="Open the same context again: a fresh list and watch"
      >
        Reconnect
      </button>
    </span>
  );
}
