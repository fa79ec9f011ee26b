/**
 * The workbench after Connect: query bar on top, graph in the middle, why panel on the right,
 * events and probes below; panes resizable, sizes remembered. Nothing here polls: the engine
 * pushes what changes (src/renderer/store/follow.ts).
 */
import { ErrorPanel } from '../../components/ErrorPanel.js';
import { useApp } from '../../store/context.js';
import { EventsPanel } from '../events/EventsPanel.js';
import { GraphView } from '../graph/GraphView.js';
import { ProbesPanel } from '../probes/ProbesPanel.js';
import { WhyPanel } from '../why/WhyPanel.js';
import { ReplayBanner, ReplayControls } from '../replay/Replay.js';
import { QueryBar } from './QueryBar.js';
import { RecordControl } from '../record/RecordControl.js';
import { Splitter } from './Splitter.js';
import { HealthPill } from './HealthPill.js';
import { useQuestionFilter } from '../events/questionFilter.js';
import { AdvicePanel } from '../policy/AdvicePanel.js';
import { ImpactPanel } from '../policy/ImpactPanel.js';

export function Workbench() {
  const cluster = useApp((s) => s.cluster);
  const panes = useApp((s) => s.panes);
  const setPanes = useApp((s) => s.setPanes);
  const tab = useApp((s) => s.bottomTab);
  const setTab = useApp((s) => s.setBottomTab);
  const openCluster = useApp((s) => s.openCluster);
  const closeCluster = useApp((s) => s.closeCluster);
  useQuestionFilter();

  if (cluster.status === 'opening') {
    return (
      <main className="workbench-status" aria-live="polite" data-testid="opening">
        <span className="spinner" aria-hidden />{' '}
        {cluster.recording ? (
          <>
            Reading the recording <b>{cluster.context}</b>…
          </>
        ) : (
          <>
            Listing the cluster of <b>{cluster.context}</b> (namespaces, pods, Services, EndpointSlices, policies)…
          </>
        )}
      </main>
    );
  }
  if (cluster.status === 'failed') {
    return (
      <main className="workbench-status">
        <ErrorPanel
          error={cluster.error}
          actions={
            <>
              <button type="button" className="primary" onClick={() => void openCluster()}>
                Retry
              </button>
              <button type="button" onClick={() => void closeCluster()}>
                Pick another context
              </button>
            </>
          }
        />
      </main>
    );
  }
  if (cluster.status !== 'open') return null;
  const o = cluster.opened;
  const missing = o.unavailable.filter((u) => u.reason !== 'not-installed');
  return (
    <main
      className="workbench"
      data-testid="workbench"
      style={{ gridTemplateColumns: `minmax(0, 1fr) 6px ${panes.why}px`, gridTemplateRows: `auto minmax(120px, 1fr) 6px ${panes.bottom}px` }}
    >
      <div className="wb-top">
        {o.replay ? (
          <div className="cluster-chip">
            <ReplayBanner info={o.replay} />
            <span className="spacer" />
            <button type="button" className="link" onClick={() => void closeCluster()} data-testid="close-recording">
              close recording
            </button>
          </div>
        ) : (
          <div className="cluster-chip">
            <span className="muted">cluster</span> <b data-testid="open-context">{o.context}</b>
            {o.mode === 'fake' && <span className="badge warn">fake (test fixture)</span>}
            <HealthPill health={o.health} />
            <button type="button" className="link" onClick={() => void closeCluster()}>
              switch
            </button>
            <span className="spacer" />
            <RecordControl />
          </div>
        )}
        {o.replay && <ReplayControls info={o.replay} />}
        <QueryBar />
        {missing.length > 0 && (
          <p className="rbac-note" role="note">
            Left out: {missing.map((u) => u.message).join(' ')}
          </p>
        )}
      </div>
      <GraphView />
      <Splitter axis="x" value={panes.why} min={280} max={900} invert onChange={(why) => setPanes({ why })} label="Resize the why panel" />
      <WhyPanel />
      <Splitter axis="y" value={panes.bottom} min={120} max={700} invert onChange={(bottom) => setPanes({ bottom })} label="Resize the events panel" />
      <div className="wb-bottom">
        <div className="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={tab === 'events'} onClick={() => setTab('events')}>
            Events
          </button>
          <button type="button" role="tab" aria-selected={tab === 'probes'} onClick={() => setTab('probes')}>
            Probes
          </button>
          <button type="button" role="tab" aria-selected={tab === 'advice'} onClick={() => setTab('advice')} data-testid="tab-advice">
            Advise policies
          </button>
          <button type="button" role="tab" aria-selected={tab === 'impact'} onClick={() => setTab('impact')} data-testid="tab-impact">
            What if…
          </button>
        </div>
        {tab === 'events' ? (
          <EventsPanel />
        ) : tab === 'probes' ? (
          <ProbesPanel />
        ) : tab === 'advice' ? (
          <AdvicePanel key={o.session} />
        ) : (
          <ImpactPanel key={o.session} />
        )}
      </div>
    </main>
  );
}
