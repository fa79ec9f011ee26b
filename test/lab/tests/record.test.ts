/**
 * `pathlight record` against the lab — the real API server, the agent on the lab node over SSH
 * with the lab's ssh_config, the scenario's own traffic — then `pathlight replay --why` on the
 * file, offline: the same top finding and the same findings as the live answer, with the live
 * evidence replayed from the recorded probe events.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labScenarios } from '../scenarios.mjs';
import { lab } from '../../helpers/lab.js';
import { repoPath } from '../../helpers/paths.js';
import type { diagnose } from '../../../src/core/index.js';

const info = lab();
const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-lab-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pathlight(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

describe('pathlight record → replay (lab)', () => {
  const s = labScenarios.find((x) => x.name === 'deny-backend-ingress')!;

  it(`records ${s.name} with probes over SSH and replays it offline to the same answer`, async () => {
    const file = path.join(dir, `${s.name}.pathlight`);
    const rec = await pathlight([
      'record',
      '--kubeconfig',
      info.adminKubeconfig,
      '--from',
      s.from,
      '--to',
      s.to,
      '--probe',
      'ssh',
      '--ssh-config',
      info.sshConfig,
      '--duration',
      '8s',
      '--json',
      '--out',
      file,
    ]);
    expect(rec.code, rec.stderr).toBe(1);
    const live = JSON.parse(rec.stdout) as diagnose.Diagnosis;
    expect(live.findings[0]?.kind).toBe(s.expected.kind);
    expect(live.live?.events).toBeGreaterThan(0);
    expect(existsSync(file)).toBe(true);

    const again = await pathlight(['replay', file, '--why', '--json']);
    expect(again.code, again.stderr).toBe(1);
    const lines = again.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as diagnose.Diagnosis & { same: boolean; recorded: { top: string } });
    expect(lines).toHaveLength(1);
    const [r] = lines;
    expect(r?.findings[0]?.kind).toBe(live.findings[0]?.kind);
    expect(r?.findings.map((f) => [f.kind, f.summary])).toEqual(live.findings.map((f) => [f.kind, f.summary]));
    expect(r?.live).toEqual(live.live);
    expect(r?.same).toBe(true);
    expect(r?.recorded.top).toBe(s.expected.kind);

    // The file is never overwritten.
    const twice = await pathlight(['record', '--kubeconfig', info.adminKubeconfig, '--from', s.from, '--to', s.to, '--out', file]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/exists; a recording is never overwritten/);
  }, 90_000);
});
