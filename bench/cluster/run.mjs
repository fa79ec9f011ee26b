// Benchmark: loading a large cluster into the live snapshot (the target: 10k pods load
// without blocking the UI). Needs the lab up (npm run lab:up) and `npm run build`.
// Creates COUNT pods (default 10,000) in a namespace of its own, held back by a scheduling
// gate, so the API server stores them but they are never scheduled or run; then
// times ClusterSnapshot.start (list + watch of every kind) and measures the event loop's
// longest stall during the load, the heap, and how fast a later change arrives.
// Run: npm run bench:cluster   (figures in bench/results/cluster.json)
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterSnapshot } from '../../dist/backend/cluster/snapshot.js';

const count = Number(process.env.COUNT ?? 10_000);
const kubectl = 'test/lab/kubectl';
const ns = 'pathlight-bench-pods';
const note = (m) => process.stderr.write(`bench:cluster: ${m}\n`);
try {
  execFileSync('bash', ['test/lab/status.sh'], { stdio: 'pipe' });
} catch {
  console.error('bench:cluster needs the lab: npm run lab:up');
  process.exit(2);
}
const kubeconfig = 'test/lab/.state/admin.kubeconfig';

const have = new Set(
  execFileSync(kubectl, ['get', 'pods', '-n', ns, '--no-headers', '-o', 'name'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n')
    .filter(Boolean)
    .map((n) => n.replace(/^pod\//, '')),
);
const missing = [];
for (let i = 0; i < count; i++) if (!have.has(`bench-${i}`)) missing.push(i);
const existing = count - missing.length;
if (existing < count) {
  note(`creating ${count - existing} pods in ${ns} (held by a scheduling gate: stored, never scheduled)`);
  try {
    execFileSync(kubectl, ['create', 'namespace', ns], { stdio: 'ignore' });
  } catch {
    /* exists from an earlier run */
  }
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-bench-cluster-'));
if (existing < count) {
  const parts = 4;
  const files = [];
  for (let p = 0; p < parts; p++) {
    const items = [];
    for (let j = p; j < missing.length; j += parts) {
      const i = missing[j];
      items.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `bench-${i}`, namespace: ns, labels: { app: `app-${i % 1000}`, 'pathlight.dev/bench': 'true' } },
        spec: {
          schedulingGates: [{ name: 'pathlight.dev/bench' }],
          containers: [{ name: 'c', image: 'pathlight.local/busybox:lab', imagePullPolicy: 'Never', ports: [{ name: 'http', containerPort: 8080 }] }],
        },
      });
    }
    const f = path.join(dir, `pods-${p}.json`);
    writeFileSync(f, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    files.push(f);
  }
  const t0 = Date.now();
  await Promise.all(
    files.map(
      (f) =>
        new Promise((resolve, reject) =>
          spawn(kubectl, ['create', '-f', f, '-o', 'name'], { stdio: 'ignore' }).on('close', (c) =>
            c === 0 ? resolve() : reject(new Error(`kubectl create exit ${c}`)),
          ),
        ),
    ),
  );
  note(`created in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
rmSync(dir, { recursive: true, force: true });

const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const runs = [];
for (let r = 0; r < 3; r++) {
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t0 = performance.now();
  const snap = await ClusterSnapshot.start(kc);
  const loadMs = performance.now() - t0;
  h.disable();
  const pods = snap.list('Pod').length;
  const heapMiB = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  // A change after the load: how long until the watch delivers it.
  const t1 = performance.now();
  const late = `late-${process.pid}-${r}`;
  const seen = new Promise((resolve) => snap.onChange((c) => c.object.metadata?.name === late && resolve(performance.now() - t1)));
  execFileSync(
    kubectl,
    [
      '-n',
      ns,
      'run',
      late,
      '--image=pathlight.local/busybox:lab',
      '--image-pull-policy=Never',
      '--overrides',
      JSON.stringify({ spec: { schedulingGates: [{ name: 'pathlight.dev/bench' }] } }),
    ],
    { stdio: 'ignore' },
  );
  const watchMs = await seen;
  execFileSync(kubectl, ['-n', ns, 'delete', `pod/${late}`, '--wait=false'], { stdio: 'ignore' });
  await snap.stop();
  runs.push({
    pods,
    loadMs: Math.round(loadMs),
    maxEventLoopStallMs: Math.round(h.max / 1e6),
    heapMiB: Number(heapMiB.toFixed(1)),
    watchMs: Math.round(watchMs),
  });
  note(`run ${r + 1}: ${JSON.stringify(runs.at(-1))}`);
}
const median = (k) => [...runs.map((x) => x[k])].sort((a, b) => a - b)[1];
const result = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, kernel ${os.release()}, Node ${process.version}`,
  podsInCluster: runs[0].pods,
  runs,
  median: { loadMs: median('loadMs'), maxEventLoopStallMs: median('maxEventLoopStallMs'), heapMiB: median('heapMiB'), watchMs: median('watchMs') },
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/cluster.json', `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
console.log(
  `\nsnapshot of ${result.podsInCluster} pods: load ${result.median.loadMs} ms, longest event-loop stall ${result.median.maxEventLoopStallMs} ms, heap +${result.median.heapMiB} MiB, a later pod arrives in ${result.median.watchMs} ms (median of 3)`,
);
console.log(`reproduce: npm run lab:up && npm run build && npm run bench:cluster   (COUNT=${count}; remove with test/lab/kubectl delete namespace ${ns})`);
