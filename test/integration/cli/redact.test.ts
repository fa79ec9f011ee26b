import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingReader, RecordingWriter } from '../../../src/backend/store/container.js';
import { SessionReplay, migrate, type SessionRecord } from '../../../src/core/index.js';
import { hopKinds } from '../../../src/core/diagnose/types.js';
import { fixture, repoPath } from '../../helpers/paths.js';
import { syntheticSession } from '../../helpers/session.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-redact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pathlight(args: string[]) {
  const r = spawnSync(process.execPath, [repoPath('bin/pathlight.cjs'), ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function readAll(file: string) {
  const r = RecordingReader.open(file);
  const records = [...migrate(r.header, r.records())];
  r.close();
  return records;
}

describe('pathlight redact', () => {
  it('writes a copy with pseudonyms that replay still summarises and replays', () => {
    const src = path.join(dir, 'session.pathlight');
    const w = new RecordingWriter(src);
    for (const r of syntheticSession()) w.append(r);
    w.close();
    const out = path.join(dir, 'shared.pathlight');
    const r = pathlight(['redact', src, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Redacted 9 records into .*shared\.pathlight/);
    const text = JSON.stringify(readAll(out));
    for (const s of ['shop', 'frontend-7c9f', 'backend-5d8b', 'node-a', '10.244.', '10.96.0.20', '192.168.10.1', 'prod-eu', 'example.com'])
      expect(text.includes(s), s).toBe(false);
    const frame = new SessionReplay(readAll(out)).at(Infinity);
    expect(frame.meta.redacted).toBe(true);
    expect(frame.cluster.list('Pod').map((p) => p.metadata?.namespace)).toEqual(['ns-1', 'ns-1']);
    const summary = JSON.parse(pathlight(['replay', out, '--json']).stdout);
    expect(summary).toMatchObject({ records: 9, probeEvents: { drop: 1, tcp: 1 } });
    expect(readFileSync(out).length).toBeGreaterThan(0);
  });

  it('redacts an older (v1) recording through the migration', () => {
    const out = path.join(dir, 'v1.pathlight');
    expect(pathlight(['redact', fixture('recordings/v1-small.pathlight'), '--out', out]).code).toBe(0);
    const records = readAll(out);
    expect(records).toHaveLength(300);
    // (its node is called node-1, which is also the first node pseudonym)
    expect(JSON.stringify(records).includes('10.244.')).toBe(false);
    expect(new Set(records.map((r) => (r.data as { dst: string }).dst)).size).toBe(1);
  });

  it('never overwrites, and says what is wrong with a bad input', () => {
    const out = path.join(dir, 'taken.pathlight');
    pathlight(['redact', fixture('recordings/v1-small.pathlight'), '--out', out]);
    const again = pathlight(['redact', fixture('recordings/v1-small.pathlight'), '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; recordings are never overwritten/);
    const bad = pathlight(['redact', repoPath('package.json'), '--out', path.join(dir, 'x.pathlight')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a Pathlight recording/);
  });
});

/** A Kubernetes object as the demo holds it (only what the name collection reads). */
interface Obj {
  metadata?: {
    name?: string;
    namespace?: string;
    generateName?: string;
    labels?: Record<string, string>;
    ownerReferences?: Array<{ kind: string; name: string }>;
  };
  spec?: {
    nodeName?: string;
    containers?: Array<{ name?: string; image?: string }>;
    initContainers?: Array<{ name?: string; image?: string }>;
    ingress?: unknown[];
    egress?: unknown[];
  };
}

/** Every namespace, pod, workload, node, policy and rule, Service, image and registry name of a recording. */
function originalNames(records: readonly SessionRecord[]): Set<string> {
  const names = new Set<string>();
  const add = (s: unknown) => typeof s === 'string' && s && names.add(s);
  const objects: Obj[] = [];
  for (const r of records) {
    const d = r.data as { objects?: Record<string, Obj[]>; object?: Obj; nodes?: string[]; context?: string; cluster?: { name?: string } };
    if (r.kind === 'snapshot') for (const list of Object.values(d.objects ?? {})) objects.push(...list);
    if (r.kind === 'watch' && d.object) objects.push(d.object);
    if (r.kind === 'meta') [...(d.nodes ?? []), d.context, d.cluster?.name].forEach(add);
  }
  for (const o of objects) {
    const m = o.metadata ?? {};
    [m.name, m.namespace, m.generateName?.replace(/-$/, ''), o.spec?.nodeName].forEach(add);
    const hash = m.labels?.['pod-template-hash'];
    for (const ref of m.ownerReferences ?? []) {
      add(ref.name);
      if (hash && ref.name.endsWith(`-${hash}`)) add(ref.name.slice(0, -hash.length - 1)); // the Deployment
    }
    for (const c of [...(o.spec?.containers ?? []), ...(o.spec?.initContainers ?? [])]) {
      if (!c.image) continue;
      add(c.image);
      // registry host and repository path: pathlight.local/busybox:lab → pathlight.local, busybox
      for (const part of c.image
        .replace(/@.*$/, '')
        .replace(/:[^/:]*$/, '')
        .split('/'))
        add(part);
    }
    for (const rule of [...(o.spec?.ingress ?? []), ...(o.spec?.egress ?? [])]) add((rule as { name?: string }).name);
  }
  // Kubernetes' own names stay by design (documented in src/core/recording/redactFields.ts).
  for (const b of ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'kubernetes', 'kube-dns', 'coredns', 'kube-proxy']) names.delete(b);
  return names;
}

/** Every string of the records, keys included, with where it is; a hop keeps Pathlight's own name. */
function strings(v: unknown, at: string, out: Array<[string, string]>): Array<[string, string]> {
  if (typeof v === 'string') out.push([at, v]);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, `${at}[]`, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.push([`${at}{key}`, k]);
      if (k === 'hop' && (hopKinds as readonly string[]).includes(x as string)) continue;
      strings(x, `${at}.${k}`, out);
    }
  }
  return out;
}

describe('pathlight redact on the bundled demo', () => {
  const demo = repoPath('assets/demo.pathlight');
  const out = path.join(dir, 'demo-redacted.pathlight');
  const original = readAll(demo);
  let r: ReturnType<typeof pathlight>;
  beforeAll(() => {
    r = pathlight(['redact', demo, '--out', out]);
  });

  it('leaves no namespace, pod, workload, node, policy, rule, image or registry name of the original', () => {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const names = originalNames(original);
    // the collection works: the lab's names, its ReplicaSet-hashed workloads, its ANP rule, its images
    for (const n of ['lab-healthy', 'frontend', 'backend', 'db', 'pathlight-lab-node', 'deny-frontend', 'pathlight.local', 'busybox'])
      expect(names, n).toContain(n);
    expect([...names].some((n) => /^frontend-[a-z0-9]+$/.test(n))).toBe(true);
    const redacted = readAll(out);
    const found: string[] = [];
    const pattern = new RegExp(
      `(?<![A-Za-z0-9_])(?:${[...names]
        .sort((a, b) => b.length - a.length)
        .map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|')})(?![A-Za-z0-9_])`,
    );
    for (const rec of redacted) for (const [at, s] of strings(rec.data, rec.kind, [])) if (pattern.test(s)) found.push(`${at}: ${s.slice(0, 160)}`);
    expect(found).toEqual([]);
  });

  it('replays to the same verdicts and findings, each the answer it recorded', () => {
    const why = (file: string) =>
      pathlight(['replay', file, '--why', '--json'])
        .stdout.trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { verdict: string; findings: Array<{ kind: string; hop: string }>; same: boolean });
    const before = why(demo);
    const after = why(out);
    expect(after).toHaveLength(9);
    expect(after.map((a) => ({ verdict: a.verdict, findings: a.findings.map((f) => [f.kind, f.hop]), same: a.same }))).toEqual(
      before.map((a) => ({ verdict: a.verdict, findings: a.findings.map((f) => [f.kind, f.hop]), same: true })),
    );
  });
});

describe('pathlight replay of older and current fixtures', () => {
  it.each(['v1-small', 'v2-small'])('summarises %s', (name) => {
    const r = pathlight(['replay', fixture(`recordings/${name}.pathlight`), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).records).toBeGreaterThan(0);
  });
});
