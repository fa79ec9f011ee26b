/**
 * Advice on the lab, end to end, in a namespace of its own: a client calling a server through its
 * Service is recorded with probes over SSH (`pathlight record`), `pathlight policy advise` turns
 * the recording into policies, they are applied — and the client still reaches the server (DNS
 * included) while a pod that was never seen talking is cut off from it. `policy impact` of the
 * advice on the same recording breaks nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lab } from '../../helpers/lab.js';
import { deployment as app, kubectl, pathlight } from '../../helpers/labApp.js';

const info = lab();
const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-lab-advise-'));
const ns = `pathlight-advise-${process.pid}`;
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  try {
    kubectl('delete', 'namespace', ns, '--wait=false');
  } catch {
    /* never created */
  }
});

// Placed, so that every run crosses the same nodes: the clients on node 1, the server on node 2
// (the same node in a one-node lab). The recording then holds probes of both nodes, and the
// applied policies are enforced on the server's node for traffic from another.
const [clientNode, serverNode] = [info.node.name, (info.nodes[1] ?? info.node).name];
const deployment = (name: string, command: string, nodeName: string, port?: number) => app({ ns, name, image: info.images.busybox, command, nodeName, port });

const MANIFESTS = [
  `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`,
  deployment('server', 'mkdir -p /www && echo ok > /www/index.html && httpd -f -p 8080 -h /www', serverNode, 8080),
  `apiVersion: v1\nkind: Service\nmetadata: {name: server, namespace: ${ns}}\nspec:\n  selector: {app: server}\n  ports: [{port: 80, targetPort: 8080}]\n`,
  deployment('client', 'while true; do timeout 3 wget -q -O /dev/null http://server/ && echo ok; sleep 1; done', clientNode),
  deployment('intruder', 'sleep 100000', clientNode),
].join('---\n');

const podOf = (app: string) => kubectl('get', 'pods', '-n', ns, '-l', `app=${app}`, '-o', 'jsonpath={.items[0].metadata.name}').trim();
const reaches = (from: string, url: string) => {
  try {
    kubectl('exec', '-n', ns, podOf(from), '--', 'timeout', '4', 'wget', '-q', '-O', '-', url);
    return true;
  } catch {
    return false;
  }
};

describe('pathlight policy advise (lab)', () => {
  it('advises from a recording, and the applied advice keeps the observed traffic and drops the rest', async () => {
    writeFileSync(path.join(dir, 'app.yaml'), MANIFESTS);
    kubectl('apply', '-f', path.join(dir, 'app.yaml'));
    kubectl('rollout', 'status', '-n', ns, 'deployment/server', 'deployment/client', 'deployment/intruder', '--timeout=90s');
    const serverIp = kubectl('get', 'pods', '-n', ns, '-l', 'app=server', '-o', 'jsonpath={.items[0].status.podIP}').trim();
    expect(reaches('intruder', `http://${serverIp}:8080/`)).toBe(true);
    // The client's first calls across the nodes (its DNS lookup, the route to the server's node) work before the recording starts.
    await expect.poll(() => reaches('client', 'http://server/'), { timeout: 30_000, interval: 1000 }).toBe(true);

    const file = path.join(dir, 'client.pathlight');
    const rec = await pathlight([
      'record',
      '--kubeconfig',
      info.adminKubeconfig,
      '--from',
      `${ns}/client`,
      '--to',
      `${ns}/svc/server`,
      '--port',
      '80',
      '--probe',
      'ssh',
      '--ssh-config',
      info.sshConfig,
      '--duration',
      '8s',
      '--out',
      file,
    ]);
    expect(rec.code, `${rec.stderr}\n${rec.stdout}`).toBe(0);

    const out = path.join(dir, 'advice');
    const advise = await pathlight(['policy', 'advise', '--recording', file, '--namespace', ns, '--out', out]);
    expect(advise.code, advise.stderr).toBe(0);
    expect(advise.stderr).toMatch(new RegExp(`${ns}/client → ${ns}/server TCP/8080: seen`));
    expect(advise.stderr).toMatch(new RegExp(`${ns}/client → kube-system/\\S+ UDP/53: seen`));
    expect(advise.stderr).toMatch(/^verified: /m);

    const impact = await pathlight(['policy', 'impact', '--recording', file, '--manifests', out]);
    expect(impact.code, impact.stdout + impact.stderr).toBe(0);

    kubectl('apply', '-f', path.join(out, `${ns}.yaml`));
    // Policies take a moment to reach the datapath.
    await new Promise((r) => setTimeout(r, 3000));
    expect(reaches('client', 'http://server/')).toBe(true);
    expect(reaches('intruder', `http://${serverIp}:8080/`)).toBe(false);
  }, 240_000);
});
