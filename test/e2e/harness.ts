/**
 * E2E harness: the real `pathlight serve` as a child process, and Debian's Chromium driven by
 * playwright-core (Playwright's own browser download is not possible everywhere).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoPath } from '../helpers/paths.js';

export const chromiumPath = process.env.PATHLIGHT_CHROMIUM ?? '/usr/bin/chromium';
export const screenshotDir = repoPath('test-results/e2e');

export interface Served {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A kubeconfig whose contexts name the fake clusters `fake-<scenario>` (its server is never contacted). */
export function fakeKubeconfig(scenarios: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pathlight-e2e-'));
  const file = path.join(dir, 'config');
  const ctx = scenarios.map((s) => `- name: fake-${s}\n  context: {cluster: fake, user: fake}`).join('\n');
  writeFileSync(
    file,
    `apiVersion: v1\nkind: Config\ncurrent-context: fake-${scenarios[0]}\nclusters:\n- name: fake\n  cluster: {server: 'https://127.0.0.1:9'}\nusers:\n- name: fake\n  user: {token: not-a-real-token}\ncontexts:\n${ctx}\n`,
  );
  return file;
}

/** Starts `pathlight serve --port 0 --no-open [args…]` and waits for the URL it prints. */
export function serve(env: Record<string, string>, args: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [repoPath('bin/pathlight.cjs'), 'serve', '--port', '0', ...args, '--no-open'], {
    env: { ...process.env, HOME: '/nonexistent-home', KUBECONFIG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pathlight serve printed no URL in 20 s:\n${output}`)), 20_000);
    const onData = (d: Buffer) => {
      output += d;
      const m = /serving at (http:\/\/\S+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          child,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pathlight serve exited (${code}):\n${output}`));
    });
  });
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: run \`npm run setup\` (installs Debian's chromium) or set PATHLIGHT_CHROMIUM.`);
  }
  mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** The contract calls a page sends over its WebSocket, with when it sent them (ms, Date.now()). */
export interface SentCalls {
  readonly calls: ReadonlyArray<{ method: string; at: number }>;
  /** The events the engine pushed to the page. */
  readonly pushed: ReadonlyArray<{ event: string; at: number }>;
  /** Calls of these methods sent at or after `from`. */
  since(from: number, methods: readonly string[]): string[];
}

/** Counts the calls the page sends (server mode: one `call` frame each) and the events it gets, from now on. */
export function recordCalls(page: Page): SentCalls {
  const calls: Array<{ method: string; at: number }> = [];
  const pushed: Array<{ event: string; at: number }> = [];
  page.on('websocket', (ws) => {
    ws.on('framereceived', ({ payload }) => {
      try {
        const frame = JSON.parse(String(payload)) as { t?: string; name?: string };
        if (frame.t === 'event' && frame.name) pushed.push({ event: frame.name, at: Date.now() });
      } catch {
        // not a contract frame
      }
    });
    ws.on('framesent', ({ payload }) => {
      try {
        const frame = JSON.parse(String(payload)) as { t?: string; method?: string };
        if (frame.t === 'call' && frame.method) calls.push({ method: frame.method, at: Date.now() });
      } catch {
        // not a contract frame
      }
    });
  });
  return {
    calls,
    pushed,
    since: (from, methods) => calls.filter((c) => c.at >= from && methods.includes(c.method)).map((c) => c.method),
  };
}

/** The calls a UI used to repeat on a timer while something could change. */
export const pollingCalls = ['graph.changes', 'events.page', 'why.status', 'probes.status'] as const;
