/**
 * HTTP refused by B, on the lab, in a namespace of its own: a client polls a server whose API
 * answers 403 Forbidden over a working network (busybox httpd with a CGI). Without probes the
 * objects say reachable; with the http probe (over SSH) the answer is `http-client-error`,
 * naming the request, the status and the process, and pointing at L7 policies as well as the
 * application.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab } from '../../helpers/lab.js';
import { deployment as app, kubectl, pathlight } from '../../helpers/labApp.js';
import type { diagnose } from '../../../src/core/index.js';

const info = lab();
const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-lab-http403-'));
const ns = `pathlight-http403-${process.pid}`;
// The client on node 1, the server on the last node: the exchange crosses the nodes.
const [clientNode, serverNode] = [info.node.name, info.nodes.at(-1)!.name];
const cgi = "#!/bin/sh\nprintf 'Status: 403 Forbidden\\r\\nContent-Type: text/plain\\r\\n\\r\\nnot for you\\n'\n";

const MANIFESTS = [
  `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`,
  app({
    ns,
    name: 'server',
    image: info.images.busybox,
    command: `mkdir -p /www/cgi-bin && printf '%s' "$CGI" > /www/cgi-bin/admin && chmod 755 /www/cgi-bin/admin && httpd -f -p 8080 -h /www`,
    nodeName: serverNode,
  }).replace('        imagePullPolicy: Never\n', `        imagePullPolicy: Never\n        env: [{name: CGI, value: ${JSON.stringify(cgi)}}]\n`),
  `apiVersion: v1\nkind: Service\nmetadata: {name: server, namespace: ${ns}}\nspec:\n  selector: {app: server}\n  ports: [{port: 8080}]\n`,
  app({
    ns,
    name: 'client',
    image: info.images.busybox,
    command: 'while true; do timeout 2 wget -q -O /dev/null http://server:8080/cgi-bin/admin; sleep 1; done',
    nodeName: clientNode,
  }),
].join('---\n');

async function why(args: string[]): Promise<{ code: number | null; out: diagnose.Diagnosis; stderr: string }> {
  const r = await pathlight(['why', '--kubeconfig', info.adminKubeconfig, '--ssh-config', info.sshConfig, '--json', ...args]);
  try {
    return { code: r.code, out: JSON.parse(r.stdout) as diagnose.Diagnosis, stderr: r.stderr };
  } catch {
    throw new Error(`why printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
}

beforeAll(() => {
  writeFileSync(path.join(dir, 'app.yaml'), MANIFESTS);
  kubectl('apply', '-f', path.join(dir, 'app.yaml'));
  kubectl('rollout', 'status', '-n', ns, 'deployment/server', 'deployment/client', '--timeout=90s');
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  try {
    kubectl('delete', 'namespace', ns, '--wait=false');
  } catch {
    /* never created */
  }
});

describe('http-client-error (lab, http probe over ssh)', () => {
  it('B answering 403 over a working network: the objects say reachable, the probes say B refuses, and who asked', async () => {
    const q = ['--from', `${ns}/deploy/client`, '--to', 'server:8080'];
    const quiet = await why(q);
    expect(quiet.out.verdict, quiet.stderr).toBe('reachable');
    const r = await why([...q, '--probe', 'ssh', '--duration', '8s']);
    const f = r.out.findings[0]!;
    expect({ verdict: r.out.verdict, kind: f?.kind, severity: f?.severity }, r.stderr).toEqual({
      verdict: 'unreachable',
      kind: 'http-client-error',
      severity: 'error',
    });
    expect(r.code).toBe(1);
    expect(f.summary).toMatch(/(\d+) of \1 HTTP requests? got a 4xx status \(first: GET \/cgi-bin\/admin \(Host server:8080\) → 403\)/);
    expect(f.summary).toContain('L7 policy');
    const note = f.evidence.find((e) => e.type === 'note');
    expect(note?.text).toMatch(new RegExp(`→ 403 after [\\d.]+ ms, by wget \\(pid \\d+\\) in ${ns}/client-[^/]+/client to service ${ns}/server\\.$`));
    expect(r.out.live?.connections.established).toBeGreaterThan(0);
  }, 90_000);
});
