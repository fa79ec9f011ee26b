package rules

import (
	"net/netip"
	"testing"

	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"

	"pathlight.dev/native/internal/filter"
)

// nft -a output as nft 1.0.6 prints an iptables-nft table next to a native one: rule lines
// end in "# handle N"; the gap where nft could not print iptables' comment match is closed.
const nftListing = `table ip filter { # handle 1
	chain INPUT { # handle 1
		type filter hook input priority filter; policy accept;
		tcp dport 9  counter packets 0 bytes 0 drop # handle 2
		tcp dport 10 counter packets 0 bytes 0 reject with tcp reset # handle 3
	}
}
table inet t { # handle 2
	chain c { # handle 1
		type filter hook input priority filter; policy accept;
		tcp dport 11 drop comment "native" # handle 7
	}
}`

func TestParseNftChain(t *testing.T) {
	got := parseNftChain([]byte(nftListing))
	want := map[uint64]string{
		2: "tcp dport 9 counter packets 0 bytes 0 drop",
		3: "tcp dport 10 counter packets 0 bytes 0 reject with tcp reset",
		7: `tcp dport 11 drop comment "native"`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for h, s := range want {
		if got[h] != s {
			t.Errorf("handle %d: %q, want %q", h, got[h], s)
		}
	}
}

func TestParseIptablesChain(t *testing.T) {
	save := "*filter\n:INPUT ACCEPT [0:0]\n:INPUT-X - [0:0]\n-A INPUT -p tcp -j INPUT-X\n-A INPUT-X -j DROP\n-A INPUT -j REJECT\nCOMMIT\n"
	got := parseIptablesChain([]byte(save), "INPUT")
	if len(got) != 2 || got[0] != "-A INPUT -p tcp -j INPUT-X" || got[1] != "-A INPUT -j REJECT" {
		t.Errorf("got %q (a chain whose name starts like another's must not mix)", got)
	}
}

func TestParsePacket(t *testing.T) {
	ip := []byte{0x45, 0, 0, 60, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}
	tcp := []byte{0xa0, 0x00, 0x00, 0x09}
	p, ok := parsePacket(ip, tcp)
	if !ok || p.family != 4 || p.proto != 6 || p.src.String() != "10.0.0.1" || p.dst.String() != "10.0.0.2" || p.sport != 40960 || p.dport != 9 {
		t.Errorf("got %+v %v", p, ok)
	}
	if _, ok := parsePacket(ip[:10], nil); ok {
		t.Error("a truncated header parsed")
	}
}

func TestTraceMatches(t *testing.T) {
	f := filter.Set{Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24"), netip.MustParsePrefix("fd00::/64")}, Ports: []uint16{53, 8080}}
	// 2 cidrs × 2 ends × 3 protocols (tcp, udp, sctp: ports without a protocol) × 2 ports × 2 ends.
	if n := len(traceMatches(f)); n != 48 {
		t.Errorf("%d rules, want 48", n)
	}
	if n := len(traceMatches(filter.Set{})); n != 1 {
		t.Errorf("no filter: %d rules, want 1 (trace everything)", n)
	}
	p := packet{family: 4, proto: 6, src: netip.MustParseAddr("10.0.0.5"), dst: netip.MustParseAddr("192.168.1.1"), sport: 40000, dport: 8080}
	if !matches(f, p) {
		t.Error("a packet inside the filters does not match")
	}
	p.dport = 9
	if matches(f, p) {
		t.Error("a packet to another port matches")
	}
}

func TestVerdictName(t *testing.T) {
	for v, want := range map[int32]string{0: "drop", 1: "accept", -3: "jump", -4: "goto", -5: "return", -1: "continue"} {
		if got := verdictName(v); got != want {
			t.Errorf("%d: %s, want %s", v, got, want)
		}
	}
}

// Without nft and iptables-nft-save (the pod transport's busybox) the agent writes the rule
// from its expressions: what an iptables-nft REJECT with a comment looks like then.
func TestRender(t *testing.T) {
	comment := xt.Comment("rule to REJECT traffic destined for POD name:backend-1 namespace: shop")
	exprs := []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: []byte{255, 255, 255, 0}, Xor: []byte{0, 0, 0, 0}},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{10, 244, 0, 0}},
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{6}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{0x1f, 0x90}},
		&expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: []byte("lo\x00")},
		&expr.Counter{},
		&expr.Match{Name: "comment", Info: &comment},
		&expr.Target{Name: "REJECT"},
	}
	got := render(exprs, string(comment))
	want := `ip daddr 10.244.0.0/24 meta l4proto tcp th dport 8080 iifname != "lo" counter xt target REJECT comment "rule to REJECT traffic destined for POD name:backend-1 namespace: shop" (rendered by the agent)`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := render([]expr.Any{&expr.Verdict{Kind: expr.VerdictJump, Chain: "KUBE-SERVICES"}}, ""); got != "jump KUBE-SERVICES (rendered by the agent)" {
		t.Errorf("jump: %s", got)
	}
	if maskBits([]byte{255, 0, 255, 0}) != -1 || maskBits([]byte{255, 255, 128, 0}) != 17 {
		t.Error("maskBits")
	}
}
