/**
 * `pathlight observe` as a user runs it (the built CLI): the demo recording, a Hubble flows
 * file (directly, from standard input, and imported into a recording), the filters and the
 * three formats, colour only on a terminal without NO_COLOR, what it says when nothing
 * matches, and exit 2 with the accepted values for what it cannot take.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordingReader } from '../../../src/backend/store/container.js';
import { migrate } from '../../../src/core/index.js';
import { fixture, repoPath } from '../../helpers/paths.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-observe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const demo = repoPath('assets/demo.pathlight');
const flows = fixture('hubble/flows.jsonpb');
const env = { ...process.env, NO_COLOR: '' };

/** The demo's probe lines by type, the agent's lifecycle lines aside, and its nodes: read straight from its records. */
const recorded = (() => {
  const reader = RecordingReader.open(demo);
  const lines: Record<string, number> = {};
  let nodes: string[] = [];
  let start = Infinity;
  let firstEvent = Infinity;
  for (const r of migrate(reader.header, reader.records())) {
    start = Math.min(start, r.ts);
    const d = r.data as { type?: string; nodes?: string[] };
    if (r.kind === 'probe' && d.type && !['hello', 'stats', 'bye', 'error', 'filters'].includes(d.type)) firstEvent = Math.min(firstEvent, r.ts);
    if (r.kind === 'meta' && d.nodes) nodes = d.nodes;
    if (r.kind === 'probe' && d.type && !['hello', 'stats', 'bye', 'error', 'filters'].includes(d.type)) lines[d.type] = (lines[d.type] ?? 0) + 1;
  }
  reader.close();
  return { lines, events: Object.values(lines).reduce((a, b) => a + b, 0), nodes, start, firstEvent };
})();

function pathlight(args: string[], o: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [repoPath('bin/pathlight.cjs'), ...args], { encoding: 'utf8', timeout: 60_000, input: o.input, env: o.env ?? env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.split('\n').filter(Boolean) };
}

/** The command run on a pseudo-terminal (util-linux `script`), as a user at a shell runs it. */
function onTty(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const cmd = [process.execPath, repoPath('bin/pathlight.cjs'), ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 60_000, env: { ...env, ...extraEnv } });
  return r.stdout;
}

describe('pathlight observe FILE', () => {
  it('lists every probe event of the demo, one line each, with the pods and Services at both ends', () => {
    const r = pathlight(['observe', demo]);
    expect(r.code).toBe(0);
    expect(r.lines).toHaveLength(recorded.events);
    // the netfilter rules that rejected a packet, each with its chain and kube-router's comment
    expect(r.lines.filter((l) => / rule DROPPED \(/.test(l))).toHaveLength(recorded.lines.rule!);
    expect(r.stdout).toMatch(
      /lab-deny-ingress\/frontend-\S+ -> lab-deny-ingress\/backend-\S+:8080 rule DROPPED \(reject by ip filter\/KUBE-POD-FW-\w+ rule \d+ \(handle \d+\): rule to REJECT traffic destined for POD name:backend-\S+ namespace: lab-deny-ingress\)/,
    );
    expect(r.stdout).toContain('-> kube-system/svc/kube-dns:53 dns-query FORWARDED (backend.lab-healthy.svc.cluster.local. A)');
    expect(r.stdout).toMatch(/lab-wrong-ns\/frontend-\S+ dns-response FORWARDED \(backend\.lab-wrongns\.\S+ A NXDOMAIN/);
  });

  it("the deny scenario's policy drops: --from-pod NS/PREFIX --verdict DROPPED --drop-reason", () => {
    const r = pathlight(['observe', demo, '--from-pod', 'lab-deny-ingress/frontend', '--verdict', 'DROPPED']);
    expect(r.code).toBe(0);
    // each dropped packet twice: the kernel's drop, and the kube-router rule that rejected it
    const drops = r.lines.filter((l) => / drop DROPPED /.test(l));
    const rules = r.lines.filter((l) => / rule DROPPED /.test(l));
    expect(drops.length).toBeGreaterThan(0);
    expect(rules).toHaveLength(drops.length);
    expect(drops.length + rules.length).toBe(r.lines.length);
    for (const l of drops) expect(l).toMatch(/^\S+Z lab-deny-ingress\/frontend-\S+ -> lab-deny-ingress\/backend-\S+:8080 drop DROPPED \(NETFILTER_DROP at /);
    for (const l of rules)
      expect(l).toMatch(/^\S+Z lab-deny-ingress\/frontend-\S+ -> lab-deny-ingress\/backend-\S+:8080 rule DROPPED \(reject by ip filter\/KUBE-POD-FW-/);
    expect(pathlight(['observe', demo, '--drop-reason', 'NETFILTER_DROP', '--namespace', 'lab-deny-ingress']).lines).toEqual(drops);
  });

  it("-o json: one object per line, the recording's event schema with the identities of both ends", () => {
    const r = pathlight(['observe', demo, '--type', 'tcp', '-o', 'json']);
    expect(r.code).toBe(0);
    const events = r.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toHaveLength(recorded.lines.tcp!);
    for (const e of events)
      expect(e).toMatchObject({ v: 1, type: 'tcp', node: expect.any(String), ts: expect.any(Number), identities: { src: { kind: 'pod' } } });
    // the agents of both nodes of the lab, each event from one of them
    expect([...recorded.nodes].sort()).toEqual(['pathlight-lab-node', 'pathlight-lab-node-2']);
    expect(new Set(events.map((e) => e.node))).toEqual(new Set(recorded.nodes));
    expect(pathlight(['observe', demo, '--type', 'tcp', '--json']).stdout).toBe(r.stdout);
  });

  it('-o table: a header and aligned columns; --last N the last N', () => {
    const r = pathlight(['observe', demo, '-o', 'table', '--dns-rcode', 'NXDOMAIN', '--last', '3']);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toMatch(/^TIME\s+NODE\s+SOURCE\s+DESTINATION\s+TYPE\s+VERDICT\s+SUMMARY$/);
    expect(r.lines).toHaveLength(4);
    const col = r.lines[0]!.indexOf('VERDICT');
    for (const l of r.lines.slice(1)) expect(l.slice(col)).toMatch(/^FORWARDED\s+\S+ A(AAA)? NXDOMAIN/);
    const all = pathlight(['observe', demo, '--dns-rcode', 'NXDOMAIN', '-o', 'json']).lines;
    expect(pathlight(['observe', demo, '--dns-rcode', 'NXDOMAIN', '-o', 'json', '--last', '3']).lines).toEqual(all.slice(-3));
  });

  it('--since/--until: +N after the start, RFC 3339', () => {
    // A few seconds past the first event (the recording starts with the snapshot, before any agent speaks).
    const n = Math.ceil((recorded.firstEvent - recorded.start) / 1e9) + 3;
    const r = pathlight(['observe', demo, '--until', `+${n}s`, '-o', 'json']);
    const times = r.lines.map((l) => (JSON.parse(l) as { ts: number }).ts);
    expect(times.length).toBeGreaterThan(0);
    expect(Math.max(...times)).toBeLessThanOrEqual(recorded.start + n * 1e9);
    // 100 s into the recording, in whole seconds as a user types a time.
    const since = new Date(Math.ceil(recorded.start / 1e9 + 100) * 1000).toISOString().replace('.000Z', 'Z');
    const iso = pathlight(['observe', demo, '--since', since, '-o', 'json']);
    expect(iso.lines.length).toBeGreaterThan(0);
    for (const l of iso.lines) expect((JSON.parse(l) as { ts: number }).ts).toBeGreaterThanOrEqual(Date.parse(since) * 1e6);
  });
});

describe('pathlight observe on Hubble flows', () => {
  it('reads `hubble observe -o jsonpb` output directly, its endpoints as the ends, and warns of the lost events', () => {
    const r = pathlight(['observe', flows]);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      '2026-11-20T10:00:00.100Z shop/frontend-7d9f-abcde:40001 -> kube-system/coredns-5d78-xyz:53 dns-query FORWARDED (backend.shop.svc.cluster.local. A)',
      '2026-11-20T10:00:00.100Z kube-system/coredns-5d78-xyz:53 -> shop/frontend-7d9f-abcde:40001 dns-response FORWARDED (backend.shop.svc.cluster.local. A NXDOMAIN 0.81 ms)',
      '2026-11-20T10:00:01.000Z shop/frontend-7d9f-abcde:44916 -> shop/backend-66c8-qwert:8080 drop DROPPED (POLICY_DENIED, TCP Flags: SYN; ingress denied by NetworkPolicy shop/default-deny)',
      '2026-11-20T10:00:02.000Z shop/frontend-7d9f-abcde:50000 -> shop/db-0:5432 flow FORWARDED (direction=egress isReply=false flags=SYN)',
      '2026-11-20T10:00:02.001Z shop/db-0:5432 -> shop/frontend-7d9f-abcde:50000 tcp-refused FORWARDED (refused)',
    ]);
    expect(r.stderr).toContain('warning: 17 events were lost at the source');
  });

  it('reads them from standard input (-), and from a recording `import hubble` made, with the same result', () => {
    const direct = pathlight(['observe', flows, '--verdict', 'DROPPED,FORWARDED', '--to-pod', 'shop/backend']);
    expect(direct.lines).toHaveLength(1);
    expect(pathlight(['observe', '-', '--verdict', 'DROPPED,FORWARDED', '--to-pod', 'shop/backend'], { input: readFileSync(flows, 'utf8') }).stdout).toBe(
      direct.stdout,
    );
    const rec = path.join(dir, 'hubble.pathlight');
    expect(pathlight(['import', 'hubble', flows, '--out', rec]).code).toBe(0);
    expect(pathlight(['observe', rec, '--verdict', 'DROPPED,FORWARDED', '--to-pod', 'shop/backend']).stdout).toBe(direct.stdout);
    expect(pathlight(['observe', rec]).stdout).toBe(pathlight(['observe', flows]).stdout);
  });
});

describe('pathlight observe: colour', () => {
  const args = ['observe', demo, '--type', 'drop', '--last', '1'];
  it('colours the verdict on a terminal', () => {
    expect(onTty(args)).toContain('\u001b[31mDROPPED\u001b[0m');
  });

  it('not with NO_COLOR, not into a pipe; --color always / never decide', () => {
    expect(onTty(args, { NO_COLOR: '1' })).toMatch(/ drop DROPPED \(/);
    expect(onTty(args, { NO_COLOR: '1' })).not.toContain('\u001b[');
    expect(pathlight(args).stdout).not.toContain('\u001b[');
    expect(pathlight([...args, '--color', 'always']).stdout).toContain('\u001b[31mDROPPED\u001b[0m');
    expect(onTty([...args, '--color', 'never'])).not.toContain('\u001b[');
  });
});

describe('pathlight observe: nothing matches, bad input', () => {
  it('nothing matches: nothing on stdout, exit 0, and stderr says so — what each filter lets through, where the pod is', () => {
    const r = pathlight(['observe', demo, '--pod', 'frontend', '--verdict', 'DROPPED']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`observe: no event matches the filters (${recorded.events} events in`);
    expect(r.stderr).toContain(`--pod frontend: 0; --verdict DROPPED: ${recorded.lines.drop! + recorded.lines.rule!}`);
    expect(r.stderr).toMatch(/--pod frontend: seen in namespaces lab-anp, lab-deny-ingress, .* \(e\.g\. --pod lab-anp\/frontend\)/);
  });

  it.each([
    [['--verdict', 'DENIED'], /--verdict: "DENIED" is not a verdict[\s\S]*accepted: FORWARDED, DROPPED, ERROR/],
    [['--type', 'trace'], /--type: "trace" is not an event type[\s\S]*accepted: drop, dns, tcp, rule, http, proc, flow, test/],
    [['--protocol', 'quic'], /accepted: tcp, udp, sctp, icmp/],
    [['--port', '70000'], /--port: "70000" is not a port number[\s\S]*accepted: a port number from 1 to 65535/],
    [['--to-ip', '10.1'], /--to-ip: "10.1" is not an IP address or CIDR/],
    [['--dns-rcode', 'NOTFOUND'], /accepted: NOERROR, FORMERR, SERVFAIL, NXDOMAIN/],
    [['--since', 'yesterday'], /--since: "yesterday" is not a time[\s\S]*accepted: an RFC 3339 time/],
    [['--from-pod', 'Bad/Name'], /--from-pod: "Bad" is not a namespace name/],
    [['--last', '0'], /--last "0" is not a count[\s\S]*accepted: a whole number of 1 or more/],
    [['-o', 'yaml'], /Allowed choices are compact, json, table/],
    [['--color', 'maybe'], /Allowed choices are auto, always, never/],
    [['--bogus'], /unknown option '--bogus'/],
    [['--follow'], /--follow is for a live run \(--node\)/],
  ])('%j: exit 2, the problem and the accepted values', (extra, message) => {
    const r = pathlight(['observe', demo, ...extra]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('no source: exit 2 with what to give; a file that is not a recording: exit 2', () => {
    const none = pathlight(['observe']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give a recording \(or Hubble flows file\), or --node/);
    const notRec = pathlight(['observe', repoPath('README.md')]);
    expect(notRec.code).toBe(2);
    expect(notRec.stderr).toMatch(/not a Pathlight recording/);
  });

  it('--hubble: one source at a time; a Hubble that does not answer is exit 2 with the target and the next step', () => {
    const both = pathlight(['observe', demo, '--hubble', 'unix:///var/run/cilium/hubble.sock']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/one source/);
    const target = `unix://${path.join(dir, 'no-hubble.sock')}`;
    const gone = pathlight(['observe', '--hubble', target, '--since', '1m']);
    expect(gone.code).toBe(2);
    expect(gone.stdout).toBe('');
    expect(gone.stderr).toContain(`Hubble at ${target} did not answer`);
    expect(gone.stderr).toMatch(/next: .*--enable-hubble/);
  });
});
