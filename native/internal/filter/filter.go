// Package filter turns the user's filters (flags or a stdin control line) into the
// contents of the in-kernel filter maps shared by every probe.
package filter

import (
	"fmt"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// Set is a validated filter set. An empty list matches everything.
type Set struct {
	Netns        []uint32
	Prefixes     []netip.Prefix
	Ports        []uint16
	Protos       []uint8
	NotSpecified bool
}

// Max entries per list; keep aligned with PL_MAX_FILTER in bpf/pathlight.h.
const Max = 256

var protoNames = map[string]uint8{"icmp": 1, "tcp": 6, "udp": 17, "icmpv6": 58, "sctp": 132}

// ProtoName names an IP protocol number.
func ProtoName(p uint8) string {
	for n, v := range protoNames {
		if v == p {
			return n
		}
	}
	return strconv.Itoa(int(p))
}

// ParseNetns accepts an inode number, or a path to a namespace file (/proc/PID/ns/net,
// /run/netns/NAME), whose inode is the namespace's id as the kernel reports it.
func ParseNetns(s string) (uint32, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		return uint32(n), nil
	}
	if strings.HasPrefix(s, "net:[") && strings.HasSuffix(s, "]") { // readlink /proc/PID/ns/net
		return ParseNetns(s[5 : len(s)-1])
	}
	var st syscall.Stat_t
	if err := syscall.Stat(s, &st); err != nil {
		if os.IsNotExist(err) {
			return 0, fmt.Errorf("netns %q: not an inode number and no such file (give the inode from `readlink /proc/PID/ns/net` or a path like /run/netns/NAME)", s)
		}
		return 0, fmt.Errorf("netns %q: %w", s, err)
	}
	return uint32(st.Ino), nil
}

// ParsePrefix accepts a CIDR or a single address (IPv4 or IPv6).
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("cidr %q: not an address or CIDR (e.g. 10.244.0.0/16, 10.244.0.7, fd00::/64)", s)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// ParseProto accepts a protocol name or number.
func ParseProto(s string) (uint8, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if v, ok := protoNames[s]; ok {
		return v, nil
	}
	if n, err := strconv.ParseUint(s, 10, 8); err == nil {
		return uint8(n), nil
	}
	return 0, fmt.Errorf("proto %q: use tcp, udp, sctp, icmp, icmpv6 or a protocol number", s)
}

// ParsePort accepts 1–65535.
func ParsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("port %q: expected a number from 1 to 65535", s)
	}
	return uint16(n), nil
}

// Build validates every list and returns the set, or the first problem.
func Build(netns, cidrs, ports, protos []string, notSpecified bool) (Set, error) {
	var s Set
	s.NotSpecified = notSpecified
	for _, v := range netns {
		n, err := ParseNetns(v)
		if err != nil {
			return s, err
		}
		s.Netns = append(s.Netns, n)
	}
	for _, v := range cidrs {
		p, err := ParsePrefix(v)
		if err != nil {
			return s, err
		}
		s.Prefixes = append(s.Prefixes, p)
	}
	for _, v := range ports {
		p, err := ParsePort(v)
		if err != nil {
			return s, err
		}
		s.Ports = append(s.Ports, p)
	}
	for _, v := range protos {
		p, err := ParseProto(v)
		if err != nil {
			return s, err
		}
		s.Protos = append(s.Protos, p)
	}
	for name, n := range map[string]int{"netns": len(s.Netns), "cidr": len(s.Prefixes), "port": len(s.Ports)} {
		if n > Max {
			return s, fmt.Errorf("%s: %d entries, at most %d", name, n, Max)
		}
	}
	return s, nil
}

// SplitList splits comma-separated flag values, dropping empty items.
func SplitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// Key is the LPM trie key of a prefix: IPv4 is stored v4-mapped, so its length grows by 96.
func Key(p netip.Prefix) (prefixLen uint32, addr [16]byte) {
	a := p.Addr()
	bits := p.Bits()
	if a.Is4() {
		bits += 96
	}
	return uint32(bits), a.As16()
}

// Strings renders the set for the protocol's filters object.
func (s Set) Strings() (netns []uint32, cidr []string, ports []uint16, protos []string) {
	netns = append([]uint32{}, s.Netns...)
	ports = append([]uint16{}, s.Ports...)
	cidr, protos = []string{}, []string{}
	for _, p := range s.Prefixes {
		cidr = append(cidr, p.String())
	}
	for _, p := range s.Protos {
		protos = append(protos, ProtoName(p))
	}
	sort.Slice(netns, func(i, j int) bool { return netns[i] < netns[j] })
	sort.Slice(ports, func(i, j int) bool { return ports[i] < ports[j] })
	return
}
