#!/bin/sh
# --topology bitcoin on 16 nodes: no edge is drawn; each node starts from
# the seed nodes' addresses (nodes 0..3), learns the others by address
# gossip, and keeps its own outbound peers (here 4), every one dialled
# through the relay at the address the peer advertises (--externalip). A
# silent partition forks the chain and heal brings one tip back. flintd
# refuses a malformed --externalip or --seed.
. "$(dirname "$0")/lib.sh"
BASE=$(port_base 8317)
. "$(dirname "$0")/testnet_lib.sh"

N=16
D=4
RELAY_PORT=$((BASE + 2))
# outbound NODE: "total outbound outbound-through-relay non-seed-outbound" from getpeerinfo.
outbound() {
	rpc "$1" getpeerinfo 2>/dev/null | python3 -c '
import json, sys
port, n = sys.argv[1], int(sys.argv[2])
p = json.load(sys.stdin)
out = [x["addr"] for x in p if not x["inbound"]]
seeds = ["127.0.0.%d:%s" % (10 + k, port) for k in range(4)]
print(len(p), len(out), sum(a.endswith(":" + port) for a in out), sum(a not in seeds for a in out))
' "$RELAY_PORT" "$N"
}
# connected_all: every node has at least D peers, every outbound peer through the relay,
# and no node more than D outbound.
connected_all() {
	for i in $(seq 0 $((N - 1))); do
		set -- $(outbound "$i")
		[ $# -eq 4 ] && [ "$1" -ge $D ] && [ "$2" -le $D ] && [ "$2" -eq "$3" ] || return 1
	done
}
# gossip: some node that is not a seed dials a node that is not a seed: it learnt the address.
gossip() {
	for i in $(seq 4 $((N - 1))); do
		set -- $(outbound "$i")
		[ $# -eq 4 ] && [ "$4" -ge 1 ] && return 0
	done
	return 1
}
all_agree() { tn status --json | grep -q '"agree": true'; }
two_sides() { [ -n "$(tip 0)" ] && [ -n "$(tip $((N - 1)))" ] && [ "$(tip 0)" != "$(tip $((N - 1)))" ]; }

tn up -n $N --topology bitcoin --degree $D --miners 4 --block-time 2 --peer-timeout 4 \
	--base-port "$BASE" >"$TMP/up.out" 2>&1
check "up: $N nodes in Bitcoin's shape, ready" grep -q "^ready" "$TMP/up.out"
pid_of() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["nodes"][int(sys.argv[2])]["pid"])' "$TND/testnet.json" "$1"; }
check "node 7 was started with the seeds and its relay address to advertise" \
	sh -c "tr '\\0' ' ' </proc/$(pid_of 7)/cmdline | grep -q -- '--externalip $(node_ip 7):$RELAY_PORT --seed $(node_ip 0):$RELAY_PORT'"
check "every node finds $D peers, dials at most $D, and only through the relay" wait_slow 120 connected_all
check "addresses spread by gossip: a node dials one that is not a seed" wait_slow 60 gossip
for i in 0 9 15; do echo "# node $i: peers outbound via-relay non-seed = $(outbound $i)"; done
check "the chain grows to height 3 everywhere" wait_slow 120 at_least $((N - 1)) 3
check "all $N nodes agree" wait_slow 120 all_agree
# The live view draws the links the nodes made (no topology drew them).
WEBPORT=$((BASE + 260))
URL=$(tn web)
view_links() {
	"$TOOLS/rpc" --http "127.0.0.1:$WEBPORT" GET "/api/state?token=${URL##*token=}" | sed 1d |
		python3 -c 'import json, sys; print(len(json.load(sys.stdin)["links"]))'
}
links_drawn() { n=$(view_links); [ -n "$n" ] && [ "$n" -ge $((N * D / 2)) ]; }
check "the live view draws the links the nodes made" wait_slow 30 links_drawn
check "link show lists the links the nodes made" sh -c "[ \$('$FLINT_BIN/flint-testnet' --dir '$TND' link show --json | grep -o '\"from\"' | wc -l) -ge $((N * D)) ]"

check "partition 0-7/8-15 (silent)" quiet tn partition 0-7/8-15
check "the two sides mine apart" wait_slow 120 two_sides
check "heal" quiet tn heal
check "every node converges on one tip" wait_slow 120 all_agree
check "and has its peers again" wait_slow 120 connected_all

# flintd's own checks of the two options.
check "flintd refuses --externalip 1.2.3" sh -c "! '$FLINT_BIN/flintd' --chain regtest --datadir '$TMP/x' --externalip 1.2.3 2>'$TMP/x.err' && grep -q \"invalid value '1.2.3' for '--externalip'\" '$TMP/x.err'"
check "flintd refuses --seed without a port" sh -c "! '$FLINT_BIN/flintd' --chain regtest --datadir '$TMP/x' --seed 127.0.0.1 2>'$TMP/y.err' && grep -q \"invalid value '127.0.0.1' for '--seed' (want IP:PORT)\" '$TMP/y.err'"
tn down >/dev/null 2>&1
finish
