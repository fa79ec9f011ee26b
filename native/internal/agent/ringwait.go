package agent

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/cilium/ebpf"
)

// ringWaiter waits for a ring buffer's wakeups in the Go runtime's network poller, not in a
// blocking epoll_wait of its own as ringbuf.Reader does. A goroutine blocked in a system call
// keeps the runtime's monitor thread (sysmon) busy: it takes the processor back from the
// call, then polls every 20 µs for the next millisecond, and so again after each wakeup: on
// the lab's ~120–150 events/s that cost an idle agent 17–28 ms of CPU per second (perf:
// mostly sysmon's nanosleep); 13–15 ms with no events at all. Parked in the poller, an idle reader costs nothing until the kernel
// wakes it. The records are still read with ringbuf.Reader, with a deadline in the past, so
// that it only takes what is there and never blocks.
//
// Where the poller cannot take the descriptor (not seen on Linux, which polls ring buffers
// since they exist), the waiter sleeps pollInterval at a time instead: late and costly, but
// every record still arrives.
type ringWaiter struct {
	f  *os.File
	rc syscall.RawConn
	// fallback only: closed by close
	done chan struct{}
	once sync.Once
}

// newRingWaiterOrSleeper returns the poller's waiter, or the sleeping one and why.
func newRingWaiterOrSleeper(ring *ebpf.Map) (*ringWaiter, error) {
	w, err := newRingWaiter(ring)
	if err != nil {
		return &ringWaiter{done: make(chan struct{})}, err
	}
	return w, nil
}

func newRingWaiter(ring *ebpf.Map) (*ringWaiter, error) {
	// A duplicate of the map's descriptor, non-blocking so that os.NewFile hands it to the
	// poller (edge-triggered: the ring buffer's poll reports data waiting; each wakeup by a
	// program is an edge).
	fd, err := syscall.Dup(ring.FD())
	if err != nil {
		return nil, fmt.Errorf("dup ring buffer: %w", err)
	}
	syscall.CloseOnExec(fd)
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("ring buffer non-blocking: %w", err)
	}
	f := os.NewFile(uintptr(fd), "ringbuf")
	rc, err := f.SyscallConn()
	if err == nil {
		err = f.SetReadDeadline(time.Time{}) // fails when the poller did not take the descriptor
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("ring buffer in the poller: %w", err)
	}
	return &ringWaiter{f: f, rc: rc}, nil
}

// wait returns when the kernel wakes the reader, at the deadline (zero: none), or when the
// waiter is closed (closed is then true). ready is asked first, after the poller has
// forgotten the edges that came before (os.File's raw Read resets them): when it says
// there is something to read, wait returns at once.
func (w *ringWaiter) wait(deadline time.Time, ready func() bool) (closed bool) {
	if w.f == nil {
		t := time.NewTimer(min(time.Until(deadline), pollInterval))
		defer t.Stop()
		select {
		case <-t.C:
			return false
		case <-w.done:
			return true
		}
	}
	if err := w.f.SetReadDeadline(deadline); err != nil {
		return errors.Is(err, os.ErrClosed)
	}
	first := true
	err := w.rc.Read(func(uintptr) bool {
		// Called once before waiting and again after each wakeup: an edge means the
		// kernel woke us, so return to read even if the data is gone.
		if first {
			first = false
			return ready()
		}
		return true
	})
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}

// close makes a wait in progress, and every later one, return closed.
func (w *ringWaiter) close() {
	if w.f == nil {
		w.once.Do(func() { close(w.done) })
		return
	}
	_ = w.f.Close()
}
