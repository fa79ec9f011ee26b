package filter

import (
	"net/netip"
	"os"
	"syscall"
	"testing"
)

func TestParse(t *testing.T) {
	s, err := Build([]string{"4026531840"}, []string{"10.244.0.7", "10.0.0.0/8", "fd00::1/64"}, []string{"53", "8080"}, []string{"TCP", "udp", "132"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if s.Netns[0] != 4026531840 || s.Ports[1] != 8080 || s.Protos[0] != 6 || s.Protos[2] != 132 || !s.NotSpecified {
		t.Fatalf("%+v", s)
	}
	want := []string{"10.244.0.7/32", "10.0.0.0/8", "fd00::/64"}
	for i, p := range s.Prefixes {
		if p.String() != want[i] {
			t.Errorf("prefix %d: %s, want %s", i, p, want[i])
		}
	}
	l, a := Key(netip.MustParsePrefix("10.1.0.0/16"))
	if l != 112 || a[10] != 0xff || a[11] != 0xff || a[12] != 10 || a[13] != 1 {
		t.Fatalf("v4 key: %d %v", l, a)
	}
	l, _ = Key(netip.MustParsePrefix("fd00::/8"))
	if l != 8 {
		t.Fatalf("v6 key length %d", l)
	}
}

func TestNetnsPath(t *testing.T) {
	var st syscall.Stat_t
	if err := syscall.Stat("/proc/self/ns/net", &st); err != nil {
		t.Fatal(err)
	}
	n, err := ParseNetns("/proc/self/ns/net")
	if err != nil || uint64(n) != st.Ino {
		t.Fatalf("%d %v, want %d", n, err, st.Ino)
	}
	link, _ := os.Readlink("/proc/self/ns/net")
	if n2, err := ParseNetns(link); err != nil || n2 != n {
		t.Fatalf("readlink form %q: %d %v", link, n2, err)
	}
}

func TestErrorsNameTheValue(t *testing.T) {
	cases := []struct {
		netns, cidr, port, proto []string
		want                     string
	}{
		{netns: []string{"/nope/ns"}, want: `netns "/nope/ns": not an inode number and no such file (give the inode from ` + "`readlink /proc/PID/ns/net`" + ` or a path like /run/netns/NAME)`},
		{cidr: []string{"10.0.0.300"}, want: `cidr "10.0.0.300": not an address or CIDR (e.g. 10.244.0.0/16, 10.244.0.7, fd00::/64)`},
		{port: []string{"0"}, want: `port "0": expected a number from 1 to 65535`},
		{port: []string{"70000"}, want: `port "70000": expected a number from 1 to 65535`},
		{proto: []string{"quic"}, want: `proto "quic": use tcp, udp, sctp, icmp, icmpv6 or a protocol number`},
	}
	for _, c := range cases {
		_, err := Build(c.netns, c.cidr, c.port, c.proto, false)
		if err == nil || err.Error() != c.want {
			t.Errorf("got %v, want %s", err, c.want)
		}
	}
}

func TestSplitList(t *testing.T) {
	got := SplitList([]string{"a,b", " c ", ",,"})
	if len(got) != 3 || got[2] != "c" {
		t.Fatalf("%q", got)
	}
}
