package rules

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"github.com/google/nftables/xt"
)

// ruleInfo is what the agent says about one rule of the node's ruleset.
type ruleInfo struct {
	position int    // 1-based, in its chain (iptables -L --line-numbers counts the same way)
	text     string // the rule as nft (or, for an iptables-nft table, iptables-save) prints it
	comment  string
	reject   bool // the rule answers the packet it drops (nft reject, iptables REJECT)
	iptables bool // text is in iptables-save syntax: the table is iptables-nft's
	rendered bool // text is the agent's own rendering (no nft or iptables-nft-save on the node)
	found    bool
}

// chainKey names one chain of the ruleset.
type chainKey struct {
	family uint8
	table  string
	chain  string
}

// chainRules is a chain's rules as read at one time.
type chainRules struct {
	read  time.Time
	rules map[uint64]ruleInfo
}

// resolver finds rules by handle, reading a chain again when a handle is not in what it
// read before (rules come and go: kube-proxy and kube-router rewrite theirs all the time).
type resolver struct {
	conn   *nftables.Conn
	cache  map[chainKey]*chainRules
	maxAge time.Duration
	// run runs an external command (nft, iptables-nft-save) and returns its output; tests
	// replace it.
	run func(name string, args ...string) ([]byte, error)
}

func newResolver(conn *nftables.Conn) *resolver {
	return &resolver{conn: conn, cache: map[chainKey]*chainRules{}, maxAge: 5 * time.Second, run: runCommand}
}

func runCommand(name string, args ...string) ([]byte, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, path, args...).Output()
}

func (r *resolver) lookup(k chainKey, handle uint64) ruleInfo {
	c := r.cache[k]
	if c != nil && time.Since(c.read) < r.maxAge {
		if info, ok := c.rules[handle]; ok {
			return info
		}
	}
	c = r.readChain(k)
	r.cache[k] = c
	return c.rules[handle]
}

// readChain reads a chain's rules from the kernel (order, comments, reject) and their text
// from nft, or from iptables-nft-save for a table iptables-nft manages.
func (r *resolver) readChain(k chainKey) *chainRules {
	out := &chainRules{read: time.Now(), rules: map[uint64]ruleInfo{}}
	t := &nftables.Table{Name: k.table, Family: nftables.TableFamily(k.family)}
	rules, err := r.conn.GetRules(t, &nftables.Chain{Name: k.chain, Table: t})
	if err != nil {
		return out
	}
	xtables := false
	for i, rule := range rules {
		info := ruleInfo{position: i + 1, found: true}
		if c, ok := userdata.GetString(rule.UserData, userdata.TypeComment); ok {
			info.comment = c
		}
		for _, e := range rule.Exprs {
			switch e := e.(type) {
			case *expr.Reject:
				info.reject = true
			case *expr.Target:
				xtables = true
				info.reject = info.reject || e.Name == "REJECT"
			case *expr.Match:
				xtables = true
				// Calico writes two: its rule id ("cali:…") and what the rule does.
				if c, ok := e.Info.(*xt.Comment); ok && info.comment == "" {
					info.comment = string(*c)
				} else if ok {
					info.comment += "; " + string(*c)
				}
			}
		}
		out.rules[rule.Handle] = info
	}
	texts := r.nftTexts(k)
	var ipt []string
	if xtables || iptablesTable(k) {
		ipt = r.iptablesTexts(k)
	}
	for i, rule := range rules {
		info := out.rules[rule.Handle]
		if len(ipt) == len(rules) {
			info.text, info.iptables = ipt[i], true
		} else if s, ok := texts[rule.Handle]; ok {
			info.text = s
		} else {
			info.text, info.rendered = render(rule.Exprs, info.comment), true
		}
		out.rules[rule.Handle] = info
	}
	return out
}

// iptablesTable: the tables iptables-nft creates, in the families it uses.
func iptablesTable(k chainKey) bool {
	if k.family != uint8(nftables.TableFamilyIPv4) && k.family != uint8(nftables.TableFamilyIPv6) {
		return false
	}
	switch k.table {
	case "filter", "nat", "mangle", "raw", "security":
		return true
	}
	return false
}

var handleRe = regexp.MustCompile(`\s*# handle (\d+)\s*$`)

// nftTexts is each rule of a chain as `nft -a list chain` prints it, by handle.
func (r *resolver) nftTexts(k chainKey) map[uint64]string {
	b, err := r.run("nft", "-a", "list", "chain", familyName(k.family), k.table, k.chain)
	if err != nil {
		return nil
	}
	return parseNftChain(b)
}

// parseNftChain reads the rule lines of `nft -a list chain|ruleset` output: a line ending in
// `# handle N` inside a chain block is a rule (table and chain lines end in `{ # handle N`).
func parseNftChain(b []byte) map[uint64]string {
	out := map[uint64]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		m := handleRe.FindStringSubmatchIndex(line)
		if m == nil {
			continue
		}
		text := strings.TrimSpace(line[:m[0]])
		if strings.HasSuffix(text, "{") {
			continue
		}
		h, err := strconv.ParseUint(line[m[2]:m[3]], 10, 64)
		if err != nil {
			continue
		}
		// nft leaves a gap where it could not print an xt match (iptables-nft's comment).
		out[h] = strings.Join(strings.Fields(text), " ")
	}
	return out
}

// iptablesTexts is each rule of an iptables-nft chain as iptables-save prints it, in chain
// order: iptables keeps comments and the matches nft cannot print, and it is what the
// software that wrote the rules (kube-proxy, kube-router, Calico) and its users read.
func (r *resolver) iptablesTexts(k chainKey) []string {
	cmd := "iptables-nft-save"
	if k.family == uint8(nftables.TableFamilyIPv6) {
		cmd = "ip6tables-nft-save"
	}
	b, err := r.run(cmd, "-t", k.table)
	if err != nil {
		return nil
	}
	return parseIptablesChain(b, k.chain)
}

func parseIptablesChain(b []byte, chain string) []string {
	var out []string
	prefix := "-A " + chain + " "
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, prefix) {
			out = append(out, line)
		}
	}
	return out
}
