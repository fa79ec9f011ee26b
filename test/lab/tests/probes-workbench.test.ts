/**
 * The Probes panel's calls against the lab (through dispatch, as the UI makes them): "Test SSH"
 * on the lab node with the lab's ssh_config as the one SSH setting, then a manual probe over SSH
 * started from a live workbench session — its events reach that session's events table, named
 * by the session's snapshot (the scenarios' frontend and backend pods), with the top drop reasons.
 * The probe runs on the backend's node: the ingress deny drops the packet there.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createHandlers } from '../../../src/backend/handlers.js';
import { labScenarios } from '../scenarios.mjs';
import { apiOn } from '../../helpers/api.js';
import { lab } from '../../helpers/lab.js';
import { repoPath } from '../../helpers/paths.js';

const info = lab();
const handlers = createHandlers({ shell: 'server', env: { KUBECONFIG: info.adminKubeconfig } });
const { call } = apiOn(handlers, 250);
const s = labScenarios.find((x) => x.name === 'deny-backend-ingress')!;
const ns = s.from.split('/')[0]!;
const bNode = execFileSync(repoPath('test/lab/kubectl'), ['-n', ns, 'get', 'pod', '-l', 'app=backend', '-o', 'jsonpath={.items[0].spec.nodeName}'], {
  encoding: 'utf8',
});

describe('Probes panel on the lab', () => {
  it('Test SSH reaches the node; a manual probe from the workbench feeds its events table with the pods named', async () => {
    const { session } = await call('cluster.open', { source: { kind: 'default' }, context: 'pathlight-lab-admin@pathlight-lab' });
    const ssh = { configFile: info.sshConfig };
    const tested = await call('ssh.test', { node: bNode, ssh, session });
    expect(tested, JSON.stringify(tested.error)).toMatchObject({ ok: true, config: info.sshConfig });

    const { session: run } = await call('probes.start', { node: bNode, via: 'ssh', ssh, durationSec: 40, workbench: session });
    const named = async () =>
      (await call('events.page', { session, filter: { node: bNode, reason: 'NETFILTER_DROP', namespace: ns }, offset: 0, limit: 50 })).rows;
    let rows = await named();
    for (let i = 0; i < 120 && !rows.some((r) => r.src.startsWith(`${ns}/frontend-`) && r.dst.startsWith(`${ns}/backend-`)); i++) {
      await new Promise((r) => setTimeout(r, 250));
      rows = await named();
    }
    expect(rows.some((r) => r.src.startsWith(`${ns}/frontend-`) && r.dst.startsWith(`${ns}/backend-`))).toBe(true);
    const st = await call('probes.stop', { session: run });
    expect(st.error, JSON.stringify(st.error)).toBeUndefined();
    expect(st).toMatchObject({ workbench: session, stage: 'stopped' });
    // The run's top drop reasons are the node's, as its events table counts them: the lab node
    // has busier drop reasons than the scenario's NETFILTER_DROP, which then ranks below them.
    const reasons = st.reasons ?? [];
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.length).toBeLessThanOrEqual(3);
    const inTable = async (reason: string) => (await call('events.page', { session, filter: { node: bNode, reason }, offset: 0, limit: 1 })).matched;
    for (const r of reasons) expect(await inTable(r.reason), r.reason).toBe(r.count);
    expect(reasons.map((r) => r.count)).toEqual([...reasons.map((r) => r.count)].sort((a, b) => b - a));
    const denied = await inTable('NETFILTER_DROP');
    const listed = reasons.find((r) => r.reason === 'NETFILTER_DROP');
    if (listed) expect(listed.count).toBe(denied);
    else expect(denied).toBeLessThanOrEqual(reasons.at(-1)!.count);
    await call('cluster.close', { session });
  }, 90_000);
});
