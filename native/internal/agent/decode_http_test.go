package agent

import (
	"fmt"
	"testing"

	"pathlight.dev/native/internal/probes"
)

// seg makes the http probe's record of one segment of connection cookie 7 between
// 10.0.0.1:40000 (client) and 10.0.0.2:80.
func seg(ts uint64, dir uint16, seq uint32, payload string, flags uint16) *probes.HTTPEvent {
	e := &probes.HTTPEvent{TsNs: ts, Cookie: 7, Netns: 1, Seq: seq, Dir: dir, Flags: flags}
	e.T.Family, e.T.Proto = 4, 6
	e.T.Saddr, e.T.Daddr, e.T.Sport, e.T.Dport = v4(10, 0, 0, 1), v4(10, 0, 0, 2), 40000, 80
	if dir == probes.DNSIngress { // a response arriving: the server sent it
		e.T.Saddr, e.T.Daddr, e.T.Sport, e.T.Dport = e.T.Daddr, e.T.Saddr, e.T.Dport, e.T.Sport
	}
	n := copy(e.Payload[:], payload)
	e.Len, e.FullLen = uint16(n), uint32(len(payload))
	return e
}

func exchanges(d *httpDecoder, segs ...*probes.HTTPEvent) []string {
	var out []string
	for _, s := range segs {
		for _, l := range d.segment(s) {
			out = append(out, fmt.Sprintf("%s %s %s %s q=%v host=%s %d %dms %s:%d>%s:%d", l.Role, l.Method, l.Path, l.Version, l.QueryStripped, l.Host, l.Status, l.LatencyNs/1e6, l.Src, l.Sport, l.Dst, l.Dport))
		}
	}
	return out
}

func TestHTTPDecoder(t *testing.T) {
	const ms = 1_000_000
	out, in := probes.DNSEgress, probes.DNSIngress
	start, cont := probes.HTTPStart, probes.HTTPCont
	cases := []struct {
		name string
		segs []*probes.HTTPEvent
		want []string
	}{
		{"a pair, query stripped", []*probes.HTTPEvent{
			seg(0, out, 1, "GET /a/b?token=x HTTP/1.1\r\nHost: svc\r\n\r\n", start),
			seg(5*ms, in, 100, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", start),
		}, []string{"client GET /a/b HTTP/1.1 q=true host=svc 503 5ms 10.0.0.1:40000>10.0.0.2:80"}},
		{"pipelined requests, responses in one segment", []*probes.HTTPEvent{
			seg(0, out, 1, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi", start),
			seg(3*ms, in, 100, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", start),
		}, []string{"client GET /1 HTTP/1.1 q=false host=h 200 3ms 10.0.0.1:40000>10.0.0.2:80", "client POST /2 HTTP/1.1 q=false host= 404 3ms 10.0.0.1:40000>10.0.0.2:80"}},
		{"a head split over two segments", []*probes.HTTPEvent{
			seg(0, out, 1, "GET /s HTTP/1.1\r\nHo", start),
			seg(1*ms, out, 20, "st: split\r\n\r\n", cont),
			seg(2*ms, in, 100, "HTTP/1.0 200 OK\r\n\r\n", start),
		}, []string{"client GET /s HTTP/1.0 q=false host=split 200 2ms 10.0.0.1:40000>10.0.0.2:80"}},
		{"the server's view, a retransmitted response once", []*probes.HTTPEvent{
			seg(0, in, 1, "GET / HTTP/1.1\r\n\r\n", start),
			seg(4*ms, out, 100, "HTTP/1.1 200 OK\r\n\r\n", start),
			seg(9*ms, out, 100, "HTTP/1.1 200 OK\r\n\r\n", start),
		}, []string{"server GET / HTTP/1.1 q=false host= 200 4ms 10.0.0.2:80>10.0.0.1:40000"}},
		{"a continuation without a head waiting, and a body that is not HTTP", []*probes.HTTPEvent{
			seg(0, out, 1, "body bytes", cont),
			seg(0, out, 2, "GETX / HTTP/1.1\r\n\r\n", start),
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := exchanges(newHTTPDecoder(decodeEnv{node: "n"}), c.segs...)
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}
