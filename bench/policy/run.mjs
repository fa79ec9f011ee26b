// Benchmark: the policy engine on a generated cluster of 5,000 pods in 100 namespaces with
// 1,000 policies (see generate.mjs): index build, single checks, the full workload matrix,
// memory. Needs the build (`tsc -b`).
// Run: source scripts/node-env.sh && tsc -b && node --expose-gc bench/policy/run.mjs
// (figures also written to bench/results/policy.json)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { stringify } from 'yaml';
import { policy } from '../../dist/core/index.js';
import { generateCluster } from './generate.mjs';

const runs = Number(process.env.RUNS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn) => {
  const t = process.hrtime.bigint();
  const v = fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, v];
};
const gc = () => globalThis.gc?.();
const mib = (b) => Math.round((b / 1048576) * 10) / 10;

const objects = generateCluster();
const counts = {
  pods: objects.filter((o) => o.kind === 'Pod').length,
  namespaces: objects.filter((o) => o.kind === 'Namespace').length,
  policies: objects.filter((o) => /Policy$/.test(o.kind)).length,
};

// Manifest text → index (what `policy … --manifests` does after reading the files).
const text = objects.map((o) => stringify(o)).join('---\n');
const parseMs = median(Array.from({ length: Math.min(runs, 3) }, () => time(() => policy.parseManifests([{ name: 'cluster.yaml', text }]))[0]));
const parsed = policy.parseManifests([{ name: 'cluster.yaml', text }]);

gc();
const heapBefore = process.memoryUsage().heapUsed;
const builds = [];
let index;
for (let i = 0; i < runs; i++) {
  const [ms, idx] = time(() => new policy.PolicyIndex(parsed.objects, []));
  builds.push(ms);
  index = idx;
}
gc();
const indexHeap = process.memoryUsage().heapUsed - heapBefore;

// Single checks: a spread of pairs, each a fresh index (cold caches) and warm.
const ids = index.workloads.map((w) => w.id);
const pairs = Array.from({ length: 200 }, (_, i) => [ids[(i * 37) % ids.length], ids[(i * 101 + 7) % ids.length]]);
const freshIndex = new policy.PolicyIndex(parsed.objects, []);
const evalOnly = (idx) =>
  pairs.map(
    ([a, b]) => time(() => policy.evaluatePair(idx, policy.podEndpoint(idx.findPod(a)), policy.podEndpoint(idx.findPod(b)), policy.single('TCP', 8080)))[0],
  );
const coldEval = evalOnly(freshIndex);
const warmEval = evalOnly(freshIndex);
const verdicts = pairs.map(([a, b]) => policy.checkConnection(index, { from: a, to: b, port: 'TCP/8080' }).value.verdict);
const allowedPairs = pairs.filter((_, i) => verdicts[i] === 'allowed');
const deniedPairs = pairs.filter((_, i) => verdicts[i] === 'denied');
const checkAllowed = allowedPairs.map(([a, b]) => time(() => policy.checkConnection(index, { from: a, to: b, port: 'TCP/8080' }))[0]);
const checkDenied = deniedPairs.slice(0, 10).map(([a, b]) => time(() => policy.checkConnection(index, { from: a, to: b, port: 'TCP/8080' }))[0]);

// The full workload matrix, on a fresh index each run.
const matrixRuns = [];
let matrix;
for (let i = 0; i < Math.min(runs, 3); i++) {
  const idx = new policy.PolicyIndex(parsed.objects, []);
  const [ms, m] = time(() => policy.computeMatrix(idx));
  matrixRuns.push(ms);
  matrix = m;
}
const [jsonMs, json] = time(() => JSON.stringify(matrix));
const rss = process.memoryUsage().rss;

// End to end, as a user runs it: the CLI on a folder of the same manifests (one file per namespace).
const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-policy-bench-'));
const byNs = new Map();
for (const o of objects) {
  const ns = o.metadata.namespace ?? (o.kind === 'Namespace' ? o.metadata.name : '_cluster');
  byNs.set(ns, [...(byNs.get(ns) ?? []), o]);
}
for (const [ns, list] of byNs) writeFileSync(path.join(dir, `${ns}.yaml`), list.map((o) => stringify(o)).join('---\n'));
const cliRun = (args) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['dist/cli/main.js', 'policy', ...args, '--manifests', dir], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0 && r.status !== 1) throw new Error(r.stderr);
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const cliMatrixMs = median(Array.from({ length: Math.min(runs, 3) }, () => cliRun(['matrix', '--json'])));
const cliCheckMs = median(
  Array.from({ length: Math.min(runs, 3) }, () => cliRun(['check', '--from', 'ns-1/app-0', '--to', 'ns-1/app-1', '--port', 'TCP/8080', '--json'])),
);
rmSync(dir, { recursive: true, force: true });

const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const results = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type().toLowerCase()} ${os.release()}, Node ${process.version}`,
  runs,
  cluster: { ...counts, workloads: index.workloads.length, compiledPolicies: index.policies.length, diagnostics: index.diagnostics.length },
  parseYamlMs: round(parseMs, 0),
  indexBuildMs: round(median(builds), 0),
  checkEvalColdMsMedian: round(median(coldEval), 3),
  checkEvalColdMsMax: round(Math.max(...coldEval), 3),
  checkEvalWarmMsMedian: round(median(warmEval), 3),
  checkAllowedWithExplanationMsMedian: round(median(checkAllowed), 3),
  checkDeniedWithVerifiedFixMsMedian: round(median(checkDenied), 0),
  checkPairs: { allowed: allowedPairs.length, denied: deniedPairs.length },
  matrixMs: round(median(matrixRuns), 0),
  matrixPairs: index.workloads.length * (index.workloads.length - 1),
  matrixConnections: matrix.connections.length,
  matrixJsonMs: round(jsonMs, 0),
  matrixJsonMiB: mib(json.length),
  cliMatrixJsonMs: round(cliMatrixMs, 0),
  cliCheckJsonMs: round(cliCheckMs, 0),
  indexHeapMiB: mib(indexHeap),
  rssMiB: mib(rss),
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/policy.json', JSON.stringify(results, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));
console.log('\nreproduce: source scripts/node-env.sh && tsc -b && node --expose-gc bench/policy/run.mjs');
