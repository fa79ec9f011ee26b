// Command pathlight-probe is Pathlight's node agent: it attaches eBPF probes (packet drops
// with the kernel's reason, DNS, TCP outcomes) and streams their events as NDJSON on stdout
// until stdin closes, its TTL passes or it gets SIGTERM. See docs/architecture.md §3.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"pathlight.dev/native/internal/agent"
	"pathlight.dev/native/internal/filter"
	"pathlight.dev/native/internal/kernel"
	"pathlight.dev/native/internal/protocol"
)

// version is set at build time (-ldflags "-X main.version=…").
var version = "0.1.0-dev"

const usage = `pathlight-probe — Pathlight's node agent (eBPF drops, DNS, TCP outcomes)

Usage:
  pathlight-probe run [flags]     attach the probes and stream NDJSON events to stdout
  pathlight-probe features        print what this kernel supports (JSON) and exit
  pathlight-probe version         print the agent version
  pathlight-probe hold DURATION   wait (attach nothing) until DURATION passes or SIGTERM:
                                  the main process of a probe pod; the agent runs via exec

Run as root, or with CAP_BPF and CAP_PERFMON (+ CAP_SYSLOG to name drop locations,
+ CAP_SYS_ADMIN for --stats; kernels before 5.8 need CAP_SYS_ADMIN).
It stops when stdin closes, when --ttl passes, on SIGTERM/SIGINT, or on a
{"type":"stop"} line; it pins nothing, so nothing stays attached after it exits.
Control lines on stdin: {"type":"filters","netns":[…],"cidr":[…],"port":[…],"proto":[…]},
{"type":"test","id":"t1","fromIp":"POD-IP","resolve":"NAME","connect":"HOST:PORT","proto":"tcp"}
(DNS and a connection from inside that pod's network namespace; needs CAP_SYS_ADMIN).

Flags of run:
`

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		runFlags(nil).PrintDefaults()
		os.Exit(2)
	}
	switch os.Args[1] {
	case "version", "--version":
		fmt.Println(version)
	case "features":
		os.Exit(features())
	case "run":
		os.Exit(run(os.Args[2:]))
	case "hold":
		os.Exit(hold(os.Args[2:]))
	case "help", "-h", "--help":
		fmt.Print(usage)
		runFlags(nil).SetOutput(os.Stdout)
		runFlags(nil).PrintDefaults()
	default:
		fmt.Fprintf(os.Stderr, "pathlight-probe: unknown command %q (try: run, features, hold, version)\n", os.Args[1])
		os.Exit(2)
	}
}

type runOpts struct {
	probes, netns, cidr, port, proto list
	ttl, stats                       time.Duration
	node                             string
	noStdin, notSpecified, bpfStats  bool
	queue                            int
}

func runFlags(o *runOpts) *flag.FlagSet {
	if o == nil {
		o = &runOpts{}
	}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.Var(&o.probes, "probes", "probes to attach, comma-separated: drops,dns,tcp,proc (default all), rules (opt-in: names the nftables/iptables-nft rule that dropped a packet; adds a trace table while it runs, needs CAP_NET_ADMIN), http (opt-in: HTTP/1.x requests and responses of the node's sockets, from the root cgroup; needs CAP_NET_ADMIN); baseline adds empty programs on the dns hooks, for benchmarks")
	fs.DurationVar(&o.ttl, "ttl", 10*time.Minute, "stop after this long (at most 24h)")
	fs.Var(&o.netns, "netns", "only these network namespaces: inode numbers or paths (/proc/PID/ns/net, /run/netns/NAME); repeatable or comma-separated")
	fs.Var(&o.cidr, "cidr", "only packets/sockets with an address in these CIDRs (either end)")
	fs.Var(&o.port, "port", "only these ports (either end)")
	fs.Var(&o.proto, "proto", "only these IP protocols: tcp, udp, sctp, icmp, icmpv6, or a number")
	fs.BoolVar(&o.notSpecified, "drop-not-specified", false, "also report drops whose reason is NOT_SPECIFIED (noisy)")
	fs.StringVar(&o.node, "node", "", "node name in every line (default: the hostname)")
	fs.BoolVar(&o.noStdin, "no-stdin", false, "ignore stdin (do not stop when it closes; stop by --ttl or a signal)")
	fs.DurationVar(&o.stats, "stats-interval", time.Second, "how often to write a stats line")
	fs.BoolVar(&o.bpfStats, "stats", false, "turn on the kernel's BPF run-time statistics: per-probe run time in stats lines (costs every BPF program on the node ~70-80 ns per run; needs CAP_SYS_ADMIN)")
	fs.IntVar(&o.queue, "queue", 65536, "lines buffered for a slow stdout reader before events are counted as lost")
	return fs
}

// usageError prints a protocol error line so a remote caller sees it like any other.
func usageError(node, msg string) int {
	b, _ := json.Marshal(protocol.Error{Header: protocol.Header{V: protocol.Version, Type: protocol.TypeError, TS: time.Now().UnixNano(), Node: node}, Code: protocol.ErrBadArgs, Message: msg, Fatal: true})
	fmt.Println(string(b))
	fmt.Fprintln(os.Stderr, "pathlight-probe:", msg)
	return 2
}

func run(args []string) int {
	var o runOpts
	fs := runFlags(&o)
	fs.SetOutput(os.Stderr)
	host, _ := os.Hostname()
	if err := fs.Parse(args); err != nil {
		return usageError(host, err.Error())
	}
	if o.node == "" {
		o.node = host
	}
	if fs.NArg() > 0 {
		return usageError(o.node, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	probes := filter.SplitList(o.probes)
	if len(probes) == 0 {
		probes = protocol.ProbeNames
	}
	for _, p := range probes {
		if !slices.Contains(protocol.ProbeNames, p) && p != protocol.BaselineProbe && p != protocol.RulesProbe && p != protocol.HTTPProbe {
			return usageError(o.node, fmt.Sprintf("unknown probe %q (probes: %s)", p, strings.Join(protocol.ProbeNames, ", ")))
		}
	}
	if o.ttl <= 0 || o.ttl > 24*time.Hour {
		return usageError(o.node, fmt.Sprintf("--ttl %s: must be more than 0 and at most 24h", o.ttl))
	}
	if o.stats < 10*time.Millisecond {
		return usageError(o.node, "--stats-interval: at least 10ms")
	}
	if o.queue < 1 {
		return usageError(o.node, "--queue: at least 1")
	}
	f, err := filter.Build(filter.SplitList(o.netns), filter.SplitList(o.cidr), filter.SplitList(o.port), filter.SplitList(o.proto), o.notSpecified)
	if err != nil {
		return usageError(o.node, err.Error())
	}
	opts := agent.Options{
		Version: version, Node: o.node, Probes: probes, TTL: o.ttl, Filters: f, Stdout: os.Stdout,
		StatsInterval: o.stats, QueueSize: o.queue, Stats: o.bpfStats,
	}
	if !o.noStdin {
		opts.Stdin = os.Stdin
	}
	return agent.Run(opts)
}

func features() int {
	out := map[string]any{"version": version, "kernel": agent.KernelRelease(), "arch": runtime.GOARCH}
	spec, err := kernel.LoadBTF()
	if err != nil {
		out["features"] = agent.Features(nil, false, err, false)
		out["error"] = err.Error()
	} else {
		reasons := kernel.NewDropReasons(spec)
		args, tpErr := kernel.TracepointArgs(spec, "kfree_skb")
		_, symErr := kernel.LoadKallsyms()
		out["features"] = agent.Features(reasons, true, tpErr, symErr == nil)
		out["kfreeSkbReason"] = kernel.KfreeSkbHasReason(args)
		out["dropReasons"] = reasons.Names()
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	fmt.Println(string(b))
	if err != nil {
		return 1
	}
	return 0
}

// hold keeps a probe pod's container alive without touching the kernel: Pathlight runs the
// agent in it through exec, so the agent's stdin is Pathlight's connection.
func hold(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "pathlight-probe hold: want one duration, e.g. hold 10m")
		return 2
	}
	d, err := time.ParseDuration(args[0])
	if err != nil || d <= 0 {
		fmt.Fprintf(os.Stderr, "pathlight-probe hold: %q is not a duration (e.g. 90s, 10m)\n", args[0])
		return 2
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-sig:
	case <-time.After(d):
	}
	return 0
}
