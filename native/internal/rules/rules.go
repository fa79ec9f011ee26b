// Package rules is the agent's `rules` probe: which netfilter rule dropped a packet.
//
// It uses nftables tracing (see native/README.md, "The rules probe", for the alternatives):
// a table of the agent's own, inet pathlight_trace_<pid>, has chains on the prerouting,
// input, forward and output hooks at priority -350, before every other table, that set `meta nftrace set 1` on the
// packets the agent's filters match and accept everything. The kernel then reports every
// rule such a packet meets on the NFNLGRP_NFTRACE netlink group (family, table, chain, rule
// handle, verdict); the probe keeps each packet's path and, when a rule or a chain policy
// drops it, writes a rule line with the rule's text read from the ruleset by handle.
// iptables-nft rules (kube-proxy, kube-router, Calico on Debian and most distributions) are
// nftables rules with xt matches, so they are traced the same way; iptables-legacy rules are
// not nftables and cannot be.
package rules

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/nftables"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"pathlight.dev/native/internal/filter"
	"pathlight.dev/native/internal/protocol"
)

// Options configure the probe.
type Options struct {
	Filters filter.Set
	// Emit receives each rule line (without its header, which the agent sets).
	Emit func(protocol.Rule)
}

// Tracer is the running probe.
type Tracer struct {
	emit    func(protocol.Rule)
	table   string
	conn    *nftables.Conn // rule lookups and the table; used by the reader and control
	connMu  sync.Mutex
	nl      *netlink.Conn
	netns   uint32
	filters atomic.Pointer[filter.Set]
	events  atomic.Uint64
	lost    atomic.Uint64
	done    chan struct{}
	closed  sync.Once
	// Stale lists the trace tables of killed agents removed at start.
	Stale []string
	// Degraded is set when the probe runs but cannot see every rule (legacy iptables).
	Degraded string
}

// Start removes trace tables left by killed agents, subscribes to trace events, then
// installs the agent's table behind the filters.
func Start(o Options) (*Tracer, error) {
	conn, err := nftables.New()
	if err != nil {
		return nil, fmt.Errorf("nftables netlink: %w", err)
	}
	t := &Tracer{emit: o.Emit, table: TableName(), conn: conn, done: make(chan struct{})}
	t.filters.Store(&o.Filters)
	t.netns = selfNetns()
	if t.Stale, err = RemoveStale(conn); err != nil {
		return nil, permission(fmt.Errorf("listing nftables tables: %w", err))
	}
	t.nl, err = netlink.Dial(unix.NETLINK_NETFILTER, nil)
	if err != nil {
		return nil, permission(fmt.Errorf("netfilter netlink: %w", err))
	}
	// A burst of traced packets must not overflow the socket: lost messages come back as
	// ENOBUFS and are counted.
	_ = t.nl.SetReadBuffer(8 << 20)
	if err := t.nl.JoinGroup(unix.NFNLGRP_NFTRACE); err != nil {
		t.nl.Close()
		return nil, permission(fmt.Errorf("joining the nftables trace group: %w", err))
	}
	if err := install(conn, t.table, o.Filters, false); err != nil {
		t.nl.Close()
		_ = removeTable(conn, t.table)
		return nil, permission(fmt.Errorf("creating the trace table inet %s: %w", t.table, err))
	}
	t.Degraded = LegacyInUse()
	go t.read()
	return t, nil
}

func permission(err error) error {
	if errors.Is(err, unix.EPERM) || strings.Contains(err.Error(), "operation not permitted") {
		return fmt.Errorf("%w: the rules probe needs CAP_NET_ADMIN (it adds a trace table to nftables)", err)
	}
	return err
}

// Table is the name of the agent's trace table (family inet).
func (t *Tracer) Table() string { return t.table }

// SetFilters replaces the trace chains' rules with the new filters, in one transaction.
func (t *Tracer) SetFilters(f filter.Set) error {
	t.connMu.Lock()
	defer t.connMu.Unlock()
	if err := install(t.conn, t.table, f, true); err != nil {
		return fmt.Errorf("rules probe: %w", err)
	}
	t.filters.Store(&f)
	return nil
}

// Counters returns the drops reported and the trace messages lost (socket buffer full).
func (t *Tracer) Counters() (events, lost uint64) { return t.events.Load(), t.lost.Load() }

// Close removes the agent's table and stops reading; the node's ruleset is as it was.
func (t *Tracer) Close() error {
	var err error
	t.closed.Do(func() {
		t.connMu.Lock()
		err = removeTable(t.conn, t.table)
		t.connMu.Unlock()
		_ = t.nl.SetReadDeadline(time.Now())
		<-t.done
		t.nl.Close()
	})
	return err
}

// pktState is what is known of one traced packet: its headers and the rules it met.
type pktState struct {
	pkt  packet
	ok   bool
	seen time.Time
	path []protocol.RuleStep
}

// maxPath bounds the steps kept before the rule that drops.
const maxPath = 16

func (t *Tracer) read() {
	defer close(t.done)
	pkts := map[uint32]*pktState{}
	res := newResolver(t.conn)
	msgType := netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_TRACE)
	for {
		msgs, err := t.nl.Receive()
		if err != nil {
			if errors.Is(err, unix.ENOBUFS) {
				t.lost.Add(1)
				continue
			}
			if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.EBADF) {
				return
			}
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				return
			}
			continue
		}
		for _, m := range msgs {
			if m.Header.Type != msgType {
				continue
			}
			ev, err := decodeTrace(m.Data)
			if err != nil {
				continue
			}
			t.handle(ev, pkts, res)
		}
	}
}

func (t *Tracer) handle(ev traceEvent, pkts map[uint32]*pktState, res *resolver) {
	now := time.Now()
	st := pkts[ev.id]
	if st == nil || now.Sub(st.seen) > 2*time.Second {
		if len(pkts) > 4096 {
			for id, s := range pkts {
				if now.Sub(s.seen) > 2*time.Second {
					delete(pkts, id)
				}
			}
		}
		st = &pktState{}
		pkts[ev.id] = st
	}
	st.seen = now
	own := ev.table == t.table && ev.family == unix.NFPROTO_INET
	if len(ev.network) > 0 {
		if p, ok := parsePacket(ev.network, ev.transport); ok {
			// The id is a hash of the skb, reused by later packets: a packet's trace starts in
			// the agent's entry chain. Elsewhere new headers are the same packet after NAT.
			if own && entryChain(ev.chain) {
				st.path = nil
			}
			st.pkt, st.ok = p, true
		}
	}
	if own {
		return // the agent's own chain
	}
	step := protocol.RuleStep{TableFamily: familyName(ev.family), Table: ev.table, Chain: ev.chain, Handle: ev.handle, Verdict: verdictName(ev.verdict), Target: ev.target}
	drop := false
	switch ev.typ {
	case unix.NFT_TRACETYPE_RULE:
		drop = ev.verdict == nfDrop
	case unix.NFT_TRACETYPE_POLICY:
		step.Verdict = verdictName(int32(ev.policy))
		step.Policy = true
		drop = int32(ev.policy) == nfDrop
	case unix.NFT_TRACETYPE_RETURN:
		step.Verdict = VerdictReturn
	default:
		return
	}
	if !drop {
		if step.Verdict != VerdictContinue {
			st.path = append(st.path, step)
			if len(st.path) > maxPath {
				st.path = st.path[len(st.path)-maxPath:]
			}
		}
		return
	}
	if !st.ok || !matches(*t.filters.Load(), st.pkt) {
		delete(pkts, ev.id)
		return
	}
	line := protocol.Rule{
		// When the kernel's message arrived: reading the rule's text can take milliseconds.
		Header: protocol.Header{TS: now.UnixNano()},
		Endpoints: protocol.Endpoints{
			Netns: t.netns, Proto: filter.ProtoName(st.pkt.proto), Src: st.pkt.src.String(), Sport: st.pkt.sport,
			Dst: st.pkt.dst.String(), Dport: st.pkt.dport, Family: st.pkt.family,
		},
		RuleStep: step, TraceID: ev.id, Path: st.path, Iif: ifName(ev.iif), Oif: ifName(ev.oif),
	}
	if step.Policy {
		line.Text = fmt.Sprintf("policy %s", step.Verdict)
	} else {
		t.connMu.Lock()
		info := res.lookup(chainKey{ev.family, ev.table, ev.chain}, ev.handle)
		line.Path = make([]protocol.RuleStep, len(st.path))
		for i, p := range st.path {
			if p.Verdict == VerdictJump || p.Verdict == VerdictGoto {
				p.Comment = res.lookup(chainKey{familyByName(p.TableFamily), p.Table, p.Chain}, p.Handle).comment
			}
			line.Path[i] = p
		}
		t.connMu.Unlock()
		line.Position, line.Text, line.Comment = info.position, info.text, info.comment
		if info.iptables {
			line.Syntax = "iptables"
		} else if info.rendered {
			line.Syntax = "agent"
		} else if info.text != "" {
			line.Syntax = "nft"
		}
		if info.reject {
			line.Verdict = VerdictReject
		}
	}
	delete(pkts, ev.id)
	t.events.Add(1)
	t.emit(line)
}

func ifName(idx uint32) string {
	if idx == 0 {
		return ""
	}
	if i, err := net.InterfaceByIndex(int(idx)); err == nil {
		return i.Name
	}
	return fmt.Sprint(idx)
}

func selfNetns() uint32 {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/net", &st); err != nil {
		return 0
	}
	return uint32(st.Ino)
}

// LegacyInUse says why rule attribution is incomplete when iptables-legacy tables hold
// rules in this network namespace (their names are listed in /proc/net/ip_tables_names
// once the legacy x_tables modules are in use): those rules are not nftables rules and are
// never traced. Empty when there are none.
func LegacyInUse() string {
	for _, f := range []string{"/proc/net/ip_tables_names", "/proc/net/ip6_tables_names"} {
		if b, err := os.ReadFile(f); err == nil && len(strings.TrimSpace(string(b))) > 0 {
			return "rule attribution unavailable: legacy iptables (tables " + strings.Join(strings.Fields(string(b)), ", ") + " in " + f + " are not nftables and cannot be traced)"
		}
	}
	return ""
}
