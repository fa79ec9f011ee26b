/**
 * The process behind an event (the agent's `proc`) placed in the cluster: its pod uid and
 * container id resolved against the pods' objects (metadata.uid, status.containerStatuses),
 * for every consumer — why's evidence text, the events table's process column, observe's
 * summary — on the lines the lab recorded (test/fixtures/diagnose/wrong-target-port.json).
 */
import { describe, expect, it } from 'vitest';
import { EventStore, toRow } from '../../../../src/backend/workbench/events.js';
import { diagnose as d, IdentityIndex, describeProcess, identify, ipsOf, observe, type KubeObject } from '../../../../src/core/index.js';
import { labFixtures, view } from '../../../helpers/diagnose.js';

const fx = labFixtures().find((f) => f.scenario === 'wrong-target-port')!;
const frontend = fx.objects.Pod!.find((p) => p.metadata?.name?.startsWith('frontend-'))! as KubeObject & {
  metadata: { uid: string; name: string; namespace: string };
  status: { containerStatuses: Array<{ containerID: string }> };
};
const containerId = frontend.status.containerStatuses[0]!.containerID.replace('containerd://', '');
const wget = { pid: 3450, tid: 3450, comm: 'wget', cgroupId: 8670, containerId, podUid: frontend.metadata.uid };

/** The identity index a snapshot or replay builds from the fixture's objects. */
function index(): IdentityIndex {
  const ix = new IdentityIndex();
  for (const [kind, list] of [
    ['pod', fx.objects.Pod ?? []],
    ['service', fx.objects.Service ?? []],
  ] as const)
    for (const o of list) {
      const who = { kind, namespace: o.metadata?.namespace, name: o.metadata!.name!, node: (o.spec as { nodeName?: string } | undefined)?.nodeName };
      ix.set(who, ipsOf(kind, o as { spec?: unknown; status?: unknown }), 0, o);
    }
  return ix;
}

/** The recorded events, the refused connections with the process the agent saw, identities resolved again. */
function events(proc: Record<string, unknown> = wget) {
  const ix = index();
  return fx.events.map((e) => {
    const { identities: _old, ...line } = e;
    const withProc = line.type === 'tcp' && line.event === 'refused' ? { ...line, proc } : line;
    const who = identify(ix, withProc, e.node);
    return (who ? { ...withProc, identities: who } : withProc) as typeof e;
  });
}

describe('process attribution', () => {
  it('resolves a container id to its pod, container name and image', () => {
    const p = index().process({ containerId: `containerd://${containerId}` });
    expect(p).toEqual({
      pod: expect.objectContaining({ kind: 'pod', namespace: 'lab-target-port', name: frontend.metadata.name }) as unknown,
      container: 'frontend',
      image: 'pathlight.local/busybox:lab',
    });
  });

  it('falls back to the pod uid (either spelling the cgroup uses) and knows nothing it was not told', () => {
    const ix = index();
    expect(ix.process({ podUid: frontend.metadata.uid, containerId: 'f'.repeat(64) })?.pod.name).toBe(frontend.metadata.name);
    expect(ix.process({ podUid: frontend.metadata.uid.replaceAll('-', '_') })?.pod.name).toBe(frontend.metadata.name);
    expect(ix.process({ podUid: '00000000-0000-0000-0000-000000000000' })).toBeUndefined();
    expect(ix.process({})).toBeUndefined();
  });

  it('gives identify() the process of a recorded line', () => {
    const refused = events().find((e) => e.type === 'tcp' && e.event === 'refused')!;
    expect((refused.identities as { proc?: unknown }).proc).toMatchObject({ container: 'frontend', pod: { name: frontend.metadata.name } });
  });

  it("names the process in why's evidence for the refused connections", () => {
    const c = new d.Correlator();
    for (const e of events()) c.add(e as d.EvidenceLine);
    const r = d.diagnose(view(fx.objects), fx.query, { correlator: c });
    if (!r.ok) throw new Error(r.error.message);
    const texts = r.value.findings.flatMap((f) => f.evidence.flatMap((e) => (e.type === 'events' ? [e.text] : [])));
    expect(texts.some((t) => t.includes(`refused (ECONNREFUSED), by wget (pid 3450) in lab-target-port/${frontend.metadata.name}/frontend`))).toBe(true);
    // The evidence still parses as the schema describes it (the process identity included).
    const plain = JSON.parse(JSON.stringify(r.value)) as unknown;
    expect(d.diagnosisSchema.parse(plain)).toEqual(plain);
  });

  it('says the container id when the cluster does not know the process', () => {
    const c = new d.Correlator();
    for (const e of events({ ...wget, containerId: 'abcdef0123456789'.repeat(4), podUid: undefined })) c.add(e as d.EvidenceLine);
    const r = d.diagnose(view(fx.objects), fx.query, { correlator: c });
    if (!r.ok) throw new Error(r.error.message);
    const texts = r.value.findings.flatMap((f) => f.evidence.flatMap((e) => (e.type === 'events' ? [e.text] : [])));
    expect(texts.some((t) => t.endsWith('by wget (pid 3450, container abcdef012345)'))).toBe(true);
  });

  it('fills the events table process column, and the text filter finds events by process', () => {
    const evs = events() as unknown as Array<d.ProbeEvent & { node: string }>;
    const refused = evs.find((e) => e.type === 'tcp' && e.event === 'refused')!;
    expect(toRow(refused, 0).process).toBe(`wget (pid 3450) in lab-target-port/${frontend.metadata.name}/frontend`);
    const store = new EventStore();
    for (const e of evs) store.add(e);
    const page = store.page({ text: 'wget' }, 0, 100);
    // Every event of a wget process: the refused connections given one here, and those the lab's agent recorded with theirs.
    const byWget = evs.filter((e) => (e as { proc?: { comm?: string } }).proc?.comm === 'wget');
    expect(page.matched).toBe(byWget.length);
    expect(page.rows.every((r) => /^wget \(pid \d+\)/.test(r.process ?? ''))).toBe(true);
    expect(page.rows.filter((r) => r.process?.startsWith('wget (pid 3450) in lab-target-port/')).length).toBe(
      evs.filter((e) => e.type === 'tcp' && e.event === 'refused').length,
    );
  });

  it("fills observe's summary from the recording's snapshot", () => {
    const ix = index();
    const { identities: _i, ...line } = fx.events.find((e) => e.type === 'tcp' && e.event === 'refused')!;
    const ev = observe.observedEvent({ ...line, proc: wget }, line.ts, ix)!;
    expect(observe.summaryText(ev)).toBe(`refused (ECONNREFUSED) client; by wget (pid 3450) in lab-target-port/${frontend.metadata.name}/frontend`);
  });

  it('describes a process without a pod as the agent saw it', () => {
    expect(describeProcess({ pid: 1, comm: 'systemd' })).toBe('systemd (pid 1)');
    expect(describeProcess(undefined)).toBeUndefined();
  });
});
