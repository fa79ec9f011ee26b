package activetest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"pathlight.dev/native/internal/dnsparse"
	"pathlight.dev/native/internal/protocol"
)

// query is one DNS question sent to the pod's nameservers, and what came back.
type query struct {
	name      string
	qtype     dnsmessage.Type
	server    netip.AddrPort // the one that answered, or the last one tried
	msg       dnsparse.Message
	latency   time.Duration
	errno     string
	err       error // no usable response from any nameserver
	addresses []string
}

func newQuery(name string, qtype dnsmessage.Type) ([]byte, uint16, error) {
	var idb [2]byte
	_, _ = rand.Read(idb[:])
	id := binary.BigEndian.Uint16(idb[:])
	n, err := dnsmessage.NewName(name)
	if err != nil {
		return nil, 0, fmt.Errorf("%q is not a valid DNS name: %v", name, err)
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: id, RecursionDesired: true})
	_ = b.StartQuestions()
	if err := b.Question(dnsmessage.Question{Name: n, Type: qtype, Class: dnsmessage.ClassINET}); err != nil {
		return nil, 0, err
	}
	msg, err := b.Finish()
	return msg, id, err
}

// exchange asks each nameserver in turn (like the resolver, the next one only when the
// previous did not answer), each try waiting up to wait, over UDP from the calling thread's
// network namespace.
func exchange(ctx context.Context, rc ResolvConf, name string, qtype dnsmessage.Type, wait time.Duration) query {
	q := query{name: name, qtype: qtype}
	msg, id, err := newQuery(name, qtype)
	if err != nil {
		q.err = err
		return q
	}
	for _, server := range rc.Nameservers {
		q.server = server
		start := time.Now()
		resp, err := exchangeOne(ctx, server, msg, id, name, qtype, wait)
		q.latency = time.Since(start)
		if err != nil {
			q.errno, q.err = errnoOf(err), dnsProblem(server, err, wait)
			if ctx.Err() != nil {
				return q
			}
			continue
		}
		q.msg, q.errno, q.err = resp, "", nil
		for _, a := range resp.Answers {
			if a.Type == dnsparse.TypeName(qtype) {
				q.addresses = append(q.addresses, a.Data)
			}
		}
		return q
	}
	return q
}

func exchangeOne(ctx context.Context, server netip.AddrPort, msg []byte, id uint16, name string, qtype dnsmessage.Type, wait time.Duration) (dnsparse.Message, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", server.String())
	if err != nil {
		return dnsparse.Message{}, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	defer stop()
	if _, err := c.Write(msg); err != nil {
		return dnsparse.Message{}, err
	}
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if err != nil {
			if ctx.Err() != nil {
				return dnsparse.Message{}, os.ErrDeadlineExceeded
			}
			return dnsparse.Message{}, err
		}
		m, err := dnsparse.Parse(buf[:n])
		// A stray or forged datagram is not the answer: keep waiting for ours.
		if err != nil || !m.Response || m.ID != id || m.Qtype != dnsparse.TypeName(qtype) || !sameName(m.Qname, name) {
			continue
		}
		return m, nil
	}
}

// DNS names compare case-insensitively (RFC 4343).
func sameName(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func dnsProblem(server netip.AddrPort, err error, wait time.Duration) error {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("no answer from the nameserver %s within %s: DNS traffic from the pod is lost (see the drop lines) or the DNS service is down", server, wait)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("the nameserver %s refused the query (ICMP port unreachable): nothing listens on port 53 there; check the DNS pods and the kube-dns Service endpoints", server)
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return fmt.Errorf("the nameserver %s is unreachable from the pod (%s): check the pod's routes and the DNS Service address", server, errnoOf(err))
	}
	return fmt.Errorf("query to the nameserver %s failed: %v", server, err)
}

// line is the dns phase line of a query (without header, id and namespace).
func (q query) line() protocol.Test {
	l := protocol.Test{Phase: protocol.TestDNS, Name: q.name, Qtype: dnsparse.TypeName(q.qtype), Server: q.server.String(), LatencyNs: q.latency.Nanoseconds()}
	if q.err != nil {
		l.Errno, l.Error = q.errno, q.err.Error()
		return l
	}
	l.Rcode = q.msg.Rcode
	for _, a := range q.msg.Answers {
		l.Answers = append(l.Answers, protocol.Answer{Name: a.Name, Type: a.Type, TTL: a.TTL, Data: a.Data})
	}
	return l
}

// resolution is the outcome of resolving one name like the pod's resolver.
type resolution struct {
	addresses []string
	err       error // why there is no address: a sentence with the next step
}

// resolve tries the resolver's candidate names in order, A first and AAAA when a name
// exists without an A record, and stops at the first address or at a nameserver that
// does not answer (as glibc does); every query is reported through emit.
func resolve(ctx context.Context, rc ResolvConf, name string, wait time.Duration, emit func(protocol.Test)) resolution {
	var tried []string
	for _, cand := range rc.Candidates(name) {
		tried = append(tried, cand)
		for _, qtype := range []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA} {
			q := exchange(ctx, rc, cand, qtype, wait)
			emit(q.line())
			if q.err != nil {
				return resolution{err: q.err}
			}
			if len(q.addresses) > 0 {
				return resolution{addresses: q.addresses}
			}
			if q.msg.Rcode != "NOERROR" {
				break // NXDOMAIN (or a server failure) for this name: no AAAA either
			}
		}
	}
	if len(tried) == 1 {
		return resolution{err: fmt.Errorf("%s has no address for this pod: check the name (a Service is NAME.NAMESPACE.svc.cluster.local)", tried[0])}
	}
	return resolution{err: fmt.Errorf("%s has no address for this pod: every name its resolver tried (%s) has none; check the Service name and namespace", name, strings.Join(tried, ", "))}
}
