package agent

import (
	"testing"

	"golang.org/x/net/dns/dnsmessage"

	"pathlight.dev/native/internal/kernel"
	"pathlight.dev/native/internal/probes"
)

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
	d := newDNSDecoder(decodeEnv{node: "n", reasons: kernel.NewDropReasons(nilSpec(t))})
	client, server := v4(10, 0, 0, 5), v4(10, 96, 0, 10)
	q, ok := d.line(dnsEvent(t, 1_000, probes.DNSEgress, false, client, server, 40000, 53, 0))
	if !ok || q.QR != "query" || q.LatencyNs != 0 || q.Src != "10.0.0.5" || q.Qname != "db.shop.svc.cluster.local." || q.Proto != "udp" {
		t.Fatalf("query: %+v", q)
	}
	d.line(dnsEvent(t, 1_100, probes.DNSIngress, false, client, server, 40000, 53, 0)) // forwarder's view
	r, _ := d.line(dnsEvent(t, 5_000, probes.DNSIngress, true, server, client, 53, 40000, dnsmessage.RCodeNameError))
	if r.LatencyNs != 4_000 || r.Rcode != "NXDOMAIN" || r.Dir != "ingress" {
		t.Fatalf("client-side response: %+v", r)
	}
	f, _ := d.line(dnsEvent(t, 4_900, probes.DNSEgress, true, server, client, 53, 40000, dnsmessage.RCodeNameError))
	if f.LatencyNs != 3_800 {
		t.Fatalf("forwarder-side response latency %d, want 3800", f.LatencyNs)
	}
	// A second response to the same query (a duplicate) has no query left to match.
	again, _ := d.line(dnsEvent(t, 6_000, probes.DNSIngress, true, server, client, 53, 40000, 0))
	if again.LatencyNs != 0 {
		t.Fatalf("duplicate response matched: %+v", again)
	}
	// A response from another port is a different exchange.
	other, _ := d.line(dnsEvent(t, 7_000, probes.DNSIngress, true, server, client, 53, 40001, 0))
	if other.LatencyNs != 0 {
		t.Fatalf("unrelated response matched: %+v", other)
	}
}

func TestDNSNotDNS(t *testing.T) {
	d := newDNSDecoder(decodeEnv{node: "n", reasons: kernel.NewDropReasons(nilSpec(t))})
	e := &probes.DNSEvent{Len: 3}
	if _, ok := d.line(e); ok {
		t.Fatal("3 bytes decoded as DNS")
	}
}
