/**
 * Which node an event happened on, when several probed nodes share one kernel.
 *
 * On a real cluster every node has its own kernel and its agent sees only that node's packets.
 * Where nodes are network namespaces on one kernel (kind, the test lab in test/lab), every
 * agent sees every node's packets and would label them with its own node: the drop on B's node
 * would be reported by A's agent too, "on" A's node. The agents say which kernel they run on
 * (hello.bootId) and which network namespace is their node's (hello.netns); among agents on one
 * kernel an event is kept only from the agent of the node it happened on — the node whose
 * namespace it is, or, in a pod's namespace, the pod's node. An event in a namespace none of
 * them can place is kept from every agent. Agents on different kernels are never filtered.
 *
 * Events that arrive before every planned agent has said hello (or failed) are held, so that
 * an early event is not kept from the wrong agent; `flush` releases whatever is left.
 */
import type { EvidenceLine } from '../../core/diagnose/index.js';

// Rule lines are not among them: nftables tracing reports only packets of the agent's own
// namespace's ruleset, so another node's agent never names a rule of this node.
const eventTypes = new Set(['drop', 'tcp', 'dns']);
/** Held events at most (then they are decided with what is known). */
const maxHeld = 50_000;

export class NodeAttribution {
  private readonly waiting: Set<string>;
  private readonly kernel = new Map<string, { bootId: string; netns: number | undefined }>();
  private held: Array<{ node: string; line: EvidenceLine }> = [];
  /** Events dropped as another node's. */
  dropped = 0;

  constructor(
    nodes: readonly string[],
    private readonly emit: (line: EvidenceLine) => void,
  ) {
    this.waiting = new Set(nodes);
  }

  /** Node's agent said hello. */
  hello(node: string, hello: { bootId?: string | undefined; netns?: number | undefined }): void {
    if (hello.bootId) this.kernel.set(node, { bootId: hello.bootId, netns: hello.netns });
    this.settled(node);
  }

  /** Node's agent will say nothing more (it ended or never started). */
  settled(node: string): void {
    if (this.waiting.delete(node) && this.waiting.size === 0) this.flush();
  }

  /** One line from node's agent. */
  line(node: string, line: EvidenceLine): void {
    if (!eventTypes.has(line.type)) return this.emit(line);
    if (this.waiting.size > 0 && this.held.length < maxHeld) {
      this.held.push({ node, line });
      return;
    }
    this.decide(node, line);
  }

  /** Releases the held events with what is known now. */
  flush(): void {
    const held = this.held;
    this.held = [];
    for (const h of held) this.decide(h.node, h.line);
  }

  /** The node an event in this namespace happened on, among the agents on node's kernel (undefined: cannot tell). */
  ownerOf(node: string, line: EvidenceLine): string | undefined {
    const mine = this.kernel.get(node);
    if (!mine || !('netns' in line)) return undefined;
    const peers = [...this.kernel].filter(([, k]) => k.bootId === mine.bootId).map(([n, k]) => [n, k.netns] as const);
    if (peers.length < 2) return undefined;
    const byNetns = peers.find(([, ns]) => ns !== undefined && ns === line.netns);
    if (byNetns) return byNetns[0];
    const pod = line.identities?.netns;
    if (pod?.kind === 'pod' && pod.node && peers.some(([n]) => n === pod.node)) return pod.node;
    return undefined;
  }

  private decide(node: string, line: EvidenceLine): void {
    const owner = this.ownerOf(node, line);
    if (owner !== undefined && owner !== node) {
      this.dropped++;
      return;
    }
    this.emit(line);
  }
}
