// Package activetest generates traffic from inside a pod's network namespace while the
// probes watch: "why can't A talk to B?" when A is not talking. It finds the namespace
// that holds A's address, resolves a name the way A's resolver would (A's resolv.conf),
// and makes one TCP or UDP connection attempt, reporting each step as a test line.
package activetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"pathlight.dev/native/internal/protocol"
)

// Request limits.
const (
	MaxIDLength    = 64
	DefaultTimeout = 3 * time.Second
	MaxTimeout     = 30 * time.Second
)

// Spec is a validated test request.
type Spec struct {
	ID      string
	From    netip.Addr
	Resolve string
	Host    string // connect host: a name or an address ("" when there is no connect)
	Port    uint16
	Proto   string
	Timeout time.Duration
}

// ValidID says whether a request's id can be echoed on its lines.
func ValidID(id string) bool { return id != "" && len(id) <= MaxIDLength }

// Parse validates a test control line. The error is a sentence for the done line.
func Parse(r protocol.TestRequest) (Spec, error) {
	s := Spec{ID: r.ID, Resolve: strings.TrimSpace(r.Resolve), Proto: r.Proto, Timeout: DefaultTimeout}
	var err error
	if s.From, err = netip.ParseAddr(r.FromIP); err != nil {
		return s, fmt.Errorf("fromIp %q is not an IP address: give the address of the pod to test from", r.FromIP)
	}
	s.From = s.From.Unmap()
	if s.From.IsLoopback() || s.From.IsUnspecified() {
		return s, fmt.Errorf("fromIp %s is in every network namespace: give the pod's own address", s.From)
	}
	if s.Proto == "" {
		s.Proto = "tcp"
	}
	if s.Proto != "tcp" && s.Proto != "udp" {
		return s, fmt.Errorf("proto %q: a test connects with tcp or udp", r.Proto)
	}
	if r.TimeoutMs < 0 || time.Duration(r.TimeoutMs)*time.Millisecond > MaxTimeout {
		return s, fmt.Errorf("timeoutMs %d: must be between 1 and %d (0 means %d)", r.TimeoutMs, MaxTimeout.Milliseconds(), DefaultTimeout.Milliseconds())
	}
	if r.TimeoutMs > 0 {
		s.Timeout = time.Duration(r.TimeoutMs) * time.Millisecond
	}
	if r.Connect != "" {
		host, port, err := net.SplitHostPort(r.Connect)
		p, perr := strconv.ParseUint(port, 10, 16)
		if err != nil || perr != nil || p == 0 || host == "" {
			return s, fmt.Errorf("connect %q: want HOST:PORT (a name or an IP, [IPv6]:PORT), port 1-65535", r.Connect)
		}
		s.Host, s.Port = host, uint16(p)
	}
	return s, nil
}

// Tester runs tests on behalf of the agent.
type Tester struct {
	own uint32 // the agent's network namespace, read before any thread left it
}

// New reads the agent's own network namespace; call it before any test runs.
func New() (*Tester, error) {
	ino, err := inodeOf("/proc/thread-self/ns/net")
	if err != nil {
		return nil, fmt.Errorf("reading this process's network namespace: %v", err)
	}
	return &Tester{own: ino}, nil
}

// Run carries out one test and reports each step through emit (without header), ending
// with a done line. It returns when the test is over or ctx is done. The work runs on a
// goroutine locked to its own OS thread, which enters the pod's namespace and ends with
// the goroutine: no other goroutine ever runs there.
func (t *Tester) Run(ctx context.Context, s Spec, emit func(protocol.Test)) {
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		runtime.LockOSThread() // never unlocked: see above
		t.run(ctx, s, emit)
	}()
	<-finished
}

func (t *Tester) run(ctx context.Context, s Spec, emit func(protocol.Test)) {
	var netns uint32
	send := func(l protocol.Test) {
		l.ID, l.FromIP, l.Netns = s.ID, s.From.String(), netns
		emit(l)
	}
	done := protocol.Test{Phase: protocol.TestDone}
	finish := func(outcome string, err error) {
		done.Outcome = outcome
		if err != nil {
			done.Error = err.Error()
		}
		if ctx.Err() != nil && outcome != protocol.OutcomeOK {
			done.Outcome, done.Error = protocol.OutcomeError, "the agent stopped before the test finished"
		}
		send(done)
	}

	found, err := find(s.From, t.own)
	if err != nil {
		send(protocol.Test{Phase: protocol.TestNetns, Outcome: protocol.OutcomeError, Error: err.Error()})
		finish(protocol.OutcomeError, err)
		return
	}
	netns = found.Inode
	rc, rcPath, pid := resolvConfOf(found)
	ndots := rc.Ndots
	send(protocol.Test{Phase: protocol.TestNetns, Pid: pid, ResolvConf: rcPath, Nameservers: rc.NameserverStrings(), Search: rc.Search, Ndots: &ndots})

	wait := min(s.Timeout, rc.Timeout)
	var addrs []string
	if s.Resolve != "" {
		done.Name = s.Resolve
		r := resolve(ctx, rc, s.Resolve, wait, send)
		if r.err != nil {
			finish(protocol.OutcomeFailed, r.err)
			return
		}
		addrs = r.addresses
		done.Addresses = addrs
	}
	if s.Host == "" {
		finish(protocol.OutcomeOK, nil)
		return
	}
	ip, err := netip.ParseAddr(s.Host)
	switch {
	case err == nil:
	case s.Host == s.Resolve && len(addrs) > 0:
		ip = netip.MustParseAddr(addrs[0])
	default:
		done.Name = s.Host
		r := resolve(ctx, rc, s.Host, wait, send)
		if r.err != nil {
			finish(protocol.OutcomeFailed, r.err)
			return
		}
		done.Addresses = r.addresses
		ip = netip.MustParseAddr(r.addresses[0])
	}
	target := netip.AddrPortFrom(ip.Unmap(), s.Port).String()
	c := connect(ctx, s.Proto, target, s.Timeout)
	send(c)
	done.Target, done.Proto = target, s.Proto
	switch c.Outcome {
	case protocol.OutcomeEstablished, protocol.OutcomeReplied:
		finish(protocol.OutcomeOK, nil)
	case protocol.OutcomeError:
		finish(protocol.OutcomeError, errors.New(c.Error))
	default:
		finish(protocol.OutcomeFailed, errors.New(c.Error))
	}
}

// resolvConfOf reads the resolver configuration of the namespace's processes: the first
// whose root has /etc/resolv.conf (a pod's pause container has none, its app containers
// have the one kubelet wrote), else /etc/netns/NAME/resolv.conf for a namespace made by
// `ip netns` (what `ip netns exec` would show), else the resolver's defaults.
func resolvConfOf(f Found) (ResolvConf, string, int) {
	for _, pid := range f.Pids {
		p := fmt.Sprintf("/proc/%d/root/etc/resolv.conf", pid)
		if file, err := os.Open(p); err == nil {
			defer file.Close()
			return ParseResolvConf(file), p, pid
		}
	}
	if f.Mount != "" {
		p := "/etc/netns/" + f.Mount[strings.LastIndex(f.Mount, "/")+1:] + "/resolv.conf"
		if file, err := os.Open(p); err == nil {
			defer file.Close()
			return ParseResolvConf(file), p, 0
		}
	}
	return ParseResolvConf(strings.NewReader("")), "", 0
}
