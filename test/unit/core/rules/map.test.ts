/**
 * The rule → Kubernetes object mapping of each enforcer, on recorded rule text
 * (test/fixtures/rules: kube-router and kube-proxy read from the lab node; Calico in Felix's
 * format).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { probe, rules } from '../../../../src/core/index.js';
import { fixture } from '../../../helpers/paths.js';
import { readSave, ruleRecord, savedRule, step } from '../../../helpers/rules.js';

describe('kube-router', () => {
  const lab = readSave('lab-kube-router-kube-proxy.filter.iptables-save');
  const podChain = 'KUBE-POD-FW-MBLPPK44TPQ4F6EW';
  // The lab's ingress-deny scenario: frontend → backend in lab-deny-ingress, rejected at the end of backend's chain.
  const path = [
    step(savedRule(lab, 'FORWARD', 'KUBE-ROUTER-FORWARD')),
    step(savedRule(lab, 'KUBE-ROUTER-FORWARD', `-d 10.244.0.2/32 -m comment --comment "rule to jump traffic destined to POD name:backend-59f7f67bcc-7ttkn`)),
    step(savedRule(lab, podChain, 'run through nw policy deny-backend-ingress')),
    { tableFamily: 'ip', table: 'filter', chain: 'KUBE-NWPLCY-MI2FLF4ATVDSMQVE', handle: 0, verdict: 'return' },
  ];
  const reject = ruleRecord(savedRule(lab, podChain, '-j REJECT'), path);

  it('names the default deny, the pod, the direction and the policy the packet went through', () => {
    const m = rules.mapRule(reject);
    expect(m).toMatchObject({
      enforcer: 'kube-router',
      software: 'kube-router',
      role: 'policy-default-deny',
      pod: { kind: 'Pod', namespace: 'lab-deny-ingress', name: 'backend-59f7f67bcc-7ttkn' },
      policies: [{ kind: 'NetworkPolicy', namespace: 'lab-deny-ingress', name: 'deny-backend-ingress' }],
    });
    expect(m.description).toBe(
      "kube-router's default deny ingress for pod lab-deny-ingress/backend-59f7f67bcc-7ttkn: no policy selecting it allowed the packet, which implements NetworkPolicy lab-deny-ingress/deny-backend-ingress",
    );
    expect(rules.ruleLocation(reject)).toBe(`ip filter/${podChain} rule 7 (handle 70)`);
  });

  it('tells egress from the jump into the pod chain', () => {
    const egress = ruleRecord(savedRule(lab, podChain, '-j REJECT'), [
      step(savedRule(lab, 'KUBE-ROUTER-FORWARD', `-s 10.244.0.2/32 -m comment --comment "rule to jump traffic from POD name:backend-59f7f67bcc-7ttkn`)),
    ]);
    expect(rules.mapRule(egress).description).toMatch(/^kube-router's default deny egress for pod lab-deny-ingress\/backend-59f7f67bcc-7ttkn/);
  });

  it('names the pod without a path (no policy then)', () => {
    const m = rules.mapRule({ ...reject, path: [] });
    expect(m).toMatchObject({ role: 'policy-default-deny', pod: { name: 'backend-59f7f67bcc-7ttkn' }, policies: [] });
  });

  it("recognises its other rules (invalid conntrack state) as kube-router's", () => {
    const m = rules.mapRule(ruleRecord(savedRule(lab, podChain, 'rule to drop invalid state for pod')));
    expect(m).toMatchObject({ enforcer: 'kube-router', role: 'other' });
  });
});

describe('kube-proxy', () => {
  const noEp = readSave('kube-proxy-no-endpoints.filter.iptables-save');
  const lab = readSave('lab-kube-router-kube-proxy.filter.iptables-save');

  const labNoEp = readSave('lab-kube-proxy-no-endpoints.filter.iptables-save');

  it.each([
    ['KUBE-SERVICES (recorded in the lab)', labNoEp, 'KUBE-SERVICES', 'lab-not-ready/backend:http has no endpoints'],
    ['KUBE-EXTERNAL-SERVICES', noEp, 'KUBE-EXTERNAL-SERVICES', '-j DROP'],
  ])('names the Service without endpoints from %s', (_name, saved, chain, has) => {
    const m = rules.mapRule(ruleRecord(savedRule(saved, chain, has)));
    expect(m).toMatchObject({
      enforcer: 'kube-proxy',
      role: 'service-no-endpoints',
      service: { kind: 'Service', namespace: 'lab-not-ready', name: 'backend', port: 'http' },
      policies: [],
    });
    expect(m.description).toBe("kube-proxy's reject for Service lab-not-ready/backend port http, which has no ready endpoints");
  });

  it("recognises kube-proxy's firewall chains in the lab", () => {
    expect(rules.mapRule(ruleRecord(savedRule(lab, 'KUBE-FIREWALL', 'block incoming localnet connections')))).toMatchObject({
      enforcer: 'kube-proxy',
      role: 'service-firewall',
    });
    expect(rules.mapRule(ruleRecord(savedRule(lab, 'KUBE-FORWARD', 'INVALID'))).description).toBe(
      "kube-proxy's KUBE-FORWARD rule dropping packets conntrack marks INVALID",
    );
  });

  it('reads the Service from a KUBE-SEP/KUBE-SVC comment', () => {
    const nat = readSave('lab-kube-proxy.nat.iptables-save');
    const m = rules.mapRule(ruleRecord(savedRule(nat, 'KUBE-SEP-5EWURCTVZVPCBC6O', 'DNAT')));
    expect(m).toMatchObject({ enforcer: 'kube-proxy', service: { namespace: 'lab-anp', name: 'backend', port: 'http' } });
  });

  it('knows the nftables mode by its table', () => {
    const m = rules.mapRule({ tableFamily: 'ip', table: 'kube-proxy', chain: 'reject-chain', handle: 4, verdict: 'reject', text: 'reject' });
    expect(m).toMatchObject({ enforcer: 'kube-proxy', role: 'service-no-endpoints' });
  });
});

describe('Calico', () => {
  const cal = readSave('calico.filter.iptables-save');
  const tw = 'cali-tw-cali1a2b3c4d5e6';
  const intoTw = [
    step(savedRule(cal, 'FORWARD', 'cali-FORWARD')),
    step(savedRule(cal, 'cali-FORWARD', 'cali-to-wl-dispatch')),
    step(savedRule(cal, 'cali-to-wl-dispatch', tw)),
  ];

  it('names the end-of-tier default deny of a pod (ingress), with its rule id', () => {
    const r = ruleRecord(savedRule(cal, tw, 'Drop if no policies passed packet'), [
      ...intoTw,
      step(savedRule(cal, tw, 'cali-pi-_Xq9cVbN2kLmP0aRsT4u')),
      { tableFamily: 'ip', table: 'filter', chain: 'cali-pi-_Xq9cVbN2kLmP0aRsT4u', handle: 0, verdict: 'return' },
    ]);
    expect(r.comment).toBe('cali:Kk1Ll2Mm3Nn4Oo5P; End of tier default. Drop if no policies passed packet');
    const m = rules.mapRule(r);
    expect(m).toMatchObject({ enforcer: 'calico', software: 'Calico', role: 'policy-default-deny', policies: [] });
    expect(m.description).toBe("Calico's default deny (ingress) of the pod on cali1a2b3c4d5e6: no policy allowed it (rule id cali:Kk1Ll2Mm3Nn4Oo5P)");
  });

  it('names the Kubernetes NetworkPolicy behind an unhashed egress policy chain', () => {
    const r = ruleRecord(savedRule(cal, 'cali-fw-cali1a2b3c4d5e6', 'Drop if no policies passed packet'), [
      step(savedRule(cal, 'cali-fw-cali1a2b3c4d5e6', 'cali-po-knp.default.egress-lockdown')),
    ]);
    expect(rules.mapRule(r)).toMatchObject({
      role: 'policy-default-deny',
      policies: [{ kind: 'NetworkPolicy', name: 'egress-lockdown' }],
    });
  });

  it('names an explicit deny rule of a Calico policy', () => {
    const m = rules.mapRule(ruleRecord(savedRule(cal, 'cali-pi-default.deny-db', '-j DROP')));
    expect(m).toMatchObject({ role: 'policy-deny', policies: [{ kind: 'projectcalico.org/GlobalNetworkPolicy', name: 'default.deny-db' }] });
    expect(m.description).toBe('a deny rule of projectcalico.org/GlobalNetworkPolicy default.deny-db, ingress (rule id cali:Uu1Vv2Ww3Xx4Yy5Z)');
  });

  it('says "no profiles matched" apart', () => {
    const m = rules.mapRule(ruleRecord(savedRule(cal, tw, 'Drop if no profiles matched')));
    expect(m.description).toMatch(/^Calico's profile default \(ingress\)/);
  });

  it.each([
    ['knp.default.allow-web', 'shop', { kind: 'NetworkPolicy', namespace: 'shop', name: 'allow-web' }],
    ['kanp.adminnetworkpolicy.deny-all', undefined, { kind: 'AdminNetworkPolicy', name: 'deny-all' }],
    ['default/platform.block', undefined, { kind: 'projectcalico.org/GlobalNetworkPolicy', name: 'platform.block' }],
  ])('calicoPolicyObject(%s)', (name, ns, want) => {
    expect(rules.calicoPolicyObject(name, ns)).toEqual(want);
  });
});

describe('generic fallback', () => {
  it('shows a host firewall rule as it is, with no software it does not know', () => {
    const m = rules.mapRule({
      tableFamily: 'inet',
      table: 'hostfw',
      chain: 'forward',
      handle: 7,
      position: 2,
      verdict: 'drop',
      text: 'ip daddr 10.244.0.2 tcp dport 8080 drop comment "ops ticket 42"',
      comment: 'ops ticket 42',
    });
    expect(m).toMatchObject({ enforcer: 'unknown', software: 'unknown software', role: 'other', policies: [] });
    expect(m.description).toBe(
      'inet hostfw/forward rule 2 (handle 7): ip daddr 10.244.0.2 tcp dport 8080 drop comment "ops ticket 42", from software Pathlight does not recognise',
    );
  });

  it('names well-known software from its chain names', () => {
    const lab = readSave('lab-kube-router-kube-proxy.filter.iptables-save');
    expect(lab.length).toBeGreaterThan(100);
    expect(rules.mapRule({ tableFamily: 'ip', table: 'filter', chain: 'DOCKER-USER', handle: 3, verdict: 'drop' })).toMatchObject({
      enforcer: 'other',
      software: 'Docker',
    });
    expect(rules.mapRule({ tableFamily: 'inet', table: 'firewalld', chain: 'filter_FWD_public', handle: 3, verdict: 'reject' }).software).toBe('firewalld');
  });

  it("describes a chain's policy", () => {
    const m = rules.mapRule({ tableFamily: 'ip', table: 'filter', chain: 'FORWARD', handle: 0, verdict: 'drop', policy: true, text: 'policy drop' });
    expect(m.description).toMatch(/^the drop policy of filter\/FORWARD: policy drop, from software/);
  });
});

describe('a rule line the agent wrote in the lab', () => {
  const [ruleJson, dropJson] = readFileSync(fixture('rules/lab-deny-ingress.ndjson'), 'utf8').trim().split('\n');
  const decode = (l: string) => {
    const r = probe.decodeProbeLine(l);
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  const rule = decode(ruleJson!) as probe.RuleLine;
  const drop = decode(dropJson!) as probe.DropLine;

  it("names kube-router's reject, the backend pod and the NetworkPolicy, not the frontend's egress chain", () => {
    const [e] = rules.ruleEvidence([rule], [drop]);
    expect(e!.pairedDrops).toBe(1);
    expect(e!.mapping).toMatchObject({
      enforcer: 'kube-router',
      role: 'policy-default-deny',
      pod: { namespace: 'lab-deny-ingress', name: 'backend-59f7f67bcc-7ttkn' },
      policies: [{ kind: 'NetworkPolicy', namespace: 'lab-deny-ingress', name: 'deny-backend-ingress' }],
    });
    expect(rules.ruleEvidenceText(e!)).toMatch(
      /^1 packet rejected on pathlight-lab-node by ip filter\/KUBE-POD-FW-C4SKXKXMRZ5CNYKW rule 7 \(handle 220\), kube-router's default deny ingress for pod lab-deny-ingress\/backend-59f7f67bcc-7ttkn: .* NetworkPolicy lab-deny-ingress\/deny-backend-ingress\./,
    );
  });
});
