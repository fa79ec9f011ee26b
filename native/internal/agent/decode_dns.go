package agent

import (
	"pathlight.dev/native/internal/dnsparse"
	"pathlight.dev/native/internal/probes"
	"pathlight.dev/native/internal/protocol"
)

// dnsDecoder decodes the dns probe's records: a UDP/53 message as one netns saw it,
// parsed here, with the latency of a response matched to its query.
type dnsDecoder struct {
	env     decodeEnv
	queries *dnsMatcher
}

// newDNSDecoder returns a decoder with an empty query table.
func newDNSDecoder(env decodeEnv) *dnsDecoder {
	return &dnsDecoder{env: env, queries: newDNSMatcher()}
}

func (d *dnsDecoder) decode(record []byte) (any, bool) {
	e, ok := eventOf[probes.DNSEvent](record)
	if !ok {
		return nil, false
	}
	return d.line(e)
}

// line decodes one message; ok is false for a datagram that is not DNS at all.
func (d *dnsDecoder) line(e *probes.DNSEvent) (protocol.DNS, bool) {
	out := protocol.DNS{
		Header:    d.env.header(protocol.TypeDNS, e.TsNs),
		Endpoints: endpoints(e.Netns, e.T.Family, e.T.Proto, e.T.Saddr, e.T.Daddr, e.T.Sport, e.T.Dport),
		Ifindex:   e.Ifindex, Dir: "egress",
		Truncated: e.Len < e.FullLen,
		Proc:      d.env.proc(probes.Proc(e.Proc)),
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
	out.LatencyNs = d.queries.observe(e, m.ID, m.Response)
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
