// Records the lab's scenarios as golden fixtures for the diagnosis engine
// (test/fixtures/diagnose/<scenario>.json; probe-only scenarios in test/fixtures/probe-only/): the cluster objects of the scenario's namespace and
// kube-system, and every probe event the agent on the lab node saw while `why` watched, with
// identities. Needs `npm run lab:up` and `npm run build`; run as root:
//   node test/lab/capture-why.mjs [scenario…]
// Without names: the nine scenarios; a scenario only the probes show (http-503) by its name.
// The unit tests replay these fixtures through the engine (test/unit/core/diagnose/golden.test.ts).
import { writeFileSync } from 'node:fs';
import { loadKubeConfig } from '../../dist/backend/cluster/kubeconfig.js';
import { runWhy } from '../../dist/backend/diagnose/why.js';
import { labProbeOnlyScenarios, labScenarios } from './scenarios.mjs';

const state = new URL('./.state/', import.meta.url).pathname;
const wanted = process.argv.slice(2);
const kc = await loadKubeConfig(`${state}admin.kubeconfig`);
const scrub = (o) => {
  const m = { ...o.metadata };
  delete m.managedFields;
  if (m.annotations) {
    m.annotations = { ...m.annotations };
    delete m.annotations['kubectl.kubernetes.io/last-applied-configuration'];
  }
  return { ...o, metadata: m };
};
for (const s of wanted.length === 0 ? labScenarios : [...labScenarios, ...labProbeOnlyScenarios].filter((x) => wanted.includes(x.name))) {
  const events = [];
  const r = await runWhy({
    kc,
    from: s.from,
    to: s.to,
    probe: 'ssh',
    sshConfig: `${state}ssh_config`,
    durationMs: 12_000,
    keepObjects: true,
    onLine: (l) => ['drop', 'dns', 'tcp', 'rule', 'http'].includes(l.type) && events.push(l),
  });
  const keep = (o) => !o.metadata?.namespace || o.metadata.namespace === s.namespace || o.metadata.namespace === 'kube-system';
  const objects = Object.fromEntries(Object.entries(r.objects).map(([k, list]) => [k, list.filter(keep).map(scrub)]));
  const fixture = { scenario: s.name, query: { from: s.from, to: s.to }, expected: s.expected, captured: new Date().toISOString(), objects, events };
  // A scenario only the probes show has no static answer to check (golden.test.ts): its own folder, for the e2e tests.
  const dir = labProbeOnlyScenarios.includes(s) ? 'probe-only' : 'diagnose';
  writeFileSync(new URL(`../fixtures/${dir}/${s.name}.json`, import.meta.url), JSON.stringify(fixture) + '\n');
  for (const n of r.nodes) if (n.error) console.log(`${s.name}: no probe on ${n.node}: ${n.error.message}`);
  console.log(`${s.name}: ${events.length} events, verdict ${r.diagnosis.verdict}, top ${r.diagnosis.findings[0]?.kind} (expected ${s.expected.kind})`);
}
