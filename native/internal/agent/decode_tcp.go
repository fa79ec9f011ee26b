package agent

import (
	"fmt"

	"pathlight.dev/native/internal/probes"
	"pathlight.dev/native/internal/protocol"
)

// tcpDecoder decodes the tcp probe's records: the outcome of a connection attempt, a
// reset or a retransmission.
type tcpDecoder struct{ env decodeEnv }

var tcpStates = map[uint16]string{
	1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2", 6: "TIME_WAIT",
	7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING", 12: "NEW_SYN_RECV", 13: "BOUND_INACTIVE",
}

var errnos = map[int32]string{111: "ECONNREFUSED", 110: "ETIMEDOUT", 113: "EHOSTUNREACH", 101: "ENETUNREACH"}

func (d *tcpDecoder) decode(record []byte) (any, bool) {
	e, ok := eventOf[probes.TCPEvent](record)
	if !ok {
		return nil, false
	}
	return d.line(e), true
}

func (d *tcpDecoder) line(e *probes.TCPEvent) protocol.TCP {
	out := protocol.TCP{
		Header:    d.env.header(protocol.TypeTCP, e.TsNs),
		Endpoints: endpoints(e.Netns, e.T.Family, e.T.Proto, e.T.Saddr, e.T.Daddr, e.T.Sport, e.T.Dport),
		State:     tcpStates[e.State],
		Proc:      d.env.proc(probes.Proc(e.Proc)),
	}
	if out.State == "" {
		out.State = fmt.Sprintf("STATE_%d", e.State)
	}
	if e.Err != 0 {
		out.Errno = errnos[e.Err]
		if out.Errno == "" {
			out.Errno = fmt.Sprintf("ERRNO_%d", e.Err)
		}
	}
	switch e.Kind {
	case probes.TCPEstablished:
		out.Event, out.Role = protocol.TCPEstablished, "client"
		if e.Server != 0 {
			out.Role = "server"
		}
	case probes.TCPRefused:
		out.Event, out.Role = protocol.TCPRefused, "client"
	case probes.TCPTimeout:
		out.Event, out.Role = protocol.TCPTimeout, "client"
	case probes.TCPUnreachable:
		out.Event, out.Role = protocol.TCPUnreachable, "client"
	case probes.TCPResetReceived:
		out.Event, out.ResetDir = protocol.TCPReset, "received"
	case probes.TCPResetSent:
		out.Event, out.ResetDir = protocol.TCPReset, "sent"
	case probes.TCPRetransmit:
		out.Event = protocol.TCPRetransmit
	default:
		out.Event = fmt.Sprintf("kind-%d", e.Kind)
	}
	return out
}
