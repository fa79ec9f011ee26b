package kernel_test

import (
	"fmt"
	"net"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// dnsQuery sends one A query over UDP and prints the response code.
func dnsQuery(server, name string) int {
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 0x5151, RecursionDesired: true})
	_ = b.StartQuestions()
	_ = b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(name), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET})
	msg, _ := b.Finish()
	c, err := net.Dial("udp", net.JoinHostPort(server, "53"))
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write(msg); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	buf := make([]byte, 1500)
	n, err := c.Read(buf)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	var p dnsmessage.Parser
	h, err := p.Start(buf[:n])
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println(h.RCode)
	return 0
}
