/**
 * The bundled demo (assets/demo.pathlight, recorded from the real lab by
 * test/lab/make-demo.mjs): replaying it answers each of the lab's nine questions with the
 * scenario's expected verdict and top finding, the same answers it recorded; and
 * `pathlight serve --open` opens it (the recording `npm start` shows without a kubeconfig).
 */
import { spawn, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { labScenarios } from '../../lab/scenarios.mjs';
import { repoPath } from '../../helpers/paths.js';

const demo = repoPath('assets/demo.pathlight');
const cli = (args: string[]) => spawnSync(process.execPath, [repoPath('bin/pathlight.cjs'), ...args], { encoding: 'utf8', timeout: 60_000 });

describe('assets/demo.pathlight', () => {
  it('is small', () => {
    expect(statSync(demo).size).toBeLessThan(2 * 2 ** 20);
  });

  it("replays to every lab scenario's expected answer, the one recorded", () => {
    const r = cli(['replay', demo, '--why', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const answers = r.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            question: { from: string; to: string };
            verdict: string;
            findings: Array<{ kind: string }>;
            same: boolean;
            live?: { events: number };
          },
      );
    expect(answers.map((a) => a.question.from)).toEqual(labScenarios.map((s) => s.from));
    answers.forEach((a, i) => {
      const s = labScenarios[i]!;
      expect({ scenario: s.name, verdict: a.verdict, top: a.findings[0]?.kind, same: a.same }).toEqual({
        scenario: s.name,
        verdict: s.expected.verdict,
        top: s.expected.kind,
        same: true,
      });
      expect(a.live?.events).toBeGreaterThan(0);
    });
  });

  it('opens in server mode with --open', async () => {
    const child = spawn(process.execPath, [repoPath('bin/pathlight.cjs'), 'serve', '--open', demo, '--port', '0', '--no-open'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const end = Date.now() + 30_000;
    while (!out.includes('serving at') && Date.now() < end && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    expect(out).toMatch(/Recording: .*demo\.pathlight \(9 question\(s\), [\d.]+ s\)/);
    expect(out).toMatch(/Pathlight is serving at http:\/\/127\.0\.0\.1:\d+\/\?token=/);
  }, 40_000);

  it('serve --open refuses a file that is not a recording, with the next step', () => {
    const r = cli(['serve', '--open', repoPath('package.json'), '--port', '0', '--no-open']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not a Pathlight recording[\s\S]*next: Open a \.pathlight file/);
  });
});
