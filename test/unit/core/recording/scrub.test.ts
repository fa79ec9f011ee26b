import { describe, expect, it } from 'vitest';
import { lastAppliedAnnotation, looksSecret, scrubObject, scrubRecord, scrubText, scrubValue } from '../../../../src/core/index.js';
import { makePod } from '../../../helpers/session.js';

const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLWJ5dGVz';
const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretkeymaterial\n-----END RSA PRIVATE KEY-----';

describe('scrubText', () => {
  it.each([
    ['Authorization: Bearer abc123def456', 'abc123def456'],
    ['curl -H "Authorization: Basic dXNlcjpodW50ZXIy"', 'dXNlcjpodW50ZXIy'],
    [`token ${jwt}`, jwt],
    [`key:\n${pem}\nafter`, 'secretkeymaterial'],
    ['-----BEGIN PRIVATE KEY-----\nMIIEtruncated', 'MIIEtruncated'],
    ['https://admin:hunter2@registry.example.com/v2', 'hunter2'],
    ['--db-url=postgres://app:s3cr3t@db:5432/app', 's3cr3t'],
    ['https://api.example.com/?access_token=zzTOPzz&x=1', 'zzTOPzz'],
    ['password=hunter2 user=bob', 'hunter2'],
    ['{"password":"hunter2"}', 'hunter2'],
    ['postgres://app:p@ss-word@db.shop:5432/app', 'ss-word'],
    ['Server=db;User Id=app;Password=s3cr3t-ado;Encrypt=true', 's3cr3t-ado'],
    ['host=db user=app password=s3cr3t-kv dbname=app', 's3cr3t-kv'],
    ['DB_PASS=s3cr3t-env ./run', 's3cr3t-env'],
    ['MYSQL_ROOT_PASS: s3cr3t-yaml', 's3cr3t-yaml'],
    ['{"user":"app","pass":"s3cr3t-json"}', 's3cr3t-json'],
    ['signing_key=s3cr3t-sign', 's3cr3t-sign'],
    ['server --password s3cr3t-arg --port 80', 's3cr3t-arg'],
    ['server --token s3cr3t-tok', 's3cr3t-tok'],
    ['server --db-pass=s3cr3t-eq', 's3cr3t-eq'],
    ['push with ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8', 'ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'],
    ['github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789', 'github_pat_11ABCDEFG0abcdefghijkl'],
    ['https://hooks.slack.com/services/T0001/B0002/abcdefSECRETxyz', 'abcdefSECRETxyz'],
    ['slack xoxb-123456789012-abcdefSECRET', 'xoxb-123456789012-abcdefSECRET'],
    ['AKIAIOSFODNN7EXAMPLE in the log', 'AKIAIOSFODNN7EXAMPLE'],
  ])('removes the credential from %j', (text, secret) => {
    const out = scrubText(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('[scrubbed]');
  });

  it.each([
    'backend.shop.svc.cluster.local',
    'policy deny-all isolates shop/backend',
    'Basic auth',
    'token-file=/var/run/secrets/token',
    '10.244.1.5:8080',
    'action: Pass',
    '--token-file /var/run/secrets/token',
    'https://example.com/a@b',
    'nft_do_chain+0x3c4',
  ])('leaves %j alone', (text) => {
    expect(scrubText(text)).toBe(text);
  });

  it('is idempotent', () => {
    const once = scrubText(`Bearer abcdef ${pem} password=x`);
    expect(scrubText(once)).toBe(once);
  });
});

describe('looksSecret', () => {
  it.each([
    'DB_PASS',
    'MYSQL_ROOT_PASS',
    'SIGNING_KEY',
    'PASSPHRASE',
    'pass',
    'token',
    'password',
    'DB_PASSWORD',
    'client-key-data',
    'client-certificate-data',
    'Authorization',
    'apiKey',
    'example.com/api-token',
    'keyData',
    'AWS_SECRET_ACCESS_KEY',
  ])('%s holds a credential', (k) => {
    expect(looksSecret(k)).toBe(true);
  });
  it.each([
    'name',
    'secretName',
    'tokenFile',
    'secretKeyRef',
    'expirationSeconds',
    'nodeName',
    'image',
    'LOG_LEVEL',
    'bypass',
    'passive',
    'SSL_PASSTHROUGH',
    'key',
    'PASSWORD_FILE',
  ])('%s does not', (k) => {
    expect(looksSecret(k)).toBe(false);
  });
});

describe('scrubValue / scrubObject', () => {
  it('drops credential fields and credential env values, keeps references', () => {
    const pod = makePod('shop', 'api-1', '10.0.0.1', 'n1', {
      spec: {
        containers: [
          {
            name: 'api',
            env: [
              { name: 'DB_PASSWORD', value: 'hunter2' },
              { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } },
              { name: 'LOG_LEVEL', value: 'debug' },
            ],
            args: ['--token=abc.def.ghi', '--port=8080'],
          },
        ],
        volumes: [{ name: 'creds', secret: { secretName: 'db-creds' } }],
      },
    });
    const out = JSON.stringify(scrubObject(pod));
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('abc.def.ghi');
    expect(out).toContain('"name":"DB_PASSWORD"');
    expect(out).toContain('"secretKeyRef":{"name":"api","key":"token"}');
    expect(out).toContain('"secretName":"db-creds"');
    expect(out).toContain('"value":"debug"');
    expect(out).toContain('--port=8080');
  });

  it('drops managedFields, the last-applied annotation and credential-named annotations', () => {
    const obj = {
      kind: 'ConfigMap',
      metadata: {
        name: 'c',
        managedFields: [{ manager: 'kubectl' }],
        annotations: { [lastAppliedAnnotation]: '{"data":{"x":"1"}}', 'example.com/api-token': 'tok-123', 'example.com/note': 'call with Bearer qwertyuiop' },
      },
      data: { password: 'pw', 'ca.crt': 'plain' },
    };
    const out = scrubObject(obj) as { metadata: Record<string, unknown>; data: Record<string, unknown> };
    expect(out.metadata.managedFields).toBeUndefined();
    expect(out.metadata.annotations).toEqual({ 'example.com/note': 'call with Bearer [scrubbed]' });
    expect(out.data).toEqual({ 'ca.crt': 'plain' });
  });

  it('never keeps a Secret', () => {
    expect(scrubObject({ kind: 'Secret', metadata: { name: 's' }, data: { a: 'b' } })).toBeUndefined();
    expect(scrubRecord({ ts: 1, kind: 'watch', data: { type: 'ADDED', kind: 'Secret', object: { metadata: { name: 's' } } } })).toBeUndefined();
    const snap = scrubRecord({ ts: 1, kind: 'snapshot', data: { objects: { Secret: [{ kind: 'Secret' }], Pod: [makePod('a', 'b', '10.0.0.1')] } } });
    expect(Object.keys((snap?.data as { objects: object }).objects)).toEqual(['Pod']);
  });

  it('scrubs kubeconfig-shaped data and leaves numbers and booleans that are not credentials', () => {
    const v = scrubValue({
      users: [{ name: 'admin', user: { 'client-key-data': 'S0VZ', 'client-certificate-data': 'Q0VSVA==', token: 't' } }],
      automountServiceAccountToken: false,
      port: 443,
    });
    expect(v).toEqual({ users: [{ name: 'admin', user: {} }], automountServiceAccountToken: false, port: 443 });
  });
});
