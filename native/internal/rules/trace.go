package rules

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// traceEvent is one NFT_MSG_TRACE message: the kernel sends one per rule that matched with
// a verdict (or continued), per chain return and per base-chain policy applied, for every
// packet whose nftrace bit is set (net/netfilter/nf_tables_trace.c).
type traceEvent struct {
	family  uint8 // nfgenmsg family: NFPROTO_IPV4, _IPV6, _INET, …
	table   string
	chain   string
	handle  uint64 // rule handle; 0 for a policy or a return
	typ     uint32 // NFT_TRACETYPE_*
	verdict int32  // NF_DROP, NF_ACCEPT, NFT_JUMP, …
	target  string // the chain of a jump or goto
	id      uint32 // the same for every event of one packet (a hash of the skb)
	policy  uint32 // NFTA_TRACE_POLICY: the base chain's policy, for TRACETYPE_POLICY
	nfproto uint8  // the packet's protocol family, where the table is inet
	iif     uint32
	oif     uint32
	// The packet's headers, only on the first event of a packet in one hook: the kernel
	// dumps them once per nft_do_chain run.
	network   []byte
	transport []byte
}

// decodeTrace parses the attributes of an NFT_MSG_TRACE message (after nfgenmsg).
func decodeTrace(data []byte) (traceEvent, error) {
	var ev traceEvent
	if len(data) < 4 {
		return ev, errors.New("trace message shorter than nfgenmsg")
	}
	ev.family = data[0]
	ad, err := netlink.NewAttributeDecoder(data[4:])
	if err != nil {
		return ev, err
	}
	ad.ByteOrder = binary.BigEndian
	for ad.Next() {
		switch ad.Type() {
		case unix.NFTA_TRACE_TABLE:
			ev.table = ad.String()
		case unix.NFTA_TRACE_CHAIN:
			ev.chain = ad.String()
		case unix.NFTA_TRACE_RULE_HANDLE:
			ev.handle = ad.Uint64()
		case unix.NFTA_TRACE_TYPE:
			ev.typ = ad.Uint32()
		case unix.NFTA_TRACE_ID:
			ev.id = ad.Uint32()
		case unix.NFTA_TRACE_POLICY:
			ev.policy = ad.Uint32()
		case unix.NFTA_TRACE_NFPROTO:
			ev.nfproto = uint8(ad.Uint32())
		case unix.NFTA_TRACE_IIF:
			ev.iif = ad.Uint32()
		case unix.NFTA_TRACE_OIF:
			ev.oif = ad.Uint32()
		case unix.NFTA_TRACE_NETWORK_HEADER:
			ev.network = ad.Bytes()
		case unix.NFTA_TRACE_TRANSPORT_HEADER:
			ev.transport = ad.Bytes()
		case unix.NFTA_TRACE_VERDICT:
			ad.Nested(func(nd *netlink.AttributeDecoder) error {
				for nd.Next() {
					switch nd.Type() {
					case unix.NFTA_VERDICT_CODE:
						ev.verdict = int32(nd.Uint32())
					case unix.NFTA_VERDICT_CHAIN:
						ev.target = nd.String()
					}
				}
				return nil
			})
		}
	}
	if err := ad.Err(); err != nil {
		return ev, fmt.Errorf("trace attributes: %w", err)
	}
	return ev, nil
}

// packet is the 5-tuple read from the headers a trace event carries.
type packet struct {
	family       int // 4 or 6
	proto        uint8
	src, dst     netip.Addr
	sport, dport uint16
}

// parsePacket reads the 5-tuple from the network and transport headers of a trace event.
func parsePacket(network, transport []byte) (packet, bool) {
	var p packet
	if len(network) < 1 {
		return p, false
	}
	switch network[0] >> 4 {
	case 4:
		if len(network) < 20 {
			return p, false
		}
		p.family, p.proto = 4, network[9]
		p.src = netip.AddrFrom4([4]byte(network[12:16]))
		p.dst = netip.AddrFrom4([4]byte(network[16:20]))
	case 6:
		if len(network) < 40 {
			return p, false
		}
		// The next header only; an extension header leaves the ports unknown.
		p.family, p.proto = 6, network[6]
		p.src = netip.AddrFrom16([16]byte(network[8:24]))
		p.dst = netip.AddrFrom16([16]byte(network[24:40]))
	default:
		return p, false
	}
	switch p.proto {
	case unix.IPPROTO_TCP, unix.IPPROTO_UDP, unix.IPPROTO_SCTP, unix.IPPROTO_UDPLITE:
		if len(transport) >= 4 {
			p.sport = binary.BigEndian.Uint16(transport[0:2])
			p.dport = binary.BigEndian.Uint16(transport[2:4])
		}
	}
	return p, true
}

// Verdict names, as nft prints them.
const (
	VerdictDrop     = "drop"
	VerdictReject   = "reject" // a drop by a rule that also answers (ICMP error or TCP RST)
	VerdictAccept   = "accept"
	VerdictJump     = "jump"
	VerdictGoto     = "goto"
	VerdictReturn   = "return"
	VerdictContinue = "continue"
	VerdictQueue    = "queue"
	VerdictStolen   = "stolen"
)

// Netfilter verdicts (include/uapi/linux/netfilter.h); x/sys/unix does not define them.
const (
	nfDrop   = 0
	nfAccept = 1
	nfStolen = 2
	nfQueue  = 3
)

func verdictName(v int32) string {
	switch v {
	case nfDrop:
		return VerdictDrop
	case nfAccept:
		return VerdictAccept
	case nfStolen:
		return VerdictStolen
	case nfQueue:
		return VerdictQueue
	case unix.NFT_JUMP:
		return VerdictJump
	case unix.NFT_GOTO:
		return VerdictGoto
	case unix.NFT_RETURN:
		return VerdictReturn
	case unix.NFT_CONTINUE, unix.NFT_BREAK:
		return VerdictContinue
	}
	// NF_QUEUE carries the queue number in the upper bits.
	if v&0xff == nfQueue {
		return VerdictQueue
	}
	return fmt.Sprintf("verdict-%d", v)
}

// familyName is the nft family keyword of an nfgenmsg family.
func familyName(f uint8) string {
	switch f {
	case unix.NFPROTO_IPV4:
		return "ip"
	case unix.NFPROTO_IPV6:
		return "ip6"
	case unix.NFPROTO_INET:
		return "inet"
	case unix.NFPROTO_ARP:
		return "arp"
	case unix.NFPROTO_BRIDGE:
		return "bridge"
	case unix.NFPROTO_NETDEV:
		return "netdev"
	}
	return fmt.Sprint(f)
}

// familyByName is the nfgenmsg family of an nft family keyword (the inverse of familyName).
func familyByName(s string) uint8 {
	for _, f := range []uint8{unix.NFPROTO_IPV4, unix.NFPROTO_IPV6, unix.NFPROTO_INET, unix.NFPROTO_ARP, unix.NFPROTO_BRIDGE, unix.NFPROTO_NETDEV} {
		if familyName(f) == s {
			return f
		}
	}
	return 0
}
