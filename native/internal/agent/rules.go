package agent

import (
	"slices"

	"pathlight.dev/native/internal/filter"
	"pathlight.dev/native/internal/protocol"
	"pathlight.dev/native/internal/rules"
)

// withoutRules is the probes list minus the rules probe, which is not a BPF program
// (internal/rules) and so not loaded by probes.Load.
func withoutRules(names []string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == protocol.RulesProbe })
}

// startRules starts the rules probe when it was asked for. Its lines go out like any
// probe's events; a failure makes it unavailable, not the run.
func (a *agent) startRules(f filter.Set) (*rules.Tracer, *protocol.ProbeStatus) {
	if !slices.Contains(a.opts.Probes, protocol.RulesProbe) {
		return nil, nil
	}
	tr, err := rules.Start(rules.Options{Filters: f, Emit: func(l protocol.Rule) {
		ts := l.TS
		l.Header = a.header(protocol.TypeRule)
		if ts != 0 {
			l.TS = ts
		}
		a.out.event(protocol.RulesProbe, l)
	}})
	if err != nil {
		return nil, &protocol.ProbeStatus{Name: protocol.RulesProbe, State: protocol.ProbeUnavailable, Detail: err.Error()}
	}
	st := &protocol.ProbeStatus{Name: protocol.RulesProbe, State: protocol.ProbeAttached, Attach: "nftrace/inet " + tr.Table()}
	if tr.Degraded != "" {
		st.State, st.Detail = protocol.ProbeDegraded, tr.Degraded
	}
	return tr, st
}

// rulesStats adds the rules probe's counts: drops named, and trace messages the kernel
// could not deliver (the netlink socket's buffer was full).
func (a *agent) rulesStats(tr *rules.Tracer, m map[string]protocol.ProbeStats) {
	if tr == nil {
		return
	}
	ev, lost := tr.Counters()
	m[protocol.RulesProbe] = protocol.ProbeStats{Events: ev, Lost: lost, LostUser: a.out.lostUser[protocol.RulesProbe].Load()}
}
