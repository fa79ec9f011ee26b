package agent

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
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
func (a *agent) startReaders(att *attached) *readers {
	env := decodeEnv{node: a.opts.Node, clock: a.clock, reasons: att.reasons, syms: att.syms, cgroups: newCgroupNames(att.set.CgroupNames())}
	readers := &readers{}
	for _, p := range att.set.Probes {
		newDecoder := decoders[p.Name]
		if p.Reader == nil || newDecoder == nil {
			continue // the baseline probe emits nothing
		}
		w, err := newRingWaiterOrSleeper(p.Ring)
		if err != nil {
			a.out.control(protocol.Error{Header: a.header(protocol.TypeError), Code: protocol.ErrInternal, Probe: p.Name,
				Message: err.Error() + ": reading this probe's events every " + pollInterval.String() + " instead, at a higher CPU cost"})
		}
		readers.waiters = append(readers.waiters, w)
		readers.names = append(readers.names, p.Name)
		done := make(chan struct{})
		readers.done = append(readers.done, done)
		go func(p *probes.Probe, dec recordDecoder) {
			defer close(done)
			read(p, w, dec, a.out)
		}(p, newDecoder(env))
	}
	return readers
}

// readers are the ring-buffer readers of a run: per probe, its waiter, its name, and a
// channel closed when its reader has returned.
type readers struct {
	waiters []*ringWaiter
	names   []string
	done    []chan struct{}
}

// stopTimeout bounds how long the agent waits, once stopped, for its readers to take what the
// ring buffers still hold (each reads at most what was there when it was told: a few ms).
const stopTimeout = 3 * time.Second

// stop makes every reader read what its ring buffer still holds and return, and waits for
// them, at most stopTimeout in all: an agent told to stop always stops. It returns the probes
// whose reader had not returned by then (their last records are lost; the caller says so).
func (r *readers) stop() (late []string) {
	for _, w := range r.waiters {
		w.close()
	}
	deadline := time.NewTimer(stopTimeout)
	defer deadline.Stop()
	for _, done := range r.done {
		select {
		case <-done:
		case <-deadline.C:
			for j, d := range r.done {
				select {
				case <-d:
				default:
					late = append(late, r.names[j])
				}
			}
			return late
		}
	}
	return nil
}

// pollInterval bounds how late an event reaches stdout once the reader is awake. It matches
// PL_WAKEUP_NS in bpf/common.bpf.h: a program wakes the reader for the first event after a
// quiet spell of that length, or when 64 KiB are waiting, and never otherwise.
const pollInterval = 100 * time.Millisecond

// wakeupBytes is PL_WAKEUP_BYTES (bpf/common.bpf.h): a program wakes the reader when this
// much is waiting, whenever the last wakeup was.
const wakeupBytes = 64 * 1024

// idleTimeout bounds the wait of a reader that found nothing in its last pollInterval. The
// kernel wakes it for the next event, so this is only a safety net for a wakeup lost to a
// race (a program that woke the reader for a record the reader had already taken): an idle
// agent that polled every pollInterval cost ~25 ms of CPU per second on a 2-core VM
// (bench/probe), taken from the traffic it watches.
const idleTimeout = time.Second

// read decodes one probe's ring buffer until its waiter is closed (finish), then reads what
// is left. Woken by the kernel, it reads everything waiting, then sleeps pollInterval (the
// records that came without a wakeup meanwhile are read after it), and after a sleep that
// brought nothing it waits for the next wakeup.
func read(p *probes.Probe, w *ringWaiter, dec recordDecoder, out *output) {
	var rec ringbuf.Record
	awake := false
	// Before it sleeps, a reader checks for what the wakeup it may have missed while it
	// read was about (the poller forgets an edge that came before the wait): awake, 64 KiB
	// waiting; idle, anything at all.
	full := func() bool { return p.Reader.AvailableBytes() >= wakeupBytes }
	some := func() bool { return p.Reader.AvailableBytes() > 0 }
	for {
		var closed bool
		if awake {
			closed = w.wait(time.Now().Add(pollInterval), full)
		} else {
			closed = w.wait(time.Now().Add(idleTimeout), some)
		}
		if closed {
			// What the ring buffer holds now, and no more: the programs are detached, but a
			// reader must return even if records kept coming.
			drain(p, &rec, dec, out, recordsIn(p.Reader.AvailableBytes()))
			return
		}
		awake = drain(p, &rec, dec, out, recordsIn(p.Reader.BufferSize())) > 0
	}
}

// recordsIn is the most records n bytes of a ring buffer can hold (an 8-byte header and at
// least 8 bytes of data each), and one more for a record committed meanwhile.
func recordsIn(n int) int {
	return n/16 + 1
}

// drain decodes the records the ring buffer holds now, at most max of them, and returns how
// many there were. A deadline in the past makes ringbuf.Reader read without waiting. The
// bound keeps a reader that producers outpace returning to its waiter, where it learns that
// the run is over.
func drain(p *probes.Probe, rec *ringbuf.Record, dec recordDecoder, out *output, max int) int {
	p.Reader.SetDeadline(time.Unix(1, 0))
	n := 0
	for n < max && p.Reader.ReadInto(rec) == nil {
		n++
		if line, ok := dec.decode(rec.RawSample); ok {
			if many, isMany := line.([]any); isMany { // a segment with several messages (http)
				for _, l := range many {
					out.event(p.Name, l)
				}
			} else {
				out.event(p.Name, line)
			}
		}
	}
	return n
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
func (a *agent) finish(att *attached, active *activeTests, readers *readers, reason string) {
	active.stop()
	if att.rules != nil {
		att.rules.Close() // its table goes first: nothing of the agent stays in the ruleset
	}
	for _, p := range att.set.Probes {
		p.Detach()
	}
	late := readers.stop()
	if len(late) > 0 {
		a.out.control(protocol.Error{Header: a.header(protocol.TypeError), Code: protocol.ErrInternal, Probe: strings.Join(late, ","),
			Message: "the reader of these probes did not finish taking their last events within " + stopTimeout.String() + "; stopping without them"})
	}
	final := a.probeStats(att)
	if len(late) == 0 {
		// (With a reader still reading, closing its ring buffer would wait for it: the
		// process's exit releases everything instead.)
		att.set.Close()
	}
	a.out.control(protocol.Bye{Header: a.header(protocol.TypeBye), Reason: reason, Probes: final})
	a.out.close()
}
