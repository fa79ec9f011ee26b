package agent

import (
	"time"

	"golang.org/x/sys/unix"
)

// Clock converts the kernel's CLOCK_MONOTONIC timestamps (bpf_ktime_get_ns) to wall-clock
// nanoseconds since the Unix epoch, using one offset measured at start.
type Clock struct {
	offset int64
}

// NewClock measures the offset between the wall clock and CLOCK_MONOTONIC.
func NewClock() Clock {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	wall := time.Now().UnixNano()
	return Clock{offset: wall - ts.Nano()}
}

// Wall converts a monotonic timestamp.
func (c Clock) Wall(mono uint64) int64 { return int64(mono) + c.offset }

// Now is the current wall-clock time in the protocol's unit.
func (c Clock) Now() int64 { return time.Now().UnixNano() }
