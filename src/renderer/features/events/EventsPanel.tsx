/** The session's probe events: Hubble-style filters, the timeline with its brush, and a virtualized table. */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import { eventTypes, type EventFilter } from '../../../api/index.js';
import { eventPageSize } from '../../store/index.js';
import { useApp } from '../../store/context.js';
import { Timeline } from './Timeline.js';
import { aboutText } from './questionFilter.js';

const rowHeight = 26;
const fmtTime = (ts: number) => {
  const d = new Date(ts / 1e6);
  return `${d.toLocaleTimeString([], { hour12: false })}.${String(Math.floor((ts / 1e6) % 1000)).padStart(3, '0')}`;
};

function Filters() {
  const f = useApp((s) => s.eventFilter);
  const set = useApp((s) => s.setEventFilter);
  const clear = useApp((s) => s.clearEventFilter);
  const facets = useApp((s) => s.events?.facets);
  const toggleType = (t: (typeof eventTypes)[number]) => {
    const cur = new Set(f.type ?? []);
    if (cur.has(t)) cur.delete(t);
    else cur.add(t);
    set({ type: [...cur] });
  };
  const text = (k: keyof EventFilter, v: string) => set({ [k]: v || undefined } as Partial<EventFilter>);
  return (
    <div className="event-filters" role="group" aria-label="Event filters">
      {f.about && (
        <span
          className="chip question-chip"
          data-testid="filter-question"
          title={`Events to or from ${f.about.ips.join(', ') || 'no address'}${f.about.names.length ? `, and DNS lookups of ${f.about.names.join(', ')}` : ''}`}
        >
          question only: {aboutText(f.about)}{' '}
          <button type="button" className="link small" aria-label="Every event, not only the question's" onClick={() => set({ about: undefined })}>
            ✕
          </button>
        </span>
      )}
      {f.node && (
        <span className="chip node-chip" data-testid="filter-node">
          node {f.node}{' '}
          <button type="button" className="link small" aria-label={`Any node (now ${f.node})`} onClick={() => set({ node: undefined })}>
            ✕
          </button>
        </span>
      )}
      {eventTypes.map((t) => (
        <label key={t} className={`chip t-${t}`}>
          <input type="checkbox" checked={f.type?.includes(t) ?? false} onChange={() => toggleType(t)} /> {t}
        </label>
      ))}
      <select aria-label="Verdict" value={f.verdict?.[0] ?? ''} onChange={(e) => set({ verdict: e.target.value ? [e.target.value as 'dropped'] : [] })}>
        <option value="">any verdict</option>
        <option value="dropped">dropped</option>
        <option value="error">error</option>
        <option value="forwarded">forwarded</option>
        <option value="info">info</option>
      </select>
      <select aria-label="Namespace" value={f.namespace ?? ''} onChange={(e) => text('namespace', e.target.value)}>
        <option value="">any namespace</option>
        {facets?.namespaces.map((n) => (
          <option key={n}>{n}</option>
        ))}
      </select>
      <input aria-label="Pod" placeholder="pod" value={f.pod ?? ''} onChange={(e) => text('pod', e.target.value)} size={14} />
      <select aria-label="Reason" data-testid="filter-reason" value={f.reason ?? ''} onChange={(e) => text('reason', e.target.value)}>
        <option value="">any reason</option>
        {facets?.reasons.map((r) => (
          <option key={r}>{r}</option>
        ))}
      </select>
      <input
        aria-label="Port"
        placeholder="port"
        inputMode="numeric"
        size={5}
        value={f.port ?? ''}
        onChange={(e) => set({ port: /^\d+$/.test(e.target.value) ? Number(e.target.value) : undefined })}
      />
      <select aria-label="DNS rcode" value={f.rcode ?? ''} onChange={(e) => text('rcode', e.target.value)}>
        <option value="">any rcode</option>
        {facets?.rcodes.map((r) => (
          <option key={r}>{r}</option>
        ))}
      </select>
      <input
        id="events-text"
        type="search"
        aria-label="Text"
        placeholder="text (names, IPs, query, process)…"
        value={f.text ?? ''}
        onChange={(e) => text('text', e.target.value)}
      />
      {Object.keys(f).length > 0 && (
        <button type="button" className="link" onClick={clear}>
          clear filters
        </button>
      )}
    </div>
  );
}

export function EventsPanel() {
  const page = useApp((s) => s.events);
  const rows = useApp((s) => s.eventRows);
  const error = useApp((s) => s.eventsError);
  const load = useApp((s) => s.loadEvents);
  const filter = useApp((s) => s.eventFilter);
  const set = useApp((s) => s.setEventFilter);
  const scroller = useRef<HTMLDivElement>(null);
  const count = page?.matched ?? 0;
  // TanStack Virtual returns new functions on each render, so the React compiler leaves this component unmemoised: intended.
  // eslint-disable-next-line react-hooks/incompatible-library
  const v = useVirtualizer({ count, getScrollElement: () => scroller.current, estimateSize: () => rowHeight, overscan: 20 });
  const items = v.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  // Fetch the pages the view shows and does not have yet (once per page while in flight).
  const asked = useRef(new Set<number>());
  useEffect(() => {
    asked.current.clear();
  }, [rows]);
  useEffect(() => {
    if (!page) return;
    for (let i = first - (first % eventPageSize); i <= last; i += eventPageSize) {
      if (i < count && !rows.has(i) && !asked.current.has(i)) {
        asked.current.add(i);
        void load(i);
      }
    }
  }, [first, last, count, rows, page, load]);

  return (
    <section className="events-panel" aria-label="Events" data-testid="events-panel">
      <Filters />
      {page && (
        <Timeline
          h={page.histogram}
          range={{ ...(filter.from !== undefined ? { from: filter.from } : {}), ...(filter.to !== undefined ? { to: filter.to } : {}) }}
          onRange={(r) => set({ from: r.from, to: r.to })}
        />
      )}
      {error && <p className="error-inline">{error.message}</p>}
      <div className="events-head" role="row">
        <span>time</span>
        <span>node</span>
        <span>type</span>
        <span>verdict</span>
        <span>reason</span>
        <span>source</span>
        <span>destination</span>
        <span>process</span>
        <span>detail</span>
      </div>
      <div
        className="events-scroll"
        ref={scroller}
        data-testid="events-table"
        data-matched={count}
        data-total={page?.total ?? 0}
        data-loaded={page ? true : undefined}
      >
        {count === 0 ? (
          <p className="empty-state events-empty" data-testid="events-empty">
            {page?.pending
              ? 'Reading the recording…'
              : page && page.total > 0
                ? 'No event matches these filters. Clear a filter or widen the time range.'
                : 'No probe events in this session. Ask why with probes on (SSH or probe pod) to see drops, DNS and TCP outcomes here.'}
          </p>
        ) : (
          <div style={{ height: v.getTotalSize(), position: 'relative' }}>
            {items.map((it) => {
              const r = rows.get(it.index);
              return (
                <div
                  key={it.key}
                  className={`event-row ${r ? `v-${r.verdict}` : 'loading'}`}
                  data-testid="event-row"
                  role="row"
                  style={{ transform: `translateY(${it.start}px)`, height: rowHeight }}
                >
                  {r ? (
                    <>
                      <span>{fmtTime(r.ts)}</span>
                      <span>{r.node}</span>
                      <span className={`type t-${r.type}`} data-testid="event-type">
                        {r.type}
                      </span>
                      <span>{r.verdict}</span>
                      <span data-testid="event-reason">{r.reason}</span>
                      <span title={r.src}>{r.src}</span>
                      <span title={r.dst}>{r.dst}</span>
                      <span title={r.process} data-testid="event-process">
                        {r.process}
                      </span>
                      <span title={r.detail} data-testid="event-detail">
                        {r.detail ?? r.proto}
                      </span>
                    </>
                  ) : (
                    <span className="muted">…</span>
                  )}
                </div>
              );
            })}
          </div>
        )}
      </div>
      <p className="events-foot muted" data-testid="events-count">
        {count.toLocaleString()} of {(page?.total ?? 0).toLocaleString()} events
        {page?.pending ? (
          <span data-testid="events-pending"> · reading the recording: {page.pending.toLocaleString()} not checked against these filters yet</span>
        ) : null}
      </p>
    </section>
  );
}
