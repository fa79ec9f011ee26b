package agent

import (
	"pathlight.dev/native/internal/probes"
	"pathlight.dev/native/internal/protocol"
)

// dropDecoder decodes the drops probe's records: a packet the kernel freed as dropped,
// with its reason named from the running kernel and its call site from /proc/kallsyms.
type dropDecoder struct{ env decodeEnv }

func (d *dropDecoder) decode(record []byte) (any, bool) {
	e, ok := eventOf[probes.DropEvent](record)
	if !ok {
		return nil, false
	}
	return d.line(e), true
}

func (d *dropDecoder) line(e *probes.DropEvent) protocol.Drop {
	out := protocol.Drop{
		Header:    d.env.header(protocol.TypeDrop, e.TsNs),
		Endpoints: endpoints(e.Netns, e.T.Family, e.T.Proto, e.T.Saddr, e.T.Daddr, e.T.Sport, e.T.Dport),
		Ifindex:   e.Ifindex, ReasonCode: e.Reason, HasReason: e.HasReason != 0,
		Location: d.env.syms.Resolve(e.Location), Proc: d.env.proc(e.Proc),
	}
	if out.HasReason {
		out.Reason, out.Subsystem = d.env.reasons.Name(e.Reason)
	} else {
		out.Reason = "UNKNOWN"
	}
	return out
}
