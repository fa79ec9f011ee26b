/** A drag handle between two panes; arrow keys move it too. */
import type { KeyboardEvent, PointerEvent } from 'react';

export function Splitter({
  axis,
  value,
  min,
  max,
  onChange,
  label,
  invert = false,
}: {
  axis: 'x' | 'y';
  value: number;
  min: number;
  max: number;
  onChange(v: number): void;
  label: string;
  invert?: boolean;
}) {
  const clamp = (v: number) => Math.round(Math.min(max, Math.max(min, v)));
  const down = (e: PointerEvent<HTMLDivElement>) => {
    e.preventDefault();
    const start = axis === 'x' ? e.clientX : e.clientY;
    const base = value;
    const el = e.currentTarget;
    el.setPointerCapture(e.pointerId);
    const move = (m: globalThis.PointerEvent) => {
      const d = (axis === 'x' ? m.clientX : m.clientY) - start;
      onChange(clamp(base + (invert ? -d : d)));
    };
    const up = () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
  };
  const key = (e: KeyboardEvent) => {
    const step = e.shiftKey ? 50 : 10;
    const dir = axis === 'x' ? (e.key === 'ArrowLeft' ? -1 : e.key === 'ArrowRight' ? 1 : 0) : e.key === 'ArrowUp' ? -1 : e.key === 'ArrowDown' ? 1 : 0;
    if (!dir) return;
    e.preventDefault();
    onChange(clamp(value + (invert ? -dir : dir) * step));
  };
  return (
    <div
      className={`splitter splitter-${axis}`}
      role="separator"
      aria-orientation={axis === 'x' ? 'vertical' : 'horizontal'}
      aria-label={label}
      aria-valuenow={value}
      aria-valuemin={min}
      aria-valuemax={max}
      tabIndex={0}
      onPointerDown={down}
      onKeyDown={key}
    />
  );
}
