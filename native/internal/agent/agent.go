// Package agent runs the probes: it loads them, streams their events as NDJSON, reports
// statistics, takes control lines on stdin, and stops cleanly (docs/architecture.md §3).
package agent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"pathlight.dev/native/internal/filter"
	"pathlight.dev/native/internal/kernel"
	"pathlight.dev/native/internal/probes"
	"pathlight.dev/native/internal/protocol"
)

// Options configure one run.
type Options struct {
	Version       string
	Node          string
	Probes        []string
	TTL           time.Duration
	Filters       filter.Set
	Stdin         io.Reader // nil: do not read control lines (and do not stop on EOF)
	Stdout        io.Writer
	StatsInterval time.Duration
	QueueSize     int // lines buffered between the ring buffers and stdout
}

// output serialises every line to stdout from one goroutine. Events never block the ring
// buffer readers: when the queue is full they are counted as lost for their probe.
type output struct {
	ch       chan []byte
	lostUser map[string]*atomic.Uint64
	written  atomic.Uint64
	failed   chan struct{}
	once     sync.Once
	done     chan struct{}
}

func newOutput(w io.Writer, size int, probeNames []string) *output {
	o := &output{ch: make(chan []byte, size), lostUser: map[string]*atomic.Uint64{}, failed: make(chan struct{}), done: make(chan struct{})}
	for _, n := range probeNames {
		o.lostUser[n] = &atomic.Uint64{}
	}
	go func() {
		defer close(o.done)
		bw := bufio.NewWriterSize(w, 256*1024)
		broken := false
		for b := range o.ch {
			if broken {
				continue
			}
			_, err := bw.Write(b)
			if err == nil && len(o.ch) == 0 {
				err = bw.Flush()
			}
			if err != nil {
				broken = true
				o.once.Do(func() { close(o.failed) })
				continue
			}
			o.written.Add(1)
		}
		if !broken {
			_ = bw.Flush()
		}
	}()
	return o
}

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"v": protocol.Version, "type": protocol.TypeError, "code": protocol.ErrInternal, "message": err.Error()})
	}
	return append(b, '\n')
}

func (o *output) event(probe string, v any) {
	select {
	case o.ch <- encode(v):
	default:
		o.lostUser[probe].Add(1)
	}
}

// control lines (hello, stats, errors, bye) wait for room: they are rare and must arrive.
func (o *output) control(v any) {
	select {
	case o.ch <- encode(v):
	case <-o.failed:
	}
}

func (o *output) close() {
	close(o.ch)
	<-o.done
}

// Features reports what the running kernel offers, without loading anything.
func Features(spec *kernel.DropReasons, btfOK bool, tpErr error, syms bool) protocol.Features {
	f := protocol.Features{BTF: btfOK, TpBtf: btfOK && tpErr == nil, DropReasons: spec != nil && spec.Present(), Kallsyms: syms}
	f.Ringbuf = features.HaveMapType(ebpf.RingBuf) == nil
	return f
}

// KernelRelease is uname -r.
func KernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Release[:])
}

type stopper struct {
	once   sync.Once
	ch     chan struct{}
	reason string
}

func (s *stopper) stop(reason string) {
	s.once.Do(func() {
		s.reason = reason
		close(s.ch)
	})
}

// Run runs the agent until stdin closes, the TTL passes, a signal or a stop line arrives.
// It returns the process exit code.
func Run(o Options) int {
	clock := NewClock()
	hdr := func(t string) protocol.Header {
		return protocol.Header{V: protocol.Version, Type: t, TS: clock.Now(), Node: o.Node}
	}
	out := newOutput(o.Stdout, o.QueueSize, append([]string{protocol.BaselineProbe}, protocol.ProbeNames...))
	fatal := func(code, msg string) int {
		out.control(protocol.Error{Header: hdr(protocol.TypeError), Code: code, Message: msg, Fatal: true})
		out.control(protocol.Bye{Header: hdr(protocol.TypeBye), Reason: protocol.ByeError, Probes: map[string]protocol.ProbeStats{}})
		out.close()
		return 1
	}
	if _, err := os.Stat("/sys/fs/bpf"); err != nil && errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat("/proc/sys/kernel/unprivileged_bpf_disabled"); err != nil {
			return fatal(protocol.ErrNoBPF, "this kernel has no BPF support (CONFIG_BPF_SYSCALL): the probes cannot run on this node")
		}
	}
	spec, err := kernel.LoadBTF()
	if err != nil {
		return fatal(protocol.ErrNoBTF, err.Error())
	}
	// Before 5.11 BPF memory is charged to RLIMIT_MEMLOCK; later kernels ignore it.
	_ = rlimit.RemoveMemlock()
	reasons := kernel.NewDropReasons(spec)
	var syms *kernel.Symbols
	var symErr error
	if slices.Contains(o.Probes, "drops") {
		syms, symErr = kernel.LoadKallsyms()
	}
	set, missing, err := probes.Load(o.Probes, spec, reasons, o.Filters)
	if err != nil {
		code := protocol.ErrAttach
		var ve *ebpf.VerifierError
		if errors.Is(err, os.ErrPermission) && !errors.As(err, &ve) {
			code = protocol.ErrPermission
		}
		return fatal(code, err.Error())
	}
	defer set.Close()
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err == nil {
		defer stats.Close()
	}
	_, tpErr := kernel.TracepointArgs(spec, "kfree_skb")
	hello := protocol.Hello{
		Header: hdr(protocol.TypeHello), Version: o.Version, Kernel: KernelRelease(), Arch: runtime.GOARCH,
		Features: Features(reasons, true, tpErr, syms != nil), Filters: ackFilters(o.Filters),
		TTLMs: o.TTL.Milliseconds(), Reasons: reasons.Table(),
	}
	hello.Features.BpfStats = err == nil
	for _, p := range set.Probes {
		st := protocol.ProbeStatus{Name: p.Name, State: protocol.ProbeAttached, Attach: p.Attach}
		if p.Degraded != "" {
			st.State, st.Detail = protocol.ProbeDegraded, p.Degraded
		}
		hello.Probes = append(hello.Probes, st)
	}
	for _, m := range missing {
		hello.Probes = append(hello.Probes, protocol.ProbeStatus{Name: m.Name, State: protocol.ProbeUnavailable, Detail: m.Detail})
	}
	out.control(hello)
	if symErr != nil {
		out.control(protocol.Error{Header: hdr(protocol.TypeError), Code: protocol.ErrPermission, Probe: "drops", Message: symErr.Error()})
	}
	for _, m := range missing {
		out.control(protocol.Error{Header: hdr(protocol.TypeError), Code: protocol.ErrAttach, Probe: m.Name, Message: fmt.Sprintf("the %s probe is unavailable on this kernel: %s", m.Name, m.Detail)})
	}
	if len(set.Probes) == 0 {
		return fatal(protocol.ErrAttach, "no probe could be attached on this kernel (see the errors above)")
	}

	st := &stopper{ch: make(chan struct{})}
	dec := NewDecoder(o.Node, clock, reasons, syms)
	var readers sync.WaitGroup
	for _, p := range set.Probes {
		if p.Reader == nil {
			continue // the baseline probe emits nothing
		}
		readers.Add(1)
		go func(p *probes.Probe) {
			defer readers.Done()
			read(p, dec, out)
		}(p)
	}

	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	// A closed stdout must come back as EPIPE, not kill the process before cleanup.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	defer signal.Stop(sig)

	current := o.Filters
	tests := newTests(func(l protocol.Test) {
		l.Header = hdr(protocol.TypeTest)
		out.control(l)
	})
	badControl := func(msg string) {
		out.control(protocol.Error{Header: hdr(protocol.TypeError), Code: protocol.ErrBadControl, Message: msg})
	}
	if o.Stdin != nil {
		go controlLoop(o.Stdin, st, func(typ string, line []byte) {
			switch typ {
			case "stop":
				st.stop(protocol.ByeStop)
			case "test":
				var r protocol.TestRequest
				if err := json.Unmarshal(line, &r); err != nil {
					badControl(fmt.Sprintf("test line not understood (%v); expected e.g. {\"type\":\"test\",\"id\":\"t1\",\"fromIp\":\"10.244.0.5\",\"connect\":\"10.96.0.10:53\",\"proto\":\"udp\"}", err))
				} else if err := tests.start(r); err != nil {
					badControl(err.Error())
				}
			case "filters":
				var c protocol.Control
				if err := json.Unmarshal(line, &c); err != nil {
					badControl(fmt.Sprintf("filters line not understood (%v); expected e.g. {\"type\":\"filters\",\"port\":[53]}", err))
					return
				}
				f, err := filter.Build(c.Netns, c.CIDR, portStrings(c.Port), c.Proto, current.NotSpecified)
				if err == nil && c.NotSpecified != nil {
					f.NotSpecified = *c.NotSpecified
				}
				if err == nil {
					err = set.SetFilters(f)
				}
				if err != nil {
					badControl("filters not changed: " + err.Error())
					return
				}
				current = f
				out.control(protocol.FiltersAck{Header: hdr(protocol.TypeFilters), Filters: ackFilters(f)})
			default:
				badControl(fmt.Sprintf("unknown control type %q (expected \"filters\", \"test\" or \"stop\")", typ))
			}
		}, badControl)
	}

	started := time.Now()
	ttl := time.NewTimer(o.TTL)
	defer ttl.Stop()
	tick := time.NewTicker(o.StatsInterval)
	defer tick.Stop()
	collect := func() map[string]protocol.ProbeStats {
		m := map[string]protocol.ProbeStats{}
		for _, p := range set.Probes {
			ev, lost := p.Counters()
			n, ns := p.RunStats()
			ps := protocol.ProbeStats{Events: ev, Lost: lost, LostUser: out.lostUser[p.Name].Load(), RunCount: n, RunNs: ns}
			if n > 0 {
				ps.AvgNs = ns / n
			}
			m[p.Name] = ps
		}
		return m
	}
loop:
	for {
		select {
		case <-tick.C:
			out.control(protocol.Stats{Header: hdr(protocol.TypeStats), UptimeMs: time.Since(started).Milliseconds(), Probes: collect(), Written: out.written.Load()})
		case <-ttl.C:
			st.stop(protocol.ByeTTL)
		case <-sig:
			st.stop(protocol.ByeSignal)
		case <-out.failed:
			st.stop(protocol.ByeError) // nobody is reading any more: stop quietly
		case <-st.ch:
			break loop
		}
	}
	// Running tests end first (their done lines come before bye) while the probes still
	// watch; then detach so nothing new arrives, and drain what the ring buffers still hold.
	tests.stop()
	for _, p := range set.Probes {
		p.Detach()
		if p.Reader != nil {
			_ = p.Reader.Flush()
		}
	}
	readers.Wait()
	final := collect()
	set.Close()
	out.control(protocol.Bye{Header: hdr(protocol.TypeBye), Reason: st.reason, Probes: final})
	out.close()
	return 0
}

func portStrings(p []uint16) []string {
	out := make([]string, len(p))
	for i, v := range p {
		out[i] = fmt.Sprint(v)
	}
	return out
}

func ackFilters(f filter.Set) protocol.Filters {
	ns, cidr, ports, protos := f.Strings()
	return protocol.Filters{Netns: ns, CIDR: cidr, Port: ports, Proto: protos, NotSpecified: f.NotSpecified}
}

// controlLoop reads JSON control lines until EOF, which stops the agent: the transport
// (ssh channel, exec stream) closing is how a vanished app is noticed.
// Each line is handed over with its type; the handler decodes the rest for that type (a
// test line's proto is a string, a filters line's a list).
func controlLoop(r io.Reader, st *stopper, handle func(typ string, line []byte), bad func(string)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var c struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(line, &c); err != nil {
			bad(fmt.Sprintf("control line is not valid JSON (%v); expected e.g. {\"type\":\"filters\",\"port\":[53]} or {\"type\":\"stop\"}", err))
			continue
		}
		handle(c.Type, line)
	}
	st.stop(protocol.ByeStdinClosed)
}

// pollInterval bounds how late an event reaches stdout when the ring buffer is quiet.
const pollInterval = 20 * time.Millisecond

// read decodes one probe's ring buffer until it is closed.
func read(p *probes.Probe, dec *Decoder, out *output) {
	var rec ringbuf.Record
	for {
		// The programs wake the reader only when 64 KiB are waiting (see pl_wakeup_flags):
		// the deadline is how a trickle of events arrives, at most pollInterval late.
		p.Reader.SetDeadline(time.Now().Add(pollInterval))
		if err := p.Reader.ReadInto(&rec); err != nil {
			if errors.Is(err, ringbuf.ErrFlushed) || errors.Is(err, ringbuf.ErrClosed) || errors.Is(err, os.ErrClosed) {
				return
			}
			continue
		}
		b := rec.RawSample
		switch p.Name {
		case "drops":
			if len(b) >= int(unsafe.Sizeof(probes.DropEvent{})) {
				out.event(p.Name, dec.Drop((*probes.DropEvent)(unsafe.Pointer(&b[0]))))
			}
		case "tcp":
			if len(b) >= int(unsafe.Sizeof(probes.TCPEvent{})) {
				out.event(p.Name, dec.TCP((*probes.TCPEvent)(unsafe.Pointer(&b[0]))))
			}
		case "dns":
			if len(b) >= int(unsafe.Sizeof(probes.DNSEvent{})) {
				if ev, ok := dec.DNS((*probes.DNSEvent)(unsafe.Pointer(&b[0]))); ok {
					out.event(p.Name, ev)
				}
			}
		}
	}
}
