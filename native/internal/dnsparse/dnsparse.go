// Package dnsparse decodes the DNS messages the dns probe copies out of the kernel, with
// golang.org/x/net/dns/dnsmessage. A cut or broken message yields what could be read and
// says what could not.
package dnsparse

import (
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/net/dns/dnsmessage"
)

// Message is what the agent reports of one DNS message.
type Message struct {
	ID        uint16
	Response  bool
	Rcode     string
	Qname     string
	Qtype     string
	Answers   []Answer
	Malformed string
}

// Answer is one A, AAAA or CNAME record.
type Answer struct {
	Name, Type, Data string
	TTL              uint32
}

// Rcode names (RFC 1035 §4.1.1, RFC 2136, IANA "DNS RCODEs"); the header holds 4 bits.
var rcodes = [...]string{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI"}

// RcodeName names a response code.
func RcodeName(c dnsmessage.RCode) string {
	if int(c) < len(rcodes) {
		return rcodes[c]
	}
	return fmt.Sprintf("RCODE%d", c)
}

// TypeName names a record type as DNS tools print it (A, AAAA, SRV…).
func TypeName(t dnsmessage.Type) string {
	s := t.String()
	if strings.HasPrefix(s, "Type") {
		return s[4:]
	}
	return fmt.Sprintf("TYPE%d", t) // RFC 3597 notation for unnamed types
}

// Parse decodes a message. The header must be complete (12 bytes); everything after it is
// best effort.
func Parse(b []byte) (Message, error) {
	var p dnsmessage.Parser
	h, err := p.Start(b)
	if err != nil {
		return Message{}, fmt.Errorf("not a DNS message: %w", err)
	}
	m := Message{ID: h.ID, Response: h.Response}
	if h.Response {
		m.Rcode = RcodeName(h.RCode)
	}
	q, err := p.Question()
	if err == dnsmessage.ErrSectionDone {
		return m, nil
	}
	if err != nil {
		m.Malformed = fmt.Sprintf("question: %v", err)
		return m, nil
	}
	m.Qname, m.Qtype = q.Name.String(), TypeName(q.Type)
	if !h.Response {
		return m, nil
	}
	if err := p.SkipAllQuestions(); err != nil {
		m.Malformed = fmt.Sprintf("questions: %v", err)
		return m, nil
	}
	for i := 1; ; i++ {
		rh, err := p.AnswerHeader()
		if err == dnsmessage.ErrSectionDone {
			break
		}
		if err != nil {
			m.Malformed = fmt.Sprintf("answer %d: %v", i, err)
			break
		}
		a := Answer{Name: rh.Name.String(), Type: TypeName(rh.Type), TTL: rh.TTL}
		switch rh.Type {
		case dnsmessage.TypeA:
			r, err := p.AResource()
			if err != nil {
				m.Malformed = fmt.Sprintf("answer %d: %v", i, err)
				return m, nil
			}
			a.Data = netip.AddrFrom4(r.A).String()
		case dnsmessage.TypeAAAA:
			r, err := p.AAAAResource()
			if err != nil {
				m.Malformed = fmt.Sprintf("answer %d: %v", i, err)
				return m, nil
			}
			a.Data = netip.AddrFrom16(r.AAAA).String()
		case dnsmessage.TypeCNAME:
			r, err := p.CNAMEResource()
			if err != nil {
				m.Malformed = fmt.Sprintf("answer %d: %v", i, err)
				return m, nil
			}
			a.Data = r.CNAME.String()
		default:
			if err := p.SkipAnswer(); err != nil {
				m.Malformed = fmt.Sprintf("answer %d: %v", i, err)
				return m, nil
			}
			continue
		}
		m.Answers = append(m.Answers, a)
	}
	return m, nil
}
