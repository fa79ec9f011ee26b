/** From [A] To [B] port/protocol, probes and transport, the active test, Ask why. */
import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useApp } from '../../store/context.js';
import { namespaceOf, suggest } from './suggest.js';
import { SshInEffect } from '../probes/SshInEffect.js';

function Combo({
  id,
  label,
  side,
  value,
  onChange,
  placeholder,
}: {
  id: string;
  label: string;
  side: 'from' | 'to';
  value: string;
  onChange(v: string): void;
  placeholder: string;
}) {
  const names = useApp((s) => (s.cluster.status === 'open' ? s.cluster.opened.names : undefined));
  const fromNamespace = useApp((s) => namespaceOf(s.query.from));
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const listId = useId();
  const items = open && names ? suggest(names, value, side, 12, fromNamespace) : [];
  const pick = (v: string) => {
    onChange(v);
    setOpen(false);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, Math.max(items.length - 1, 0)));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter' && open && items[active] && !(e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      pick(items[active].value);
    } else if (e.key === 'Escape') setOpen(false);
  };
  return (
    <label className="combo">
      <span>{label}</span>
      <input
        id={id}
        data-testid={`query-${side}`}
        role="combobox"
        aria-expanded={items.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        autoComplete="off"
        spellCheck={false}
        placeholder={placeholder}
        value={value}
        onChange={(e) => {
          onChange(e.target.value);
          setOpen(true);
          setActive(0);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 120)}
        onKeyDown={onKey}
      />
      {items.length > 0 && (
        <ul className="suggestions" id={listId} role="listbox" data-testid={`suggestions-${side}`}>
          {items.map((s, i) => (
            <li
              key={`${s.kind}:${s.value}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(s.value);
              }}
            >
              <span className="badge">{s.kind}</span> {s.value}
            </li>
          ))}
        </ul>
      )}
    </label>
  );
}

const noNodes: readonly string[] = [];

export function QueryBar() {
  const q = useApp((s) => s.query);
  const setQuery = useApp((s) => s.setQuery);
  const ask = useApp((s) => s.ask);
  const running = useApp((s) => s.question?.state === 'running');
  const replay = useApp((s) => s.cluster.status === 'open' && s.cluster.opened.mode === 'replay');
  const nodes = useApp((s) => (s.cluster.status === 'open' ? s.cluster.opened.names.nodes : noNodes));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void ask();
  };
  return (
    <form className="query-bar" onSubmit={submit} aria-label="Question" data-testid="query-bar">
      <Combo id="query-from" label="From" side="from" value={q.from} onChange={(from) => setQuery({ from })} placeholder="ns/deploy/frontend or ns/pod" />
      <span className="arrow" aria-hidden>
        →
      </span>
      <Combo id="query-to" label="To" side="to" value={q.to} onChange={(to) => setQuery({ to })} placeholder="backend:8080, ns/svc/name, example.com:443" />
      <label className="narrow">
        <span>Port</span>
        <input data-testid="query-port" value={q.port} onChange={(e) => setQuery({ port: e.target.value })} placeholder="auto" inputMode="numeric" />
      </label>
      <label className="narrow">
        <span>Protocol</span>
        <select value={q.protocol} onChange={(e) => setQuery({ protocol: e.target.value as 'TCP' | 'UDP' })}>
          <option>TCP</option>
          <option>UDP</option>
        </select>
      </label>
      <label className="narrow">
        <span>Probes</span>
        {replay ? (
          <select
            data-testid="query-probe"
            value="none"
            disabled
            title="A recording is read-only: the answer uses the probe events recorded up to the scrubber"
          >
            <option value="none">recorded</option>
          </select>
        ) : (
          <select data-testid="query-probe" value={q.probe} onChange={(e) => setQuery({ probe: e.target.value as 'none' | 'ssh' | 'pod' })}>
            <option value="none">off</option>
            <option value="ssh">SSH</option>
            <option value="pod">probe pod</option>
          </select>
        )}
      </label>
      {!replay && q.probe !== 'none' && (
        <>
          <label className="narrow">
            <span>Seconds</span>
            <input
              type="number"
              data-testid="query-duration"
              min={1}
              max={600}
              value={q.durationSec}
              onChange={(e) => setQuery({ durationSec: Math.min(600, Math.max(1, Number(e.target.value) || 10)) })}
            />
          </label>
          <label className="toggle" title="Generate a DNS lookup and a connection from inside A">
            <input type="checkbox" data-testid="query-active" checked={q.active} onChange={(e) => setQuery({ active: e.target.checked })} /> Active test
          </label>
        </>
      )}
      <button
        type="submit"
        className="primary"
        disabled={running || !q.from.trim() || !q.to.trim()}
        data-testid="ask-why"
        title={replay ? 'Re-run the diagnosis on the recorded state at the scrubber (Ctrl+Enter)' : 'Ctrl+Enter'}
      >
        {running ? 'Asking…' : 'Ask why'}
      </button>
      {!replay && q.probe === 'ssh' && <SshInEffect nodes={nodes} />}
      {!replay && q.probe !== 'none' && q.active && (
        <p className="active-warning" role="note" data-testid="active-warning">
          ⚠ Active test: Pathlight will send a DNS lookup and a connection attempt from inside A’s network namespace to B. This is real traffic on the cluster.
        </p>
      )}
    </form>
  );
}
