/**
 * Events the engine pushes to the UIs, so that no UI polls: the sessions say what changed
 * (`notify(topic, event, payload)`: a session, question or probe run id, and a function giving
 * the state to send) and the hub sends it to the clients subscribed to that topic — the one that
 * opened it, or asked for its state since (a window that reconnected and resynced).
 *
 * Changes come in bursts (thousands of probe events a second, a replay counting a million
 * flows), so each (topic, event) is coalesced: the first change goes out at once (on the next
 * turn of the event loop, after the call that caused it has subscribed its caller), later ones
 * at most once per interval, the last one always — with the state as it is when it is sent.
 */
import { events, type EventClient, type EventName, type EventPayload } from '../api/index.js';

/** What the sessions are given: "this topic's `event` has news; here is how to read it". */
export type Notify = <E extends EventName>(topic: string, event: E, payload: () => EventPayload<E>) => void;

/** Least time between two pushes of one event of one topic (ms). */
export const pushIntervalMs: Partial<Record<EventName, number>> = {
  'why.progress': 200,
  'probes.progress': 250,
  // The UI pulls a delta or a page on each: every pull drains the graph or scans the table.
  'graph.changed': 400,
  'events.appended': 400,
};
const defaultIntervalMs = 250;

interface Pending {
  topic: string;
  event: EventName;
  payload: () => unknown;
  /** Another change came during the quiet interval. */
  dirty: boolean;
  timer: ReturnType<typeof setTimeout>;
}

export class PushHub {
  private readonly subscribers = new Map<string, Set<EventClient>>();
  private readonly topicsOf = new Map<EventClient, Set<string>>();
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly intervals: Partial<Record<EventName, number>> = pushIntervalMs) {}

  /** `client` gets the events of `topic` from now on, until it goes or the topic is forgotten. */
  subscribe(topic: string, client: EventClient | undefined): void {
    if (!client || client.gone.aborted) return;
    let set = this.subscribers.get(topic);
    if (!set) this.subscribers.set(topic, (set = new Set()));
    set.add(client);
    let topics = this.topicsOf.get(client);
    if (!topics) {
      this.topicsOf.set(client, (topics = new Set()));
      client.gone.addEventListener('abort', () => this.drop(client), { once: true });
    }
    topics.add(topic);
  }

  /** The topic ended (session closed): nobody gets its events any more. */
  forget(topic: string): void {
    for (const c of this.subscribers.get(topic) ?? []) this.topicsOf.get(c)?.delete(topic);
    this.subscribers.delete(topic);
    for (const [key, p] of this.pending) {
      if (p.topic !== topic) continue;
      clearTimeout(p.timer);
      this.pending.delete(key);
    }
  }

  /** Clients subscribed to `topic` (tests, diagnostics). */
  audience(topic: string): number {
    return this.subscribers.get(topic)?.size ?? 0;
  }

  readonly notify: Notify = (topic, event, payload) => {
    const key = `${event}\n${topic}`;
    const p = this.pending.get(key);
    if (p) {
      p.payload = payload;
      p.dirty = true;
      return;
    }
    const entry: Pending = { topic, event, payload, dirty: false, timer: setTimeout(() => this.fire(key), 0) };
    this.pending.set(key, entry);
  };

  private fire(key: string): void {
    const p = this.pending.get(key);
    if (!p) return;
    p.dirty = false;
    this.send(p.topic, p.event, p.payload);
    // Quiet for an interval; a change meanwhile goes out at its end.
    p.timer = setTimeout(() => {
      if (p.dirty) this.fire(key);
      else this.pending.delete(key);
    }, this.intervals[p.event] ?? defaultIntervalMs);
    p.timer.unref?.();
  }

  private send(topic: string, event: EventName, payload: () => unknown): void {
    const clients = this.subscribers.get(topic);
    if (!clients?.size) return;
    let value: unknown;
    try {
      // The contract's schema, as for a call's response: a UI never gets what it does not allow.
      value = events[event].parse(payload());
    } catch (err) {
      console.error(`pathlight: not pushing ${event}: ${(err as Error).message}`);
      return;
    }
    for (const c of clients) {
      try {
        c.send(event, value as never);
      } catch {
        // A client that cannot take it is going; its `gone` cleans up.
      }
    }
  }

  private drop(client: EventClient): void {
    for (const t of this.topicsOf.get(client) ?? []) {
      const set = this.subscribers.get(t);
      set?.delete(client);
      if (set?.size === 0) this.subscribers.delete(t);
    }
    this.topicsOf.delete(client);
  }
}
