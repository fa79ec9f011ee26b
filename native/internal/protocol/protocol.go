// Package protocol is the agent's NDJSON wire format (docs/architecture.md §3): one JSON
// object per line on stdout, each with v, type, ts (ns since the Unix epoch) and node.
//
// Keep aligned with src/core/probe/schemas.ts: TestFixtureUpToDate regenerates
// test/fixtures/probe/protocol.ndjson from Examples(), and the TypeScript test decodes that
// file with its schemas and checks every enum value below appears on both sides.
package protocol

// Version is the protocol version carried by every line as `v`.
const Version = 1

// Header is the part every line shares.
type Header struct {
	V    int    `json:"v"`
	Type string `json:"type"`
	TS   int64  `json:"ts"`
	Node string `json:"node"`
}

// Hello is the first line: who is speaking and what the kernel lets it do.
type Hello struct {
	Header
	Version  string          `json:"version"`
	Kernel   string          `json:"kernel"`
	Arch     string          `json:"arch"`
	Features Features        `json:"features"`
	Probes   []ProbeStatus   `json:"probes"`
	Filters  Filters         `json:"filters"`
	TTLMs    int64           `json:"ttlMs"`
	Reasons  map[string]uint `json:"reasons,omitempty"` // drop reason name → code, from the running kernel
	// Netns is the inode of the agent's own network namespace (the node's). Nodes that share
	// one kernel (network namespaces as nodes: kind, the test lab) see each other's packets;
	// an event whose netns is another node's is that node's (src/backend/diagnose/attribution.ts).
	Netns uint32 `json:"netns,omitempty"`
	// BootID is the kernel's boot id (/proc/sys/kernel/random/boot_id): agents with the same
	// one run on one kernel.
	BootID string `json:"bootId,omitempty"`
}

// Features are facts about the running kernel, detected (never inferred from uname).
type Features struct {
	BTF         bool `json:"btf"`         // /sys/kernel/btf/vmlinux: CO-RE possible
	TpBtf       bool `json:"tpBtf"`       // BTF-typed tracepoints (5.5+)
	DropReasons bool `json:"dropReasons"` // kfree_skb carries enum skb_drop_reason (5.17+, or backported)
	Ringbuf     bool `json:"ringbuf"`     // BPF ring buffer (5.8+)
	BpfStats    bool `json:"bpfStats"`    // per-program run time: run --stats on a 5.8+ kernel
	Kallsyms    bool `json:"kallsyms"`    // drop locations can be named
	// Rules is set when the rules probe cannot name every rule that drops, e.g. "rule
	// attribution unavailable: legacy iptables …": rules of iptables-legacy are not
	// nftables and cannot be traced.
	Rules string `json:"rules,omitempty"`
}

// Probe states in Hello.Probes.
const (
	ProbeAttached    = "attached"
	ProbeDegraded    = "degraded"    // attached with less than the full feature set (see detail)
	ProbeUnavailable = "unavailable" // could not attach on this kernel (see detail)
)

// ProbeStatus says how one requested probe came up.
type ProbeStatus struct {
	Name   string `json:"name"`
	State  string `json:"state"`
	Attach string `json:"attach,omitempty"` // e.g. "tp_btf/kfree_skb"
	Detail string `json:"detail,omitempty"`
}

// Filters are the in-kernel filters in force; an empty list matches everything.
type Filters struct {
	Netns        []uint32 `json:"netns"`
	CIDR         []string `json:"cidr"`
	Port         []uint16 `json:"port"`
	Proto        []string `json:"proto"`
	NotSpecified bool     `json:"notSpecified"` // report NOT_SPECIFIED drops (noisy)
}

// Endpoints is the 5-tuple every packet/socket event carries. Addresses are plain IPv4 or
// IPv6 text (IPv4 never v4-mapped).
type Endpoints struct {
	Netns  uint32 `json:"netns"`
	Proto  string `json:"proto"` // tcp, udp, sctp, icmp, icmpv6, or the protocol number
	Src    string `json:"src"`
	Sport  uint16 `json:"sport"`
	Dst    string `json:"dst"`
	Dport  uint16 `json:"dport"`
	Family int    `json:"family"` // 4 or 6
}

// Proc is the process behind the socket of an event (probe proc): the one that connected
// it, accepted it, or last sent a UDP datagram on it. Absent when the event has no local
// socket (a forwarded packet, or one past the namespace that sent it) or its process is not
// known (the socket was made before the agent started, or the proc probe is off): never
// guessed.
type Proc struct {
	Pid  uint32 `json:"pid"`  // thread group id as the node sees it (not the id inside a container)
	Tid  uint32 `json:"tid"`  // the thread that did it
	Comm string `json:"comm"` // the task's name (TASK_COMM_LEN: at most 15 characters)
	// CgroupID is the task's cgroup v2 id; Cgroup its directory name and its parent's
	// ("kubepods-besteffort-pod<uid>.slice/cri-containerd-<id>.scope"), read in the kernel.
	CgroupID uint64 `json:"cgroupId"`
	Cgroup   string `json:"cgroup,omitempty"`
	// ContainerID (64 hex digits) and PodUID are read from those names when the container
	// runtime's naming is recognised (containerd, CRI-O, Docker; systemd or cgroupfs driver).
	ContainerID string `json:"containerId,omitempty"`
	PodUID      string `json:"podUid,omitempty"`
}

// Drop is one packet the kernel freed as dropped.
type Drop struct {
	Header
	Endpoints
	Ifindex uint32 `json:"ifindex"`
	// Reason is the kernel's enum skb_drop_reason name without SKB_DROP_REASON_
	// (e.g. NETFILTER_DROP), named from the running kernel's BTF; "UNKNOWN" when the
	// kernel has no reasons (HasReason false), "CODE_<n>" for a number BTF does not name.
	Reason     string `json:"reason"`
	ReasonCode uint32 `json:"reasonCode"`
	HasReason  bool   `json:"hasReason"`
	// Subsystem is set for reasons of a drop-reason subsystem (high 16 bits, 6.4+).
	Subsystem string `json:"subsystem,omitempty"`
	Location  string `json:"location"`       // kernel symbol+offset of the freeing call site
	Proc      *Proc  `json:"proc,omitempty"` // the owner of the packet's socket (probe proc)
}

// DNS query/response directions.
const (
	QRQuery    = "query"
	QRResponse = "response"
)

// DNS is one DNS message seen on a device of the node.
type DNS struct {
	Header
	Endpoints
	Ifindex   uint32   `json:"ifindex"`
	Dir       string   `json:"dir"` // egress | ingress, from the view of netns
	QR        string   `json:"qr"`
	ID        uint16   `json:"id"`
	Qname     string   `json:"qname"`
	Qtype     string   `json:"qtype"`
	Rcode     string   `json:"rcode,omitempty"` // responses only
	Answers   []Answer `json:"answers,omitempty"`
	LatencyNs int64    `json:"latencyNs,omitempty"` // response: since its query in the same netns
	Truncated bool     `json:"truncated,omitempty"` // payload longer than the probe copies
	Malformed string   `json:"malformed,omitempty"` // why the message could not be fully parsed
	Proc      *Proc    `json:"proc,omitempty"`      // the sender of a message leaving a local socket (probe proc)
}

// HTTP roles: whose socket saw the exchange.
const (
	HTTPClient = "client" // the socket sent the request
	HTTPServer = "server" // the socket received it
)

// HTTP is one HTTP/1.x exchange as one socket saw it (probe http): the request and the
// response matched to it in order on the connection. Src is the client, Dst the server. A
// response whose request was not seen (the connection predates the agent) has no method.
type HTTP struct {
	Header
	Endpoints
	Role   string `json:"role"`             // client | server
	Method string `json:"method,omitempty"` // GET, POST, …
	// Path without its query string (dropped: it may carry secrets; QueryStripped says
	// there was one), at most 128 bytes.
	Path          string `json:"path,omitempty"`
	QueryStripped bool   `json:"queryStripped,omitempty"`
	Host          string `json:"host,omitempty"` // the Host header, when in the bytes copied
	Version       string `json:"version"`        // HTTP/1.0 | HTTP/1.1; TLS for an encrypted connection
	Status        int    `json:"status"`         // 0 for an encrypted connection
	// A TLS connection (its ClientHello): counted, not decoded. No method, path, host,
	// status or latency; one line per socket that saw the hello.
	Encrypted bool `json:"encrypted,omitempty"`
	// From the request leaving (client) or arriving (server) to the response's first
	// segment arriving (client) or leaving (server).
	LatencyNs int64 `json:"latencyNs,omitempty"`
	Proc      *Proc `json:"proc,omitempty"` // the process behind the socket (probe proc)
}

// Answer is one A, AAAA or CNAME record of a response.
type Answer struct {
	Name string `json:"name"`
	Type string `json:"type"` // A | AAAA | CNAME
	TTL  uint32 `json:"ttl"`
	Data string `json:"data"` // address or canonical name
}

// TCP outcome kinds.
const (
	TCPEstablished = "established"
	TCPRefused     = "refused"     // the peer answered the SYN with RST, or an ICMP port unreachable
	TCPTimeout     = "timeout"     // SYN retransmitted until the kernel gave up
	TCPUnreachable = "unreachable" // ICMP host/net unreachable answered the SYN
	TCPReset       = "reset"       // RST mid-stream, sent or received
	TCPRetransmit  = "retransmit"
)

// TCPEvents lists every TCP outcome kind, for the protocol agreement test.
var TCPEvents = []string{TCPEstablished, TCPRefused, TCPTimeout, TCPUnreachable, TCPReset, TCPRetransmit}

// TCP is one connection outcome. Src is the local end of the socket that saw it.
type TCP struct {
	Header
	Endpoints
	Event string `json:"event"`
	// Direction of a reset: "received" or "sent"; empty otherwise.
	ResetDir string `json:"resetDir,omitempty"`
	// Role of the socket: "client" (active open) or "server" (passive open), when known.
	Role  string `json:"role,omitempty"`
	State string `json:"state"`           // TCP state when it happened (SYN_SENT, ESTABLISHED, …)
	Errno string `json:"errno,omitempty"` // ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, …
	// Proc is the process that connected (client) or accepted (server) the socket, when
	// known (probe proc). A server's established line comes before accept(): it has none.
	Proc *Proc `json:"proc,omitempty"`
}

// RuleStep is one rule (or chain policy) a traced packet met, as nftables tracing reports it.
type RuleStep struct {
	TableFamily string `json:"tableFamily"` // the family of the table: ip, ip6, inet, arp, bridge, netdev
	Table       string `json:"table"`
	Chain       string `json:"chain"`
	Handle      uint64 `json:"handle"`           // the rule's handle (nft -a); 0 for a chain policy
	Verdict     string `json:"verdict"`          // drop, reject, accept, jump, goto, return, queue, stolen
	Target      string `json:"target,omitempty"` // the chain of a jump or goto
	Policy      bool   `json:"policy,omitempty"` // the chain's policy, not a rule, gave the verdict
	// Comment of the rule; in a path only on jumps and gotos (kube-router's "run through nw
	// policy NAME", kube-proxy's "ns/svc:port" name the object behind the chain jumped to).
	Comment string `json:"comment,omitempty"`
}

// Rule is the netfilter rule that dropped (or rejected) a packet the filters match: the
// rules probe. It is tied to the drop line of the same packet (reason NETFILTER_DROP) by
// the same netns, protocol, addresses and ports within a second (RuleDropWindowMs).
type Rule struct {
	Header
	Endpoints // netns: the namespace whose ruleset dropped it (the agent's)
	RuleStep
	Position int    `json:"position,omitempty"` // 1-based place in its chain (iptables -L --line-numbers)
	Text     string `json:"text,omitempty"`     // the rule as printed by nft -a, or by iptables-save for iptables-nft tables
	Syntax   string `json:"syntax,omitempty"`   // nft | iptables | agent (rendered by the agent: neither tool on the node): how Text is written
	Iif      string `json:"iif,omitempty"`
	Oif      string `json:"oif,omitempty"`
	TraceID  uint32 `json:"traceId"` // the kernel's trace id of the packet (the same on every rule it met)
	// Path is the rules the packet met before, oldest first: the jumps that led to the chain
	// that dropped it and the accepts of earlier tables (at most 16).
	Path []RuleStep `json:"path,omitempty"`
}

// Rule verdicts: a reject also answers the packet (TCP RST, ICMP unreachable).
const (
	RuleDrop   = "drop"
	RuleReject = "reject"
)

// RuleVerdicts lists the verdicts of rule lines, for the protocol agreement test.
var RuleVerdicts = []string{RuleDrop, RuleReject}

// RuleDropWindowMs is how far apart in time a rule line and the drop line of the same
// packet can be. Keep aligned with src/core/rules/evidence.ts.
const RuleDropWindowMs = 1000

// ProbeStats are cumulative counts since start.
type ProbeStats struct {
	Events   uint64 `json:"events"`   // emitted by the kernel programs
	Lost     uint64 `json:"lost"`     // lost in the kernel: ring buffer full
	LostUser uint64 `json:"lostUser"` // lost in the agent: stdout reader too slow
	// The kernel's run-time statistics of the probe's programs, only when the agent runs
	// with them (run --stats, hello's bpfStats): nil leaves the three fields out.
	*RunTime
}

// RunTime is what the kernel's BPF run-time statistics say about a probe's programs.
type RunTime struct {
	RunCount uint64 `json:"runCount"` // program invocations
	RunNs    uint64 `json:"runNs"`    // total program run time
	AvgNs    uint64 `json:"avgNs"`    // RunNs / RunCount
}

// Stats is written every second.
type Stats struct {
	Header
	UptimeMs int64                 `json:"uptimeMs"`
	Probes   map[string]ProbeStats `json:"probes"`
	Written  uint64                `json:"written"` // lines written to stdout so far
}

// Error codes.
const (
	ErrNoBTF      = "no-btf"
	ErrNoBPF      = "no-bpf"
	ErrPermission = "permission"
	ErrAttach     = "attach"
	ErrBadArgs    = "bad-args"
	ErrBadControl = "bad-control"
	ErrInternal   = "internal"
)

// ErrorCodes lists every error code, for the protocol agreement test.
var ErrorCodes = []string{ErrNoBTF, ErrNoBPF, ErrPermission, ErrAttach, ErrBadArgs, ErrBadControl, ErrInternal}

// Error names a problem and, where one exists, the next step. Fatal errors are followed by bye.
type Error struct {
	Header
	Code    string `json:"code"`
	Message string `json:"message"`
	Probe   string `json:"probe,omitempty"`
	Fatal   bool   `json:"fatal"`
}

// Bye reasons.
const (
	ByeStdinClosed = "stdin-closed"
	ByeTTL         = "ttl"
	ByeSignal      = "signal"
	ByeStop        = "stop"
	ByeError       = "error"
)

// ByeReasons lists every bye reason, for the protocol agreement test.
var ByeReasons = []string{ByeStdinClosed, ByeTTL, ByeSignal, ByeStop, ByeError}

// Bye is the last line: why the agent stops, and the final counts.
type Bye struct {
	Header
	Reason string                `json:"reason"`
	Probes map[string]ProbeStats `json:"probes"`
}

// FiltersAck answers a filters control message with the filters now in force.
type FiltersAck struct {
	Header
	Filters Filters `json:"filters"`
}

// Control is a JSON line on stdin (a "test" line is a TestRequest).
type Control struct {
	// "filters" replaces the in-kernel filters; "stop" ends the run (bye reason "stop").
	Type         string   `json:"type"`
	Netns        []string `json:"netns,omitempty"`
	CIDR         []string `json:"cidr,omitempty"`
	Port         []uint16 `json:"port,omitempty"`
	Proto        []string `json:"proto,omitempty"`
	NotSpecified *bool    `json:"notSpecified,omitempty"`
}

// TestRequest is a {"type":"test"} control line: generate traffic from inside the network
// namespace that holds FromIP (a pod's address) while the probes watch. The agent answers
// with test lines carrying the same ID, the last one of phase "done".
type TestRequest struct {
	Type   string `json:"type"`
	ID     string `json:"id"`     // opaque, 1–64 characters, echoed on every test line
	FromIP string `json:"fromIp"` // an address on an interface of the namespace to test from
	// Resolve is a name to look up the way the pod's resolver would (its resolv.conf:
	// nameservers, search list, ndots).
	Resolve string `json:"resolve,omitempty"`
	// Connect is HOST:PORT; HOST is an IP or a name resolved like Resolve.
	Connect   string `json:"connect,omitempty"`
	Proto     string `json:"proto,omitempty"`     // tcp (default) | udp
	TimeoutMs int    `json:"timeoutMs,omitempty"` // per DNS query and for the connection (default 3000, at most 30000)
}

// Test phases, in the order a test goes through them; every test ends with one "done".
const (
	TestNetns   = "netns"   // the namespace holding fromIp was found (or not)
	TestDNS     = "dns"     // one DNS query and its response
	TestConnect = "connect" // the connection attempt
	TestDone    = "done"    // the verdict
)

// TestPhases lists every test phase, for the protocol agreement test.
var TestPhases = []string{TestNetns, TestDNS, TestConnect, TestDone}

// Test outcomes. A connect phase has one of the connection outcomes, a done phase ok,
// failed or error; error in any phase means the test itself could not be carried out.
const (
	OutcomeEstablished = "established" // tcp: the handshake completed
	OutcomeRefused     = "refused"     // tcp: RST answered the SYN; udp: ICMP port unreachable came back
	OutcomeTimeout     = "timeout"     // tcp: no answer to the SYN within timeoutMs
	OutcomeUnreachable = "unreachable" // no route, or ICMP host/net unreachable
	OutcomeReplied     = "replied"     // udp: a datagram came back
	OutcomeNoReply     = "no-reply"    // udp: nothing within timeoutMs (dropped, or the server ignores it)
	OutcomeOK          = "ok"          // done: the name resolved and the connection was answered
	OutcomeFailed      = "failed"      // done: the path is broken (error says where)
	OutcomeError       = "error"       // the test could not be carried out (error says why)
)

// TestOutcomes lists every test outcome, for the protocol agreement test.
var TestOutcomes = []string{OutcomeEstablished, OutcomeRefused, OutcomeTimeout, OutcomeUnreachable, OutcomeReplied, OutcomeNoReply, OutcomeOK, OutcomeFailed, OutcomeError}

// Test is one step of an active test (a TestRequest). Which fields are set depends on the
// phase; id, phase, fromIp and netns are on every line.
type Test struct {
	Header
	ID     string `json:"id"`
	Phase  string `json:"phase"`
	FromIP string `json:"fromIp"`
	Netns  uint32 `json:"netns"` // inode of the namespace holding fromIp; 0 when none was found
	// netns: a process in that namespace, and where its resolver configuration was read.
	Pid         int      `json:"pid,omitempty"`
	ResolvConf  string   `json:"resolvConf,omitempty"`
	Nameservers []string `json:"nameservers,omitempty"`
	Search      []string `json:"search,omitempty"`
	Ndots       *int     `json:"ndots,omitempty"`
	// dns: the name as queried (fully qualified), its type, the nameserver, the answer.
	Name    string   `json:"name,omitempty"`
	Qtype   string   `json:"qtype,omitempty"`
	Server  string   `json:"server,omitempty"`
	Rcode   string   `json:"rcode,omitempty"`
	Answers []Answer `json:"answers,omitempty"`
	// dns: time to the response; connect: time to the outcome.
	LatencyNs int64 `json:"latencyNs,omitempty"`
	// connect: the address dialled (IP:PORT) and the protocol.
	Target string `json:"target,omitempty"`
	Proto  string `json:"proto,omitempty"`
	// connect and done: see the Outcome constants.
	Outcome string `json:"outcome,omitempty"`
	Errno   string `json:"errno,omitempty"` // ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, EPERM, …
	// A sentence saying what went wrong and the next step.
	Error string `json:"error,omitempty"`
	// done: the addresses the name resolved to.
	Addresses []string `json:"addresses,omitempty"`
}

// Line types.
const (
	TypeHello   = "hello"
	TypeDrop    = "drop"
	TypeDNS     = "dns"
	TypeTCP     = "tcp"
	TypeStats   = "stats"
	TypeError   = "error"
	TypeBye     = "bye"
	TypeFilters = "filters"
	TypeTest    = "test"
	TypeRule    = "rule"
	TypeHTTP    = "http"
)

// Types lists every line type, for the protocol agreement test.
var Types = []string{TypeHello, TypeDrop, TypeDNS, TypeTCP, TypeStats, TypeError, TypeBye, TypeFilters, TypeTest, TypeRule, TypeHTTP}

// ProbeNames are the probes a run attaches by default.
var ProbeNames = []string{"drops", "dns", "tcp", "proc"}

// HTTPProbe is attached only when named (--probes …,http): it attaches to the root cgroup,
// which needs CAP_NET_ADMIN, and copies the first bytes of HTTP messages.
const HTTPProbe = "http"

// RulesProbe is attached only when named (--probes …,rules): it adds a table to the node's
// nftables ruleset for as long as it runs, which a default run never does.
const RulesProbe = "rules"

// BaselineProbe is attached only when named: empty programs on the dns probe's hooks whose
// run time is the measurement floor bench/probe subtracts.
const BaselineProbe = "baseline"
