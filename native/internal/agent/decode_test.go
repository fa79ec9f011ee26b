package agent

import (
	"testing"
	"unsafe"

	"pathlight.dev/native/internal/probes"
	"pathlight.dev/native/internal/protocol"
)

// A probe without a decoder would attach and count its events, but none would reach stdout.
func TestEveryProbeHasADecoder(t *testing.T) {
	for _, name := range protocol.ProbeNames {
		if decoders[name] == nil && !recordless[name] {
			t.Errorf("probe %q has no decoder in decoders", name)
		}
	}
}

// A ring-buffer record is read as the probe's event struct; a record shorter than that
// makes no line.
func TestDecodeRecord(t *testing.T) {
	d := decoders["tcp"](decodeEnv{node: "n"})
	e := probes.TCPEvent{Kind: probes.TCPRefused, State: 2, Err: 111}
	e.T.Family, e.T.Proto, e.T.Daddr, e.T.Dport = 4, 6, v4(10, 96, 0, 12), 8080
	record := unsafe.Slice((*byte)(unsafe.Pointer(&e)), unsafe.Sizeof(e))
	line, ok := d.decode(record)
	got, isTCP := line.(protocol.TCP)
	if !ok || !isTCP || got.Type != protocol.TypeTCP || got.Event != protocol.TCPRefused || got.Errno != "ECONNREFUSED" || got.Dst != "10.96.0.12" || got.Dport != 8080 {
		t.Fatalf("%v %+v", ok, line)
	}
	if line, ok := d.decode(record[:len(record)-1]); ok {
		t.Fatalf("a short record made a line: %+v", line)
	}
}
