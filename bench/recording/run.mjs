// Benchmark: the .pathlight recording container with 1,000,000 probe events.
// Targets: open < 1 s, seek anywhere < 100 ms; reports bytes/event and the write rate.
// Replay: the records read back into SessionReplay (a 1,000-pod snapshot at the start and a
// watch change every 1,000 events ride along), then frames at random times (`at`, forward and
// back), and the rate of SessionRecorder (scrubbing every record) for comparison.
// Run: npm run bench:recording   (needs `npm run build` first; figures in bench/results/recording.json)
import { mkdirSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RecordingReader, RecordingWriter } from '../../dist/backend/store/container.js';
import { SessionRecorder } from '../../dist/backend/store/recorder.js';
import { openRecording } from '../../dist/backend/store/open.js';
import { Workbenches } from '../../dist/backend/workbench/workbenches.js';
import { SessionReplay } from '../../dist/core/index.js';

const n = Number(process.env.EVENTS ?? 1_000_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-bench-rec-'));
const file = path.join(dir, 'big.pathlight');
const start = 1_764_000_000_000_000_000;
const reasons = ['NETFILTER_DROP', 'NO_SOCKET', 'TCP_INVALID_SEQUENCE', 'OTHERHOST'];
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;

const pod = (j, rev) => ({
  metadata: { namespace: `ns-${j % 20}`, name: `app-${j}`, labels: { app: `app-${j % 50}` }, resourceVersion: String(rev) },
  spec: { nodeName: `node-${j % 3}`, containers: [{ name: 'main', ports: [{ containerPort: 8080 }] }] },
  status: { phase: 'Running', podIP: `10.244.${j % 4}.${j % 250}`, podIPs: [{ ip: `10.244.${j % 4}.${j % 250}` }] },
});
const pods = 1000;
let t = process.hrtime.bigint();
const w = new RecordingWriter(file, { flushMillis: 3_600_000 });
w.append({ ts: start - 1, kind: 'snapshot', data: { objects: { Pod: Array.from({ length: pods }, (_, j) => pod(j, 1)) } } });
let extra = 1;
for (let i = 0; i < n; i++) {
  if (i % 1000 === 999) {
    w.append({ ts: start + i * 1_000_000, kind: 'watch', data: { type: 'MODIFIED', kind: 'Pod', object: pod(i % pods, i) } });
    extra++;
  }
  // ~1,000 events/s of mixed drops, DNS and TCP events over ~17 minutes.
  const type = i % 3 === 0 ? 'drop' : i % 3 === 1 ? 'dns' : 'tcp';
  w.append({
    ts: start + i * 1_000_000,
    kind: 'probe',
    data: {
      v: 1,
      type,
      node: `node-${i % 3}`,
      proto: type === 'dns' ? 'udp' : 'tcp',
      netns: 4026532000 + (i % 40),
      src: `10.244.${i % 4}.${i % 200}`,
      sport: 32768 + (i % 28000),
      dst: `10.96.${i % 16}.${i % 250}`,
      dport: [53, 80, 443, 5432, 8080][i % 5],
      ...(type === 'drop'
        ? { reason: reasons[i % 4], location: 'nft_do_chain+0x3c4' }
        : type === 'dns'
          ? { qname: `svc-${i % 300}.shop.svc.cluster.local.`, rcode: i % 11 ? 'NOERROR' : 'NXDOMAIN', latencyNs: 200000 + (i % 5000) }
          : { event: 'refused' }),
    },
  });
}
w.close();
const writeMs = ms(t);
const bytes = statSync(file).size;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const opens = [];
for (let i = 0; i < 5; i++) {
  t = process.hrtime.bigint();
  RecordingReader.open(file).close();
  opens.push(ms(t));
}
const reader = RecordingReader.open(file);
const seeks = [];
for (let i = 0; i < 50; i++) {
  const at = start + Math.floor((((i * 7919) % 1000) / 1000) * n) * 1_000_000;
  t = process.hrtime.bigint();
  const got = reader.seek(at, 500);
  seeks.push(ms(t));
  if (got.length === 0) throw new Error('seek found nothing');
}
t = process.hrtime.bigint();
let count = 0;
for (const _ of reader.records()) count++;
const fullReadMs = ms(t);
reader.close();

// openRecording: how the app, `replay --why` and `report` open a recording (probe records
// parsed on demand), then frames at 50 random times and the heap it holds.
// Two opens timed and dropped, then the third kept (the file is in the page cache for all three).
const openRecs = [];
for (let i = 0; i < 2; i++) {
  t = process.hrtime.bigint();
  await openRecording(file);
  openRecs.push(ms(t));
}
const openedHeap0 = process.memoryUsage().heapUsed;
t = process.hrtime.bigint();
const opened = await openRecording(file);
openRecs.push(ms(t));
const openedFrames = [];
for (let i = 0; i < 50; i++) {
  const at = start + Math.floor((((i * 7919) % 1000) / 1000) * n) * 1_000_000;
  t = process.hrtime.bigint();
  const f = opened.frameAt(at);
  openedFrames.push(ms(t));
  if (f.cluster.list('Pod').length !== pods) throw new Error('openRecording lost pods');
}
const openedHeapMiB = Math.round((process.memoryUsage().heapUsed - openedHeap0) / 2 ** 20);
// The workbench as the UI drives it (Workbenches: recording.open, events.page,
// graph.snapshot/changes, replay.seek). First view: open + the table's first and last pages
// (with the timeline) + the graph snapshot. The graph's flows are then counted in the
// background in slices; a 5 ms timer measures how long the engine's event loop is held.
const wbs = new Workbenches({ env: {} });
const lagProbe = () => {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 5);
    last = now;
  }, 5);
  return () => {
    clearInterval(timer);
    return worst;
  };
};
const untilCounted = async (session) => {
  const t0 = process.hrtime.bigint();
  const stopLag = lagProbe();
  // Pulled more often than the UI does (it pulls graph.changes on each graph.changed push, at most every 400 ms).
  let version = wbs.graphSnapshot(session).version;
  for (;;) {
    const d = wbs.graphChanges(session, version);
    version = d.version;
    if (!d.pending) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { ms: ms(t0), lagMs: stopLag() };
};
globalThis.gc?.();
// Heap and the typed arrays' buffers (outside the heap): the events table's columns live there.
const held = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const wbHeap0 = held();
t = process.hrtime.bigint();
const wbOpen = await wbs.openRecording({ kind: 'path', path: file });
const session = wbOpen.session;
const firstPage = wbs.eventsPage({ session, filter: {}, offset: 0, limit: 200 });
const lastPage = wbs.eventsPage({ session, filter: {}, offset: n - 200, limit: 200 });
const firstGraph = wbs.graphSnapshot(session);
const wbFirstViewMs = ms(t);
if (firstPage.total !== n || firstPage.rows.length !== 200 || lastPage.rows.at(-1).seq !== n - 1 || firstPage.histogram.buckets.length === 0)
  throw new Error(`workbench first view: ${firstPage.total} events, ${firstPage.rows.length} rows`);
if (firstGraph.nodes.filter((x) => x.kind === 'pod').length !== pods) throw new Error('workbench first view: pods missing');
const wbCounted = await untilCounted(session);
globalThis.gc?.();
const wbHeapMiB = Math.round((held() - wbHeap0) / 2 ** 20);
const flowEdges = wbs.graphSnapshot(session).edges.filter((e) => e.kind === 'flow').length;
if (flowEdges === 0) throw new Error('workbench graph: no flows counted');
const timed = (f) => {
  const t0 = process.hrtime.bigint();
  const v = f();
  return [ms(t0), v];
};
const [wbReasonMs, reasonPage] = timed(() => wbs.eventsPage({ session, filter: { reason: 'NETFILTER_DROP' }, offset: 0, limit: 200 }));
const [wbTextMs, textPage] = timed(() => wbs.eventsPage({ session, filter: { text: 'svc-16.shop' }, offset: 0, limit: 200 }));
if (reasonPage.matched !== Math.ceil(n / 12) || reasonPage.pending || textPage.matched === 0)
  throw new Error(`workbench filters: ${reasonPage.matched} drops, ${textPage.matched} text matches`);
// Seeks as the UI makes them: replay.seek, then the table's page and the graph's changes.
const seekView = (at) =>
  timed(() => {
    const moved = wbs.seek({ session, t: at });
    wbs.eventsPage({ session, filter: {}, offset: 0, limit: 200 });
    wbs.graphChanges(session, wbs.graphSnapshot(session).version);
    return moved;
  });
const wbSeeks = [];
for (let i = 0; i < 20; i++) wbSeeks.push(seekView(start + Math.floor((((i * 7919) % 1000) / 1000) * n) * 1_000_000)[0]);
const [wbBackMs] = seekView(start + Math.floor(n / 2) * 1_000_000);
const wbBackCounted = await untilCounted(session);
const [wbForwardMs] = seekView(opened.end);
const wbForwardCounted = await untilCounted(session);
await wbs.close(session);

// "Ask why" on the recording at its end (what the workbench runs, and `replay --why --from --to`).
t = process.hrtime.bigint();
const asked = opened.why({ from: 'ns-0/app-0', to: '10.96.0.80:8080' }, opened.end);
const askWhyMs = ms(t);
if (!asked.ok || !(asked.value.live?.events > 0))
  throw new Error(`ask why on the recording: ${asked.ok ? `${asked.value.live?.events} events` : asked.error.message}`);

t = process.hrtime.bigint();
const openedEnd = opened.frameAt(opened.end);
let drops = 0;
for (const p of openedEnd.probes) if (p.line.type === 'drop') drops++;
const openedReadAllMs = ms(t);
if (openedEnd.probes.length !== n || drops !== Math.ceil(n / 3)) throw new Error(`openRecording has ${openedEnd.probes.length} probe events, ${drops} drops`);

// Replay: every record into SessionReplay, then frames at 50 random times (forward and back).
const mem0 = process.memoryUsage().heapUsed;
t = process.hrtime.bigint();
const all = [...RecordingReader.open(file).records()];
const readAllMs = ms(t);
// Lazy (the default): the first far seek walks every record before it.
t = process.hrtime.bigint();
const lazy = new SessionReplay(all);
lazy.at(start + Math.floor(0.92 * n) * 1_000_000);
const lazyFirstSeekMs = ms(t);
// Prepared (how openRecording opens): one walk up front, then every seek is short.
t = process.hrtime.bigint();
const replay = new SessionReplay(all, { prepare: true });
const indexMs = ms(t);
const frames = [];
let lastFrame;
for (let i = 0; i < 50; i++) {
  const at = start + Math.floor((((i * 7919) % 1000) / 1000) * n) * 1_000_000;
  t = process.hrtime.bigint();
  lastFrame = replay.at(at);
  frames.push(ms(t));
  if (lastFrame.cluster.list('Pod').length !== pods) throw new Error('replay lost pods');
}
t = process.hrtime.bigint();
const endFrame = replay.at(replay.end);
const endMs = ms(t);
const replayHeapMiB = Math.round((process.memoryUsage().heapUsed - mem0) / 2 ** 20);
if (endFrame.probes.length !== n) throw new Error(`replay has ${endFrame.probes.length} probe events`);

// SessionRecorder: the same kind of probe lines through the scrubber.
const recFile = path.join(dir, 'recorder.pathlight');
const rn = Math.min(n, 200_000);
t = process.hrtime.bigint();
const rec = SessionRecorder.create(recFile, { flushMillis: 3_600_000 });
for (let i = 0; i < rn; i++) {
  rec.probe(`node-${i % 3}`, {
    v: 1,
    type: 'drop',
    ts: start + i * 1_000_000,
    node: `node-${i % 3}`,
    netns: 4026532000 + (i % 40),
    proto: 'tcp',
    src: `10.244.${i % 4}.${i % 200}`,
    sport: 32768 + (i % 28000),
    dst: `10.96.${i % 16}.${i % 250}`,
    dport: 8080,
    reason: reasons[i % 4],
    location: 'nft_do_chain+0x3c4',
    identities: { src: { kind: 'pod', namespace: 'shop', name: `frontend-${i % 7}` } },
  });
}
rec.close();
const recorderMs = ms(t);

// The same file after a crash: no index, so opening scans every frame.
truncateSync(file, bytes - 16);
t = process.hrtime.bigint();
const crashed = RecordingReader.open(file);
const openCrashedMs = ms(t);
const crashedCount = crashed.count;
crashed.close();
rmSync(dir, { recursive: true, force: true });

const figures = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`,
  events: n,
  otherRecords: `1 snapshot of ${pods} pods + ${extra - 1} watch changes`,
  writeMs: Math.round(writeMs),
  writeEventsPerSec: Math.round(n / (writeMs / 1000)),
  recorderEventsPerSec: Math.round(rn / (recorderMs / 1000)),
  bytes,
  bytesPerEvent: +(bytes / n).toFixed(2),
  openMsMedian: +median(opens).toFixed(1),
  openAfterCrashMs: +openCrashedMs.toFixed(1),
  seekMsMedian: +median(seeks).toFixed(1),
  seekMsMax: +Math.max(...seeks).toFixed(1),
  fullReadMs: Math.round(fullReadMs),
  replayReadMs: Math.round(readAllMs),
  replayIndexMs: Math.round(indexMs),
  replayLazyFirstSeekMs: Math.round(lazyFirstSeekMs),
  replaySeekMsMedian: +median(frames).toFixed(1),
  replaySeekMsMax: +Math.max(...frames).toFixed(1),
  replayEndMs: +endMs.toFixed(1),
  replayHeapMiB,
  openRecordingMsMedian: +median(openRecs).toFixed(0),
  openRecordingMsRuns: openRecs.map((x) => Math.round(x)),
  openRecordingSeekMsMedian: +median(openedFrames).toFixed(1),
  openRecordingSeekMsMax: +Math.max(...openedFrames).toFixed(1),
  openRecordingHeapMiB: openedHeapMiB,
  openRecordingReadEveryProbeMs: Math.round(openedReadAllMs),
  askWhyAtEndMs: Math.round(askWhyMs),
  askWhyLiveEvents: asked.value.live.events,
  workbenchFirstViewMs: Math.round(wbFirstViewMs),
  workbenchFlowsCountedMs: Math.round(wbCounted.ms),
  workbenchLongestHoldMs: +Math.max(wbCounted.lagMs, wbBackCounted.lagMs, wbForwardCounted.lagMs).toFixed(1),
  workbenchHeapMiB: wbHeapMiB,
  workbenchFilterReasonMs: +wbReasonMs.toFixed(1),
  workbenchFilterTextMs: +wbTextMs.toFixed(1),
  workbenchSeekViewMsMedian: +median(wbSeeks).toFixed(1),
  workbenchSeekViewMsMax: +Math.max(...wbSeeks).toFixed(1),
  workbenchSeekBackToMiddleMs: +wbBackMs.toFixed(1),
  workbenchSeekBackFlowsCountedMs: Math.round(wbBackCounted.ms),
  workbenchSeekForwardToEndMs: +wbForwardMs.toFixed(1),
  workbenchSeekForwardFlowsCountedMs: Math.round(wbForwardCounted.ms),
};
if (count !== n + extra || crashedCount !== n + extra) throw new Error(`read back ${count}/${crashedCount} of ${n}`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/recording.json', JSON.stringify(figures, null, 2) + '\n');
console.log(`events: ${n.toLocaleString()}  file: ${(bytes / 2 ** 20).toFixed(1)} MiB  (${figures.bytesPerEvent} bytes/event)`);
console.log(`write: ${figures.writeMs} ms   open: ${figures.openMsMedian} ms (median of 5)   open after crash (scan): ${figures.openAfterCrashMs} ms`);
console.log(
  `seek: ${figures.seekMsMedian} ms median, ${figures.seekMsMax} ms max (50 random positions, 500 records each)   full read: ${figures.fullReadMs} ms`,
);
console.log(
  `write rate: ${figures.writeEventsPerSec.toLocaleString('en')} events/s (RecordingWriter), ${figures.recorderEventsPerSec.toLocaleString('en')} events/s through SessionRecorder (scrubbed, ${rn.toLocaleString('en')} events)`,
);
console.log(
  `replay: read ${figures.replayReadMs} ms + index and prepare ${figures.replayIndexMs} ms (unprepared: first far seek ${figures.replayLazyFirstSeekMs} ms incl. index), then SessionReplay.at ${figures.replaySeekMsMedian} ms median, ${figures.replaySeekMsMax} ms max (50 random times), frame at the end ${figures.replayEndMs} ms, heap +${replayHeapMiB} MiB`,
);
console.log(
  `openRecording: ${figures.openRecordingMsMedian} ms median (${figures.openRecordingMsRuns.join(' / ')} ms), then frameAt ${figures.openRecordingSeekMsMedian} ms median, ${figures.openRecordingSeekMsMax} ms max (50 random times), heap +${openedHeapMiB} MiB; reading every probe line once: ${figures.openRecordingReadEveryProbeMs} ms`,
);
console.log(
  `ask why at the end (${n.toLocaleString('en')} probe lines, ${figures.askWhyLiveEvents.toLocaleString('en')} of them about A): ${figures.askWhyAtEndMs} ms`,
);
console.log(
  `workbench first view (recording.open + first and last table pages with the timeline + graph snapshot): ${figures.workbenchFirstViewMs} ms; the graph's flows counted in the background after ${figures.workbenchFlowsCountedMs} ms (engine held at most ${figures.workbenchLongestHoldMs} ms at a time), heap and array buffers +${wbHeapMiB} MiB`,
);
console.log(
  `workbench filters on all ${n.toLocaleString('en')} events: reason ${figures.workbenchFilterReasonMs} ms, free text ${figures.workbenchFilterTextMs} ms`,
);
console.log(
  `workbench seek (replay.seek + table page + graph changes): ${figures.workbenchSeekViewMsMedian} ms median, ${figures.workbenchSeekViewMsMax} ms max (20 random times); back to the middle ${figures.workbenchSeekBackToMiddleMs} ms (flows recounted after ${figures.workbenchSeekBackFlowsCountedMs} ms), forward to the end ${figures.workbenchSeekForwardToEndMs} ms (flows after ${figures.workbenchSeekForwardFlowsCountedMs} ms)`,
);
console.log(`machine: ${figures.machine}`);
console.log('reproduce: npm run build && npm run bench:recording');
