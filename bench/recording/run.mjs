// Benchmark: the .pathlight recording container with 1,000,000 probe events.
// Targets (issue 9): open < 1 s, seek anywhere < 100 ms; reports bytes/event.
// Run: npm run bench:recording   (needs `npm run build` first; figures in bench/results/recording.json)
import { mkdirSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RecordingReader, RecordingWriter } from '../../dist/backend/store/recording.js';

const n = Number(process.env.EVENTS ?? 1_000_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-bench-rec-'));
const file = path.join(dir, 'big.pathlight');
const start = 1_764_000_000_000_000_000;
const reasons = ['NETFILTER_DROP', 'NO_SOCKET', 'TCP_INVALID_SEQUENCE', 'OTHERHOST'];
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;

let t = process.hrtime.bigint();
const w = new RecordingWriter(file, { flushMillis: 3_600_000 });
for (let i = 0; i < n; i++) {
  // ~1,000 events/s of mixed drops, DNS and TCP events over ~17 minutes.
  const type = i % 3 === 0 ? 'drop' : i % 3 === 1 ? 'dns' : 'tcp';
  w.append({
    ts: start + i * 1_000_000,
    kind: 'probe',
    data: {
      v: 1, type, node: `node-${i % 3}`, netns: 4026532000 + (i % 40), src: `10.244.${i % 4}.${i % 200}`, sport: 32768 + (i % 28000),
      dst: `10.96.${i % 16}.${i % 250}`, dport: [53, 80, 443, 5432, 8080][i % 5],
      ...(type === 'drop' ? { reason: reasons[i % 4], location: 'nft_do_chain+0x3c4' } : type === 'dns' ? { qname: `svc-${i % 300}.shop.svc.cluster.local.`, rcode: i % 11 ? 'NOERROR' : 'NXDOMAIN', latencyNs: 200000 + (i % 5000) } : { event: 'refused' }),
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
  const at = start + Math.floor(((i * 7919) % 1000) / 1000 * n) * 1_000_000;
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
  writeMs: Math.round(writeMs),
  bytes,
  bytesPerEvent: +(bytes / n).toFixed(2),
  openMsMedian: +median(opens).toFixed(1),
  openAfterCrashMs: +openCrashedMs.toFixed(1),
  seekMsMedian: +median(seeks).toFixed(1),
  seekMsMax: +Math.max(...seeks).toFixed(1),
  fullReadMs: Math.round(fullReadMs),
};
if (count !== n || crashedCount !== n) throw new Error(`read back ${count}/${crashedCount} of ${n}`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/recording.json', JSON.stringify(figures, null, 2) + '\n');
console.log(`events: ${n.toLocaleString()}  file: ${(bytes / 2 ** 20).toFixed(1)} MiB  (${figures.bytesPerEvent} bytes/event)`);
console.log(`write: ${figures.writeMs} ms   open: ${figures.openMsMedian} ms (median of 5)   open after crash (scan): ${figures.openAfterCrashMs} ms`);
console.log(`seek: ${figures.seekMsMedian} ms median, ${figures.seekMsMax} ms max (50 random positions, 500 records each)   full read: ${figures.fullReadMs} ms`);
console.log(`machine: ${figures.machine}`);
console.log('reproduce: npm run build && npm run bench:recording');
