package agent

import (
	"testing"

	"pathlight.dev/native/internal/probes"
)

func TestTCPDecode(t *testing.T) {
	d := &tcpDecoder{decodeEnv{node: "n", clock: Clock{offset: 100}}}
	cases := []struct {
		kind, state                             uint32
		err                                     int32
		server                                  uint16
		event, role, resetDir, errno, stateName string
	}{
		{probes.TCPEstablished, 1, 0, 1, "established", "server", "", "", "ESTABLISHED"},
		{probes.TCPRefused, 2, 111, 0, "refused", "client", "", "ECONNREFUSED", "SYN_SENT"},
		{probes.TCPTimeout, 2, 110, 0, "timeout", "client", "", "ETIMEDOUT", "SYN_SENT"},
		{probes.TCPUnreachable, 2, 113, 0, "unreachable", "client", "", "EHOSTUNREACH", "SYN_SENT"},
		{probes.TCPResetSent, 7, 0, 0, "reset", "", "sent", "", "CLOSE"},
		{probes.TCPResetReceived, 1, 0, 0, "reset", "", "received", "", "ESTABLISHED"},
		{probes.TCPRetransmit, 2, 0, 0, "retransmit", "", "", "", "SYN_SENT"},
	}
	for _, c := range cases {
		e := &probes.TCPEvent{TsNs: 5, Kind: c.kind, State: uint16(c.state), Err: c.err, Server: c.server}
		e.T.Family, e.T.Proto, e.T.Saddr, e.T.Sport = 4, 6, v4(10, 0, 0, 1), 1234
		got := d.line(e)
		if got.Event != c.event || got.Role != c.role || got.ResetDir != c.resetDir || got.Errno != c.errno || got.State != c.stateName || got.TS != 105 || got.Src != "10.0.0.1" {
			t.Errorf("kind %d: %+v", c.kind, got)
		}
	}
}
