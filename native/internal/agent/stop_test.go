package agent

import (
	"testing"
	"time"
)

// An agent told to stop always stops: a reader that does not return (faked here: a
// goroutine that ignores its waiter; seen once on the real kernel, cause unknown) is named,
// and stop returns after stopTimeout instead of waiting for it. Readers that return in time
// are not named.
func TestStopDoesNotWaitForeverForAReader(t *testing.T) {
	r := &readers{}
	never := make(chan struct{})
	t.Cleanup(func() { close(never) })
	for _, name := range []string{"dns", "http", "tcp"} {
		w := &ringWaiter{done: make(chan struct{})}
		done := make(chan struct{})
		r.waiters, r.names, r.done = append(r.waiters, w), append(r.names, name), append(r.done, done)
		go func() {
			defer close(done)
			if name == "http" {
				<-never // the stuck one
				return
			}
			<-w.done
		}()
	}
	start := time.Now()
	late := r.stop()
	if took := time.Since(start); took < stopTimeout || took > stopTimeout+2*time.Second {
		t.Errorf("stop took %v, want about %v", took, stopTimeout)
	}
	if len(late) != 1 || late[0] != "http" {
		t.Errorf("late readers %v, want [http]", late)
	}
}

// Without a stuck reader, stop returns as soon as every reader has.
func TestStopReturnsWhenReadersDo(t *testing.T) {
	r := &readers{}
	for _, name := range []string{"drops", "dns"} {
		w := &ringWaiter{done: make(chan struct{})}
		done := make(chan struct{})
		r.waiters, r.names, r.done = append(r.waiters, w), append(r.names, name), append(r.done, done)
		go func() { defer close(done); <-w.done }()
	}
	start := time.Now()
	if late := r.stop(); len(late) != 0 {
		t.Errorf("late readers %v, want none", late)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("stop took %v", took)
	}
}
