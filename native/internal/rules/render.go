package rules

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"

	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
)

// render writes a rule's expressions in (roughly) nft's syntax, for nodes without nft or
// iptables-nft-save (the pod transport's busybox): the common matches (addresses, ports,
// interfaces, protocol, conntrack state, set lookups), counters, xt matches and targets by
// name, the verdict and the comment. What it does not know it names by its kind, so the
// text never pretends to be complete: it is marked "(rendered by the agent)".
func render(exprs []expr.Any, comment string) string {
	var out []string
	var what string // what the last load put in the register
	var prefix = -1 // the mask of a bitwise after a payload load, as a prefix length
	for _, e := range exprs {
		switch e := e.(type) {
		case *expr.Meta:
			if e.SourceRegister {
				out = append(out, "meta "+metaName(e.Key)+" set")
				continue
			}
			what, prefix = "meta "+metaName(e.Key), -1
			switch e.Key {
			case expr.MetaKeyIIFNAME:
				what = "iifname"
			case expr.MetaKeyOIFNAME:
				what = "oifname"
			}
		case *expr.Payload:
			what, prefix = payloadName(e), -1
		case *expr.Ct:
			what, prefix = "ct "+ctName(e.Key), -1
		case *expr.Bitwise:
			prefix = maskBits(e.Mask)
		case *expr.Cmp:
			op := ""
			if e.Op == expr.CmpOpNeq {
				op = "!= "
			}
			v := value(what, e.Data)
			if prefix >= 0 && prefix < len(e.Data)*8 {
				v += "/" + strconv.Itoa(prefix)
			}
			out = append(out, strings.TrimSpace(what+" "+op+v))
		case *expr.Lookup:
			inv := ""
			if e.Invert {
				inv = "!= "
			}
			out = append(out, what+" "+inv+"@"+e.SetName)
		case *expr.Counter:
			out = append(out, "counter")
		case *expr.Limit:
			out = append(out, fmt.Sprintf("limit rate %d", e.Rate))
		case *expr.Match:
			if _, ok := e.Info.(*xt.Comment); !ok {
				out = append(out, "xt match "+e.Name)
			}
		case *expr.Target:
			out = append(out, "xt target "+e.Name)
		case *expr.Reject:
			out = append(out, "reject")
		case *expr.Verdict:
			out = append(out, verdictText(e))
		case *expr.Immediate:
			// the value a following statement (meta set, nat) uses
		default:
			out = append(out, strings.ToLower(strings.TrimPrefix(fmt.Sprintf("%T", e), "*expr.")))
		}
	}
	if comment != "" {
		out = append(out, "comment "+strconv.Quote(comment))
	}
	return strings.Join(out, " ") + " (rendered by the agent)"
}

func metaName(k expr.MetaKey) string {
	switch k {
	case expr.MetaKeyL4PROTO:
		return "l4proto"
	case expr.MetaKeyNFPROTO:
		return "nfproto"
	case expr.MetaKeyMARK:
		return "mark"
	case expr.MetaKeyIIFNAME:
		return "iifname"
	case expr.MetaKeyOIFNAME:
		return "oifname"
	case expr.MetaKeyNFTRACE:
		return "nftrace"
	}
	return "key" + strconv.Itoa(int(k))
}

func ctName(k expr.CtKey) string {
	if k == expr.CtKeySTATE {
		return "state"
	}
	return "key" + strconv.Itoa(int(k))
}

func payloadName(p *expr.Payload) string {
	switch p.Base {
	case expr.PayloadBaseNetworkHeader:
		switch {
		case p.Len == 4 && p.Offset == 12:
			return "ip saddr"
		case p.Len == 4 && p.Offset == 16:
			return "ip daddr"
		case p.Len == 1 && p.Offset == 9:
			return "ip protocol"
		case p.Len == 16 && p.Offset == 8:
			return "ip6 saddr"
		case p.Len == 16 && p.Offset == 24:
			return "ip6 daddr"
		}
	case expr.PayloadBaseTransportHeader:
		switch {
		case p.Len == 2 && p.Offset == 0:
			return "th sport"
		case p.Len == 2 && p.Offset == 2:
			return "th dport"
		}
	}
	return fmt.Sprintf("@payload(%d,%d,%d)", p.Base, p.Offset*8, p.Len*8)
}

// maskBits is the prefix length of a mask of leading ones, or -1.
func maskBits(m []byte) int {
	n := 0
	for i, b := range m {
		ones := bits.LeadingZeros8(^b)
		n += ones
		if ones < 8 {
			for _, r := range m[i+1:] {
				if r != 0 {
					return -1
				}
			}
			if b<<ones != 0 {
				return -1
			}
			return n
		}
	}
	return n
}

var protoNums = map[byte]string{1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6", 132: "sctp"}

func value(what string, d []byte) string {
	switch {
	case what == "iifname" || what == "oifname":
		return strconv.Quote(strings.TrimRight(string(d), "\x00"))
	case what == "meta l4proto" || what == "ip protocol":
		if len(d) == 1 && protoNums[d[0]] != "" {
			return protoNums[d[0]]
		}
	case what == "meta nfproto" && len(d) == 1:
		switch d[0] {
		case 2:
			return "ipv4"
		case 10:
			return "ipv6"
		}
	case len(d) == 4 && strings.HasPrefix(what, "ip "):
		return netip.AddrFrom4([4]byte(d)).String()
	case len(d) == 16 && strings.HasPrefix(what, "ip6 "):
		return netip.AddrFrom16([16]byte(d)).String()
	case len(d) == 2 && strings.HasPrefix(what, "th "):
		return strconv.Itoa(int(binary.BigEndian.Uint16(d)))
	}
	return fmt.Sprintf("0x%x", d)
}

func verdictText(v *expr.Verdict) string {
	switch v.Kind {
	case expr.VerdictAccept:
		return "accept"
	case expr.VerdictDrop:
		return "drop"
	case expr.VerdictReturn:
		return "return"
	case expr.VerdictJump:
		return "jump " + v.Chain
	case expr.VerdictGoto:
		return "goto " + v.Chain
	}
	return fmt.Sprintf("verdict %d", v.Kind)
}
