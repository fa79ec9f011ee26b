package dnsparse

import (
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

func build(t *testing.T, h dnsmessage.Header, q dnsmessage.Question, answers ...dnsmessage.Resource) []byte {
	t.Helper()
	b := dnsmessage.NewBuilder(nil, h)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		t.Fatal(err)
	}
	if err := b.Question(q); err != nil {
		t.Fatal(err)
	}
	if err := b.StartAnswers(); err != nil {
		t.Fatal(err)
	}
	for _, a := range answers {
		var err error
		switch body := a.Body.(type) {
		case *dnsmessage.AResource:
			err = b.AResource(a.Header, *body)
		case *dnsmessage.AAAAResource:
			err = b.AAAAResource(a.Header, *body)
		case *dnsmessage.CNAMEResource:
			err = b.CNAMEResource(a.Header, *body)
		case *dnsmessage.TXTResource:
			err = b.TXTResource(a.Header, *body)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	out, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var name = dnsmessage.MustNewName("backend.shop.svc.cluster.local.")

func TestQuery(t *testing.T) {
	m, err := Parse(build(t, dnsmessage.Header{ID: 77}, dnsmessage.Question{Name: name, Type: dnsmessage.TypeAAAA, Class: dnsmessage.ClassINET}))
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != 77 || m.Response || m.Qname != name.String() || m.Qtype != "AAAA" || m.Rcode != "" {
		t.Fatalf("%+v", m)
	}
}

func TestResponseWithCNAMEChain(t *testing.T) {
	www := dnsmessage.MustNewName("www.shop.")
	raw := build(t, dnsmessage.Header{ID: 9, Response: true, RCode: dnsmessage.RCodeSuccess},
		dnsmessage.Question{Name: www, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET},
		dnsmessage.Resource{Header: dnsmessage.ResourceHeader{Name: www, Class: dnsmessage.ClassINET, TTL: 5}, Body: &dnsmessage.CNAMEResource{CNAME: name}},
		dnsmessage.Resource{Header: dnsmessage.ResourceHeader{Name: name, Class: dnsmessage.ClassINET, TTL: 30}, Body: &dnsmessage.AResource{A: [4]byte{10, 96, 0, 12}}},
		dnsmessage.Resource{Header: dnsmessage.ResourceHeader{Name: name, Class: dnsmessage.ClassINET, TTL: 30}, Body: &dnsmessage.TXTResource{TXT: []string{"skipped"}}},
		dnsmessage.Resource{Header: dnsmessage.ResourceHeader{Name: name, Class: dnsmessage.ClassINET, TTL: 30}, Body: &dnsmessage.AAAAResource{AAAA: [16]byte{0xfd, 15: 0x12}}},
	)
	m, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := []Answer{
		{Name: "www.shop.", Type: "CNAME", TTL: 5, Data: name.String()},
		{Name: name.String(), Type: "A", TTL: 30, Data: "10.96.0.12"},
		{Name: name.String(), Type: "AAAA", TTL: 30, Data: "fd00::12"},
	}
	if m.Rcode != "NOERROR" || len(m.Answers) != len(want) || m.Malformed != "" {
		t.Fatalf("%+v", m)
	}
	for i := range want {
		if m.Answers[i] != want[i] {
			t.Errorf("answer %d: %+v, want %+v", i, m.Answers[i], want[i])
		}
	}
	// A message cut by the probe's copy limit keeps the answers before the cut.
	cut, err := Parse(raw[:len(raw)-6])
	if err != nil {
		t.Fatal(err)
	}
	if len(cut.Answers) != 2 || cut.Malformed == "" {
		t.Fatalf("cut message: %+v", cut)
	}
}

func TestRcodes(t *testing.T) {
	for code, want := range map[dnsmessage.RCode]string{0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED", 15: "RCODE15"} {
		m, err := Parse(build(t, dnsmessage.Header{Response: true, RCode: code}, dnsmessage.Question{Name: name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}))
		if err != nil {
			t.Fatal(err)
		}
		if m.Rcode != want {
			t.Errorf("rcode %d: %q, want %q", code, m.Rcode, want)
		}
	}
}

func TestGarbage(t *testing.T) {
	if _, err := Parse([]byte{1, 2, 3}); err == nil {
		t.Fatal("3 bytes parsed as DNS")
	}
	m, err := Parse(build(t, dnsmessage.Header{ID: 1}, dnsmessage.Question{Name: name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET})[:14])
	if err != nil || m.Malformed == "" || m.ID != 1 {
		t.Fatalf("header-only message: %+v %v", m, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte{0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Parse(b) // must never panic
	})
}
