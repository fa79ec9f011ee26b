/**
 * What one node's agent has delivered so far, as the Probes panel shows it for a manual run and
 * for each node of a question: events by type, events per second, events lost (the kernel's
 * and the agent's, from its stats and bye lines) and the drop reasons seen most.
 */
import type { probe } from '../../core/index.js';

export interface RunFigures {
  events: { drop: number; dns: number; tcp: number };
  /** Events per second since the run started (to its end once stopped), one decimal. */
  rate: number;
  lost: number;
  /** The most frequent drop reasons, most first (at most `topReasons`). */
  reasons: Array<{ reason: string; count: number }>;
}

const topReasons = 3;

export class RunCounts {
  readonly events = { drop: 0, dns: 0, tcp: 0 };
  lost = 0;
  private readonly reasons = new Map<string, number>();
  private ended: number | undefined;

  constructor(private readonly started = Date.now()) {}

  /** Counts a line; true when a figure changed. */
  add(l: probe.ProbeLine): boolean {
    if (l.type === 'drop' || l.type === 'dns' || l.type === 'tcp') {
      this.events[l.type]++;
      if (l.type === 'drop') {
        const reason = (l as { reason?: string }).reason || 'UNKNOWN';
        this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
      }
      return true;
    }
    if (l.type === 'stats' || l.type === 'bye') {
      const per = Object.values((l as { probes?: Record<string, { lost?: number; lostUser?: number }> }).probes ?? {});
      this.lost = per.reduce((n, p) => n + (p.lost ?? 0) + (p.lostUser ?? 0), 0);
      return true;
    }
    return false;
  }

  /** The run ended: its rate stops falling. */
  end(at = Date.now()): void {
    this.ended ??= at;
  }

  figures(now = Date.now()): RunFigures {
    const total = this.events.drop + this.events.dns + this.events.tcp;
    const seconds = Math.max(1, ((this.ended ?? now) - this.started) / 1000);
    const reasons = [...this.reasons]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, topReasons)
      .map(([reason, count]) => ({ reason, count }));
    return { events: { ...this.events }, rate: Math.round((total / seconds) * 10) / 10, lost: this.lost, reasons };
  }
}
