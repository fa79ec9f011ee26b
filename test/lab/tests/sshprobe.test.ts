/**
 * The ssh transport against the lab node: the lab's own ssh_config (strict known_hosts, its
 * key), the agent uploaded to the node and streaming all three kinds of evidence from the
 * scenarios' live traffic: kube-router's policy drop, CoreDNS's NXDOMAIN for the wrong-namespace
 * name, and established TCP connections.
 */
import { describe, expect, it } from 'vitest';
import type { probe } from '../../../src/core/index.js';
import { agentDir } from '../../../src/backend/probes/agentDir.js';
import { readSshConfig } from '../../../src/backend/probes/ssh/config.js';
import { startProbe } from '../../../src/backend/probes/ssh/transport.js';
import { lab } from '../../helpers/lab.js';

const info = lab();

describe('ssh probe transport (lab node)', () => {
  it('streams drops, DNS and TCP outcomes of the scenarios from the node', async () => {
    const { text, file } = await readSshConfig({ file: info.sshConfig });
    const lines: probe.ProbeLine[] = [];
    const run = await startProbe(
      {
        configText: text,
        configFile: file,
        node: 'pathlight-lab-node',
        agentDir: agentDir(),
        args: ['--probes', 'drops,dns,tcp', '--ttl', '60s'],
        agentSocket: '',
      },
      { line: (l) => lines.push(l), bad: () => undefined },
    );
    const seen = () => ({
      policyDrop: lines.some((l) => l.type === 'drop' && l.reason === 'NETFILTER_DROP'),
      nxdomain: lines.some((l) => l.type === 'dns' && l.qr === 'response' && l.rcode === 'NXDOMAIN'),
      established: lines.some((l) => l.type === 'tcp' && l.event === 'established'),
    });
    const end = Date.now() + 30_000;
    while (Object.values(seen()).includes(false) && Date.now() < end) await new Promise((r) => setTimeout(r, 250));
    const exit = await run.stop();
    expect(seen()).toEqual({ policyDrop: true, nxdomain: true, established: true });
    expect(exit.exitCode).toBe(0);
    expect(lines.at(-1)).toMatchObject({ type: 'bye', reason: 'stdin-closed' });
  }, 60_000);
});
