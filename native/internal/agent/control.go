package agent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"pathlight.dev/native/internal/filter"
	"pathlight.dev/native/internal/probes"
	"pathlight.dev/native/internal/protocol"
	"pathlight.dev/native/internal/rules"
)

// controller applies the control lines read on stdin, one at a time on the control
// goroutine: filters replaces the in-kernel filters, test starts an active test, stop
// ends the run.
type controller struct {
	a       *agent
	set     *probes.Set
	rules   *rules.Tracer // nil without the rules probe
	stopper *stopper
	active  *activeTests
	filters filter.Set // in force: a filters line without notSpecified keeps its value
}

func (c *controller) handle(typ string, line []byte) {
	switch typ {
	case "stop":
		c.stopper.stop(protocol.ByeStop)
	case "test":
		c.test(line)
	case "filters":
		c.setFilters(line)
	default:
		c.bad(fmt.Sprintf("unknown control type %q (expected \"filters\", \"test\" or \"stop\")", typ))
	}
}

// bad reports a control line the agent could not act on; the run goes on.
func (c *controller) bad(msg string) {
	c.a.out.control(protocol.Error{Header: c.a.header(protocol.TypeError), Code: protocol.ErrBadControl, Message: msg})
}

// test starts an active test; its lines, the done line too, come from activeTests.
func (c *controller) test(line []byte) {
	var r protocol.TestRequest
	if err := json.Unmarshal(line, &r); err != nil {
		c.bad(fmt.Sprintf("test line not understood (%v); expected e.g. {\"type\":\"test\",\"id\":\"t1\",\"fromIp\":\"10.244.0.5\",\"connect\":\"10.96.0.10:53\",\"proto\":\"udp\"}", err))
	} else if err := c.active.start(r); err != nil {
		c.bad(err.Error())
	}
}

// setFilters replaces the filters of every probe and acknowledges the new ones; on any
// problem the filters stay as they were.
func (c *controller) setFilters(line []byte) {
	var l protocol.Control
	if err := json.Unmarshal(line, &l); err != nil {
		c.bad(fmt.Sprintf("filters line not understood (%v); expected e.g. {\"type\":\"filters\",\"port\":[53]}", err))
		return
	}
	f, err := filter.Build(l.Netns, l.CIDR, portStrings(l.Port), l.Proto, c.filters.NotSpecified)
	if err == nil && l.NotSpecified != nil {
		f.NotSpecified = *l.NotSpecified
	}
	if err == nil {
		err = c.set.SetFilters(f)
	}
	if err == nil && c.rules != nil {
		err = c.rules.SetFilters(f)
	}
	if err != nil {
		c.bad("filters not changed: " + err.Error())
		return
	}
	c.filters = f
	c.a.out.control(protocol.FiltersAck{Header: c.a.header(protocol.TypeFilters), Filters: ackFilters(f)})
}

func portStrings(p []uint16) []string {
	out := make([]string, len(p))
	for i, v := range p {
		out[i] = fmt.Sprint(v)
	}
	return out
}

func ackFilters(f filter.Set) protocol.Filters {
	ns, cidr, ports, protos := f.Strings()
	return protocol.Filters{Netns: ns, CIDR: cidr, Port: ports, Proto: protos, NotSpecified: f.NotSpecified}
}

// controlLoop reads JSON control lines until EOF, which stops the agent: the transport
// (ssh channel, exec stream) closing is how a vanished app is noticed.
// Each line is handed over with its type; the handler decodes the rest for that type (a
// test line's proto is a string, a filters line's a list).
func controlLoop(r io.Reader, st *stopper, handle func(typ string, line []byte), bad func(string)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var c struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(line, &c); err != nil {
			bad(fmt.Sprintf("control line is not valid JSON (%v); expected e.g. {\"type\":\"filters\",\"port\":[53]} or {\"type\":\"stop\"}", err))
			continue
		}
		handle(c.Type, line)
	}
	st.stop(protocol.ByeStdinClosed)
}
