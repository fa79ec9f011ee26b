package agent

import (
	"fmt"
	"net/netip"

	"pathlight.dev/native/internal/dnsparse"
	"pathlight.dev/native/internal/filter"
	"pathlight.dev/native/internal/kernel"
	"pathlight.dev/native/internal/probes"
	"pathlight.dev/native/internal/protocol"
)

// tuple is the C struct pl_tuple as bpf2go generated it (anonymous in each event type).
type tuple = struct {
	Saddr, Daddr [16]uint8
	Sport, Dport uint16
	Family       uint8
	Proto        uint8
	Pad          uint16
}

func addr(b [16]byte, family uint8) string {
	a := netip.AddrFrom16(b)
	if family == 4 {
		a = a.Unmap()
	}
	return a.String()
}

func endpoints(netns uint32, family, proto uint8, saddr, daddr [16]byte, sport, dport uint16) protocol.Endpoints {
	return protocol.Endpoints{
		Netns: netns, Proto: filter.ProtoName(proto), Family: int(family),
		Src: addr(saddr, family), Sport: sport, Dst: addr(daddr, family), Dport: dport,
	}
}

// Decoder turns kernel events into protocol lines.
type Decoder struct {
	Node    string
	Clock   Clock
	Reasons *kernel.DropReasons
	Syms    *kernel.Symbols
	dns     *dnsMatcher
}

// NewDecoder returns a decoder with an empty DNS query table.
func NewDecoder(node string, clock Clock, reasons *kernel.DropReasons, syms *kernel.Symbols) *Decoder {
	return &Decoder{Node: node, Clock: clock, Reasons: reasons, Syms: syms, dns: newDNSMatcher()}
}

func (d *Decoder) header(t string, mono uint64) protocol.Header {
	return protocol.Header{V: protocol.Version, Type: t, TS: d.Clock.Wall(mono), Node: d.Node}
}

// Drop decodes a drops event.
func (d *Decoder) Drop(e *probes.DropEvent) protocol.Drop {
	out := protocol.Drop{
		Header:    d.header(protocol.TypeDrop, e.TsNs),
		Endpoints: endpoints(e.Netns, e.T.Family, e.T.Proto, e.T.Saddr, e.T.Daddr, e.T.Sport, e.T.Dport),
		Ifindex:   e.Ifindex, ReasonCode: e.Reason, HasReason: e.HasReason != 0,
		Location: d.Syms.Resolve(e.Location),
	}
	if out.HasReason {
		out.Reason, out.Subsystem = d.Reasons.Name(e.Reason)
	} else {
		out.Reason = "UNKNOWN"
	}
	return out
}

var tcpStates = map[uint16]string{
	1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2", 6: "TIME_WAIT",
	7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING", 12: "NEW_SYN_RECV", 13: "BOUND_INACTIVE",
}

var errnos = map[int32]string{111: "ECONNREFUSED", 110: "ETIMEDOUT", 113: "EHOSTUNREACH", 101: "ENETUNREACH"}

// TCP decodes a tcp event.
func (d *Decoder) TCP(e *probes.TCPEvent) protocol.TCP {
	out := protocol.TCP{
		Header:    d.header(protocol.TypeTCP, e.TsNs),
		Endpoints: endpoints(e.Netns, e.T.Family, e.T.Proto, e.T.Saddr, e.T.Daddr, e.T.Sport, e.T.Dport),
		State:     tcpStates[e.State],
	}
	if out.State == "" {
		out.State = fmt.Sprintf("STATE_%d", e.State)
	}
	if e.Err != 0 {
		out.Errno = errnos[e.Err]
		if out.Errno == "" {
			out.Errno = fmt.Sprintf("ERRNO_%d", e.Err)
		}
	}
	switch e.Kind {
	case probes.TCPEstablished:
		out.Event, out.Role = protocol.TCPEstablished, "client"
		if e.Server != 0 {
			out.Role = "server"
		}
	case probes.TCPRefused:
		out.Event, out.Role = protocol.TCPRefused, "client"
	case probes.TCPTimeout:
		out.Event, out.Role = protocol.TCPTimeout, "client"
	case probes.TCPUnreachable:
		out.Event, out.Role = protocol.TCPUnreachable, "client"
	case probes.TCPResetReceived:
		out.Event, out.ResetDir = protocol.TCPReset, "received"
	case probes.TCPResetSent:
		out.Event, out.ResetDir = protocol.TCPReset, "sent"
	case probes.TCPRetransmit:
		out.Event = protocol.TCPRetransmit
	default:
		out.Event = fmt.Sprintf("kind-%d", e.Kind)
	}
	return out
}

// DNS decodes a dns event; ok is false for a datagram that is not DNS at all.
func (d *Decoder) DNS(e *probes.DNSEvent) (protocol.DNS, bool) {
	out := protocol.DNS{
		Header:    d.header(protocol.TypeDNS, e.TsNs),
		Endpoints: endpoints(e.Netns, e.T.Family, e.T.Proto, e.T.Saddr, e.T.Daddr, e.T.Sport, e.T.Dport),
		Ifindex:   e.Ifindex, Dir: "egress",
		Truncated: e.Len < e.FullLen,
	}
	if e.Dir == probes.DNSIngress {
		out.Dir = "ingress"
	}
	n := int(e.Len)
	if n > len(e.Payload) {
		n = len(e.Payload)
	}
	m, err := dnsparse.Parse(e.Payload[:n])
	if err != nil {
		return out, false
	}
	out.ID, out.Qname, out.Qtype, out.Malformed = m.ID, m.Qname, m.Qtype, m.Malformed
	out.QR = protocol.QRQuery
	if m.Response {
		out.QR, out.Rcode = protocol.QRResponse, m.Rcode
		for _, a := range m.Answers {
			out.Answers = append(out.Answers, protocol.Answer{Name: a.Name, Type: a.Type, TTL: a.TTL, Data: a.Data})
		}
	}
	out.LatencyNs = d.dns.observe(e, m.ID, m.Response)
	return out, true
}

// dnsKey identifies one query as seen in one netns from one side: the client's view
// (query out, response in) and a forwarder's or server's view (query in, response out)
// are matched separately.
type dnsKey struct {
	netns          uint32
	client, server [16]byte
	cport, sport   uint16
	id             uint16
	queryDir       uint16
}

type dnsMatcher struct {
	pending map[dnsKey]uint64
}

// maxPendingDNS bounds the query table: unanswered queries are forgotten oldest-first.
const maxPendingDNS = 65536

func newDNSMatcher() *dnsMatcher { return &dnsMatcher{pending: map[dnsKey]uint64{}} }

func (m *dnsMatcher) observe(e *probes.DNSEvent, id uint16, response bool) int64 {
	if !response {
		k := dnsKey{netns: e.Netns, client: e.T.Saddr, cport: e.T.Sport, server: e.T.Daddr, sport: e.T.Dport, id: id, queryDir: e.Dir}
		if len(m.pending) >= maxPendingDNS {
			m.expire(e.TsNs)
		}
		m.pending[k] = e.TsNs
		return 0
	}
	qdir := probes.DNSEgress
	if e.Dir == probes.DNSEgress {
		qdir = probes.DNSIngress
	}
	k := dnsKey{netns: e.Netns, client: e.T.Daddr, cport: e.T.Dport, server: e.T.Saddr, sport: e.T.Sport, id: id, queryDir: qdir}
	q, ok := m.pending[k]
	if !ok || q > e.TsNs {
		return 0
	}
	delete(m.pending, k)
	return int64(e.TsNs - q)
}

// unansweredAfter is how long a query waits for its response once the table is full.
const unansweredAfter = 5_000_000_000

// expire forgets queries older than unansweredAfter.
func (m *dnsMatcher) expire(now uint64) {
	for k, t := range m.pending {
		if now-t > unansweredAfter {
			delete(m.pending, k)
		}
	}
	if len(m.pending) >= maxPendingDNS { // still full: everything is recent; start over
		m.pending = map[dnsKey]uint64{}
	}
}
