/**
 * The why panel as it renders (React on the server, no browser): what limits an answer is said
 * next to its verdict — a stale cluster view, nodes without probes — and the copy buttons say
 * what they copy. The answer is a real one, from the engine on a lab fixture.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../../src/api/index.js';
import { createStore } from 'zustand/vanilla';
import { memoryStorage, type AppStore } from '../../../src/renderer/store/index.js';
import { AppProvider } from '../../../src/renderer/store/context.js';
import { WhyPanel } from '../../../src/renderer/features/why/WhyPanel.js';
import { fixture } from '../../helpers/paths.js';
import { askAndWait, storeOn } from '../../helpers/store.js';

async function answered(scenario: string, from: string, to: string) {
  const store = storeOn({ fakeClusters: fixture('diagnose'), storage: memoryStorage() });
  store.getState().selectContext(`fake-${scenario}`);
  await store.getState().openCluster();
  store.getState().setQuery({ from, to, probe: 'ssh', durationSec: 1 });
  await askAndWait(store);
  return store;
}

const api = createApiClient({ call: async () => ({ ok: false, error: { code: 'unavailable', message: 'not in this test' } }), subscribe: () => () => {} });
/** Rendered on the server, React reads a store's initial state: a store made of the state now. */
const render = (store: Awaited<ReturnType<typeof answered>>) =>
  renderToStaticMarkup(
    createElement(AppProvider, { store: createStore(() => store.getState()) as unknown as AppStore, api, children: createElement(WhyPanel) }),
  );
/** The markup from the verdict to the path: what a user reads first. */
const head = (html: string) => html.slice(html.indexOf('data-testid="verdict"'), html.indexOf('data-testid="hop"'));

describe('why panel', () => {
  it('says a stale view and a node without probes next to the verdict, not in a collapsed list', async () => {
    const store = await answered('deny-backend-ingress', 'lab-deny-ingress/deploy/frontend', 'backend:8080');
    const q = store.getState().question!;
    const since = Date.UTC(2026, 11, 5, 9, 30, 0) * 1e6;
    store.setState({
      question: {
        ...q,
        diagnosis: {
          ...q.diagnosis!,
          stale: { state: 'stale', since, error: 'connect ECONNREFUSED 127.0.0.1:6443' },
          blindSpots: [{ node: 'lab-node', reason: 'SSH connection refused', hint: 'check the SSH settings' }],
        },
      },
    });
    const html = render(store);
    const top = head(html);
    expect(top).toContain('data-testid="answer-stale"');
    expect(top).toMatch(/Stale view.*ECONNREFUSED/s);
    expect(top).toContain('data-testid="answer-blind"');
    expect(top).toMatch(/lab-node.*SSH connection refused/s);
  });

  it('nothing of the kind on a live answer with every node probed', async () => {
    const store = await answered('deny-backend-ingress', 'lab-deny-ingress/deploy/frontend', 'backend:8080');
    const html = render(store);
    expect(html).not.toContain('answer-stale');
    expect(html).not.toContain('answer-blind');
  });

  it('Copy YAML copies YAML; a kubectl command gets Copy command', async () => {
    const store = await answered('wrong-namespace-dns', 'lab-wrong-ns/deploy/frontend', 'backend.lab-wrongns:8080');
    const d = store.getState().question!.diagnosis!;
    const fix = d.findings[0]!.fix!;
    // The finding card of the top finding is open: its fix's buttons are rendered.
    const html = render(store);
    expect(html.includes('Copy kubectl command')).toBe(false);
    if (fix.kubectl) expect(html).toContain('>Copy command<');
    if (fix.yaml) expect(html).toContain('>Copy YAML<');
    // The DNS fix of this scenario is a command (and YAML): both buttons are there, each saying what it copies.
    expect(fix.kubectl).toBeTruthy();
  });
});
