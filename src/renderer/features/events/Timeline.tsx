/** Events per second by type as stacked bars (SVG), with a brush: drag to pick a time range, click to clear. */
import { useRef, useState, type PointerEvent } from 'react';
import type { Histogram } from '../../../api/index.js';

const names = ['drops', 'DNS', 'TCP', 'HTTP'];
const W = 1000;
const H = 60;

export function Timeline({ h, range, onRange }: { h: Histogram; range: { from?: number; to?: number }; onRange(r: { from?: number; to?: number }): void }) {
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | undefined>();
  const n = h.buckets.length;
  if (n === 0) return <div className="timeline empty muted">No events yet: the timeline fills as probes report.</div>;
  const max = Math.max(1, ...h.buckets.map((b) => b[0] + b[1] + b[2] + b[3]));
  const bw = W / n;
  const bucketNs = h.bucketMs * 1e6;
  const xOf = (e: PointerEvent) => {
    const r = svg.current!.getBoundingClientRect();
    return Math.min(W, Math.max(0, ((e.clientX - r.left) / r.width) * W));
  };
  const tOf = (x: number) => h.start + (x / W) * n * bucketNs;
  const xOfT = (t: number) => ((t - h.start) / (n * bucketNs)) * W;
  const sel = drag
    ? { x0: Math.min(drag.a, drag.b), x1: Math.max(drag.a, drag.b) }
    : range.from !== undefined && range.to !== undefined
      ? { x0: xOfT(range.from), x1: xOfT(range.to) }
      : undefined;
  const up = (e: PointerEvent) => {
    if (!drag) return;
    const x = xOf(e);
    setDrag(undefined);
    if (Math.abs(x - drag.a) < 4) onRange({});
    else onRange({ from: Math.floor(tOf(Math.min(drag.a, x))), to: Math.ceil(tOf(Math.max(drag.a, x))) });
  };
  const fmt = (t: number) => new Date(t / 1e6).toLocaleTimeString();
  return (
    <div className="timeline" data-testid="timeline">
      <svg
        ref={svg}
        viewBox={`0 0 ${W} ${H}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Events per ${h.bucketMs / 1000} s by type; drag to select a time range`}
        onPointerDown={(e) => {
          (e.target as Element).setPointerCapture?.(e.pointerId);
          const x = xOf(e);
          setDrag({ a: x, b: x });
        }}
        onPointerMove={(e) => drag && setDrag({ a: drag.a, b: xOf(e) })}
        onPointerUp={up}
      >
        {h.buckets.map((b, i) => {
          let y = H;
          return b.map((c, k) => {
            if (c === 0) return null;
            const bh = (c / max) * (H - 4);
            y -= bh;
            return <rect key={`${i}-${k}`} x={i * bw + 0.5} y={y} width={Math.max(1, bw - 1)} height={bh} className={`t-${k}`} />;
          });
        })}
        {sel && <rect className="brush" x={sel.x0} y={0} width={Math.max(1, sel.x1 - sel.x0)} height={H} />}
      </svg>
      <div className="timeline-axis muted">
        <span>{fmt(h.start)}</span>
        <span className="legend">
          {names.map((nm, k) => (
            <span key={nm}>
              <i className={`swatch t-${k}`} /> {nm}
            </span>
          ))}
          {range.from !== undefined && (
            <button type="button" className="link" onClick={() => onRange({})}>
              clear time range
            </button>
          )}
        </span>
        <span>{fmt(h.start + n * bucketNs)}</span>
      </div>
    </div>
  );
}
