/**
 * A lab test's own little application, in a namespace of its own: busybox Deployments with a
 * shell command, the lab's kubectl, and the pathlight CLI run as a user runs it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { repoPath } from './paths.js';

export const kubectl = (...args: string[]) => execFileSync(repoPath('test/lab/kubectl'), args, { encoding: 'utf8', timeout: 120_000 });

/** A one-replica Deployment `name` (label app=name) running `command` in the lab's busybox image. */
export function deployment(o: { ns: string; name: string; image: string; command: string; port?: number; nodeName?: string; hostNetwork?: boolean }): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${o.name}, namespace: ${o.ns}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${o.name}}}
  template:
    metadata: {labels: {app: ${o.name}}}
    spec:
      terminationGracePeriodSeconds: 1
      enableServiceLinks: false
${o.nodeName ? `      nodeName: ${o.nodeName}\n` : ''}${o.hostNetwork ? '      hostNetwork: true\n      dnsPolicy: ClusterFirstWithHostNet\n' : ''}      containers:
      - name: ${o.name}
        image: ${o.image}
        imagePullPolicy: Never
        command: ["/bin/sh", "-c", ${JSON.stringify(o.command)}]
${o.port ? `        ports: [{containerPort: ${o.port}}]\n` : ''}`;
}

/** `pathlight ARGS` through bin/pathlight.cjs; resolves with its exit code and output. */
export function pathlight(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [repoPath('bin/pathlight.cjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `pathlight why --from FROM --to TO --kubeconfig K --json` plus `extra` (probe flags), against the lab. */
export function whyJson(from: string, to: string, kubeconfig: string, extra: string[] = []): ReturnType<typeof pathlight> {
  return pathlight(['why', '--from', from, '--to', to, ...extra, '--kubeconfig', kubeconfig, '--json']);
}
