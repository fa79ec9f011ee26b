/**
 * `pathlight why` end to end against the lab: the real API server, the agent on the lab node
 * over SSH, the scenarios' own live traffic. Every scenario's top finding is the one its README
 * names, the healthy baseline is reachable, and --active makes the agent generate the traffic
 * a silent pod would not (db → backend: denied by backend's ingress policy, dropped live). The
 * process behind a connection is named (refused port), and a backend answering 503 over a
 * working network is the answer with the http probe (scenarios/10-http-503.yaml).
 */
import { execFileSync, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { labProbeOnlyScenarios, labScenarios, transitScenario } from '../scenarios.mjs';
import { lab } from '../../helpers/lab.js';
import { repoPath } from '../../helpers/paths.js';
import type { diagnose } from '../../../src/core/index.js';
import { loadKubeConfig } from '../../../src/backend/cluster/kubeconfig.js';
import { runWhy } from '../../../src/backend/diagnose/why.js';

const info = lab();
/** The node the namespace's app pod runs on. */
const nodeOf = (ns: string, app: string) =>
  execFileSync(repoPath('test/lab/kubectl'), ['-n', ns, 'get', 'pod', '-l', `app=${app}`, '-o', 'jsonpath={.items[0].spec.nodeName}'], { encoding: 'utf8' });

function why(args: string[]): Promise<{ code: number | null; out: diagnose.Diagnosis; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [repoPath('dist/cli/main.js'), 'why', '--kubeconfig', info.adminKubeconfig, '--ssh-config', info.sshConfig, '--json', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => {
      try {
        resolve({ code, out: JSON.parse(stdout) as diagnose.Diagnosis, stderr });
      } catch {
        reject(new Error(`why printed no JSON (exit ${code}): ${stdout}\n${stderr}`));
      }
    });
  });
}

describe('pathlight why (lab, probes over ssh)', () => {
  // Three at a time: each run watches ~10 s of the scenario's traffic on the one lab node.
  const batches = [labScenarios.slice(0, 3), labScenarios.slice(3, 6), labScenarios.slice(6)];
  it.each(batches.map((b, i) => [i, b] as const))(
    'scenario batch %i: top finding and verdict as the scenario README says',
    async (_i, batch) => {
      const results = await Promise.all(batch.map((s) => why(['--from', s.from, '--to', s.to, '--probe', 'ssh', '--duration', '11s'])));
      results.forEach((r, i) => {
        const s = batch[i]!;
        expect({ scenario: s.name, kind: r.out.findings[0]?.kind, verdict: r.out.verdict }, r.stderr).toEqual({ scenario: s.name, ...s.expected });
        expect(r.code).toBe(s.expected.verdict === 'reachable' ? 0 : 1);
        expect(r.out.live?.events, `${s.name}: the agent streamed nothing`).toBeGreaterThan(0);
        // Where the scenario has live failures, they were attributed to the answer.
        if (
          (s.expected.verdict === 'unreachable' && !['missing-named-port', 'service-selector-mismatch', 'pod-not-ready'].includes(s.name)) ||
          s.name === 'healthy' ||
          s.name === 'anp-deny'
        )
          expect(r.out.findings[0]?.source, `${s.name}: live evidence not attributed`).toBe('both');
        // The rules probe names kube-router's reject and the NetworkPolicy it implements, beside the static explanation.
        if (s.name === 'deny-backend-ingress')
          expect(r.out.findings[0]?.evidence.find((e) => e.type === 'rule')).toMatchObject({
            enforcer: 'kube-router',
            role: 'policy-default-deny',
            table: 'filter',
            verdict: 'reject',
            policies: [{ kind: 'NetworkPolicy', namespace: 'lab-deny-ingress', name: 'deny-backend-ingress' }],
          });
        // The proc probe names the process behind the refused connections, placed in its pod and container.
        if (s.name === 'wrong-target-port')
          expect(r.out.findings[0]?.evidence.find((e) => e.type === 'events' && e.event === 'tcp')).toMatchObject({
            text: expect.stringMatching(/refused \(ECONNREFUSED\), by wget \(pid \d+\) in lab-target-port\/frontend-[^/]+\/frontend$/),
          });
      });
    },
    90_000,
  );

  it('http-503: the connections work and B answers 503; the http probe makes that the answer, named with the request and the process', async () => {
    const s = labProbeOnlyScenarios.find((x) => x.name === 'http-503')!;
    const quiet = await why(['--from', s.from, '--to', s.to]);
    expect(quiet.out.verdict, quiet.stderr).toBe('reachable');
    const r = await why(['--from', s.from, '--to', s.to, '--probe', 'ssh', '--duration', '11s']);
    expect(r.stderr).toMatch(/--probes [a-z,]*\bhttp\b/);
    expect({ kind: r.out.findings[0]?.kind, verdict: r.out.verdict }, r.stderr).toEqual(s.expected);
    expect(r.code).toBe(1);
    const f = r.out.findings[0]!;
    expect(f).toMatchObject({ hop: 'backend', severity: 'error', source: 'live' });
    expect(f.summary).toMatch(/(\d+) of \1 HTTP requests? got a 5xx status \(first: GET \/cgi-bin\/api\?… \(Host backend:8080\) → 503\)/);
    const note = f.evidence.find((e) => e.type === 'note');
    expect(note?.text).toMatch(/\d+× 503, latency p50 [\d.]+ ms, p99 [\d.]+ ms/);
    expect(note?.text).toMatch(/→ 503 after [\d.]+ ms, by wget \(pid \d+\) in lab-http-503\/frontend-[^/]+\/frontend to service lab-http-503\/backend\.$/);
    expect(r.out.live?.connections.established).toBeGreaterThan(0);
  }, 60_000);

  it("across nodes: A on node 1, B on node 2 — probes over SSH on both nodes, the policy drop only on B's node", async () => {
    const [aNode, bNode] = [nodeOf('lab-deny-ingress', 'frontend'), nodeOf('lab-deny-ingress', 'backend')];
    expect(info.nodes.length, 'the lab has one node (LAB_NODES=1): no cross-node path').toBeGreaterThan(1);
    expect(aNode).not.toBe(bNode);
    const lines: diagnose.EvidenceLine[] = [];
    const chosen: string[] = [];
    const r = await runWhy({
      kc: await loadKubeConfig(info.adminKubeconfig),
      from: 'lab-deny-ingress/deploy/frontend',
      to: 'backend:8080',
      probe: 'ssh',
      sshConfig: info.sshConfig,
      durationMs: 11_000,
      onProgress: (node, stage) => stage === 'chosen' && chosen.push(node),
      onLine: (l) => lines.push(l),
    });
    expect(r.diagnosis.findings[0]).toMatchObject({ kind: 'policy-deny-ingress', source: 'both' });
    // Both nodes were chosen (A's, B's backend's) and probed to the end; none is a blind spot.
    expect(chosen.sort()).toEqual([aNode, bNode].sort());
    expect(r.diagnosis.blindSpots ?? []).toEqual([]);
    expect(
      lines
        .filter((l) => l.type === 'bye')
        .map((l) => l.node)
        .sort(),
    ).toEqual([aNode, bNode].sort());
    // kube-router's reject of A -> B (NETFILTER_DROP) happens on B's node. The lab's nodes share one
    // kernel, so A's agent sees it too; the answer keeps it from B's node only.
    const policyDrops = lines.filter((l) => l.type === 'drop' && l.reason === 'NETFILTER_DROP' && l.identities?.dst?.node === bNode);
    expect(policyDrops.length).toBeGreaterThan(0);
    expect([...new Set(policyDrops.map((l) => l.node))]).toEqual([bNode]);
    const drops = r.diagnosis.findings[0]!.evidence.filter((e) => e.type === 'events' && e.event === 'drop');
    expect(drops.flatMap((e) => (e.type === 'events' ? e.nodes : []))).toContain(bNode);
    // Each agent's rules probe traces its own node's ruleset: the reject is named on B's node only.
    const rules = r.diagnosis.findings[0]!.evidence.filter((e) => e.type === 'rule');
    expect(rules.length).toBeGreaterThan(0);
    expect([...new Set(rules.map((e) => (e.type === 'rule' ? e.node : undefined)))]).toEqual([bNode]);
    expect(rules[0]).toMatchObject({ enforcer: 'kube-router', verdict: 'reject', policies: [{ namespace: 'lab-deny-ingress', name: 'deny-backend-ingress' }] });
  }, 60_000);

  it.each(['ssh', 'pod'] as const)(
    "transit (--probe %s): A calls node 2's node port, the only backend is on node 1 — the SNATed packet is denied there, on neither A's node nor the targeted one",
    async (probe) => {
      expect(info.nodes.length, 'the lab has one node (LAB_NODES=1): no transit path').toBeGreaterThan(1);
      const target = info.nodes[1]!;
      const bNode = nodeOf(transitScenario.namespace, 'backend');
      expect(bNode).toBe(info.node.name);
      const chosen: string[] = [];
      const r = await runWhy({
        kc: await loadKubeConfig(info.adminKubeconfig),
        from: `${transitScenario.namespace}/deploy/frontend`,
        to: `${target.internalIP}:${transitScenario.nodePort}`,
        probe,
        sshConfig: info.sshConfig,
        probeImage: info.images.busybox,
        probeNamespace: 'kube-system',
        durationMs: 11_000,
        onProgress: (node, stage) => stage === 'chosen' && chosen.push(node),
      });
      const top = r.diagnosis.findings[0]!;
      expect({ verdict: r.diagnosis.verdict, kind: top.kind, source: top.source }).toEqual({
        verdict: 'unreachable',
        kind: 'policy-deny-ingress',
        source: 'both',
      });
      expect(top.summary).toContain(`${target.name}'s address ${target.internalIP} (kube-proxy's SNAT for node port ${transitScenario.nodePort})`);
      expect(top.fix?.yaml).toContain(`${target.internalIP}/32`);
      // Probes on the targeted node and the backend's (A runs on the targeted node in a two-node lab).
      expect(chosen).toEqual(expect.arrayContaining([target.name, bNode]));
      expect(r.diagnosis.path.find((h) => h.hop === 'service')?.label).toContain(`NodePort ${transitScenario.nodePort} on ${target.name}`);
      // The packet died on the backend's node: the drop and kube-router's rule are named there.
      const drops = top.evidence.filter((e) => e.type === 'events' && e.event === 'drop');
      expect(drops.flatMap((e) => (e.type === 'events' ? e.nodes : []))).toEqual([bNode]);
      // The rules probe needs CAP_NET_ADMIN, which the probe pod does not get: over SSH the rule is named, in a pod the answer says why not.
      const rule = top.evidence.find((e) => e.type === 'rule');
      if (probe === 'ssh') expect(rule).toMatchObject({ node: bNode, enforcer: 'kube-router', verdict: 'reject' });
      else
        expect(r.diagnosis.notes).toEqual(
          expect.arrayContaining([expect.stringMatching(new RegExp(`^the rule that drops is not named on ${bNode}: .*CAP_NET_ADMIN`))]),
        );
    },
    90_000,
  );

  it('the same answer with the agent in a probe pod (--probe pod): refused connections confirm the wrong targetPort', async () => {
    const r = await why([
      '--from',
      'lab-target-port/deploy/frontend',
      '--to',
      'backend:8080',
      '--probe',
      'pod',
      '--probe-image',
      info.images.busybox,
      '--probe-namespace',
      'kube-system',
      '--duration',
      '11s',
    ]);
    expect(r.out.findings[0]).toMatchObject({ kind: 'target-port-not-listening', source: 'both', severity: 'error' });
    expect(r.stderr).toMatch(/creating: pod kube-system\/pathlight-probe-/);
    expect(r.code).toBe(1);
  }, 60_000);

  it('--active generates the connection a silent pod would not make, and the probes see it dropped', async () => {
    const quiet = await why(['--from', 'lab-healthy/deploy/db', '--to', 'backend:8080', '--probe', 'ssh', '--duration', '6s']);
    expect(quiet.out.findings[0]?.kind).toBe('policy-deny-ingress');
    expect(quiet.out.findings[0]?.source).toBe('static');
    expect(quiet.out.notes.join('\n')).toMatch(/--active/);
    const active = await why(['--from', 'lab-healthy/deploy/db', '--to', 'backend:8080', '--probe', 'ssh', '--duration', '8s', '--active']);
    expect(active.stderr).toMatch(/--active: the agent on A's node will send/);
    expect(active.out.findings[0]).toMatchObject({ kind: 'policy-deny-ingress', source: 'both', confidence: 'high' });
    const c = active.out.live?.connections;
    expect((c?.refused ?? 0) + (c?.timeout ?? 0)).toBeGreaterThan(0);
  }, 60_000);

  it('a user who may read only their namespace gets the answer there, told what was left out; elsewhere a named permission error', async () => {
    const own = await why(['--kubeconfig', info.restrictedKubeconfig, '--from', `${info.restrictedNamespace}/deploy/frontend`, '--to', 'backend:8080']);
    expect(own.code).toBe(0);
    expect(own.out.verdict).toBe('reachable');
    expect(own.out.notes.join('\n')).toMatch(
      new RegExp(`may not list EndpointSlice, NetworkPolicy, Pod, Service cluster-wide: they were read in ${info.restrictedNamespace} only`),
    );
    const other = await why(['--kubeconfig', info.restrictedKubeconfig, '--from', 'lab-deny-ingress/deploy/frontend', '--to', 'backend:8080']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/error \(cluster-forbidden\): .*listing Pod is forbidden for this user/);
  });

  it('names what is wrong with a question it cannot answer (exit 2)', async () => {
    const r = await why(['--from', 'lab-healthy/deploy/frontnd', '--to', 'backend:8080']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no Deployment with running pods frontnd in namespace lab-healthy/);
    expect(r.stderr).toMatch(/did you mean lab-healthy\/deploy\/frontend/);
  });
});
