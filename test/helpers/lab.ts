/**
 * The running lab cluster (test/lab), for the `lab` test project that test/lab/test.sh runs
 * while the lab is up. A missing lab is a failure that says how to start it, never a skip.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { repoPath } from './paths.js';

export interface LabInfo {
  apiServer: string;
  adminKubeconfig: string;
  restrictedKubeconfig: string;
  restrictedUser: string;
  restrictedNamespace: string;
  sshConfig: string;
  /** Node 1 (it also runs the control plane). */
  node: LabNode;
  /** Every node (LAB_NODES, 2 by default). */
  nodes: LabNode[];
  images: { busybox: string; probe: string };
}

export interface LabNode {
  name: string;
  internalIP: string;
  podCIDR: string;
  netns: string;
  /** The Cilium lab only: the node agent's Hubble socket as this machine sees it (node 1: /run/cilium/hubble.sock; on the node itself, over its sshd, /var/run/cilium/hubble.sock). */
  hubbleSocket?: string;
  ssh: { host: string; port: number; user: string; identityFile: string; knownHostsFile: string };
}

export function lab(): LabInfo {
  try {
    execFileSync('bash', [repoPath('test/lab/status.sh')], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`the lab is not up (test/lab/status.sh: ${String((err as { stdout?: Buffer }).stdout ?? err)}); start it with npm run lab:up`, {
      cause: err,
    });
  }
  return JSON.parse(readFileSync(repoPath('test/lab/.state/lab.json'), 'utf8')) as LabInfo;
}
