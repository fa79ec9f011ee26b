// Package agent runs the probes: it loads them, streams their events as NDJSON, reports
// statistics, takes control lines on stdin, and stops cleanly (docs/architecture.md §3).
//
// A run has three parts: setup (setup.go) checks the kernel, attaches the probes behind
// the initial filters and writes hello; control (control.go) applies the lines read on
// stdin — filters, test, stop; output (output.go) carries the probes' records, the stats
// and bye to stdout. Each probe's records are decoded in its own decode_<probe>.go.
package agent

import (
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"pathlight.dev/native/internal/filter"
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
	// Stats turns on the kernel's BPF run-time statistics for the run (run --stats): every
	// BPF program on the node then pays two clock reads per invocation, measured at
	// 70–80 ns here, so they are off unless asked for.
	Stats bool
}

// agent is one run: its options, its clock and the output every line goes through.
type agent struct {
	opts  Options
	clock Clock
	out   *output
}

// header is the header of a line the agent writes now; a probe's record carries the
// kernel's time instead (decodeEnv.header).
func (a *agent) header(t string) protocol.Header {
	return protocol.Header{V: protocol.Version, Type: t, TS: a.clock.Now(), Node: a.opts.Node}
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
	a := &agent{opts: o, clock: NewClock()}
	a.out = newOutput(o.Stdout, o.QueueSize, append([]string{protocol.BaselineProbe, protocol.RulesProbe, protocol.HTTPProbe}, protocol.ProbeNames...))
	att, fatal := a.setup()
	if att != nil {
		defer att.close()
	}
	if fatal != nil {
		return a.fatal(fatal)
	}

	st := &stopper{ch: make(chan struct{})}
	readers := a.startReaders(att)

	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	// A closed stdout must come back as EPIPE, not kill the process before cleanup.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	defer signal.Stop(sig)

	active := newActiveTests(a.writeTest)
	if o.Stdin != nil {
		c := &controller{a: a, set: att.set, rules: att.rules, stopper: st, active: active, filters: o.Filters}
		go controlLoop(o.Stdin, st, c.handle, c.bad)
	}

	a.waitForStop(att, st, sig)
	a.finish(att, active, readers, st.reason)
	return 0
}

// waitForStop writes a stats line every StatsInterval until the run is stopped: by a stop
// line or stdin closing (through st), the TTL, a signal, or stdout failing.
func (a *agent) waitForStop(att *attached, st *stopper, sig <-chan os.Signal) {
	started := time.Now()
	ttl := time.NewTimer(a.opts.TTL)
	defer ttl.Stop()
	tick := time.NewTicker(a.opts.StatsInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			a.writeStats(att, started)
		case <-ttl.C:
			st.stop(protocol.ByeTTL)
		case <-sig:
			st.stop(protocol.ByeSignal)
		case <-a.out.failed:
			st.stop(protocol.ByeError) // nobody is reading any more: stop quietly
		case <-st.ch:
			return
		}
	}
}
