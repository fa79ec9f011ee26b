/**
 * `pathlight observe --follow` live against the lab node over SSH: the deny scenario's policy
 * drops stream as they happen on its backend's node (another node than the frontend's in a
 * multi-node lab: kube-router enforces ingress policies on the destination's node), with the
 * pods at both ends from the live snapshot and only what the filters let through; Ctrl-C
 * (SIGINT) stops the agent on the node — no agent process left — and the command exits 130. The agent is found among the host's processes (the lab node shares
 * the host's PID namespace) by the TTL this run gives it (--duration 91s + 30 s), unique to this
 * file.
 */
import { execFileSync, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { lab } from '../../helpers/lab.js';
import { kubectl } from '../../helpers/labApp.js';
import { repoPath } from '../../helpers/paths.js';

const info = lab();
const bNode = kubectl('-n', 'lab-deny-ingress', 'get', 'pod', '-l', 'app=backend', '-o', 'jsonpath={.items[0].spec.nodeName}').trim();
const ttl = 121;

function agents(): number[] {
  try {
    return execFileSync('pgrep', ['-f', `pathlight-probe[^ ]* run --ttl ${ttl}s`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function until(what: string, fn: () => boolean, timeoutMs: number, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe('pathlight observe --follow (lab, over SSH)', () => {
  it("streams the deny scenario's policy drops with both pods, and Ctrl-C stops the agent, leaving nothing on the node", async () => {
    expect(agents()).toEqual([]);
    const p = spawn(
      process.execPath,
      [
        repoPath('dist/cli/main.js'),
        'observe',
        '--kubeconfig',
        info.adminKubeconfig,
        '--ssh-config',
        info.sshConfig,
        '--node',
        bNode,
        '--follow',
        '--duration',
        `${ttl - 30}s`,
        '--from-pod',
        'lab-deny-ingress/frontend',
        '--verdict',
        'DROPPED',
        '-o',
        'json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => p.on('close', (code) => r(code)));
    const events = () =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    try {
      await until('the agent running on the node', () => agents().length > 0, 60_000);
      await until(`a policy drop listed (stderr: ${stderr})`, () => events().some((e) => e.reason === 'NETFILTER_DROP'), 60_000);
    } finally {
      p.kill('SIGINT');
    }
    const t0 = Date.now();
    await until(`the agent gone after Ctrl-C (still: ${agents().join(', ')})`, () => agents().length === 0, 10_000, 50);
    expect(Date.now() - t0).toBeLessThanOrEqual(2000);
    expect(await exited, stderr).toBe(130);
    expect(stderr).toMatch(/stopping the probes/);
    expect(stderr).toMatch(new RegExp(`${bNode}: agent stopped`));
    const listed = events();
    expect(listed.length).toBeGreaterThan(0);
    for (const e of listed) {
      expect(e).toMatchObject({
        type: 'drop',
        node: bNode,
        identities: { src: { kind: 'pod', namespace: 'lab-deny-ingress', name: expect.stringMatching(/^frontend/) } },
      });
    }
    expect(listed.find((e) => e.reason === 'NETFILTER_DROP')).toMatchObject({
      dport: 8080,
      identities: { dst: { kind: 'pod', namespace: 'lab-deny-ingress', name: expect.stringMatching(/^backend/) } },
    });
    expect(agents()).toEqual([]);
  }, 180_000);
});

describe('pathlight observe --hubble ssh://NODE (lab without Cilium)', () => {
  it('a node without Hubble: exit 2 at once, naming the node’s socket and the next step (the SSH login itself works: host key checked)', async () => {
    const { pathlight } = await import('../../helpers/labApp.js');
    const r = await pathlight(['observe', '--hubble', `ssh://${info.node.name}`, '--ssh-config', info.sshConfig, '--since', '1m']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`Hubble at ssh://${info.node.name}/var/run/cilium/hubble.sock: the node has no socket to connect to`);
    expect(r.stderr).toMatch(/next: .*--enable-hubble/);
  });
});
