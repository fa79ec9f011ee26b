#!/usr/bin/env bash
# The rules probe's cost (as root): iperf3 TCP between two network namespaces joined by veth,
# without the agent and with `pathlight-probe run --probes rules` (no filters: every packet of
# the transfer is inside them, the worst case) running in the receiving namespace, whose
# ruleset has two iptables-nft rules; ROUNDS rounds of SECS seconds, in the same order each
# round. Prints the throughput and the agent's CPU time of each run. OTHER=path adds a run
# with another agent binary (e.g. a build without the trace rate limit) to compare.
#   sudo ROUNDS=3 SECS=4 bench/probe/rules.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
agent="${PATHLIGHT_PROBE:-$here/../../native/dist/linux-amd64/pathlight-probe}"
rounds="${ROUNDS:-3}" secs="${SECS:-4}"
A="plrbA$$" B="plrbB$$" out="$(mktemp)"
cleanup() { ip netns del "$A" 2>/dev/null || true; ip netns del "$B" 2>/dev/null || true; rm -f "$out"; }
trap cleanup EXIT
ip netns add "$A"
ip netns add "$B"
ip link add "va$$" netns "$A" type veth peer name "vb$$" netns "$B"
ip -n "$A" addr add 10.77.0.1/24 dev "va$$"
ip -n "$B" addr add 10.77.0.2/24 dev "vb$$"
for n in "$A" "$B"; do ip -n "$n" link set lo up; done
ip -n "$A" link set "va$$" up
ip -n "$B" link set "vb$$" up
ip netns exec "$B" iptables -A INPUT -p tcp --dport 9 -j DROP
ip netns exec "$B" iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() { # label, agent binary ("" = without)
  local pid="" c0=0 c1=0 bps
  : >"$out"
  if [ -n "$2" ]; then
    ip netns exec "$B" "$2" run --probes rules --no-stdin --ttl 120s --stats-interval 60s >"$out" 2>&1 &
    pid=$!
    sleep 1
    c0=$(ticks "$pid")
  fi
  ip netns exec "$B" iperf3 -s -D -1 >/dev/null 2>&1
  sleep 0.3
  bps=$(ip netns exec "$A" iperf3 -c 10.77.0.2 -t "$secs" -J | python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"])')
  if [ -n "$pid" ]; then
    c1=$(ticks "$pid")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  fi
  printf '%-10s %6.2f Gbit/s  agent CPU %5.2f s  %s\n' "$1" "$(python3 -c "print($bps/1e9)")" "$(python3 -c "print(($c1-$c0)/$(getconf CLK_TCK))")" \
    "$(grep -o '"rules":{[^}]*}' "$out" 2>/dev/null | tail -1 || true)"
}
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$rounds"); do
  run without ""
  run rules "$agent"
  if [ -n "${OTHER:-}" ]; then run other "$OTHER"; fi
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "reproduce: sudo ROUNDS=$rounds SECS=$secs${OTHER:+ OTHER=$OTHER} bench/probe/rules.sh"
