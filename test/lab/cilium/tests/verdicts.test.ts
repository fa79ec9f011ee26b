/**
 * The Cilium lab only (`LAB_CNI=cilium`; test/lab/cilium/test.sh runs it): Pathlight's policy
 * engine against the real enforcer. For each scenario the static answer (objects only, no
 * probes) must be what Cilium's datapath does with the connection: a NetworkPolicy, a
 * CiliumNetworkPolicy and a CiliumClusterwideNetworkPolicy deny → dropped (the connect times
 * out, it is not refused), an egress policy that allows only the `world` entity → dropped, an
 * egress policy without DNS → names do not resolve, and the healthy
 * scenario → the connection works.
 */
import { describe, expect, it } from 'vitest';
import { lab } from '../../../helpers/lab.js';
import { kubectl, pathlight } from '../../../helpers/labApp.js';

const cases = [
  { ns: 'lab-healthy', kind: undefined, live: 'connects' },
  { ns: 'lab-deny-ingress', kind: 'policy-deny-ingress', live: 'dropped' },
  { ns: 'lab-cilium-deny', kind: 'policy-deny-ingress', live: 'dropped' },
  { ns: 'lab-cilium-ccnp', kind: 'policy-deny-ingress', live: 'dropped' },
  { ns: 'lab-cilium-egress-dns', kind: 'dns-blocked-by-policy', live: 'no-dns' },
  { ns: 'lab-cilium-entities', kind: 'policy-deny-egress', live: 'dropped' },
] as const;

const pod = (ns: string, app: string, field: string) => kubectl('get', 'pods', '-n', ns, '-l', `app=${app}`, '-o', `jsonpath={.items[0].${field}}`).trim();

/** What Cilium does with frontend → backend:8080 (by address), or with the lookup of backend's name. */
function live(ns: string, what: (typeof cases)[number]['live']): string {
  const frontend = pod(ns, 'frontend', 'metadata.name');
  const exec = (...cmd: string[]) => {
    const t0 = Date.now();
    try {
      kubectl('exec', '-n', ns, frontend, '--', ...cmd);
      return { ok: true, ms: Date.now() - t0 };
    } catch {
      return { ok: false, ms: Date.now() - t0 };
    }
  };
  if (what === 'no-dns') return exec('nslookup', `backend.${ns}.svc.cluster.local`).ok ? 'resolves' : 'no-dns';
  const r = exec('nc', '-w', '3', pod(ns, 'backend', 'status.podIP'), '8080');
  // A drop makes the connect wait out its 3 s; a refusal (RST) comes at once.
  return r.ok ? 'connects' : r.ms >= 2900 ? 'dropped' : 'refused';
}

describe('the policy engine against Cilium (lab)', () => {
  it.each(cases)(
    '$ns: the static answer is what Cilium does ($live)',
    async ({ ns, kind, live: expected }) => {
      const info = lab();
      const r = await pathlight(['why', '--from', `${ns}/deploy/frontend`, '--to', 'backend:8080', '--kubeconfig', info.adminKubeconfig, '--json']);
      const a = JSON.parse(r.stdout) as { verdict: string; findings: Array<{ kind: string; severity: string }> };
      expect(live(ns, expected)).toBe(expected);
      if (kind === undefined) {
        expect(a.verdict).toBe('reachable');
        expect(a.findings.filter((f) => f.severity === 'error')).toEqual([]);
      } else {
        expect(a.verdict).toBe('unreachable');
        expect(a.findings[0]!.kind).toBe(kind);
      }
    },
    60_000,
  );
});
