package agent

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf/ringbuf"

	"pathlight.dev/native/internal/probes"
	"pathlight.dev/native/internal/protocol"
)

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

// startReaders starts a reader for every probe that sends records, each with its probe's
// decoder; they run until finish flushes and closes the ring buffers.
func (a *agent) startReaders(att *attached) *sync.WaitGroup {
	env := decodeEnv{node: a.opts.Node, clock: a.clock, reasons: att.reasons, syms: att.syms}
	readers := &sync.WaitGroup{}
	for _, p := range att.set.Probes {
		newDecoder := decoders[p.Name]
		if p.Reader == nil || newDecoder == nil {
			continue // the baseline probe emits nothing
		}
		readers.Add(1)
		go func(p *probes.Probe, dec recordDecoder) {
			defer readers.Done()
			read(p, dec, a.out)
		}(p, newDecoder(env))
	}
	return readers
}

// pollInterval bounds how late an event reaches stdout when the ring buffer is quiet.
const pollInterval = 20 * time.Millisecond

// read decodes one probe's ring buffer until it is closed.
func read(p *probes.Probe, dec recordDecoder, out *output) {
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
		if line, ok := dec.decode(rec.RawSample); ok {
			out.event(p.Name, line)
		}
	}
}

// writeTest writes one line of an active test.
func (a *agent) writeTest(l protocol.Test) {
	l.Header = a.header(protocol.TypeTest)
	a.out.control(l)
}

func (a *agent) writeStats(att *attached, started time.Time) {
	a.out.control(protocol.Stats{Header: a.header(protocol.TypeStats), UptimeMs: time.Since(started).Milliseconds(), Probes: a.probeStats(att), Written: a.out.written.Load()})
}

// probeStats counts, per attached probe, events and losses (kernel and agent side) and,
// when the run has them on, the kernel's run-time statistics. Without them the kernel may
// still count (another process can turn them on for everyone), but a figure that depends
// on someone else is left out rather than reported.
func (a *agent) probeStats(att *attached) map[string]protocol.ProbeStats {
	m := map[string]protocol.ProbeStats{}
	for _, p := range att.set.Probes {
		ev, lost := p.Counters()
		ps := protocol.ProbeStats{Events: ev, Lost: lost, LostUser: a.out.lostUser[p.Name].Load()}
		if att.stats != nil {
			n, ns := p.RunStats()
			ps.RunTime = &protocol.RunTime{RunCount: n, RunNs: ns}
			if n > 0 {
				ps.AvgNs = ns / n
			}
		}
		m[p.Name] = ps
	}
	a.rulesStats(att.rules, m)
	return m
}

// finish ends a stopped run. Running active tests end first (their done lines come before
// bye) while the probes still watch; then the probes detach so nothing new arrives, the
// readers drain what the ring buffers still hold, and bye carries the final counts.
func (a *agent) finish(att *attached, active *activeTests, readers *sync.WaitGroup, reason string) {
	active.stop()
	if att.rules != nil {
		att.rules.Close() // its table goes first: nothing of the agent stays in the ruleset
	}
	for _, p := range att.set.Probes {
		p.Detach()
		if p.Reader != nil {
			_ = p.Reader.Flush()
		}
	}
	readers.Wait()
	final := a.probeStats(att)
	att.set.Close()
	a.out.control(protocol.Bye{Header: a.header(protocol.TypeBye), Reason: reason, Probes: final})
	a.out.close()
}
