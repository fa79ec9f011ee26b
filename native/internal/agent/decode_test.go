package agent

import (
	"testing"

	"golang.org/x/net/dns/dnsmessage"

	"pathlight.dev/native/internal/kernel"
	"pathlight.dev/native/internal/probes"
)

func v4(a, b, c, d byte) [16]byte { return [16]byte{10: 0xff, 11: 0xff, 12: a, 13: b, 14: c, 15: d} }

func dnsEvent(t *testing.T, ts uint64, dir uint16, response bool, src, dst [16]byte, sport, dport uint16, rcode dnsmessage.RCode) *probes.DNSEvent {
	t.Helper()
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 7, Response: response, RCode: rcode})
	_ = b.StartQuestions()
	_ = b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName("db.shop.svc.cluster.local."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET})
	msg, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	e := &probes.DNSEvent{TsNs: ts, Netns: 42, Dir: dir, Len: uint16(len(msg)), FullLen: uint16(len(msg))}
	copy(e.Payload[:], msg)
	e.T.Saddr, e.T.Daddr, e.T.Sport, e.T.Dport, e.T.Family, e.T.Proto = src, dst, sport, dport, 4, 17
	return e
}

// A response is matched to the query seen in the same namespace from the same side; the
// forwarder's view (query in, response out) is matched on its own.
func TestDNSLatencyMatching(t *testing.T) {
	d := NewDecoder("n", Clock{}, kernel.NewDropReasons(nilSpec(t)), nil)
	client, server := v4(10, 0, 0, 5), v4(10, 96, 0, 10)
	q, ok := d.DNS(dnsEvent(t, 1_000, probes.DNSEgress, false, client, server, 40000, 53, 0))
	if !ok || q.QR != "query" || q.LatencyNs != 0 || q.Src != "10.0.0.5" || q.Qname != "db.shop.svc.cluster.local." || q.Proto != "udp" {
		t.Fatalf("query: %+v", q)
	}
	d.DNS(dnsEvent(t, 1_100, probes.DNSIngress, false, client, server, 40000, 53, 0)) // forwarder's view
	r, _ := d.DNS(dnsEvent(t, 5_000, probes.DNSIngress, true, server, client, 53, 40000, dnsmessage.RCodeNameError))
	if r.LatencyNs != 4_000 || r.Rcode != "NXDOMAIN" || r.Dir != "ingress" {
		t.Fatalf("client-side response: %+v", r)
	}
	f, _ := d.DNS(dnsEvent(t, 4_900, probes.DNSEgress, true, server, client, 53, 40000, dnsmessage.RCodeNameError))
	if f.LatencyNs != 3_800 {
		t.Fatalf("forwarder-side response latency %d, want 3800", f.LatencyNs)
	}
	// A second response to the same query (a duplicate) has no query left to match.
	again, _ := d.DNS(dnsEvent(t, 6_000, probes.DNSIngress, true, server, client, 53, 40000, 0))
	if again.LatencyNs != 0 {
		t.Fatalf("duplicate response matched: %+v", again)
	}
	// A response from another port is a different exchange.
	other, _ := d.DNS(dnsEvent(t, 7_000, probes.DNSIngress, true, server, client, 53, 40001, 0))
	if other.LatencyNs != 0 {
		t.Fatalf("unrelated response matched: %+v", other)
	}
}

func TestDNSNotDNS(t *testing.T) {
	d := NewDecoder("n", Clock{}, kernel.NewDropReasons(nilSpec(t)), nil)
	e := &probes.DNSEvent{Len: 3}
	if _, ok := d.DNS(e); ok {
		t.Fatal("3 bytes decoded as DNS")
	}
}

func TestTCPDecode(t *testing.T) {
	d := NewDecoder("n", Clock{offset: 100}, nil, nil)
	cases := []struct {
		kind, state                             uint32
		err                                     int32
		server                                  uint16
		event, role, resetDir, errno, stateName string
	}{
		{probes.TCPEstablished, 1, 0, 1, "established", "server", "", "", "ESTABLISHED"},
		{probes.TCPRefused, 2, 111, 0, "refused", "client", "", "ECONNREFUSED", "SYN_SENT"},
		{probes.TCPTimeout, 2, 110, 0, "timeout", "client", "", "ETIMEDOUT", "SYN_SENT"},
		{probes.TCPUnreachable, 2, 113, 0, "unreachable", "client", "", "EHOSTUNREACH", "SYN_SENT"},
		{probes.TCPResetSent, 7, 0, 0, "reset", "", "sent", "", "CLOSE"},
		{probes.TCPResetReceived, 1, 0, 0, "reset", "", "received", "", "ESTABLISHED"},
		{probes.TCPRetransmit, 2, 0, 0, "retransmit", "", "", "", "SYN_SENT"},
	}
	for _, c := range cases {
		e := &probes.TCPEvent{TsNs: 5, Kind: c.kind, State: uint16(c.state), Err: c.err, Server: c.server}
		e.T.Family, e.T.Proto, e.T.Saddr, e.T.Sport = 4, 6, v4(10, 0, 0, 1), 1234
		got := d.TCP(e)
		if got.Event != c.event || got.Role != c.role || got.ResetDir != c.resetDir || got.Errno != c.errno || got.State != c.stateName || got.TS != 105 || got.Src != "10.0.0.1" {
			t.Errorf("kind %d: %+v", c.kind, got)
		}
	}
}

func TestDropDecode(t *testing.T) {
	syms, _ := kernel.ParseKallsyms(stringsReader("ffffffff81a00000 t nf_hook_slow\n"))
	d := NewDecoder("n", Clock{}, kernel.NewDropReasons(nilSpec(t)), syms)
	e := &probes.DropEvent{Location: 0xffffffff81a00010, HasReason: 0, Reason: 0}
	e.T.Family, e.T.Proto = 6, 58
	e.T.Saddr = [16]byte{0: 0xfd, 15: 1}
	got := d.Drop(e)
	if got.Reason != "UNKNOWN" || got.HasReason || got.Location != "nf_hook_slow+0x10" || got.Src != "fd00::1" || got.Proto != "icmpv6" || got.Family != 6 {
		t.Fatalf("%+v", got)
	}
}
