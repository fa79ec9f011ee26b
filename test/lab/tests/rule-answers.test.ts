/**
 * Rule answers on the lab, in a namespace of its own: a client calls a server, and an nftables
 * drop rule added on the node outside any policy (a host firewall) is answered `rule-drop` naming
 * that rule — the policies allow the traffic, so only the rule explains it. Probes over SSH, as
 * root (the rules probe needs CAP_NET_ADMIN). kube-proxy's reject of a Service without
 * endpoints is asked from a hostNetwork client: in the lab, kube-router's FORWARD rules accept
 * pod traffic before FORWARD jumps to KUBE-SERVICES, so a pod's packets never meet that reject;
 * the node's own traffic passes OUTPUT → KUBE-SERVICES, where it does.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab } from '../../helpers/lab.js';
import { deployment as app, kubectl, pathlight } from '../../helpers/labApp.js';
import type { diagnose } from '../../../src/core/index.js';

const info = lab();
const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-lab-rules-'));
const ns = `pathlight-rules-${process.pid}`;
const comment = `pathlight lab test: host firewall ${process.pid}`;
// A host firewall of its own (as nftables or firewalld keep one), in front of iptables' filter
// table (priority 0): kube-router keeps its FORWARD jump first and accepts the pods' allowed
// traffic there, so a DROP appended to iptables' FORWARD would never be reached.
const table = `pathlight_lab_hostfw_${process.pid}`;
/** nft inside the network namespace of the lab's first node (the node the test's pods are pinned to). */
const nodeNft = (args: string[]) => execFileSync('ip', ['netns', 'exec', info.node.netns, 'nft', ...args], { encoding: 'utf8' });
let firewall = false;

afterAll(() => {
  if (firewall) nodeNft(['delete', 'table', 'inet', table]);
  rmSync(dir, { recursive: true, force: true });
  try {
    kubectl('delete', 'namespace', ns, '--wait=false');
  } catch {
    /* never created */
  }
});

async function why(args: string[]): Promise<{ code: number | null; out: diagnose.Diagnosis; stderr: string }> {
  const r = await pathlight(['why', '--kubeconfig', info.adminKubeconfig, '--ssh-config', info.sshConfig, '--json', '--probe', 'ssh', ...args]);
  try {
    return { code: r.code, out: JSON.parse(r.stdout) as diagnose.Diagnosis, stderr: r.stderr };
  } catch {
    throw new Error(`why printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
}

// On the lab's first node, whose network namespace the test adds the host firewall to.
const deployment = (name: string, command: string) => app({ ns, name, image: info.images.busybox, command, nodeName: info.node.name });

const MANIFESTS = [
  `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`,
  deployment('server', 'mkdir -p /www && echo ok > /www/index.html && httpd -f -p 8080 -h /www'),
  `apiVersion: v1\nkind: Service\nmetadata: {name: server, namespace: ${ns}}\nspec:\n  selector: {app: server}\n  ports: [{port: 8080}]\n`,
  deployment('client', 'while true; do timeout 2 wget -q -O /dev/null http://server:8080/; sleep 1; done'),
  // A Service whose selector matches no pod, called from the node's own network namespace.
  `apiVersion: v1\nkind: Service\nmetadata: {name: empty, namespace: ${ns}}\nspec:\n  selector: {app: nothing}\n  ports: [{port: 8080}]\n`,
  app({
    ns,
    name: 'hostclient',
    image: info.images.busybox,
    command: `while true; do timeout 2 wget -q -O /dev/null http://empty.${ns}.svc.cluster.local:8080/; sleep 1; done`,
    nodeName: info.node.name,
    hostNetwork: true,
  }),
].join('---\n');

const ipOf = (app: string) => kubectl('get', 'pods', '-n', ns, '-l', `app=${app}`, '-o', 'jsonpath={.items[0].status.podIP}').trim();

describe('rule attribution (lab, probes over ssh)', () => {
  beforeAll(() => {
    writeFileSync(path.join(dir, 'app.yaml'), MANIFESTS);
    kubectl('apply', '-f', path.join(dir, 'app.yaml'));
    kubectl('rollout', 'status', '-n', ns, 'deployment/server', 'deployment/client', 'deployment/hostclient', '--timeout=90s');
  }, 120_000);

  it("a host firewall's nftables drop outside any policy is the rule-drop answer, naming the rule", async () => {
    firewall = true;
    nodeNft(['add', 'table', 'inet', table]);
    nodeNft(['add', 'chain', 'inet', table, 'forward', '{ type filter hook forward priority -5; policy accept; }']);
    nodeNft([
      'add',
      'rule',
      'inet',
      table,
      'forward',
      'ip',
      'saddr',
      ipOf('client'),
      'ip',
      'daddr',
      ipOf('server'),
      'tcp',
      'dport',
      '8080',
      'drop',
      'comment',
      `"${comment}"`,
    ]);
    const r = await why(['--from', `${ns}/deploy/client`, '--to', `server.${ns}:8080`, '--duration', '8s']);
    expect({ verdict: r.out.verdict, kind: r.out.findings[0]?.kind }, r.stderr).toEqual({ verdict: 'unreachable', kind: 'rule-drop' });
    const rule = r.out.findings[0]!.evidence.find((e) => e.type === 'rule');
    expect(rule).toMatchObject({ tableFamily: 'inet', table, chain: 'forward', verdict: 'drop', comment, node: info.node.name });
    expect(r.out.findings[0]!.summary).toContain(`${table}/forward`);
  }, 90_000);

  it("a Service without endpoints: the answer names kube-proxy's reject rule and the Service it stands for", async () => {
    const r = await why(['--from', `${ns}/deploy/hostclient`, '--to', `empty.${ns}:8080`, '--duration', '8s']);
    const top = r.out.findings[0];
    expect({ verdict: r.out.verdict, kind: top?.kind }, `${r.stderr}\n${JSON.stringify(r.out.findings, null, 1).slice(0, 3000)}`).toEqual({
      verdict: 'unreachable',
      kind: 'service-no-endpoints',
    });
    const rule = top!.evidence.find((e) => e.type === 'rule');
    expect(rule, JSON.stringify(top!.evidence, null, 1)).toMatchObject({ verdict: 'reject', chain: 'KUBE-SERVICES', node: info.node.name });
    expect(JSON.stringify(rule)).toContain(`${ns}/empty`);
    expect(JSON.stringify(rule)).toContain('has no endpoints');
  }, 90_000);
});
