/**
 * The http-server-error finding: on the lab's healthy scenario (recorded events:
 * test/fixtures/diagnose/healthy.json), HTTP exchanges from A to B answered 5xx make the
 * answer say B's application fails the requests, with the first failing request, the
 * process that sent it and the latency; 2xx answers stay a note and the verdict reachable.
 */
import { describe, expect, it } from 'vitest';
import { diagnose as d } from '../../../../src/core/index.js';
import { labFixtures, view } from '../../../helpers/diagnose.js';

const fx = labFixtures().find((f) => f.scenario === 'healthy')!;
const conn = fx.events.find((e) => e.type === 'tcp' && e.event === 'established' && e.role === 'client')!;

/** An http line of the client's view of A → B (the Service's address, as A's socket sees it), as the agent writes it. */
function exchange(i: number, status: number, role: 'client' | 'server' = 'client', path = '/api') {
  return {
    v: 1,
    type: 'http',
    ts: conn.ts + 1e9 + i * 1e6,
    node: conn.node,
    netns: conn.netns,
    proto: 'tcp',
    family: 4,
    src: conn.src,
    sport: conn.sport,
    dst: conn.dst,
    dport: conn.dport,
    role,
    method: 'GET',
    path,
    queryStripped: true,
    host: 'backend:8080',
    version: 'HTTP/1.1',
    status,
    latencyNs: (10 + i) * 1e6,
    proc: { pid: 3450, tid: 3450, comm: 'wget', cgroupId: 9 },
    identities: conn.identities,
  };
}

function answer(extra: Array<Record<string, unknown>>, opts: { httpSlowMs?: number } = {}) {
  const c = new d.Correlator();
  for (const e of [...fx.events, ...extra]) c.add(e as d.EvidenceLine);
  const r = d.diagnose(view(fx.objects), fx.query, { correlator: c, ...opts });
  if (!r.ok) throw new Error(r.error.message);
  const plain = JSON.parse(JSON.stringify(r.value)) as unknown;
  expect(d.diagnosisSchema.parse(plain)).toEqual(plain);
  return r.value;
}

describe('http-server-error', () => {
  it('B answering every request 503 is the answer, with the request, the process and the latency', () => {
    const a = answer([0, 1, 2].map((i) => exchange(i, 503, 'client', '/fail')));
    expect(a.verdict).toBe('unreachable');
    const f = a.findings[0]!;
    expect(f.kind).toBe('http-server-error');
    expect(f.hop).toBe('backend');
    expect(f.summary).toContain('3 of 3 HTTP requests got a 5xx status (first: GET /fail?… (Host backend:8080) → 503)');
    const text = f.evidence.map((e) => ('text' in e ? e.text : '')).join('\n');
    expect(text).toContain('3× 503');
    expect(text).toContain('by wget (pid 3450)');
    expect(text).toContain('after 10.0 ms');
    expect(d.findingHeadline(f, a)).toBe('frontend → backend:8080 fails: the server answers HTTP 5xx');
  });

  it('some 5xx among successes is a warning, and the connections still make B reachable', () => {
    const a = answer([exchange(0, 200), exchange(1, 200), exchange(2, 500)]);
    expect(a.verdict).toBe('reachable');
    const f = a.findings.find((x) => x.kind === 'http-server-error')!;
    expect(f.severity).toBe('warning');
    expect(f.summary).toContain('1 of 3 HTTP requests');
    expect(d.findingHeadline(f, a)).toBe('frontend → backend:8080 partly fails: some HTTP requests answered 5xx');
  });

  it('counts an exchange once when both the client and the server socket saw it', () => {
    const a = answer([exchange(0, 503), { ...exchange(0, 503, 'server'), netns: 1, ts: conn.ts + 1e9 + 5e5 }]);
    expect(a.findings.find((x) => x.kind === 'http-server-error')?.summary).toContain('1 of 1 HTTP request got');
  });

  it('2xx answers are a note, not a finding; exchanges of other pairs are not counted', () => {
    const a = answer([exchange(0, 200), { ...exchange(1, 503), src: '10.244.9.9' }]);
    expect(a.verdict).toBe('reachable');
    expect(a.findings.some((x) => x.kind === 'http-server-error')).toBe(false);
    expect(a.notes.some((n) => n.startsWith('1 HTTP request from A to ') && n.includes('1× 200'))).toBe(true);
  });
});

describe('http-client-error', () => {
  it('B refusing every request 403 is the answer, naming the L7 policies that say 403 as well as the application', () => {
    const a = answer([0, 1].map((i) => exchange(i, 403, 'client', '/admin')));
    expect(a.verdict).toBe('unreachable');
    const f = a.findings[0]!;
    expect(f).toMatchObject({ kind: 'http-client-error', hop: 'backend', severity: 'error', source: 'live' });
    expect(f.summary).toContain('2 of 2 HTTP requests got a 4xx status (first: GET /admin?… (Host backend:8080) → 403)');
    expect(f.summary).toContain('L7 policy');
    expect(f.fix?.description).toMatch(/AuthorizationPolicy|CiliumNetworkPolicy/);
    expect(d.findingHeadline(f, a)).toBe('frontend → backend:8080 refused by the server: HTTP 4xx');
  });

  it('the example is the first request the probes saw: an earlier exchange whose request came before the agent shows none', () => {
    const { method, path, ...unseen } = exchange(0, 403, 'client', '/admin');
    void [method, path];
    const a = answer([unseen, exchange(1, 403, 'client', '/admin')]);
    expect(a.findings[0]!.summary).toContain('2 of 2 HTTP requests got a 4xx status (first: GET /admin?… (Host backend:8080) → 403)');
  });

  it('a 404 among successes is a warning about the path, not a policy', () => {
    const a = answer([exchange(0, 200), exchange(1, 404, 'client', '/missing')]);
    expect(a.verdict).toBe('reachable');
    const f = a.findings.find((x) => x.kind === 'http-client-error')!;
    expect(f.severity).toBe('warning');
    expect(f.summary).not.toContain('L7 policy');
    expect(f.fix?.description).toContain('GET /missing?… (Host backend:8080) → 404');
  });
});

describe('http-slow', () => {
  const slowly = (i: number, ms: number) => ({ ...exchange(i, 200), latencyNs: ms * 1e6 });

  it('a p99 above the limit is a warning with the slowest request; under it, a note', () => {
    const events = [slowly(0, 20), slowly(1, 30), slowly(2, 1500)];
    const a = answer(events);
    const f = a.findings.find((x) => x.kind === 'http-slow')!;
    expect(f).toMatchObject({ hop: 'backend', severity: 'warning', source: 'live' });
    expect(f.summary).toContain('p99 1500.0 ms over 3 HTTP requests, above the 1000.0 ms limit; 1 took longer');
    expect(a.verdict).toBe('reachable');
    // The user's limit: 2 s lets the same answers through.
    const lenient = answer(events, { httpSlowMs: 2000 });
    expect(lenient.findings.some((x) => x.kind === 'http-slow')).toBe(false);
    expect(lenient.notes.some((n) => n.includes('p99 1500.0 ms'))).toBe(true);
  });
});

describe('TLS', () => {
  /** A ClientHello's line, as the agent writes it: counted, nothing decoded. */
  const hello = (i: number, role: 'client' | 'server' = 'client') => {
    const { method, path, queryStripped, host, latencyNs, ...rest } = exchange(i, 0, role);
    void [method, path, queryStripped, host, latencyNs];
    return { ...rest, version: 'TLS', encrypted: true, sport: Number(conn.sport) + i };
  };

  it('A → B over TLS: the connections are counted and said to be encrypted, never read as HTTP answers', () => {
    const a = answer([hello(0), hello(1), hello(0, 'server')]);
    expect(a.verdict).toBe('reachable');
    expect(a.findings.some((x) => x.kind.startsWith('http-'))).toBe(false);
    expect(a.notes).toContain('2 TLS connections from A to backend:8080: encrypted, not decoded (no HTTP status or latency can be read from them).');
  });

  it('beside plaintext exchanges, the TLS connections do not count as requests', () => {
    const a = answer([hello(0), exchange(1, 503)]);
    expect(a.findings.find((x) => x.kind === 'http-server-error')?.summary).toContain('1 of 1 HTTP request got');
    expect(a.notes.some((n) => n.startsWith('1 TLS connection from A'))).toBe(true);
  });
});
