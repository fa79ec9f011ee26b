package agent

import (
	"bytes"
	"strconv"
	"strings"

	"pathlight.dev/native/internal/probes"
	"pathlight.dev/native/internal/protocol"
)

// httpDecoder decodes the http probe's records: the first bytes of TCP segments that start
// an HTTP/1.x message (or continue one whose head was split), as one socket sent or
// received them. Requests wait on their connection (the socket's cookie) for their
// responses, in order (HTTP/1.x answers in order, pipelined or not); each response makes
// one line with its request, status and latency.
type httpDecoder struct {
	env   decodeEnv
	conns map[uint64]*httpConn
}

// Bounds: connections tracked, requests waiting per connection, bytes of a split head kept.
const (
	maxHTTPConns   = 16384
	maxHTTPPending = 32
	maxHTTPHead    = 2048
	maxHTTPPath    = 128
)

type httpRequest struct {
	ts                 uint64
	method, path, host string
	queryStripped      bool
	t                  probes.HTTPEvent // the request's event, for its tuple and process
	version            string
}

type httpConn struct {
	pending []httpRequest
	// A head not complete in its segment, waiting for the next one, per direction (index
	// dir-1), with the time and event of its first segment.
	partial   [2][]byte
	partialEv [2]probes.HTTPEvent
	lastSeq   [2]uint32
	seen      [2]bool
}

func newHTTPDecoder(env decodeEnv) *httpDecoder {
	return &httpDecoder{env: env, conns: map[uint64]*httpConn{}}
}

func (d *httpDecoder) decode(record []byte) (any, bool) {
	e, ok := eventOf[probes.HTTPEvent](record)
	if !ok {
		return nil, false
	}
	lines := d.segment(e)
	switch len(lines) {
	case 0:
		return nil, false
	case 1:
		return lines[0], true
	}
	many := make([]any, len(lines))
	for i, l := range lines {
		many[i] = l
	}
	return many, true
}

var httpMethods = []string{"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "PATCH ", "OPTIONS "}

// segment takes one segment's bytes and returns the exchanges it completes.
func (d *httpDecoder) segment(e *probes.HTTPEvent) []protocol.HTTP {
	di := 0
	if e.Dir == probes.DNSIngress {
		di = 1
	}
	if e.Flags&probes.HTTPTLS != 0 {
		return []protocol.HTTP{d.tls(e)}
	}
	c := d.conns[e.Cookie]
	if c == nil {
		if e.Flags&probes.HTTPStart == 0 {
			return nil
		}
		if len(d.conns) >= maxHTTPConns {
			d.conns = map[uint64]*httpConn{} // start over rather than grow without bound
		}
		c = &httpConn{}
		d.conns[e.Cookie] = c
	}
	if c.seen[di] && c.lastSeq[di] == e.Seq {
		return nil // a retransmission of a segment already read
	}
	c.seen[di], c.lastSeq[di] = true, e.Seq
	n := min(int(e.Len), len(e.Payload))
	data := e.Payload[:n]
	truncated := uint32(n) < e.FullLen
	first := *e
	if e.Flags&probes.HTTPStart == 0 { // a continuation: only of a head waiting for it
		if c.partial[di] == nil {
			return nil
		}
		data = append(c.partial[di], data...)
		first = c.partialEv[di]
	}
	c.partial[di] = nil
	var out []protocol.HTTP
	for len(data) > 0 {
		end := bytes.Index(data, []byte("\r\n\r\n"))
		if end < 0 {
			if !truncated && len(data) < maxHTTPHead {
				// The head continues in the next segment: keep it (a copy: data points into the ring).
				c.partial[di] = append([]byte(nil), data...)
				c.partialEv[di] = first
				return out
			}
			end = len(data) // what was copied is all there is: parse it as it stands
		}
		head := string(data[:end])
		rest := data[min(end+4, len(data)):]
		if strings.HasPrefix(head, "HTTP/1.") {
			if l, ok := d.response(c, &first, head); ok {
				out = append(out, l)
			}
		} else if !d.request(c, &first, head) {
			return out
		}
		// A body follows its head; a pipelined message may follow the body in the same segment.
		body := contentLength(head)
		if body < 0 || body > len(rest) {
			return out
		}
		data = rest[body:]
		if !startsHTTP(data) {
			return out
		}
	}
	return out
}

func startsHTTP(b []byte) bool {
	if bytes.HasPrefix(b, []byte("HTTP/1.")) {
		return true
	}
	for _, m := range httpMethods {
		if bytes.HasPrefix(b, []byte(m)) {
			return true
		}
	}
	return false
}

// tls is the line of a TLS ClientHello: the client sent it, whichever socket saw it.
func (d *httpDecoder) tls(e *probes.HTTPEvent) protocol.HTTP {
	out := protocol.HTTP{Header: d.env.header(protocol.TypeHTTP, e.TsNs), Version: "TLS", Encrypted: true, Role: protocol.HTTPServer}
	if e.Dir == probes.DNSEgress {
		out.Role = protocol.HTTPClient
	}
	out.Endpoints = endpoints(e.Netns, e.T.Family, e.T.Proto, e.T.Saddr, e.T.Daddr, e.T.Sport, e.T.Dport)
	out.Proc = d.env.proc(probes.Proc(e.Proc))
	return out
}

// request parses a request head and queues it on its connection; false when it is not one.
func (d *httpDecoder) request(c *httpConn, e *probes.HTTPEvent, head string) bool {
	line, headers, _ := strings.Cut(head, "\r\n")
	method, rest, ok := strings.Cut(line, " ")
	if !ok || !startsHTTP([]byte(method+" ")) {
		return false
	}
	target, version, _ := strings.Cut(rest, " ")
	if !strings.HasPrefix(version, "HTTP/1.") {
		version = "" // cut by the copy; the target may be too
	}
	r := httpRequest{ts: e.TsNs, method: method, t: *e, version: version}
	r.path, r.queryStripped = target, false
	if i := strings.IndexAny(r.path, "?#"); i >= 0 {
		r.path, r.queryStripped = r.path[:i], r.path[i] == '?'
	}
	if len(r.path) > maxHTTPPath {
		r.path = r.path[:maxHTTPPath]
	}
	r.host = header(headers, "host")
	if len(c.pending) >= maxHTTPPending {
		c.pending = c.pending[1:]
	}
	c.pending = append(c.pending, r)
	return true
}

// response parses a status line and pairs it with the oldest waiting request.
func (d *httpDecoder) response(c *httpConn, e *probes.HTTPEvent, head string) (protocol.HTTP, bool) {
	line, _, _ := strings.Cut(head, "\r\n")
	version, rest, _ := strings.Cut(line, " ")
	code, _, _ := strings.Cut(rest, " ")
	status, err := strconv.Atoi(code)
	if err != nil || status < 100 || status > 999 {
		return protocol.HTTP{}, false
	}
	out := protocol.HTTP{Header: d.env.header(protocol.TypeHTTP, e.TsNs), Version: version, Status: status}
	// The response's own direction says whose socket this is: one leaving it is the server's.
	out.Role = protocol.HTTPClient
	if e.Dir == probes.DNSEgress {
		out.Role = protocol.HTTPServer
	}
	// Src is the client: the response goes server → client.
	out.Endpoints = endpoints(e.Netns, e.T.Family, e.T.Proto, e.T.Daddr, e.T.Saddr, e.T.Dport, e.T.Sport)
	out.Proc = d.env.proc(probes.Proc(e.Proc))
	if len(c.pending) > 0 {
		r := c.pending[0]
		c.pending = c.pending[1:]
		out.Method, out.Path, out.QueryStripped, out.Host = r.method, r.path, r.queryStripped, r.host
		if e.TsNs >= r.ts {
			out.LatencyNs = int64(e.TsNs - r.ts)
		}
		if out.Proc == nil {
			out.Proc = d.env.proc(probes.Proc(r.t.Proc))
		}
	}
	return out, true
}

// header returns a header's value from a head's header lines (name case-insensitive).
func header(lines, name string) string {
	for _, l := range strings.Split(lines, "\r\n") {
		k, v, ok := strings.Cut(l, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// contentLength is a head's body length: its Content-Length, 0 without one (requests without
// a body, responses to HEAD, 204/304), -1 when the body's end cannot be known here (chunked).
func contentLength(head string) int {
	_, lines, _ := strings.Cut(head, "\r\n")
	if strings.EqualFold(header(lines, "transfer-encoding"), "chunked") {
		return -1
	}
	v := header(lines, "content-length")
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return -1
	}
	return n
}
