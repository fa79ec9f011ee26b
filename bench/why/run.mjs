// Benchmark of the "why" engine:
//  1. correlation throughput: a synthetic stream of 1M agent events (TCP outcomes, drops with
//     reasons, DNS queries/responses, 10% duplicates, shuffled) folded by the Correlator, then
//     the diagnosis drawn on it;
//  2. time to verdict on the lab, when it is up: `why` static, and with probes over SSH
//     (total wall time including the watch window, and the set-up before the agent streams).
// Run: npm run build && npm run bench:why   (EVENTS=… to change the stream size; figures in bench/results/why.json)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { diagnose as d } from '../../dist/core/index.js';

const total = Number(process.env.EVENTS ?? 1_000_000);
const out = { date: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length };

// ---- 1. correlation on a synthetic stream -------------------------------------------------------
const fx = JSON.parse(readFileSync(new URL('../../test/fixtures/diagnose/deny-backend-ingress.json', import.meta.url), 'utf8'));
const view = { list: (k) => fx.objects[k] ?? [] };
const pods = fx.objects.Pod.filter((p) => p.status?.podIP && !p.spec?.hostNetwork);
const ips = pods.map((p) => p.status.podIP);
let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
const pick = (l) => l[Math.floor(rand() * l.length)];
const t0 = 1_796_000_000_000_000_000;
const events = new Array(total);
for (let i = 0; i < total; i++) {
  const src = pick(ips);
  const dst = pick(ips);
  const sport = 30000 + Math.floor(rand() * 30000);
  const ts = t0 + i * 1000;
  const r = rand();
  const head = { v: 1, ts, node: 'node-1', netns: 4026532000 + (sport % 50), family: 4, src, sport, dst };
  events[i] =
    r < 0.5
      ? {
          ...head,
          type: 'tcp',
          proto: 'tcp',
          dport: 8080,
          event: pick(['established', 'refused', 'timeout', 'reset', 'retransmit']),
          state: 'SYN_SENT',
          role: 'client',
        }
      : r < 0.8
        ? {
            ...head,
            type: 'drop',
            proto: 'tcp',
            dport: 8080,
            ifindex: 3,
            reason: pick(['NETFILTER_DROP', 'NO_SOCKET', 'TCP_INVALID_SEQUENCE']),
            reasonCode: 6,
            hasReason: true,
            location: 'nf_hook_slow+0x9b',
          }
        : {
            ...head,
            type: 'dns',
            proto: 'udp',
            dport: 53,
            ifindex: 3,
            dir: 'egress',
            qr: r < 0.9 ? 'query' : 'response',
            id: sport & 0xffff,
            qname: `svc-${sport % 200}.shop.svc.cluster.local.`,
            qtype: 'A',
            ...(r >= 0.9 ? { rcode: 'NOERROR', answers: [] } : {}),
          };
}
// 10% duplicates, then a shuffle (late and out-of-order arrival).
for (let i = 0; i < total / 10; i++) events.push(events[Math.floor(rand() * total)]);
for (let i = events.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [events[i], events[j]] = [events[j], events[i]];
}
global.gc?.();
const heap0 = process.memoryUsage().heapUsed;
const c = new d.Correlator();
let s = performance.now();
for (const e of events) c.add(e);
const foldMs = performance.now() - s;
const heapMiB = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
s = performance.now();
const r = d.diagnose(view, fx.query, { correlator: c });
const verdictMs = performance.now() - s;
s = performance.now();
const stat = d.diagnose(view, fx.query);
const staticMs = performance.now() - s;
out.correlation = {
  events: events.length,
  unique: c.events,
  duplicates: c.duplicates,
  connections: c.conns.size,
  foldSeconds: +(foldMs / 1000).toFixed(2),
  eventsPerSecond: Math.round(events.length / (foldMs / 1000)),
  heapMiB: +heapMiB.toFixed(1),
  diagnoseWithEventsMs: +verdictMs.toFixed(1),
  diagnoseStaticMs: +staticMs.toFixed(1),
  top: r.ok ? r.value.findings[0]?.kind : r.error.message,
  staticTop: stat.ok ? stat.value.findings[0]?.kind : stat.error.message,
};
console.log(
  `correlation: ${events.length} events (${c.duplicates} duplicates) folded in ${out.correlation.foldSeconds} s = ${out.correlation.eventsPerSecond.toLocaleString('en')} events/s, heap +${out.correlation.heapMiB} MiB; diagnosis on them ${out.correlation.diagnoseWithEventsMs} ms (static ${out.correlation.diagnoseStaticMs} ms)`,
);

// ---- 2. time to verdict on the lab ------------------------------------------------------------
let labUp = false;
try {
  execFileSync('bash', ['test/lab/status.sh'], { stdio: 'pipe' });
  labUp = true;
} catch {
  console.log('lab: not up (npm run lab:up) — time to verdict on the lab not measured');
}
if (labUp) {
  const why = (args) => {
    const s0 = performance.now();
    // Exit 1 is the answer "unreachable", not a failure.
    const res = spawnSync(
      process.execPath,
      [
        'dist/cli/main.js',
        'why',
        '--kubeconfig',
        'test/lab/.state/admin.kubeconfig',
        '--ssh-config',
        'test/lab/.state/ssh_config',
        '--from',
        'lab-deny-ingress/deploy/frontend',
        '--to',
        'backend:8080',
        '--json',
        ...args,
      ],
      { encoding: 'utf8' },
    );
    if (res.status !== 1) throw new Error(`why exited ${res.status}: ${res.stderr}`);
    return { ms: performance.now() - s0, top: JSON.parse(res.stdout).findings[0].kind };
  };
  const runs = (args, n) => Array.from({ length: n }, () => why(args));
  const med = (l) => l.map((x) => x.ms).sort((a, b) => a - b)[l.length >> 1];
  const st = runs([], 5);
  const pr = runs(['--probe', 'ssh', '--duration', '2s'], 3);
  out.lab = { staticMs: Math.round(med(st)), probedMs: Math.round(med(pr)), probeWindowMs: 2000, probeOverheadMs: Math.round(med(pr) - 2000), top: pr[0].top };
  console.log(
    `lab (deny-backend-ingress): static verdict ${out.lab.staticMs} ms (median of 5, CLI start to answer); with probes over SSH and a 2 s window ${out.lab.probedMs} ms (${out.lab.probeOverheadMs} ms beyond the window: connect, check/upload the agent, attach, stop)`,
  );
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/why.json', JSON.stringify(out, null, 2) + '\n');
console.log('reproduce: npm run build && npm run bench:why');
