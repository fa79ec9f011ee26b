/**
 * A live session recorded through SessionRecorder never carries a credential, and replays to
 * the cluster it saw. The source is a stand-in for ClusterSnapshot (same list/onChange
 * surface); the kubeconfig is a real file loaded the way the app loads it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../../src/backend/cluster/kubeconfig.js';
import { RecordingReader } from '../../../src/backend/store/container.js';
import { SessionRecorder, metaFromKubeConfig, type WatchSource } from '../../../src/backend/store/recorder.js';
import { SessionReplay, migrate, recordObject } from '../../../src/core/index.js';
import { at, makeNamespace, makeNode, makePod, makeService } from '../../helpers/session.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pathlight-session-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const secrets = {
  token: 'kubeconfig-token-7f3a9c1e5b',
  clientKey: 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCnNlY3JldC1rZXk=',
  clientCert: 'Q0xJRU5ULUNFUlQtREFUQS0xMjM0NQ==',
  kubePassword: 'kube-basic-pw-5541',
  dbPassword: 'db-hunter2-0042',
  bearer: 'annot-bearer-4e8d2a1f',
  pemBody: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjPEMSECRET',
  secretData: 'c2VjcmV0LW9iamVjdC1kYXRh',
  jwt: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2E6ZGVtbyJ9.UkVBTFNJR05BVFVSRQ',
  lastApplied: 'last-applied-env-secret-9931',
  url: 'url-pw-7711',
};

function kubeconfig(): string {
  const file = path.join(dir, 'kubeconfig.yaml');
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
current-context: prod
clusters:
  - name: prod-cluster
    cluster:
      server: https://admin:${secrets.url}@api.prod.example.test:6443
contexts:
  - name: prod
    context: { cluster: prod-cluster, user: admin }
users:
  - name: admin
    user:
      token: ${secrets.token}
      client-key-data: ${secrets.clientKey}
      client-certificate-data: ${secrets.clientCert}
      username: admin
      password: ${secrets.kubePassword}
`,
  );
  return file;
}

/** The objects a live snapshot would hold, several of them carrying credentials. */
function clusterObjects() {
  const api = makePod('shop', 'api-6d4f-k2x9p', '10.244.1.9', 'node-a', {
    metadata: {
      namespace: 'shop',
      name: 'api-6d4f-k2x9p',
      labels: { app: 'api' },
      managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }],
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec: { containers: [{ env: [{ name: 'X', value: secrets.lastApplied }] }] } }),
        'example.com/webhook': `curl -H "Authorization: Bearer ${secrets.bearer}" https://hooks.example.test`,
        'example.com/tls': `-----BEGIN PRIVATE KEY-----\n${secrets.pemBody}\n-----END PRIVATE KEY-----`,
      },
    },
    spec: {
      nodeName: 'node-a',
      containers: [
        {
          name: 'api',
          env: [
            { name: 'DB_PASSWORD', value: secrets.dbPassword },
            { name: 'SA_TOKEN', value: secrets.jwt },
            { name: 'PORT', value: '8080' },
          ],
        },
      ],
    },
  });
  return {
    Namespace: [makeNamespace('shop')],
    Node: [makeNode('node-a', '192.168.5.10')],
    Pod: [api, makePod('shop', 'web-5c7b-aaaaa', '10.244.1.10')],
    Service: [makeService('shop', 'api', '10.96.0.50', { app: 'api' })],
    Secret: [{ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'shop', name: 'db' }, data: { password: secrets.secretData } }],
  } as Record<string, Array<Record<string, unknown>>>;
}

class FakeSnapshot implements WatchSource {
  private listeners = new Set<(c: Parameters<Parameters<WatchSource['onChange']>[0]>[0]) => void>();
  constructor(readonly objects: Record<string, Array<Record<string, unknown>>>) {}
  list(kind: never): readonly unknown[] {
    return this.objects[kind] ?? [];
  }
  kinds() {
    return Object.keys(this.objects);
  }
  onChange(cb: Parameters<WatchSource['onChange']>[0]) {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
  /** Applies a change to the lists and tells the listeners, as the informers do. */
  emit(ts: number, type: 'ADDED' | 'MODIFIED' | 'DELETED', kind: string, object: Record<string, unknown>) {
    const name = (object.metadata as { name: string }).name;
    const list = (this.objects[kind] ??= []).filter((o) => (o.metadata as { name: string }).name !== name);
    if (type !== 'DELETED') list.push(object);
    this.objects[kind] = list;
    for (const l of this.listeners) l({ ts, type, kind, object });
  }
}

/** Every byte of the file's payloads, decompressed, as the text someone could grep. */
function rawText(file: string): string {
  const b = readFileSync(file);
  let at = 12 + b.readUInt32LE(8);
  let text = b.subarray(0, at).toString('utf8');
  while (at + 36 <= b.length && b.subarray(at, at + 4).toString('latin1') === 'PLCH') {
    const len = b.readUInt32LE(at + 4);
    text += '\n' + zstdDecompressSync(b.subarray(at + 36, at + 36 + len)).toString('utf8');
    at += 36 + len;
  }
  return text;
}

async function recordSession(file: string) {
  const kc = await loadKubeConfig(kubeconfig(), 'prod', {});
  let now = at(0);
  const rec = SessionRecorder.create(file, { meta: metaFromKubeConfig(kc), clock: () => now });
  const snap = new FakeSnapshot(clusterObjects());
  rec.attach(snap);
  rec.probe('node-a', { v: 1, type: 'hello', ts: at(1), node: 'node-a', version: '0.4.2', kernel: '6.8.0' });
  const api = snap.objects.Pod![0]!;
  snap.emit(at(2), 'MODIFIED', 'Pod', {
    ...api,
    status: { phase: 'Running', podIP: '10.244.1.9', podIPs: [{ ip: '10.244.1.9' }], message: `retry with token=${secrets.token}` },
  });
  snap.emit(at(3), 'ADDED', 'Secret', { kind: 'Secret', metadata: { namespace: 'shop', name: 'db2' }, data: { password: secrets.secretData } });
  snap.emit(at(4), 'DELETED', 'Pod', snap.objects.Pod![0]!);
  snap.emit(at(5), 'ADDED', 'Pod', makePod('shop', 'api-6d4f-n7m2q', '10.244.1.9'));
  rec.probe(
    'node-a',
    { v: 1, type: 'drop', ts: at(6), node: 'node-a', src: '10.244.1.10', dst: '10.244.1.9', reason: 'NETFILTER_DROP' },
    { dst: { kind: 'pod', namespace: 'shop', name: 'api-6d4f-n7m2q' } },
  );
  now = at(7);
  const q = rec.question({ from: 'shop/web-5c7b-aaaaa', to: 'shop/svc/api', port: 80, protocol: 'TCP' });
  now = at(8);
  rec.answer(q, { verdict: 'unreachable', findings: [{ kind: 'packet-dropped', summary: `seen with Authorization: Bearer ${secrets.bearer}` }], notes: [] });
  rec.note(`kubectl --token=${secrets.token} get pods`);
  rec.close();
  return snap;
}

describe('SessionRecorder', () => {
  it('never writes a credential: kubeconfig token, client key, passwords, bearer tokens, PEM keys, Secrets', async () => {
    const file = path.join(dir, 'creds.pathlight');
    await recordSession(file);
    const text = rawText(file);
    expect(text).toContain('api-6d4f-k2x9p'); // the decompression works: the records are there
    for (const [what, secret] of Object.entries(secrets)) expect(text, what).not.toContain(secret);
    expect(text).not.toContain('managedFields');
    expect(text).not.toContain('last-applied-configuration');
    expect(text).not.toMatch(/"kind":"Secret"/);
    expect(text).toContain('"name":"DB_PASSWORD"');
  });

  it('writes meta, snapshot, watch, probe, question, answer and note records that replay to the cluster it saw', async () => {
    const file = path.join(dir, 'replay.pathlight');
    const snap = await recordSession(file);
    const r = RecordingReader.open(file);
    const records = [...migrate(r.header, r.records())];
    r.close();
    expect(new Set(records.map((x) => x.kind))).toEqual(new Set(['meta', 'snapshot', 'watch', 'probe', 'question', 'answer', 'note']));
    const replay = new SessionReplay(records);
    const end = replay.at(Infinity);
    expect(end.meta).toMatchObject({
      source: 'live',
      context: 'prod',
      cluster: { name: 'prod-cluster', server: 'https://api.prod.example.test:6443' },
      nodes: ['node-a'],
      agents: { 'node-a': '0.4.2' },
    });
    expect(end.meta.appVersion).toMatch(/^\d+\.\d+\.\d+/);
    for (const kind of ['Namespace', 'Node', 'Pod', 'Service'] as const) {
      expect(end.cluster.list(kind), kind).toEqual(expect.arrayContaining(snap.objects[kind]!.map((o) => recordObject(o, kind))));
      expect(end.cluster.list(kind)).toHaveLength(snap.objects[kind]!.length);
    }
    expect(end.cluster.kinds()).not.toContain('Secret');
    // at 3 s the first api pod (modified at 2 s) is still there
    expect(replay.at(at(3)).cluster.get('Pod', 'api-6d4f-k2x9p', 'shop')?.status).toMatchObject({ message: 'retry with token=[scrubbed]' });
    expect(end.identities.at('10.244.1.9', at(3))?.name).toBe('api-6d4f-k2x9p');
    expect(end.identities.at('10.244.1.9', at(6))?.name).toBe('api-6d4f-n7m2q');
    expect(end.probes.map((p) => p.line.type)).toEqual(['hello', 'drop']);
    expect(end.probes[1]?.line.identities?.dst?.name).toBe('api-6d4f-n7m2q');
    expect(end.questions[0]).toMatchObject({
      question: { from: 'shop/web-5c7b-aaaaa', id: 'q1' },
      answer: { data: { question: 'q1', diagnosis: { verdict: 'unreachable' } } },
    });
  });

  it('has what was recorded on disk within about a second, without closing', async () => {
    const file = path.join(dir, 'live.pathlight');
    const rec = SessionRecorder.create(file, { meta: { context: 'live' } });
    rec.note('first');
    await new Promise((res) => setTimeout(res, 1300));
    const r = RecordingReader.open(file);
    expect(r.complete).toBe(false);
    expect([...r.records()].map((x) => x.kind)).toEqual(['meta', 'note']);
    r.close();
    rec.close();
  });
});

/** One fixture per common secret shape, each a distinct value to grep for. */
const shapes = {
  dbPass: 'env-db-pass-1001',
  mysqlRootPass: 'env-mysql-root-1002',
  signingKey: 'env-signing-key-1003',
  passphrase: 'env-passphrase-1004',
  dsnEnv: 'env-dsn-pw-1005',
  argPassword: 'arg-password-1006',
  argToken: 'arg-token-1007',
  argDbPass: 'arg-db-pass-1008',
  github: 'ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8',
  slack: 'T00000000/B11111111/XXXXslackhookXXXX1009',
  dsnText: 'pw-1010-x', // after an @ inside the password: `dsn@pw-1010-x`
  configPass: 'cm-pass-1011',
  probePassword: 'probe-password-1012',
  probeToken: 'probe-token-1013',
  probeDsn: 'probe-dsn-pw-1014',
  crdPass: 'crd-pass-1015',
  noteToken: 'note-token-1016',
  plainEnv: 'plain-env-value-1017',
};

function secretShapesPod(): Record<string, unknown> {
  return makePod('shop', 'db-7f8c-abcde', '10.244.1.20', 'node-a', {
    metadata: {
      namespace: 'shop',
      name: 'db-7f8c-abcde',
      labels: { app: 'db' },
      annotations: { 'example.com/alerts': `https://hooks.slack.com/services/${shapes.slack}` },
    },
    spec: {
      nodeName: 'node-a',
      containers: [
        {
          name: 'db',
          image: 'postgres:16',
          command: ['/bin/sh', '-c', `deploy --github ${shapes.github}`],
          args: ['--password', shapes.argPassword, '--token', shapes.argToken, `--db-pass=${shapes.argDbPass}`],
          env: [
            { name: 'DB_PASS', value: shapes.dbPass },
            { name: 'MYSQL_ROOT_PASS', value: shapes.mysqlRootPass },
            { name: 'SIGNING_KEY', value: shapes.signingKey },
            { name: 'PASSPHRASE', value: shapes.passphrase },
            { name: 'DATABASE_URL', value: `postgres://app:${shapes.dsnEnv}@db.shop:5432/app` },
            { name: 'LOG_LEVEL', value: shapes.plainEnv },
            { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } },
          ],
          ports: [{ name: 'postgres', containerPort: 5432, protocol: 'TCP' }],
          readinessProbe: {
            exec: { command: ['pg-check', '--password', shapes.probePassword, `--token=${shapes.probeToken}`, `postgres://u:${shapes.probeDsn}@localhost/db`] },
          },
        },
      ],
    },
  });
}

describe('SessionRecorder and common secret shapes', () => {
  const file = path.join(dir, 'shapes.pathlight');
  const objects = {
    Namespace: [makeNamespace('shop')],
    Pod: [secretShapesPod()],
    ConfigMap: [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { namespace: 'shop', name: 'app-config' },
        data: { 'config.json': `{"user":"app","pass":"${shapes.configPass}"}` },
      },
    ],
    // An env-style list in an object Pathlight does not know: names like credentials lose their values.
    Widget: [
      {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { namespace: 'shop', name: 'w' },
        spec: {
          settings: [
            { name: 'DB_PASS', value: shapes.crdPass },
            { name: 'MODE', value: 'fast' },
          ],
        },
      },
    ],
  } as Record<string, Array<Record<string, unknown>>>;

  function record() {
    const rec = SessionRecorder.create(file, { clock: () => at(0) });
    const snap = new FakeSnapshot(structuredClone(objects));
    rec.attach(snap);
    snap.emit(at(1), 'MODIFIED', 'ConfigMap', {
      ...objects.ConfigMap![0]!,
      data: { 'app.properties': `db.pass=${shapes.configPass}\nurl=postgresql://app:dsn@${shapes.dsnText}@db/app` },
    });
    rec.note(`ran deploy --token ${shapes.noteToken} with ${shapes.github} and https://hooks.slack.com/services/${shapes.slack}`);
    rec.probe('node-a', {
      v: 1,
      type: 'stats',
      ts: at(2),
      node: 'node-a',
      detail: `mysql://root:p@${shapes.dsnText}@db:3306/x; Server=db;User Id=app;Password=${shapes.dsnText};`,
    });
    rec.close();
  }

  it.each(Object.entries(shapes))('never writes %s', (what, secret) => {
    if (!existsSync(file)) record();
    expect(rawText(file), what).not.toContain(secret);
  });

  it('keeps what the engine reads and drops what nothing reads: env values, command, args, ConfigMap data', () => {
    if (!existsSync(file)) record();
    const r = RecordingReader.open(file);
    const records = [...migrate(r.header, r.records())];
    r.close();
    const end = new SessionReplay(records).at(Infinity);
    const pod = end.cluster.get('Pod', 'db-7f8c-abcde', 'shop') as { spec: { containers: Array<Record<string, unknown>> } };
    const c = pod.spec.containers[0]!;
    expect(c).not.toHaveProperty('command');
    expect(c).not.toHaveProperty('args');
    expect(c.env).toEqual([
      { name: 'DB_PASS' },
      { name: 'MYSQL_ROOT_PASS' },
      { name: 'SIGNING_KEY' },
      { name: 'PASSPHRASE' },
      { name: 'DATABASE_URL' },
      { name: 'LOG_LEVEL' },
      { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } },
    ]);
    expect(c.ports).toEqual([{ name: 'postgres', containerPort: 5432, protocol: 'TCP' }]);
    // the readiness probe's command stays (the diagnosis quotes it), its credentials scrubbed
    expect(c.readinessProbe).toEqual({
      exec: { command: ['pg-check', '--password', '[scrubbed]', '--token=[scrubbed]', 'postgres://u:[scrubbed]@localhost/db'] },
    });
    const texts = JSON.stringify(records);
    expect(texts).toContain('https://hooks.slack.com/services/[scrubbed]');
    expect(texts).toContain('ran deploy --token [scrubbed] with [scrubbed]');
    expect(texts).toContain('"value":"fast"');
    const cm = records.filter((x) => x.kind === 'watch').map((x) => (x.data as { object: Record<string, unknown> }).object);
    expect(cm).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'shop', name: 'app-config' } }]);
  });
});
