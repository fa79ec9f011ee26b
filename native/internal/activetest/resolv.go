package activetest

import (
	"bufio"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ResolvConf is what a pod's resolver reads from its /etc/resolv.conf (resolv.conf(5)).
type ResolvConf struct {
	Nameservers []netip.AddrPort
	Search      []string
	Ndots       int
	Timeout     time.Duration // per try, options timeout:N
}

// Resolver defaults of glibc and musl (resolv.conf(5)): ndots 1, timeout 5 s, and the
// local host as the nameserver when the file names none.
const (
	defaultNdots   = 1
	maxNdots       = 15
	maxNameservers = 3
	defaultTimeout = 5 * time.Second
)

// ParseResolvConf reads a resolv.conf the way glibc does: at most three nameservers, the
// last search or domain line wins, options ndots and timeout; unknown lines are ignored.
func ParseResolvConf(r io.Reader) ResolvConf {
	c := ResolvConf{Ndots: defaultNdots, Timeout: defaultTimeout}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], ";") {
			continue
		}
		switch f[0] {
		case "nameserver":
			if len(f) < 2 || len(c.Nameservers) == maxNameservers {
				continue
			}
			if a, err := netip.ParseAddr(f[1]); err == nil {
				c.Nameservers = append(c.Nameservers, netip.AddrPortFrom(a, 53))
			}
		case "search":
			c.Search = trimDots(f[1:])
		case "domain":
			if len(f) >= 2 {
				c.Search = trimDots(f[1:2])
			}
		case "options":
			for _, o := range f[1:] {
				k, v, _ := strings.Cut(o, ":")
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					continue
				}
				switch k {
				case "ndots":
					c.Ndots = min(n, maxNdots)
				case "timeout":
					c.Timeout = time.Duration(max(n, 1)) * time.Second
				}
			}
		}
	}
	if len(c.Nameservers) == 0 {
		c.Nameservers = []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), 53)}
	}
	return c
}

func trimDots(domains []string) []string {
	var out []string
	for _, d := range domains {
		if d = strings.Trim(d, "."); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// Candidates are the fully qualified names the resolver tries for name, in order (glibc's
// res_search): a name with a trailing dot is only itself; a name with at least ndots dots
// is tried as is first, then with each search domain; a shorter one with each search
// domain first, then as is. (musl does not try the search list after a name with ndots
// dots; the first answer is the same, only what follows a failure differs.)
func (c ResolvConf) Candidates(name string) []string {
	if strings.HasSuffix(name, ".") {
		return []string{name}
	}
	var out []string
	asIs := name + "."
	dots := strings.Count(name, ".")
	if dots >= c.Ndots {
		out = append(out, asIs)
	}
	for _, d := range c.Search {
		out = append(out, name+"."+d+".")
	}
	if dots < c.Ndots {
		out = append(out, asIs)
	}
	return out
}

// NameserverStrings are the nameservers as IP:PORT, for the netns line.
func (c ResolvConf) NameserverStrings() []string {
	out := make([]string, len(c.Nameservers))
	for i, n := range c.Nameservers {
		out[i] = n.String()
	}
	return out
}
