/**
 * Recording a live lab session from the workbench (the calls the UI makes, through dispatch):
 * the real API server's snapshot and a watch change made while recording, a question answered
 * with the agent on the lab node over SSH, a note; the saved file then replays offline — the
 * change in time, the recorded answer, the kernel's drops with the pods they belong to, and the
 * same answer when asked again on the recorded state.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandlers } from '../../../src/backend/handlers.js';
import { openRecording } from '../../../src/backend/store/open.js';
import { labScenarios } from '../scenarios.mjs';
import { apiOn } from '../../helpers/api.js';
import { lab } from '../../helpers/lab.js';
import { repoPath } from '../../helpers/paths.js';

const info = lab();
const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-lab-wbrec-'));
const kubectl = (...args: string[]) => execFileSync(repoPath('test/lab/kubectl'), args, { encoding: 'utf8' });
const handlers = createHandlers({ shell: 'server', env: { KUBECONFIG: info.adminKubeconfig, PATHLIGHT_RECORDINGS_DIR: dir } });
const { call, answer } = apiOn(handlers, 250);
const s = labScenarios.find((x) => x.name === 'deny-backend-ingress')!;
const ns = s.from.split('/')[0]!;
afterAll(() => {
  kubectl('label', 'namespace', ns, 'pathlight-recorded-');
  rmSync(dir, { recursive: true, force: true });
});

describe('recording a live lab session from the workbench', () => {
  it('keeps the cluster and its changes, the question with its probe events and answer, and a note; replays them', async () => {
    const open = await call('cluster.open', { source: { kind: 'default' }, context: 'pathlight-lab-admin@pathlight-lab' });
    const { session } = open;
    const started = await call('recording.start', { session });
    const stamp = `t${Date.now()}`;
    kubectl('label', 'namespace', ns, `pathlight-recorded=${stamp}`, '--overwrite');
    const { question } = await call('why.ask', { session, from: s.from, to: s.to, probe: 'ssh', sshConfig: info.sshConfig, durationSec: 8 });
    const st = await answer(question);
    expect(st.state, JSON.stringify(st.error)).toBe('done');
    expect(st.diagnosis?.findings[0]?.kind).toBe(s.expected.kind);
    expect(st.diagnosis?.live?.events).toBeGreaterThan(0);
    await call('recording.note', { session, text: 'frontend → backend denied' });
    const stopped = await call('recording.stop', { session });
    expect(stopped).toMatchObject({ path: started.path, questions: 1, notes: 1 });
    await call('cluster.close', { session });

    // The change made while recording is in the file, at its time.
    const rec = await openRecording(stopped.path);
    expect(rec.complete).toBe(true);
    expect(rec.meta.context).toBe('pathlight-lab-admin@pathlight-lab');
    expect(rec.meta.nodes).toContain(info.node.name);
    const label = (t: number) =>
      (rec
        .frameAt(t)
        .cluster.list('Namespace')
        .find((n) => n.metadata?.name === ns)?.metadata?.labels ?? {})['pathlight-recorded'];
    expect(label(rec.start!)).not.toBe(stamp);
    expect(label(rec.end!)).toBe(stamp);

    // In the workbench: the recorded answer, the note, the kernel's drops with their pods.
    const replay = await call('recording.open', { source: { kind: 'path', path: stopped.path } });
    const q = replay.replay!.questions[0]!;
    expect(q).toMatchObject({ from: s.from, to: s.to, probe: 'ssh', top: s.expected.kind });
    expect(replay.replay!.notes.map((n) => n.text)).toEqual(['frontend → backend denied']);
    let drops = await call('events.page', { session: replay.session, filter: { reason: 'NETFILTER_DROP' }, offset: 0, limit: 20 });
    for (let i = 0; drops.pending && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      drops = await call('events.page', { session: replay.session, filter: { reason: 'NETFILTER_DROP' }, offset: 0, limit: 20 });
    }
    expect(drops.pending).toBeUndefined();
    expect(drops.matched).toBeGreaterThan(0);
    expect(drops.rows.some((r) => r.src.startsWith(`${ns}/frontend-`) && r.dst.startsWith(`${ns}/backend-`))).toBe(true);
    const again = await call('why.ask', { session: replay.session, from: s.from, to: s.to, probe: 'none', durationSec: 1 });
    const re = await answer(again.question);
    expect(re.diagnosis?.findings[0]?.kind).toBe(s.expected.kind);
    expect(re.diagnosis?.live?.events).toBeGreaterThan(0);
    await call('cluster.close', { session: replay.session });
  }, 120_000);
});
