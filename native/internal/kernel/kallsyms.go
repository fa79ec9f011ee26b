package kernel

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Symbols resolves kernel text addresses to "symbol+0xoffset", from /proc/kallsyms.
type Symbols struct {
	addrs []uint64
	names []string
}

// LoadKallsyms reads /proc/kallsyms. Without CAP_SYSLOG (or with kptr_restrict=2) every
// address reads as zero: that is reported as an error, and drops then carry the raw address.
func LoadKallsyms() (*Symbols, error) {
	f, err := os.Open("/proc/kallsyms")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseKallsyms(f)
}

// ParseKallsyms reads the kallsyms format: "address type name [module]".
func ParseKallsyms(r io.Reader) (*Symbols, error) {
	s := &Symbols{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	type sym struct {
		a uint64
		n string
	}
	var syms []sym
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 {
			continue
		}
		switch f[1] {
		case "t", "T", "w", "W": // text symbols only: call sites are code
		default:
			continue
		}
		a, err := strconv.ParseUint(f[0], 16, 64)
		if err != nil || a == 0 {
			continue
		}
		syms = append(syms, sym{a, f[2]})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(syms) == 0 {
		return nil, fmt.Errorf("/proc/kallsyms shows no addresses (kptr_restrict, or no CAP_SYSLOG): drop locations stay as raw addresses")
	}
	sort.Slice(syms, func(i, j int) bool { return syms[i].a < syms[j].a })
	s.addrs = make([]uint64, len(syms))
	s.names = make([]string, len(syms))
	for i, x := range syms {
		s.addrs[i], s.names[i] = x.a, x.n
	}
	return s, nil
}

// Resolve names an address; unknown addresses come back as hex.
func (s *Symbols) Resolve(addr uint64) string {
	if s == nil || addr == 0 {
		return fmt.Sprintf("0x%x", addr)
	}
	i := sort.Search(len(s.addrs), func(i int) bool { return s.addrs[i] > addr }) - 1
	if i < 0 {
		return fmt.Sprintf("0x%x", addr)
	}
	return fmt.Sprintf("%s+0x%x", s.names[i], addr-s.addrs[i])
}
