// Benchmark: the probe agent's cost on the real kernel. Root only.
//   1. iperf3 TCP throughput over a veth pair between two network namespaces (loopback
//      traffic only), with the agent attached (all probes, no filters: the worst case) and
//      without, alternating in rounds: each round runs iperf3 without the agent, with the
//      agent as it runs by default, and with the agent and --stats (the kernel's BPF
//      run-time statistics on), in an order that rotates from round to round so a drift in
//      the machine's load does not favour one. Each round's loss is against its own run
//      without the agent; the figure is the median loss over the rounds, with the
//      distribution-free 95 % interval of that median. Every round is printed. Target: ≤ 3 %
//      loss by default. PER_PROBE=1 adds rounds with each probe alone.
//   2. Average run time of each BPF program during that traffic, from the kernel's own BPF
//      statistics (bpftool prog show: run_time_ns / run_cnt; the --stats runs). Target ≤
//      100 ns for the per-packet programs (dns: net_dev_queue and netif_receive_skb fire for
//      every packet).
//   3. Maximum sustained events/s delivered to stdout: an iptables DROP on iperf3's UDP data
//      makes one drop event per packet; the agent's own counters say how many it emitted,
//      delivered and lost.
// Run: npm run bench:probe   (builds the agent; figures in bench/results/probe.json)
//   ROUNDS=12 SECONDS=4 PER_PROBE=1 npm run bench:probe   (the defaults are ROUNDS=12 SECONDS=4)
//   BASELINE_AGENT=/tmp/pathlight-probe-old npm run bench:probe   adds, to every round, a run of
//   another build of the agent (e.g. the previous commit's, built with native/build.sh and
//   copied away): an A/B of two builds inside the same rounds, so the machine's drift hits both.
//   EXTRA_PROBES=http npm run bench:probe   adds, to every round, a run with the default probes
//   plus these opt-in ones (e.g. http): their cost against the default run of the same round.
//   BASELINE_PROBES=drops,dns,tcp,proc,http   runs the BASELINE_AGENT build with these probes (default:
//   its own defaults): with EXTRA_PROBES, an A/B of the opt-in probe's two builds.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import os from 'node:os';

if (process.getuid?.() !== 0) {
  console.error('bench:probe needs root (network namespaces, BPF)');
  process.exit(2);
}
const rounds = Number(process.env.ROUNDS ?? 12);
const seconds = Number(process.env.SECONDS ?? 4);
const perProbe = process.env.PER_PROBE === '1';
const baselineAgent = process.env.BASELINE_AGENT;
const extraProbes = process.env.EXTRA_PROBES;
const baselineProbes = process.env.BASELINE_PROBES;
const agent = `native/dist/linux-${os.arch() === 'arm64' ? 'arm64' : 'amd64'}/pathlight-probe`;
execFileSync('bash', ['native/build.sh', '--no-generate', '--arch', os.arch() === 'arm64' ? 'arm64' : 'amd64'], { stdio: 'inherit' });

const sh = (...args) => execFileSync(args[0], args.slice(1), { encoding: 'utf8' });
const A = `plbench${process.pid}a`;
const B = `plbench${process.pid}b`;
const ipA = '10.97.0.1';
const ipB = '10.97.0.2';
function cleanup() {
  for (const n of [A, B]) {
    try {
      sh('ip', 'netns', 'del', n);
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', cleanup);
for (const n of [A, B]) {
  sh('ip', 'netns', 'add', n);
  sh('ip', '-n', n, 'link', 'set', 'lo', 'up');
}
sh('ip', 'link', 'add', 'vbencha', 'netns', A, 'type', 'veth', 'peer', 'name', 'vbenchb', 'netns', B);
sh('ip', '-n', A, 'addr', 'add', `${ipA}/24`, 'dev', 'vbencha');
sh('ip', '-n', B, 'addr', 'add', `${ipB}/24`, 'dev', 'vbenchb');
sh('ip', '-n', A, 'link', 'set', 'vbencha', 'up');
sh('ip', '-n', B, 'link', 'set', 'vbenchb', 'up');

const server = spawn('ip', ['netns', 'exec', A, 'iperf3', '-s', '-B', ipA], { stdio: 'ignore' });
process.on('exit', () => server.kill());
await sleep(500);

function iperf(extra = []) {
  const out = sh('ip', 'netns', 'exec', B, 'iperf3', '-c', ipA, '-t', String(seconds), '-J', ...extra);
  return JSON.parse(out).end;
}

/**
 * CPU time the transfer took, in ns per MiB received: iperf3's client and server (their
 * own accounting, which on this kernel includes the network stack's softirq work they
 * run, BPF programs included) plus the agent's (`agentNs`). Unlike throughput, it does not
 * depend on how much CPU the machine's other work leaves: the steadier figure of the cost.
 */
function cpuNsPerMiB(end, agentNs = 0) {
  const cpu = end.cpu_utilization_percent;
  const wallNs = end.sum_received.seconds * 1e9;
  return (((cpu.host_total + cpu.remote_total) / 100) * wallNs + agentNs) / (end.sum_received.bytes / 2 ** 20);
}

/** CPU time a process has run so far, all threads, in ns (/proc/PID/task/TID/schedstat). */
function processCpuNs(pid) {
  let ns = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    /* a thread ended between the listing and the read */
  }
  return ns;
}

/**
 * Starts the agent with its stdout going straight to a file in /dev/shm (no JavaScript in
 * the path: a slow reader here would measure the harness, not the agent) and resolves once
 * its hello line is there. stop() ends it and returns the file's lines by type.
 */
async function startAgent(args, bin = agent) {
  const file = `/dev/shm/pathlight-bench-${process.pid}.ndjson`;
  const fd = openSync(file, 'w');
  const child = spawn(bin, ['run', '--no-stdin', '--stats-interval', '500ms', ...args], { stdio: ['ignore', fd, 'inherit'] });
  closeSync(fd);
  let exited = false;
  const closed = new Promise((r) => child.on('close', () => r((exited = true))));
  for (let i = 0; i < 200 && !exited && !readFileSync(file, 'utf8').includes('"type":"hello"'); i++) await sleep(50);
  if (exited || !readFileSync(file, 'utf8').includes('"type":"hello"')) throw new Error(`agent did not start: ${readFileSync(file, 'utf8')}`);
  return {
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      await closed;
      const counts = {};
      let bye;
      // Line by line in the bytes: at the unlimited event rate the file passes the largest
      // string V8 can make (512 MiB). `type` comes second in every line, within its first 64 bytes.
      const buf = readFileSync(file);
      for (let start = 0; start < buf.length;) {
        let end = buf.indexOf(10, start);
        if (end < 0) end = buf.length;
        const type = /"type":"(\w+)"/.exec(buf.toString('utf8', start, Math.min(end, start + 64)))?.[1];
        if (type) {
          counts[type] = (counts[type] ?? 0) + 1;
          if (type === 'bye') bye = JSON.parse(buf.toString('utf8', start, end));
        }
        start = end + 1;
      }
      rmSync(file, { force: true });
      return { counts, bye };
    },
  };
}

/** run_time_ns and run_cnt of the agent's programs, by name. */
function progStats() {
  const out = {};
  for (const p of JSON.parse(sh('bpftool', '-j', 'prog', 'show'))) {
    if (typeof p.name === 'string' && p.name.startsWith('pl_')) out[p.name] = { ns: p.run_time_ns ?? 0, cnt: p.run_cnt ?? 0 };
  }
  return out;
}

const note = (m) => process.stderr.write(`bench:probe: ${m}\n`);

/** Runs `traffic` with the agent attached (`args`: its flags; none is all probes, no
 * filters, no run-time statistics) and returns its result and the run time each program
 * spent meanwhile, from the kernel's statistics (zero unless they are on: --stats). */
async function measured(args = [], traffic = () => iperf(), bin = agent) {
  const a = await startAgent(args, bin);
  const before = progStats();
  const cpuBefore = processCpuNs(a.pid);
  const end = traffic();
  const agentNs = processCpuNs(a.pid) - cpuBefore;
  const after = progStats();
  await a.stop();
  const progs = {};
  for (const [name, s] of Object.entries(after)) {
    const b = before[name] ?? { ns: 0, cnt: 0 };
    progs[name] = { ns: s.ns - b.ns, cnt: s.cnt - b.cnt };
  }
  return { end, progs, agentNs };
}

const add = (into, progs) => {
  for (const [name, s] of Object.entries(progs)) {
    const e = (into[name] ??= { ns: 0, cnt: 0 });
    e.ns += s.ns;
    e.cnt += s.cnt;
  }
};
const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const loadAtStart = loadavg();
const gbps = (x) => x / 1e9;
/** A loss in percent as the throughput change it is: 2.5 → "−2.5 %". */
const pct = (x) => `${x >= 0 ? '−' : '+'}${Math.abs(x).toFixed(1)} %`;

/**
 * Median of `xs` with a distribution-free 95 % interval: the order statistics k and n+1-k
 * where the binomial(n, ½) mass between them is at least 95 % (n ≥ 6; [min, max] below).
 */
function medianWithInterval(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const mid = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  const binom = (k) => {
    let c = 1;
    for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1);
    return c / 2 ** n;
  };
  let k = 0; // s[k] .. s[n-1-k] covers the median with probability 1 - 2·P(X ≤ k)
  let tail = binom(0);
  while (k + 1 < n / 2 && 1 - 2 * (tail + binom(k + 1)) >= 0.95) tail += binom(++k);
  return { median: mid, low: s[k], high: s[n - 1 - k] };
}

/** A variant is the agent's flags, or { bin, args }: another build of the agent. */
const variantOf = (v) => (Array.isArray(v) ? { args: v, bin: agent } : v);

/**
 * Rounds of iperf3 runs: one without the agent and one per `variants` entry (agent flags),
 * in an order rotated every round. Returns, per variant, the throughput and CPU cost of
 * each round and their change against the same round's run without the agent.
 */
async function rounds_(label, variants, n) {
  const names = Object.keys(variants);
  const order = ['without', ...names];
  const runs = Object.fromEntries(order.map((v) => [v, { bps: [], cpu: [] }]));
  const perProg = {};
  let bytesWith = 0;
  for (let i = 0; i < n; i++) {
    const shift = i % order.length;
    const got = {};
    for (const v of [...order.slice(shift), ...order.slice(0, shift)]) {
      if (v === 'without') {
        const end = iperf();
        got[v] = { bps: end.sum_received.bits_per_second, cpu: cpuNsPerMiB(end) };
      } else {
        const { args, bin } = variantOf(variants[v]);
        const m = await measured(args, undefined, bin);
        got[v] = { bps: m.end.sum_received.bits_per_second, cpu: cpuNsPerMiB(m.end, m.agentNs) };
        if (args.includes('--stats') && bin === agent) {
          add(perProg, m.progs);
          bytesWith += m.end.sum_received.bytes;
        }
      }
    }
    for (const v of order) {
      runs[v].bps.push(got[v].bps);
      runs[v].cpu.push(got[v].cpu);
    }
    const parts = names.map(
      (v) =>
        `${v} ${gbps(got[v].bps).toFixed(2)} (${pct((1 - got[v].bps / got.without.bps) * 100)}), ${Math.round(got[v].cpu)} ns/MiB (${pct((1 - got[v].cpu / got.without.cpu) * 100)})`,
    );
    note(
      `${label} round ${i + 1}/${n} [load ${loadavg()}]: without ${gbps(got.without.bps).toFixed(2)} Gbit/s, ${Math.round(got.without.cpu)} CPU ns/MiB; ${parts.join('; ')}`,
    );
  }
  const round2 = (x) => Number(x.toFixed(2));
  const summary = {};
  for (const v of names) {
    const losses = runs[v].bps.map((x, i) => (1 - x / runs.without.bps[i]) * 100);
    const extraCpu = runs[v].cpu.map((x, i) => (x / runs.without.cpu[i] - 1) * 100);
    const m = medianWithInterval(losses);
    const c = medianWithInterval(extraCpu);
    summary[v] = {
      flags: variantOf(variants[v]).args.join(' '),
      agent: variantOf(variants[v]).bin,
      gbps: runs[v].bps.map((x) => Number(gbps(x).toFixed(3))),
      lossPercentPerRound: losses.map(round2),
      medianLossPercent: round2(m.median),
      medianLoss95: [round2(m.low), round2(m.high)],
      medianGbps: Number(gbps(medianWithInterval(runs[v].bps).median).toFixed(3)),
      cpuNsPerMiB: runs[v].cpu.map(Math.round),
      extraCpuPercentPerRound: extraCpu.map(round2),
      medianExtraCpuPercent: round2(c.median),
      medianExtraCpu95: [round2(c.low), round2(c.high)],
    };
  }
  return {
    withoutGbps: runs.without.bps.map((x) => Number(gbps(x).toFixed(3))),
    withoutCpuNsPerMiB: runs.without.cpu.map(Math.round),
    medianWithoutGbps: Number(gbps(medianWithInterval(runs.without.bps).median).toFixed(3)),
    variants: summary,
    perProg,
    bytesWith,
  };
}

const all = await rounds_(
  'all probes',
  {
    default: [],
    '--stats': ['--stats'],
    ...(extraProbes ? { [`+${extraProbes}`]: ['--probes', `drops,dns,tcp,proc,${extraProbes}`] } : {}),
    ...(baselineAgent ? { baseline: { bin: baselineAgent, args: baselineProbes ? ['--probes', baselineProbes] : [] } } : {}),
  },
  rounds,
);
const perProg = all.perProg;
const single = {};
if (perProbe) {
  for (const p of ['drops', 'dns', 'tcp']) {
    single[p] = (await rounds_(`${p} alone`, { default: ['--probes', p] }, Math.max(6, Math.ceil(rounds / 2)))).variants.default;
  }
}
// The opt-in probes' own programs: run time per run, from one run with statistics on.
const extraProgs = {};
if (extraProbes) {
  note(`${extraProbes}: run time of its programs (one run with --stats)`);
  add(extraProgs, (await measured(['--probes', `drops,dns,tcp,proc,${extraProbes}`, '--stats'])).progs);
}
// The floor: empty programs on the same hooks, attached together with dns, same traffic.
note('floor: dns beside the empty baseline programs');
const floor = {};
add(floor, (await measured(['--probes', 'dns,baseline', '--stats'])).progs);
// Throughput over veth on a shared VM varies by ±25 % from run to run (even with no agent),
// more than the effect measured; the kernel's own accounting of the programs' run time is
// the steadier figure: BPF time per MiB moved, and as a share of the iperf3 wall time.
const bpfNs = Object.values(perProg).reduce((t, p) => t + p.ns, 0);
const bpfPerMiB = bpfNs / (all.bytesWith / 2 ** 20);
const bpfCpuPercent = (bpfNs / (rounds * seconds * 1e9)) * 100;

// Event rate: every 64-byte UDP datagram of iperf3 is dropped by netfilter in A (IP length
// 92); iperf3's own 4-byte UDP hello (IP length 32) passes, so the test runs.
sh('ip', 'netns', 'exec', A, 'iptables', '-A', 'INPUT', '-p', 'udp', '--dport', '5201', '-m', 'length', '--length', '60:65535', '-j', 'DROP');
// Small packets reach the dns programs' full path (no GSO aggregate, a UDP socket): the
// per-packet cost that matters on a node forwarding many small packets.
note('small packets: 64-byte UDP datagrams with dns beside the baseline programs');
const small = {};
add(
  small,
  (
    await measured(['--probes', 'dns,baseline', '--stats'], () => {
      try {
        return iperf(['-u', '-b', '100M', '-l', '64']);
      } catch {
        return undefined; // every datagram is dropped on arrival: iperf3 may not get its summary
      }
    })
  ).progs,
);
const rates = [];
for (const bitrate of ['200M', '0']) {
  note(`event rate at ${bitrate === '0' ? 'unlimited' : bitrate}`);
  const a = await startAgent(['--probes', 'drops', '--netns', `/run/netns/${A}`, '--stats']);
  let sent;
  try {
    sent = iperf(['-u', '-b', bitrate, '-l', '64']);
  } catch {
    sent = undefined; // iperf3 may report no server-side summary; the agent's counts still stand
  }
  const { counts, bye } = await a.stop();
  const delivered = counts.drop ?? 0;
  const d = bye?.probes?.drops ?? {};
  const offered = (d.events ?? 0) + (d.lost ?? 0);
  rates.push({
    offered: bitrate === '0' ? 'unlimited' : bitrate,
    packetsSent: sent?.sum?.packets,
    eventsKernel: offered,
    delivered,
    lostKernel: d.lost ?? 0,
    lostAgent: d.lostUser ?? 0,
    deliveredPerSecond: Math.round(delivered / seconds),
    avgNsDropProgram: d.avgNs,
  });
}

const result = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, kernel ${os.release()}`,
  loadAverage: { start: loadAtStart, end: loadavg() },
  rounds,
  seconds,
  throughput: { withoutGbps: all.withoutGbps, withoutCpuNsPerMiB: all.withoutCpuNsPerMiB, medianWithoutGbps: all.medianWithoutGbps, ...all.variants },
  throughputLossPercent: all.variants.default.medianLossPercent,
  perProbeAlone: perProbe ? single : undefined,
  bpfNsPerMiB: Math.round(bpfPerMiB),
  bpfCpuPercentOfOneCore: Number(bpfCpuPercent.toFixed(2)),
  programs: Object.fromEntries(Object.entries(perProg).map(([n, s]) => [n, { runs: s.cnt, avgNs: s.cnt ? Math.round(s.ns / s.cnt) : null }])),
  // Same traffic, dns beside empty programs on its hooks: own cost = dns avg - empty avg.
  smallPackets: Object.fromEntries(Object.entries(small).map(([n, s]) => [n, { runs: s.cnt, avgNs: s.cnt ? Math.round(s.ns / s.cnt) : null }])),
  extraProbes: extraProbes
    ? Object.fromEntries(Object.entries(extraProgs).map(([n, s]) => [n, { runs: s.cnt, avgNs: s.cnt ? Math.round(s.ns / s.cnt) : null }]))
    : undefined,
  floor: Object.fromEntries(Object.entries(floor).map(([n, s]) => [n, { runs: s.cnt, avgNs: s.cnt ? Math.round(s.ns / s.cnt) : null }])),
  eventRate: rates,
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/probe.json', `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
const v = all.variants;
console.log(
  `\niperf3 TCP over veth, ${rounds} rounds of ${seconds} s, all probes, no filters (load average ${loadAtStart} at the start, ${result.loadAverage.end} at the end; ${os.cpus().length} cores):`,
);
console.log(
  `  round   without (CPU ns/MiB)   ${Object.keys(v)
    .map((name) => `${name}: Gbit/s, change (CPU ns/MiB, change)`.padEnd(48))
    .join('  ')}`,
);
for (let i = 0; i < rounds; i++) {
  const cell = (x) =>
    `${x.gbps[i].toFixed(2).padStart(6)} ${pct(x.lossPercentPerRound[i]).padStart(8)} (${String(x.cpuNsPerMiB[i]).padStart(6)}, ${pct(-x.extraCpuPercentPerRound[i]).replace('−', '+').padStart(8)})`.padEnd(
      48,
    );
  console.log(
    `  ${String(i + 1).padStart(5)}  ${all.withoutGbps[i].toFixed(2).padStart(6)} (${String(all.withoutCpuNsPerMiB[i]).padStart(6)})      ${Object.values(v).map(cell).join('  ')}`,
  );
}
for (const [name, x] of Object.entries(v)) {
  console.log(
    `  ${name.padEnd(9)} median throughput change ${pct(x.medianLossPercent)} (95 % interval of the median ${pct(x.medianLoss95[1])} … ${pct(x.medianLoss95[0])}), median ${x.medianGbps.toFixed(2)} Gbit/s against ${all.medianWithoutGbps.toFixed(2)} without (target ≤ 3 % by default); CPU per MiB moved +${x.medianExtraCpuPercent.toFixed(1)} % (95 % ${x.medianExtraCpu95[0].toFixed(1)} … ${x.medianExtraCpu95[1].toFixed(1)} %)`,
  );
}
for (const [p, x] of Object.entries(single)) {
  console.log(
    `  ${p} alone: median throughput change ${pct(x.medianLossPercent)} (95 % ${pct(x.medianLoss95[1])} … ${pct(x.medianLoss95[0])}), CPU per MiB +${x.medianExtraCpuPercent.toFixed(1)} % (95 % ${x.medianExtraCpu95[0].toFixed(1)} … ${x.medianExtraCpu95[1].toFixed(1)} %); throughput per round: ${x.lossPercentPerRound.map((l) => pct(l)).join(', ')}`,
  );
}
console.log(`  BPF run time: ${result.bpfNsPerMiB} ns per MiB moved, ${result.bpfCpuPercentOfOneCore} % of one core during the transfer`);
for (const [n, p] of Object.entries(result.programs)) console.log(`  ${n.padEnd(16)} ${String(p.avgNs ?? '-').padStart(6)} ns avg over ${p.runs} runs`);
if (result.extraProbes) {
  console.log(`with ${extraProbes} (one run with --stats):`);
  for (const [n, p] of Object.entries(result.extraProbes)) console.log(`  ${n.padEnd(16)} ${String(p.avgNs ?? '-').padStart(6)} ns avg over ${p.runs} runs`);
}
console.log('floor (same traffic; an empty program on the same hook measures what BPF statistics and the trampoline cost by themselves):');
for (const [n, p] of Object.entries(result.floor)) console.log(`  ${n.padEnd(16)} ${String(p.avgNs ?? '-').padStart(6)} ns avg over ${p.runs} runs`);
console.log('small UDP packets (full path of the dns programs), beside empty programs on the same hooks:');
for (const [n, p] of Object.entries(result.smallPackets)) console.log(`  ${n.padEnd(16)} ${String(p.avgNs ?? '-').padStart(6)} ns avg over ${p.runs} runs`);
for (const r of rates)
  console.log(
    `drops at ${r.offered}: ${r.deliveredPerSecond}/s delivered, ${r.lostKernel} lost in the kernel, ${r.lostAgent} in the agent (of ${r.eventsKernel})`,
  );
console.log(
  `\nreproduce: sudo ROUNDS=${rounds} SECONDS=${seconds}${perProbe ? ' PER_PROBE=1' : ''}${baselineAgent ? ` BASELINE_AGENT=${baselineAgent}` : ''}${extraProbes ? ` EXTRA_PROBES=${extraProbes}` : ''}${baselineProbes ? ` BASELINE_PROBES=${baselineProbes}` : ''} npm run bench:probe`,
);
// The iperf3 server keeps the event loop alive: stop it and remove the namespaces now.
server.kill();
cleanup();
process.exit(0);
