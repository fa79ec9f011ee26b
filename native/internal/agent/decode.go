package agent

import (
	"net/netip"
	"unsafe"

	"pathlight.dev/native/internal/filter"
	"pathlight.dev/native/internal/kernel"
	"pathlight.dev/native/internal/protocol"
)

// Each probe that sends records decodes them itself, in its own file (decode_<probe>.go):
// the kernel's event struct, as bpf2go generated it, becomes the probe's protocol line. A
// new probe adds that file and its line in decoders.

// recordDecoder turns one probe's ring-buffer records into protocol lines. Only the
// probe's reader goroutine calls it, so a decoder may keep state (the dns query table).
type recordDecoder interface {
	// decode returns the line for one record; ok is false when the record makes no line
	// (shorter than the probe's event struct, or a datagram that is not DNS).
	decode(record []byte) (line any, ok bool)
}

// decoders make each probe's decoder, by probe name. A probe without one (baseline) sends
// no records.
var decoders = map[string]func(decodeEnv) recordDecoder{
	"drops": func(env decodeEnv) recordDecoder { return &dropDecoder{env} },
	"dns":   func(env decodeEnv) recordDecoder { return newDNSDecoder(env) },
	"tcp":   func(env decodeEnv) recordDecoder { return &tcpDecoder{env} },
	"http":  func(env decodeEnv) recordDecoder { return newHTTPDecoder(env) },
}

// recordless probes send no records: proc's programs fill maps that the other probes read
// for their events.
var recordless = map[string]bool{"proc": true}

// decodeEnv is what the decoders draw on: the node and the clock for each line's header,
// the running kernel's drop-reason names and symbols.
type decodeEnv struct {
	node    string
	clock   Clock
	reasons *kernel.DropReasons
	syms    *kernel.Symbols
	cgroups *cgroupNames // names of the processes' cgroups (probe proc)
}

// header stamps a line with the node and the wall-clock time of the kernel's timestamp.
func (env decodeEnv) header(t string, mono uint64) protocol.Header {
	return protocol.Header{V: protocol.Version, Type: t, TS: env.clock.Wall(mono), Node: env.node}
}

// eventOf reads a record in place as the kernel's event struct E; ok is false when the
// record is too short to hold one. The result points into the record: use it before the
// next read of the ring buffer.
func eventOf[E any](record []byte) (e *E, ok bool) {
	if len(record) < int(unsafe.Sizeof(*e)) {
		return nil, false
	}
	return (*E)(unsafe.Pointer(&record[0])), true
}

func addr(b [16]byte, family uint8) string {
	a := netip.AddrFrom16(b)
	if family == 4 {
		a = a.Unmap()
	}
	return a.String()
}

func endpoints(netns uint32, family, proto uint8, saddr, daddr [16]byte, sport, dport uint16) protocol.Endpoints {
	return protocol.Endpoints{
		Netns: netns, Proto: filter.ProtoName(proto), Family: int(family),
		Src: addr(saddr, family), Sport: sport, Dst: addr(daddr, family), Dport: dport,
	}
}
