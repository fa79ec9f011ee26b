/** Ctrl/⌘ K: every command by name with its shortcut; type to filter, ↑/↓ and Enter to run. */
import { useEffect, useRef, useState } from 'react';

export interface Command {
  id: string;
  title: string;
  keys?: string;
  run(): void;
  /** Not offered right now (e.g. no cluster open). */
  disabled?: boolean;
}

export function CommandPalette({ commands, onClose }: { commands: Command[]; onClose(): void }) {
  const [text, setText] = useState('');
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const t = text.trim().toLowerCase();
  const list = commands.filter((c) => !c.disabled && (!t || c.title.toLowerCase().includes(t) || c.id.includes(t)));
  const run = (c: Command | undefined) => {
    if (!c) return;
    onClose();
    c.run();
  };
  return (
    <div className="palette-backdrop" onMouseDown={onClose}>
      <div className="palette" role="dialog" aria-label="Command palette" data-testid="command-palette" onMouseDown={(e) => e.stopPropagation()}>
        <input
          ref={input}
          placeholder="Type a command…"
          aria-label="Command"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onClose();
            else if (e.key === 'ArrowDown') {
              e.preventDefault();
              setActive((a) => Math.min(a + 1, list.length - 1));
            } else if (e.key === 'ArrowUp') {
              e.preventDefault();
              setActive((a) => Math.max(a - 1, 0));
            } else if (e.key === 'Enter') {
              e.preventDefault();
              run(list[active]);
            }
          }}
        />
        <ul role="listbox">
          {list.map((c, i) => (
            <li
              key={c.id}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              onMouseEnter={() => setActive(i)}
              onClick={() => run(c)}
            >
              <span>{c.title}</span>
              {c.keys && <kbd>{c.keys}</kbd>}
            </li>
          ))}
          {list.length === 0 && <li className="muted">No command matches.</li>}
        </ul>
      </div>
    </div>
  );
}
