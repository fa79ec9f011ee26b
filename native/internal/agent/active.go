package agent

import (
	"context"
	"fmt"
	"sync"

	"pathlight.dev/native/internal/activetest"
	"pathlight.dev/native/internal/protocol"
)

// maxActiveTests bounds the active tests running at once: each holds an OS thread.
const maxActiveTests = 4

// activeTests runs the active tests asked for by test control lines (a DNS lookup and a
// connection from inside a pod's network namespace), beside the probes, which see the
// traffic they generate.
type activeTests struct {
	tester  *activetest.Tester
	initErr error
	mu      sync.Mutex // orders start's wg.Add before stop's Wait
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	slots   chan struct{}
	emit    func(protocol.Test)
}

// newActiveTests must run before any test thread exists: it reads the agent's own namespace.
func newActiveTests(emit func(protocol.Test)) *activeTests {
	t := &activeTests{slots: make(chan struct{}, maxActiveTests), emit: emit}
	t.tester, t.initErr = activetest.New()
	t.ctx, t.cancel = context.WithCancel(context.Background())
	return t
}

// start validates a request and runs it on its own goroutine. A request without a usable
// id cannot be answered with test lines: the caller reports it as a bad-control error.
func (t *activeTests) start(r protocol.TestRequest) error {
	if !activetest.ValidID(r.ID) {
		return fmt.Errorf("test line without a usable id (1-%d characters): %q", activetest.MaxIDLength, r.ID)
	}
	fail := func(msg string) {
		t.emit(protocol.Test{ID: r.ID, Phase: protocol.TestDone, FromIP: r.FromIP, Outcome: protocol.OutcomeError, Error: msg})
	}
	spec, err := activetest.Parse(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.ctx.Err() != nil:
		return nil // stopping: output may be closed already, and bye says the agent is gone
	case err != nil:
		fail(err.Error())
		return nil
	case t.initErr != nil:
		fail(t.initErr.Error())
		return nil
	}
	select {
	case t.slots <- struct{}{}:
	default:
		fail(fmt.Sprintf("%d tests are already running: wait for a done line and send it again", maxActiveTests))
		return nil
	}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer func() { <-t.slots }()
		t.tester.Run(t.ctx, spec, t.emit)
	}()
	return nil
}

// stop cancels the running tests and waits for their done lines.
func (t *activeTests) stop() {
	t.mu.Lock()
	t.cancel()
	t.mu.Unlock()
	t.wg.Wait()
}
