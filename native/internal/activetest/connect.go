package activetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"pathlight.dev/native/internal/protocol"
)

// errnoOf names the errno inside err (ECONNREFUSED…), or "" when there is none.
func errnoOf(err error) string {
	var en syscall.Errno
	if errors.As(err, &en) {
		if name := unix.ErrnoName(en); name != "" {
			return name
		}
		return fmt.Sprintf("errno %d", int(en))
	}
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return "ETIMEDOUT"
	}
	return ""
}

// udpPayload is what a UDP test sends: recognisable in a capture, harmless to a server.
var udpPayload = []byte("pathlight active test\n")

// connect makes one connection attempt to target (IP:PORT) from the calling thread's
// network namespace and classifies how it ended.
func connect(ctx context.Context, proto, target string, wait time.Duration) protocol.Test {
	l := protocol.Test{Phase: protocol.TestConnect, Target: target, Proto: proto}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, proto, target)
	if err == nil && proto == "udp" {
		err = udpExchange(ctx, c)
	}
	l.LatencyNs = time.Since(start).Nanoseconds()
	if tc, ok := c.(*net.TCPConn); ok && err == nil {
		closeGracefully(tc)
	} else if c != nil {
		c.Close()
	}
	l.Outcome, l.Errno = classify(proto, err)
	if l.Outcome != protocol.OutcomeEstablished && l.Outcome != protocol.OutcomeReplied {
		l.Error = connectProblem(l.Outcome, proto, target, l.Errno, wait, err)
	}
	return l
}

// lingerDrain bounds how long a test waits for the server's side of the close.
const lingerDrain = 300 * time.Millisecond

// closeGracefully ends an established test connection with a FIN and reads what the server
// sent (a banner) until it closes too: closing with unread data would make the kernel send
// a RST, which the tcp probe would report as a reset the test caused.
func closeGracefully(c *net.TCPConn) {
	_ = c.CloseWrite()
	_ = c.SetReadDeadline(time.Now().Add(lingerDrain))
	_, _ = io.Copy(io.Discard, c)
	c.Close()
}

// udpExchange sends one datagram and waits for a reply or an ICMP error, which a connected
// UDP socket reports on the next read.
func udpExchange(ctx context.Context, c net.Conn) error {
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	defer stop()
	if _, err := c.Write(udpPayload); err != nil {
		return err
	}
	_, err := c.Read(make([]byte, 1500))
	return err
}

func classify(proto string, err error) (outcome, errno string) {
	errno = errnoOf(err)
	switch {
	case err == nil && proto == "udp":
		return protocol.OutcomeReplied, ""
	case err == nil:
		return protocol.OutcomeEstablished, ""
	case errors.Is(err, syscall.ECONNREFUSED):
		return protocol.OutcomeRefused, errno
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return protocol.OutcomeUnreachable, errno
	case errno == "ETIMEDOUT" && proto == "udp":
		return protocol.OutcomeNoReply, ""
	case errno == "ETIMEDOUT":
		return protocol.OutcomeTimeout, errno
	}
	return protocol.OutcomeError, errno
}

func connectProblem(outcome, proto, target, errno string, wait time.Duration, err error) string {
	switch outcome {
	case protocol.OutcomeRefused:
		if proto == "udp" {
			return fmt.Sprintf("%s answered with ICMP port unreachable: nothing listens on that UDP port; check the Service's targetPort and the pod's listener", target)
		}
		return fmt.Sprintf("%s refused the connection (RST): nothing listens on that port, or a firewall rejects it; check the Service's targetPort and the pod's listener", target)
	case protocol.OutcomeTimeout:
		return fmt.Sprintf("no answer to the connection attempt to %s within %s: something drops the packets (see the drop lines: a network policy or firewall) or the host is down", target, wait)
	case protocol.OutcomeUnreachable:
		return fmt.Sprintf("%s is unreachable from the pod (%s): no route, or a router answered host/network unreachable; check the pod's routes and the CNI", target, errno)
	case protocol.OutcomeNoReply:
		return fmt.Sprintf("no reply from %s within %s: UDP cannot tell a dropped datagram from a server that ignores it; see the drop lines", target, wait)
	}
	return fmt.Sprintf("the %s connection to %s could not be attempted: %v", proto, target, err)
}
