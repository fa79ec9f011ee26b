package kernel_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// httpHelper is the HTTP side of helper(): a server and raw clients that control exactly
// how the bytes are cut into segments. ok is false for a kind it does not know.
func httpHelper(kind, arg string) (rc int, ok bool) {
	switch kind {
	case "httpserve": // arg: host:port — /fail answers 503, anything else 200 "ok"
		l, err := net.Listen("tcp", arg)
		if err != nil {
			fmt.Println("error:", err)
			return 1, true
		}
		fmt.Println("ready")
		_ = http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(20 * time.Millisecond) // a latency the probe must see
			if r.URL.Path == "/big" {         // 2 MiB: hundreds of segments that start no HTTP message
				_, _ = w.Write(make([]byte, 2<<20))
				return
			}
			if r.URL.Path == "/fail" {
				http.Error(w, "unavailable", http.StatusServiceUnavailable)
				return
			}
			_, _ = io.WriteString(w, "ok")
		}))
		return 1, true
	case "httpsserve": // arg: host:port — HTTPS with a certificate made at start (httptest's)
		l, err := net.Listen("tcp", arg)
		if err != nil {
			fmt.Println("error:", err)
			return 1, true
		}
		s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "secret") }))
		s.Listener.Close()
		s.Listener = l
		s.StartTLS()
		fmt.Println("ready")
		select {}
	case "httpsget": // arg: host:port — GET / over TLS, the server's certificate not checked (a test's own)
		c, err := tls.Dial("tcp", arg, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			fmt.Println("error:", err)
			return 0, true
		}
		defer c.Close()
		comm, _ := os.ReadFile("/proc/self/comm")
		fmt.Printf("pid %d %s\n", os.Getpid(), strings.TrimSpace(string(comm)))
		_, _ = io.WriteString(c, "GET /hidden HTTP/1.1\r\nHost: tls.test\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			fmt.Println("error:", err)
			return 0, true
		}
		fmt.Println(resp.StatusCode)
		return 0, true
	case "httpclient": // arg: host:port,mode — mode: pair | pipeline | split | junk | big
		addr, mode, _ := strings.Cut(arg, ",")
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			fmt.Println("error:", err)
			return 0, true
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		comm, _ := os.ReadFile("/proc/self/comm")
		fmt.Printf("pid %d %s\n", os.Getpid(), strings.TrimSpace(string(comm)))
		br := bufio.NewReader(c)
		read := func(n int) {
			for i := 0; i < n; i++ {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					fmt.Println("error:", err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				fmt.Printf("%d %s\n", resp.StatusCode, strings.TrimSpace(string(body)))
			}
		}
		switch mode {
		case "pair":
			_, _ = io.WriteString(c, "GET /fail?token=secret HTTP/1.1\r\nHost: pair.test\r\n\r\n")
			read(1)
		case "pipeline": // two requests in one write, then a third on the same connection
			_, _ = io.WriteString(c, "GET /one HTTP/1.1\r\nHost: pipe.test\r\n\r\nGET /fail HTTP/1.1\r\nHost: pipe.test\r\n\r\n")
			read(2)
			_, _ = io.WriteString(c, "POST /three HTTP/1.1\r\nHost: pipe.test\r\nContent-Length: 3\r\n\r\nabc")
			read(1)
		case "split": // the request line in one segment, the rest of the head in the next
			_, _ = io.WriteString(c, "GET /split HTTP/1.1\r\nHo")
			time.Sleep(100 * time.Millisecond)
			_, _ = io.WriteString(c, "st: split.test\r\n\r\n")
			read(1)
		case "big": // a long response body, then another request on the same connection
			_, _ = io.WriteString(c, "GET /big HTTP/1.1\r\nHost: big.test\r\n\r\n")
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				fmt.Println("error:", err)
				return 0, true
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			fmt.Printf("%d %d bytes\n", resp.StatusCode, n)
			_, _ = io.WriteString(c, "GET /fail HTTP/1.1\r\nHost: big.test\r\n\r\n")
			read(1)
		case "junk": // not HTTP: a TLS-like record, then text that merely mentions HTTP
			_, _ = c.Write([]byte{0x16, 0x03, 0x01, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o'})
			time.Sleep(50 * time.Millisecond)
			_, _ = io.WriteString(c, "hello HTTP/1.1 200 OK\r\n\r\n")
			buf := make([]byte, 16)
			n, _ := c.Read(buf)
			fmt.Printf("got %q\n", buf[:n])
		}
		return 0, true
	}
	return 0, false
}

func httpLines(ag *Agent, kv ...any) []map[string]any { return ag.all(is("http", kv...)) }

// httpRun starts the agent with probes on a fresh pair of namespaces (slot n), a server of
// kind serve ("httpserve", "httpsserve", "listen") in b on port, and a client helper in a:
// "httpclient" with mode, or "httpsget". It returns the pair, the agent, and the client's
// pid, comm and output.
func httpRun(t *testing.T, n int, probes, serve, port, client, mode string) (a, b netns, ag *Agent, pid float64, comm, out string) {
	requireRoot(t)
	a, b = pair(t, n)
	ag = startAgent(t, "--netns", nsFilter(a, b), "--probes", probes)
	startInNetns(t, b, serve, b.ip+":"+port)
	arg := b.ip + ":" + port
	if mode != "" {
		arg += "," + mode
	}
	pid, comm, out = helperProc(t, inNetns(t, a, client, arg))
	return a, b, ag, pid, comm, out
}

// Probe http: a request and its 503 response make one line per socket that saw them — the
// client's (with its process, the latency it waited) and the server's — with method, path
// (query stripped, and said so), host, status and the 5-tuple client → server.
func TestHTTPPair(t *testing.T) {
	a, b, ag, pid, comm, out := httpRun(t, 110, "http,proc,tcp", "httpserve", "8080", "httpclient", "pair")
	if !strings.HasPrefix(out, "503") {
		t.Fatalf("client: %s", out)
	}
	c := ag.mustSee("the client's exchange", is("http", "role", "client", "path", "/fail", "status", 503))
	if str(c, "method") != "GET" || str(c, "host") != "pair.test" || c["queryStripped"] != true || str(c, "version") != "HTTP/1.1" ||
		str(c, "src") != a.ip || str(c, "dst") != b.ip || num(c, "dport") != 8080 || num(c, "netns") != float64(a.inode) {
		t.Errorf("client line: %v", c)
	}
	if l := num(c, "latencyNs"); l < 20e6 || l > 2e9 {
		t.Errorf("client latency %v ns, want ≥ 20 ms (the server's sleep)", l)
	}
	if p := procOf(t, "the client's exchange", c); num(p, "pid") != pid || str(p, "comm") != comm {
		t.Errorf("client proc %v, want pid %v", p, pid)
	}
	if strings.Contains(strings.Join(ag.rawLines(), "\n"), "secret") {
		t.Errorf("the query string reached the output")
	}
	s := ag.mustSee("the server's exchange", is("http", "role", "server", "path", "/fail", "status", 503))
	if str(s, "src") != a.ip || str(s, "dst") != b.ip || num(s, "netns") != float64(b.inode) || num(s, "latencyNs") < 20e6 {
		t.Errorf("server line: %v", s)
	}
	ag.stop()
	if n := len(httpLines(ag, "role", "client")); n != 1 {
		t.Errorf("%d client lines for one exchange", n)
	}
}

// Probe http: pipelined requests on one keep-alive connection are matched to their
// responses in order, and a later request on it too.
func TestHTTPPipelined(t *testing.T) {
	_, _, ag, _, _, out := httpRun(t, 111, "http", "httpserve", "8080", "httpclient", "pipeline")
	if out != "200 ok\n503 unavailable\n200 ok" {
		t.Fatalf("client: %q", out)
	}
	ag.mustSee("the third exchange", is("http", "role", "client", "path", "/three"))
	ag.stop()
	var got []string
	var sport float64
	for _, l := range httpLines(ag, "role", "client") {
		got = append(got, fmt.Sprintf("%s %s %d", str(l, "method"), str(l, "path"), int(num(l, "status"))))
		if sport != 0 && num(l, "sport") != sport {
			t.Errorf("exchanges on one connection have different client ports: %v", l)
		}
		sport = num(l, "sport")
	}
	if strings.Join(got, ", ") != "GET /one 200, GET /fail 503, POST /three 200" {
		t.Errorf("client exchanges: %v", got)
	}
}

// Probe http: a request whose head arrives in two segments is read whole (its Host is in
// the second).
func TestHTTPSplitRequest(t *testing.T) {
	_, _, ag, _, _, out := httpRun(t, 112, "http", "httpserve", "8080", "httpclient", "split")
	if out != "200 ok" {
		t.Fatalf("client: %q", out)
	}
	for _, role := range []string{"client", "server"} {
		l := ag.mustSee(role+"'s exchange", is("http", "role", role, "path", "/split"))
		if str(l, "host") != "split.test" || num(l, "status") != 200 || str(l, "method") != "GET" {
			t.Errorf("%s line: %v", role, l)
		}
	}
	ag.stop()
}

// Probe http: bytes on port 80 that are not HTTP make no line.
func TestHTTPIgnoresOtherPayload(t *testing.T) {
	_, _, ag, _, _, out := httpRun(t, 113, "http,tcp", "listen", "80", "httpclient", "junk")
	if h := ag.find(is("hello")); !strings.Contains(fmt.Sprint(h["probes"]), "name:http state:attached") {
		t.Fatalf("the http probe is not attached: %v", h["probes"])
	}
	if !strings.HasPrefix(out, "got") {
		t.Fatalf("client: %q", out)
	}
	ag.mustSee("the connection", is("tcp", "event", "established", "dport", 80))
	ag.stop()
	if l := httpLines(ag); len(l) > 0 {
		t.Errorf("non-HTTP payload made http lines: %v", l)
	}
}

// Probe http: a long body does not make its connection look like something else. The
// probe leaves a direction of a socket alone after some payload segments that start no
// HTTP message (a bulk transfer, TLS), unless the socket carried HTTP: the exchange after
// a 2 MiB response on the same keep-alive connection is still seen, on both sockets.
func TestHTTPAfterLongBody(t *testing.T) {
	_, _, ag, _, _, out := httpRun(t, 114, "http", "httpserve", "8080", "httpclient", "big")
	if out != "200 2097152 bytes\n503 unavailable" {
		t.Fatalf("client: %q", out)
	}
	for _, role := range []string{"client", "server"} {
		ag.mustSee(role+"'s exchange after the long body", is("http", "role", role, "path", "/fail", "status", 503))
	}
	ag.stop()
	for _, role := range []string{"client", "server"} {
		var got []string
		for _, l := range httpLines(ag, "role", role) {
			got = append(got, fmt.Sprintf("%s %d", str(l, "path"), int(num(l, "status"))))
		}
		if strings.Join(got, ", ") != "/big 200, /fail 503" {
			t.Errorf("%s exchanges: %v", role, got)
		}
	}
}

// Probe http: a TLS connection is counted, not decoded — one line per socket that saw its
// ClientHello (encrypted, version TLS, the client as src), and nothing of the request
// inside it.
func TestHTTPCountsTLS(t *testing.T) {
	a, b, ag, _, _, out := httpRun(t, 115, "http", "httpsserve", "8443", "httpsget", "")
	if out != "200" {
		t.Fatalf("client: %q", out)
	}
	for _, role := range []string{"client", "server"} {
		l := ag.mustSee(role+"'s TLS connection", is("http", "role", role, "encrypted", true))
		if str(l, "version") != "TLS" || str(l, "src") != a.ip || str(l, "dst") != b.ip || num(l, "dport") != 8443 || num(l, "status") != 0 {
			t.Errorf("%s line: %v", role, l)
		}
	}
	ag.stop()
	if n := len(httpLines(ag)); n != 2 {
		t.Errorf("%d http lines for one TLS connection, want 2 (one per socket): %v", n, httpLines(ag))
	}
	if strings.Contains(strings.Join(ag.rawLines(), "\n"), "hidden") {
		t.Errorf("bytes from inside TLS reached the output")
	}
}
