import { describe, expect, it } from 'vitest';
import { createApiClient, dispatch } from '../../../src/api/index.js';
import { createHandlers } from '../../../src/backend/handlers.js';
import { createAppStore, memoryStorage } from '../../../src/renderer/store/index.js';
import { fixture } from '../../helpers/paths.js';

/** The renderer's store against the real engine, through an in-process transport. */
function makeStore(storage = memoryStorage()) {
  const handlers = createHandlers({ shell: 'server', env: { KUBECONFIG: fixture('kubeconfig/three-contexts.yaml') } });
  const api = createApiClient({
    call: (method, payload) => dispatch(handlers, method, payload, new AbortController().signal),
    subscribe: () => () => {},
  });
  return { store: createAppStore(api, storage), storage };
}

describe('renderer store', () => {
  it('loads contexts and keeps a selection that still exists', async () => {
    const { store } = makeStore();
    await store.getState().loadContexts();
    const s = store.getState();
    expect(s.contexts.status === 'loaded' && s.contexts.list.contexts.map((c) => c.name)).toEqual(['prod-eu-admin', 'staging', 'kind-lab']);
    s.selectContext('kind-lab');
    await store.getState().loadContexts();
    expect(store.getState().selectedContext).toBe('kind-lab');
    store.getState().selectContext('gone');
    await store.getState().loadContexts();
    expect(store.getState().selectedContext).toBeUndefined();
  });

  it('keeps the error with its code when the file is broken', async () => {
    const { store } = makeStore();
    await store.getState().loadContexts({ kind: 'path', path: fixture('kubeconfig/malformed-yaml.yaml') });
    expect(store.getState().contexts).toMatchObject({ status: 'failed', error: { code: 'kubeconfig-malformed', line: 7 } });
  });

  it('persists theme and selection, never the text of a picked kubeconfig', async () => {
    const { store, storage } = makeStore();
    await store
      .getState()
      .loadContexts({ kind: 'text', name: 'picked.yaml', text: 'apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: SECRET-TOKEN}}]\n' });
    store.getState().toggleTheme();
    store.getState().selectContext('x');
    const saved = storage.getItem('pathlight.ui') ?? '';
    expect(saved).not.toContain('SECRET-TOKEN');
    expect(JSON.parse(saved).state).toEqual({
      theme: 'dark',
      selectedContext: 'x',
      source: { kind: 'default' },
      // No SSH config of their own: the Connect screen's SSH settings (\`ssh\`) are the one setting.
      probeForm: { node: '', via: 'ssh', durationSec: 60 },
      query: { from: '', to: '', port: '', protocol: 'TCP', probe: 'none', active: false, durationSec: 10 },
      workbenchWanted: false,
      collapsed: [],
      eventFilter: {},
      panes: { why: 420, bottom: 280 },
      bottomTab: 'events',
      // Recent recordings are paths on the engine's machine; a picked file's bytes are never kept.
      recent: [],
      speed: 10,
      // SSH settings are paths and names (a key's path, never the key or its passphrase).
      ssh: { configFile: '', user: '', identityFile: '', jump: '', nodes: [] },
      recentQuestions: [],
      // Exec plugin command lines the user agreed to run (file, context, command line).
      execConsents: [],
    });

    const again = makeStore(storage).store;
    expect(again.getState().theme).toBe('dark');
    expect(again.getState().selectedContext).toBe('x');
  });

  it('probes: a bad node name is kept as the error; a start without any SSH key ends stopped with the reason and the next step; the form persists', async () => {
    const { store, storage } = makeStore();
    store.getState().setProbeForm({ node: 'bad name;', via: 'ssh' });
    await store.getState().startProbe();
    expect(store.getState().probeError).toMatchObject({ code: 'invalid-request', message: expect.stringMatching(/node/) });
    expect(store.getState().runs).toEqual([]);
    // An SSH config whose only IdentityFile does not exist (and no ssh-agent in the test env).
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/pathlight-store-');
    writeFileSync(
      `${dir}/config`,
      `Host n1\n  HostName 127.0.0.1\n  Port 1\n  User root\n  IdentityFile /nonexistent/id_ed25519\n  UserKnownHostsFile ${dir}/kh\n`,
    );
    store.getState().setSsh({ configFile: `${dir}/config` });
    store.getState().setProbeForm({ node: 'n1', durationSec: 5 });
    await store.getState().startProbe();
    expect(store.getState().probeError).toBeUndefined();
    expect(store.getState().runs).toHaveLength(1);
    await expect
      .poll(async () => {
        await store.getState().refreshProbes();
        return store.getState().runs[0];
      })
      .toMatchObject({ node: 'n1', stage: 'stopped', error: { code: 'ssh-auth-failed', hint: expect.stringMatching(/IdentityFile/) } });
    expect(JSON.parse(storage.getItem('pathlight.ui')!).state.probeForm).toEqual({ node: 'n1', via: 'ssh', durationSec: 5 });
    expect(JSON.parse(storage.getItem('pathlight.ui')!).state.ssh.configFile).toBe(`${dir}/config`);
    store.getState().dismissRun(store.getState().runs[0]!.session);
    expect(store.getState().runs).toEqual([]);
  });
});
