import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { Redactor, SessionReplay, redactRecords, type SessionRecord } from '../../../../src/core/index.js';
import { mapRule } from '../../../../src/core/rules/map.js';
import type { RuleRecord } from '../../../../src/core/rules/types.js';
import { at, makeNamespace, makePod, probeRecord, snapshotRecord, syntheticSession } from '../../../helpers/session.js';

const originals = ['shop', 'frontend-7c9f-abcde', 'backend-5d8b-xyz12', 'backend-5d8b-qrs34', 'node-a', 'node-b', 'prod-eu', 'api.prod-eu.example.com'];
const pinnedIps = ['10.244.2.7', '10.244.2.200', '192.168.10.11', '172.20.3.4', '8.8.8.8', 'fd00:10:244::7', '2001:db8::1', '::ffff:10.244.2.7'];
const ips = ['10.244.1.5', '10.244.2.7', '10.96.0.20', '192.168.10.11', '192.168.10.12'];

describe('redactRecords', () => {
  const records = syntheticSession();
  const redacted = redactRecords(records, { salt: 'test-salt' });
  const text = JSON.stringify(redacted);

  it('leaves no original name or address in any record kind', () => {
    for (const s of [...originals, ...ips]) expect(text, s).not.toContain(s);
    expect(text).not.toMatch(/"(name|app|to)":"backend"|backend\./);
    // vocabulary stays: the hop kind `backend` is not the Service `backend`
    expect(text).toContain('"hop":"backend"');
    expect(redacted[0]?.data).toMatchObject({ redacted: true, context: 'context-1', cluster: { name: 'cluster-1', server: 'https://host-1:6443' } });
  });

  it('maps the same pod to the same pseudonym everywhere, and keeps built-in names', () => {
    const r = new Redactor({ salt: 'test-salt' });
    for (const rec of records) r.learn(rec);
    const table = r.pseudonyms();
    const pod = table.get('backend-5d8b-qrs34')!;
    const ns = table.get('shop')!;
    expect(pod).toMatch(/^pod-\d+$/);
    expect(ns).toBe('ns-1');
    expect(table.get('backend')).toMatch(/^svc-\d+$/);
    expect(table.get('node-b')).toMatch(/^node-\d+$/);
    const answer = redacted.find((x) => x.kind === 'answer')!.data as {
      diagnosis: { findings: Array<{ summary: string }>; path: Array<{ label: string; refs: Array<{ name: string }> }>; query: { to: string } };
    };
    expect(answer.diagnosis.path[0]?.label).toBe(`${ns}/${pod}`);
    expect(answer.diagnosis.path[0]?.refs[0]?.name).toBe(pod);
    expect(answer.diagnosis.findings[0]?.summary.startsWith(`${pod} (`)).toBe(true);
    expect(answer.diagnosis.query.to).toBe(`${table.get('backend')}.${ns}.svc.cluster.local`);
    const watch = redacted
      .filter((x) => x.kind === 'watch')
      .map((x) => (x.data as { object: { metadata: { name: string; namespace: string } } }).object.metadata);
    expect(watch[1]).toEqual(expect.objectContaining({ name: pod, namespace: ns }));
    expect(JSON.stringify(redactRecords([{ ts: 1, kind: 'note', data: { text: 'kube-system/coredns in default' } }], { salt: 's' }))).toContain(
      'kube-system/coredns in default',
    );
  });

  it('maps addresses consistently, keeping the family, the private range and prefix relations', () => {
    const r = new Redactor({ salt: 'test-salt' });
    const a = r.ip('10.244.2.7');
    expect(r.ip('10.244.2.7')).toBe(a);
    expect(a).not.toBe('10.244.2.7');
    expect(a.startsWith('10.')).toBe(true);
    expect(r.ip('192.168.10.11').startsWith('192.168.')).toBe(true);
    const same24 = [r.ip('10.244.2.7'), r.ip('10.244.2.200')].map((x) => x.split('.').slice(0, 3).join('.'));
    expect(same24[0]).toBe(same24[1]);
    expect(r.ip('10.244.3.7').split('.').slice(0, 3).join('.')).not.toBe(same24[0]);
    const v6 = r.ip('fd00:10:244::7');
    expect(ipaddr.parse(v6).kind()).toBe('ipv6');
    expect(ipaddr.parse(v6).range()).toBe('uniqueLocal');
    expect(r.ip('::ffff:10.244.2.7')).toBe(`::ffff:${a}`);
    // in text too, as the agent writes a v4 peer of a v6 socket
    expect(r.text('src ::ffff:10.244.2.7 port 80')).toBe(`src ::ffff:${a} port 80`);
    expect(r.text('drop 10.244.2.7:8080 → 10.96.0.0/12')).toBe(`drop ${a}:8080 → ${r.ip('10.96.0.0')}/12`);
    expect(r.text('at 10:02:33, [fd00:10:244::7]:53')).toBe(`at 10:02:33, [${v6}]:53`);
    expect(new Redactor({ salt: 'another' }).ip('10.244.2.7')).not.toBe(a);
  });

  // The addresses a salt gives, as recorded before the redactor's hash became the shared one
  // (src/core/hash.ts): a salt kept by the user must keep giving the same pseudonyms. The
  // second salt's characters above 0xff are hashed by their low byte.
  it.each([
    [
      'test-salt',
      [
        '10.74.117.99',
        '10.74.117.167',
        '192.168.54.214',
        '172.21.170.21',
        '8.121.202.212',
        'fcb0:cf05:5bfe:e09c:7a65:d886:5a2f:d8f2',
        '2001:92a0:74a6:94f8:4cd0:ab2e:1c9b:3ecf',
        '::ffff:10.74.117.99',
      ],
    ],
    [
      'ſalt-é',
      [
        '10.119.21.208',
        '10.119.21.124',
        '192.168.225.231',
        '172.30.153.21',
        '8.189.136.39',
        'fde8:ed09:4e8d:2e82:da16:3996:def5:40a2',
        '2001:5354:a11d:3f83:ee8d:b50e:f419:6e9f',
        '::ffff:10.119.21.208',
      ],
    ],
    [
      '0123456789abcdef0123456789abcdef',
      [
        '10.111.100.19',
        '10.111.100.202',
        '192.168.86.27',
        '172.29.86.173',
        '8.193.203.183',
        'fdc3:9764:570d:a73:49c0:c5a0:d19c:52a8',
        '2001:6186:a7b5:86ea:2fd7:441f:9ef8:83c1',
        '::ffff:10.111.100.19',
      ],
    ],
  ] as const)('maps addresses with salt %j exactly as before', (salt, expected) => {
    const r = new Redactor({ salt });
    expect(pinnedIps.map((ip) => r.ip(ip))).toEqual(expected);
  });

  it('still replays: selectors select and the cluster has the same shape', () => {
    const before = new SessionReplay(records).at(Infinity);
    const after = new SessionReplay(redacted).at(Infinity);
    expect(after.cluster.list('Pod')).toHaveLength(before.cluster.list('Pod').length);
    const svc = after.cluster.list('Service')[0] as { spec: { selector: Record<string, string> } };
    const selected = after.cluster.list('Pod').filter((p) => Object.entries(svc.spec.selector).every(([k, v]) => p.metadata?.labels?.[k] === v));
    expect(selected).toHaveLength(1);
    const ip = (after.cluster.list('Pod').find((p) => p === selected[0]) as { status: { podIP: string } }).status.podIP;
    expect(after.identities.at(ip, Infinity)?.name).toBe(selected[0]?.metadata?.name);
  });
});

describe('redactRecords: every string from the cluster, not a list of name fields', () => {
  const pod = makePod('acme-shop', 'checkout-6f7d8c9b5-x2k4q', '10.244.1.9', 'worker-eu-7', {
    metadata: {
      namespace: 'acme-shop',
      name: 'checkout-6f7d8c9b5-x2k4q',
      generateName: 'checkout-6f7d8c9b5-',
      labels: { app: 'checkout', 'acme.io/team': 'payments', 'pod-template-hash': '6f7d8c9b5' },
      ownerReferences: [{ kind: 'ReplicaSet', name: 'checkout-6f7d8c9b5', controller: true }],
      annotations: { 'acme.io/owner': 'jane.doe@acme.example' },
    },
    spec: {
      nodeName: 'worker-eu-7',
      serviceAccountName: 'checkout-sa',
      containers: [
        {
          name: 'checkout-api',
          image: 'registry.acme.example:5000/payments/checkout:2.4.1',
          command: ['/app/checkout', '--namespace', 'acme-shop'],
          env: [{ name: 'UPSTREAM', value: 'ledger.acme-shop.svc:9000' }],
          ports: [
            { name: 'grpc-ledger', containerPort: 9000 },
            { name: 'http', containerPort: 8080 },
          ],
          volumeMounts: [{ name: 'kube-api-access', mountPath: '/var/run/secrets' }],
        },
      ],
      volumes: [
        {
          name: 'kube-api-access',
          projected: { sources: [{ downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } }] },
        },
      ],
    },
  });
  const anp = {
    apiVersion: 'policy.networking.k8s.io/v1alpha1',
    kind: 'AdminNetworkPolicy',
    metadata: { name: 'guard-payments' },
    spec: {
      priority: 10,
      subject: { namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'acme-shop' } } },
      ingress: [{ name: 'deny-from-marketing', action: 'Deny', from: [{ namespaces: {} }] }],
    },
  };
  const records = [
    snapshotRecord(at(0), [makeNamespace('acme-shop'), pod, anp] as Array<{ kind: string }>),
    { ts: at(1), kind: 'question' as const, data: { id: 'q1', from: 'acme-shop/deploy/checkout', to: 'ledger.acme-shp:9000', port: 'grpc-ledger' } },
    {
      ts: at(2),
      kind: 'answer' as const,
      data: {
        question: 'q1',
        diagnosis: {
          verdict: 'unreachable',
          findings: [
            {
              kind: 'policy-deny-ingress',
              hop: 'policy-ingress',
              summary: 'rule deny-from-marketing of guard-payments denies acme-shop/checkout-6f7d8c9b5-x2k4q in namespace acme-shop',
              fix: {
                description: 'Add NetworkPolicy acme-shop/allow-ingress-from-acme-shop-checkout-6f7d8c9b5-tcp-9000',
                yaml: 'metadata:\n  labels:\n    acme.io/team: payments\n',
              },
            },
          ],
        },
      },
    },
  ];
  const out = redactRecords(records, { salt: 's' });
  const text = JSON.stringify(out);

  it.each([
    'acme-shop',
    'checkout',
    'worker-eu-7',
    'guard-payments',
    'deny-from-marketing',
    'registry.acme.example',
    'payments',
    'ledger',
    'acme-shp',
    'jane.doe',
    'checkout-sa',
    'grpc-ledger',
    '6f7d8c9b5',
  ])('leaves no %s', (name) => {
    expect(text).not.toMatch(new RegExp(`(?<![A-Za-z0-9_])${name.replace(/[.]/g, '\\.')}(?![A-Za-z0-9_])`));
  });

  it('drops what nothing reads, keeps vocabulary, keys, protocol names and the words of texts', () => {
    const c = (out[0]!.data as { objects: { Pod: Array<{ spec: { containers: Array<Record<string, unknown>> } }> } }).objects.Pod[0]!.spec.containers[0]!;
    expect(c).not.toHaveProperty('command');
    expect(c.env).toEqual([{ name: 'UPSTREAM' }]);
    expect(c.ports).toEqual([expect.objectContaining({ name: expect.stringMatching(/^port-\d+$/) }), { name: 'http', containerPort: 8080 }]);
    expect(c.image).toMatch(/^image-\d+$/);
    expect(text).toContain('"fieldPath":"metadata.namespace"');
    expect(text).toContain('"acme.io/team":"label-');
    expect(text).toContain('"action":"Deny"');
    const f = (out[2]!.data as { diagnosis: { findings: Array<{ kind: string; summary: string; fix: { description: string; yaml: string } }> } }).diagnosis
      .findings[0]!;
    expect(f.kind).toBe('policy-deny-ingress');
    // the generated policy name keeps its shape with the pseudonyms inside; "namespace" stays a word
    expect(f.fix.description).toMatch(/^Add NetworkPolicy ns-1\/allow-ingress-from-ns-1-(wl|obj)-\d+-label-\d+-tcp-9000$/);
    expect(f.summary).toMatch(/^rule rule-1 of policy-1 denies ns-1\/pod-1 in namespace ns-1$/);
    expect(f.fix.yaml).toMatch(/acme\.io\/team: label-\d+/);
  });

  it('keeps relations: the ReplicaSet is its Deployment and hash, a mistyped namespace stays a typo of it', () => {
    const meta = (
      out[0]!.data as {
        objects: { Pod: Array<{ metadata: { generateName: string; ownerReferences: Array<{ name: string }>; labels: Record<string, string> } }> };
      }
    ).objects.Pod[0]!.metadata;
    expect(meta.ownerReferences[0]!.name).toBe(`${meta.generateName.replace(/-$/, '')}`);
    expect(meta.ownerReferences[0]!.name.endsWith(`-${meta.labels['pod-template-hash']}`)).toBe(true);
    expect((out[1]!.data as { to: string }).to).toBe('dnsname-1.ns-1x:9000');
  });
});

describe('redactRecords: netfilter rule lines', () => {
  // kube-router's default deny for a pod, as the agent reports it: the pod and namespace in the
  // comments, the policy in the jump of the pod's chain, and the rule's text in the answer.
  const comment = 'rule to REJECT traffic destined for POD name:web-7d9f8-k2x4q namespace: acme-shop';
  const text = `-A KUBE-POD-FW-CYDJ4HAV7N6F3S47 -m comment --comment "${comment}" -m mark ! --mark 0x10000/0x10000 -j REJECT`;
  const rule = {
    type: 'rule',
    node: 'worker-eu-7',
    proto: 'tcp',
    src: '10.244.0.5',
    dst: '10.244.1.8',
    tableFamily: 'ip',
    table: 'filter',
    chain: 'KUBE-POD-FW-CYDJ4HAV7N6F3S47',
    handle: 110,
    verdict: 'reject',
    comment,
    text,
    syntax: 'iptables',
    traceId: 7,
    path: [
      {
        tableFamily: 'ip',
        table: 'filter',
        chain: 'KUBE-ROUTER-FORWARD',
        handle: 102,
        verdict: 'jump',
        target: 'KUBE-POD-FW-CYDJ4HAV7N6F3S47',
        comment: 'rule to jump traffic destined to POD name:web-7d9f8-k2x4q namespace: acme-shop to chain KUBE-POD-FW-CYDJ4HAV7N6F3S47',
      },
      // A pod no snapshot holds (deleted before the recording): its name is still replaced.
      {
        tableFamily: 'ip',
        table: 'filter',
        chain: 'KUBE-ROUTER-FORWARD',
        handle: 101,
        verdict: 'jump',
        target: 'KUBE-POD-FW-X',
        comment: 'rule to jump traffic destined to POD name:gone-5c6d7-zz9yy namespace: acme-shop to chain KUBE-POD-FW-X',
      },
      {
        tableFamily: 'ip',
        table: 'filter',
        chain: 'KUBE-POD-FW-CYDJ4HAV7N6F3S47',
        handle: 97,
        verdict: 'jump',
        target: 'KUBE-NWPLCY-SQZV6BP63MPL6FGO',
        comment: 'run through nw policy deny-web-ingress',
      },
    ],
  };
  const records: SessionRecord[] = [
    snapshotRecord(at(0), [
      makeNamespace('acme-shop'),
      makePod('acme-shop', 'web-7d9f8-k2x4q', '10.244.1.8', 'worker-eu-7'),
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'acme-shop', name: 'deny-web-ingress' }, spec: { podSelector: {} } },
    ]),
    probeRecord(at(1), rule),
    {
      ts: at(2),
      kind: 'answer',
      data: { diagnosis: { findings: [{ kind: 'policy-deny-ingress', evidence: [{ type: 'rule', rule: text, comment, chain: rule.chain }] }] } },
    },
  ];
  const r = new Redactor({ salt: 'test-salt' });
  for (const rec of records) r.learn(rec);
  const out = records.map((rec) => r.redact(rec));
  const table = r.pseudonyms();

  it('replaces the names in the rule, its comments and its path, in the probe line and in the answer', () => {
    const json = JSON.stringify(out);
    for (const s of ['web-7d9f8-k2x4q', 'acme-shop', 'deny-web-ingress', 'gone-5c6d7-zz9yy', 'worker-eu-7', '10.244.1.8']) expect(json, s).not.toContain(s);
    const line = out[1]!.data as typeof rule;
    const [ns, pod] = [table.get('acme-shop')!, table.get('web-7d9f8-k2x4q')!];
    expect(line.comment).toBe(`rule to REJECT traffic destined for POD name:${pod} namespace: ${ns}`);
    expect(table.get('gone-5c6d7-zz9yy')).toMatch(/^pod-\d+$/);
    const evidence = (out[2]!.data as { diagnosis: { findings: Array<{ evidence: Array<{ rule: string }> }> } }).diagnosis.findings[0]!.evidence[0]!;
    expect(evidence.rule).toBe(line.text);
    expect(evidence.rule).toContain(`--comment "rule to REJECT traffic destined for POD name:${pod} namespace: ${ns}"`);
  });

  it('keeps the netfilter vocabulary, so the rule maps to the pseudonyms of the same pod and policy', () => {
    const line = out[1]!.data as typeof rule;
    expect(line).toMatchObject({ tableFamily: 'ip', table: 'filter', chain: 'KUBE-POD-FW-CYDJ4HAV7N6F3S47', syntax: 'iptables', verdict: 'reject' });
    expect(line.path.map((s) => [s.chain, s.target])).toEqual(rule.path.map((s) => [s.chain, s.target]));
    const before = mapRule(rule as unknown as RuleRecord);
    const after = mapRule(line as unknown as RuleRecord);
    expect(before).toMatchObject({ software: 'kube-router', role: 'policy-default-deny', policies: [{ namespace: 'acme-shop', name: 'deny-web-ingress' }] });
    expect(after).toMatchObject({
      software: before.software,
      role: before.role,
      pod: { kind: 'Pod', namespace: table.get('acme-shop'), name: table.get('web-7d9f8-k2x4q') },
      policies: [{ kind: 'NetworkPolicy', namespace: table.get('acme-shop'), name: table.get('deny-web-ingress') }],
    });
    expect(table.get('deny-web-ingress')).toMatch(/^policy-\d+$/);
  });
});

describe('redactRecords: HTTP exchanges', () => {
  // What the http probe reports for `wget http://checkout:8080/cart?id=7` (query stripped), and the question about it.
  const http = {
    type: 'http',
    node: 'worker-eu-7',
    proto: 'tcp',
    src: '10.244.0.5',
    dst: '10.244.1.8',
    role: 'client',
    method: 'GET',
    path: '/cart',
    host: 'checkout:8080',
    version: 'HTTP/1.1',
    status: 503,
  };
  const records: SessionRecord[] = [
    snapshotRecord(at(0), [makeNamespace('acme-shop'), makePod('acme-shop', 'web-7d9f8-k2x4q', '10.244.1.8', 'worker-eu-7')]),
    probeRecord(at(1), http),
    { ts: at(2), kind: 'question', data: { id: 'q1', from: 'acme-shop/deploy/web', to: 'checkout:8080', protocol: 'TCP' } },
  ];
  const r = new Redactor({ salt: 'test-salt' });
  for (const rec of records) r.learn(rec);
  const out = records.map((rec) => r.redact(rec));

  it("names the same Service in the Host header as in the question (the host's name replaced, its port kept), and keeps the method", () => {
    const line = out[1]!.data as typeof http;
    const q = out[2]!.data as { to: string };
    expect(JSON.stringify(out)).not.toContain('checkout');
    expect(line.host).toMatch(/^[a-z]+-\d+:8080$/);
    expect(q.to).toBe(line.host);
    expect(line).toMatchObject({ method: 'GET', version: 'HTTP/1.1', status: 503, path: '/cart' });
  });
});
