// Records the bundled demo, assets/demo.pathlight: the lab's nine scenarios asked one after the
// other in one recording, as `pathlight record` records a question (live snapshot and its
// changes, every probe line with identities, the question, the answer), probes over SSH on the
// lab node, ~10 s each. Nothing is trimmed: the recording is what the session saw.
// Needs the lab up (`npm run lab:up`) and `npm run build`; run as root from the repository root:
//   bash scripts/run.sh node test/lab/make-demo.mjs [--out FILE] [--seconds 10]   (the pinned Node: zstd)
// An existing demo is replaced only once the new one is complete (written beside it, then renamed).
import { chmodSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { loadKubeConfig } from '../../dist/backend/cluster/kubeconfig.js';
import { recordWhy } from '../../dist/backend/diagnose/record.js';
import { SessionRecorder, metaFromKubeConfig } from '../../dist/backend/store/recorder.js';
import { labScenarios } from './scenarios.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const out = arg('--out', new URL('../../assets/demo.pathlight', import.meta.url).pathname);
const seconds = Number(arg('--seconds', '10'));
const state = new URL('./.state/', import.meta.url).pathname;
const tmp = `${out}.partial`;
rmSync(tmp, { force: true });

const kc = await loadKubeConfig(`${state}admin.kubeconfig`);
const rec = SessionRecorder.create(tmp, { meta: { ...metaFromKubeConfig(kc), source: 'test/lab/make-demo.mjs', demo: true } });
rec.note('The Pathlight lab (test/lab): one real single-node cluster with nine network faults, each asked once with probes over SSH.');
let wrong = 0;
try {
  for (const s of labScenarios) {
    const t = Date.now();
    const r = await recordWhy(rec, {
      kc,
      from: s.from,
      to: s.to,
      protocol: 'TCP',
      probe: 'ssh',
      sshConfig: `${state}ssh_config`,
      durationMs: seconds * 1000,
      zone: 'cluster.local',
    });
    const top = r.diagnosis.findings[0]?.kind;
    const ok = top === s.expected.kind && r.diagnosis.verdict === s.expected.verdict;
    if (!ok) wrong++;
    for (const n of r.nodes) if (n.error) console.log(`${s.name}: no probe on ${n.node}: ${n.error.message}`);
    console.log(
      `${s.name}: ${r.diagnosis.verdict}, top ${top} (expected ${s.expected.kind})${ok ? '' : '  ← differs'}, ${r.diagnosis.live?.events ?? 0} events, ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
  }
} finally {
  rec.close();
}
if (wrong > 0) {
  console.error(`make-demo: ${wrong} scenario(s) answered differently from what the lab expects; ${tmp} kept for a look, ${out} left as it was`);
  process.exit(1);
}
if (existsSync(out)) rmSync(out);
renameSync(tmp, out);
// A recording is private to its user (0600); the demo ships with the repository.
chmodSync(out, 0o644);
console.log(`make-demo: wrote ${out} (${statSync(out).size.toLocaleString('en')} bytes)`);
