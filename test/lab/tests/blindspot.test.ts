/**
 * A node lost mid-question: `why` with probes over SSH on both lab nodes, and node 2's SSH
 * session killed while the agent streams (its sshd child for our connection; the listener stays,
 * so other suites can still connect). The answer names node 2 as a blind spot with the reason,
 * says the evidence is incomplete, and nothing hangs past the question's duration + 10 s.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lab } from '../../helpers/lab.js';
import { repoPath } from '../../helpers/paths.js';
import type { diagnose } from '../../../src/core/index.js';

const info = lab();
const ns = 'lab-deny-ingress';
const nodeOf = (app: string) =>
  execFileSync(repoPath('test/lab/kubectl'), ['-n', ns, 'get', 'pod', '-l', `app=${app}`, '-o', 'jsonpath={.items[0].spec.nodeName}'], { encoding: 'utf8' });

/** The sshd session processes (children of the listener) of lab node k. */
function sshSessions(k: number): number[] {
  const listener = readFileSync(`/run/pathlight-lab/pids/sshd${k === 1 ? '' : `-${k}`}.pid`, 'utf8').trim();
  try {
    return execFileSync('pgrep', ['-P', listener], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('a node lost mid-question (lab, probes over ssh)', () => {
  it("node 2's SSH session killed while streaming: node 2 is a blind spot, the verdict says the evidence is incomplete, no hang", async () => {
    expect(info.nodes.length, 'needs two lab nodes').toBeGreaterThan(1);
    const bNode = nodeOf('backend');
    const k = info.nodes.findIndex((n) => n.name === bNode) + 1;
    expect(k).toBeGreaterThan(1);
    const before = new Set(sshSessions(k));
    const durationS = 12;
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
    let killed: number[] = [];
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Once node 2's agent streams, kill our SSH session on node 2 (not the listener).
      if (!killed.length && new RegExp(`: ${bNode}: streaming`).test(stderr)) {
        setTimeout(() => {
          killed = sshSessions(k).filter((pid) => !before.has(pid));
          for (const pid of killed) process.kill(pid, 'SIGKILL');
        }, 2000);
      }
    });
    const code = await new Promise<number | null>((r) => p.on('close', r));
    const took = (Date.now() - t0) / 1000;
    expect(killed.length, `no new SSH session on ${bNode} to kill\n${stderr}`).toBeGreaterThan(0);
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
