/**
 * A node lost mid-question: `why` with probes over SSH on both lab nodes, and node 2's SSH
 * session killed while the agent streams (its sshd child for our connection; the listener stays,
 * so other suites can still connect). The answer names node 2 as a blind spot with the reason,
 * says the evidence is incomplete, and nothing hangs past the question's duration + 10 s.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lab } from '../../helpers/lab.js';
import { repoPath } from '../../helpers/paths.js';
import type { diagnose } from '../../../src/core/index.js';

const info = lab();
const ns = 'lab-deny-ingress';
const nodeOf = (app: string) =>
  execFileSync(repoPath('test/lab/kubectl'), ['-n', ns, 'get', 'pod', '-l', `app=${app}`, '-o', 'jsonpath={.items[0].spec.nodeName}'], { encoding: 'utf8' });

/**
 * Our SSH session on the node: the sshd process serving the agent started with `--ttl <ttl>s`
 * inside that node's network namespace (other suites may run agents on the node meanwhile).
 */
function ourSession(ttl: number, netns: string): number | undefined {
  let pids: number[];
  try {
    pids = execFileSync('pgrep', ['-f', `pathlight-probe[^ ]* run --ttl ${ttl}s`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return undefined;
  }
  const want = statSync(`/run/netns/${netns}`).ino;
  const agent = pids.find((pid) => {
    try {
      return statSync(`/proc/${pid}/ns/net`).ino === want;
    } catch {
      return false;
    }
  });
  // Up from the agent to the first sshd (the per-connection process, not the listener).
  for (let pid = agent; pid && pid > 1;) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    if (/^Name:\s+sshd/m.test(status) && pid !== agent) return pid;
    pid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
  }
  return undefined;
}

describe('a node lost mid-question (lab, probes over ssh)', () => {
  it("node 2's SSH session killed while streaming: node 2 is a blind spot, the verdict says the evidence is incomplete, no hang", async () => {
    expect(info.nodes.length, 'needs two lab nodes').toBeGreaterThan(1);
    const bNode = nodeOf('backend');
    const k = info.nodes.findIndex((n) => n.name === bNode) + 1;
    expect(k).toBeGreaterThan(1);
    const durationS = 13;
    const ttl = durationS + 30; // src/backend/probes/start.ts gives the agent the question's duration + 30 s
    const t0 = Date.now();
    const p = spawn(
      process.execPath,
      [
        repoPath('dist/cli/main.js'),
        'why',
        '--kubeconfig',
        info.adminKubeconfig,
        '--ssh-config',
        info.sshConfig,
        '--json',
        '--from',
        `${ns}/deploy/frontend`,
        '--to',
        'backend:8080',
        '--probe',
        'ssh',
        '--duration',
        `${durationS}s`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let killed: number | undefined;
    let armed = false;
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Once node 2's agent streams, kill our SSH session on node 2 (not the listener).
      if (!armed && new RegExp(`: ${bNode}: streaming`).test(stderr)) {
        armed = true;
        setTimeout(() => {
          killed = ourSession(ttl, info.nodes[k - 1]!.netns);
          if (killed) process.kill(killed, 'SIGKILL');
        }, 2000);
      }
    });
    const code = await new Promise<number | null>((r) => p.on('close', r));
    const took = (Date.now() - t0) / 1000;
    expect(killed, `no SSH session of ours on ${bNode} to kill\n${stderr}`).toBeDefined();
    expect(took).toBeLessThan(durationS + 10);
    const out = JSON.parse(stdout) as diagnose.Diagnosis;
    expect(out.blindSpots?.map((b) => b.node)).toEqual([bNode]);
    expect(out.blindSpots?.[0]?.reason).toMatch(/lost the agent/);
    expect(out.notes.join('\n')).toMatch(new RegExp(`no probe on ${bNode}`));
    // The static cause stands; A's node was probed to the end.
    expect(out.findings[0]?.kind).toBe('policy-deny-ingress');
    expect(code).toBe(1);
  }, 60_000);
});
