#!/bin/sh
# What a network that is not perfect shows, on four mining nodes in a mesh
# with 2 s blocks and peer timeouts of 4 s (pings every 2 s):
# - natural forks: with 1,000 ms links and no fault at all, stale blocks
#   appear, slo counts them, and the nodes still converge on one tip;
# - a silent partition: no bans, the dead connections are held until each
#   node's own ping timeout drops them (their logs say so), each side mines
#   its own branch, and after heal every node converges within 40 s (the
#   dial backoff a node reached while cut off, at most the partition's
#   length, plus a sync), with nothing in listbanned at any time;
# - a one-way cut 1>0 (bytes from 1 to 0 are dropped): node 0 can send but
#   not receive. Its pings go unanswered and it drops node 1 by ping
#   timeout; node 1's pings never arrive either, so node 1 drops node 0 by
#   its own ping timeout, or first hears node 0's close (FIN flows 0 to 1).
#   Node 1's redials then hang in the handshake: its version never
#   arrives, node 0 drops the connection by handshake timeout (and node 1
#   hears that close, or times out itself). `link 1>0 up` and they connect.
. "$(dirname "$0")/lib.sh"
BASE=$(port_base 6397)
. "$(dirname "$0")/testnet_lib.sh"

tn up -n 4 --block-time 2 --peer-timeout 4 --base-port "$BASE" >"$TMP/up.out" 2>&1
check "up starts four mining nodes" [ $? -eq 0 ]
check "link all delay 1000" quiet tn link all delay 1000
check "natural forks: a stale block appears with no fault" wait_slow 150 has_stale
echo "# stale blocks counted by slo: $(stale_count)"
check "the nodes converge on one tip" wait_slow 60 agree
check "no bans" no_bans 0 1 2 3
tn tree >"$TMP/tree.out" 2>&1
sed 's/^/# /' "$TMP/tree.out"
# tips_marked FILE: every node 0..3 is named once as a tip ("<- tip of node 0, 2").
tips_marked() {
	sed -n 's/.*<- tip of node \([0-9, ]*\).*/\1/p' "$1" | tr ', ' '\n\n' | grep . | sort | tr -d '\n' |
		grep -qx 0123
}
check "tree marks each node's tip" tips_marked "$TMP/tree.out"
check "and draws the stale block off the trunk" grep -q '^| o ' "$TMP/tree.out"

# A silent partition over bare links.
check "link clear" quiet tn link clear
check "every node has its three peers" wait_slow 30 sh -c "'$FLINT_BIN/flint-testnet' --dir '$TND' status --json | grep -o '\"peers\": 3' | wc -l | grep -qx 4"
T0=$(now_ms)
tn partition 0,1/2,3 >"$TMP/part.out" 2>&1
check "partition 0,1/2,3 is silent" grep -q "no bans" "$TMP/part.out"
check "the dead connections are held: node 0 still counts 3 peers" [ "$(peers 0)" -eq 3 ]
check "status shows the cut links" sh -c "'$FLINT_BIN/flint-testnet' --dir '$TND' status | grep -q '^ 0>2 .* cut'"
check "node 0's ping timeout drops node 2" wait_for 30 logged 0 "(127.0.0.12:[0-9]*): ping timeout"
check "and node 3" wait_for 30 logged 0 "(127.0.0.13:[0-9]*): ping timeout"
check "node 3's ping timeout drops node 0" wait_for 30 logged 3 "(127.0.0.10:$((BASE + 2))): ping timeout"
echo "# the partition found by the nodes' own timeouts after $(( $(now_ms) - T0 )) ms"
check "node 0 is down to one peer" wait_for 30 sh -c "[ \"\$('$TOOLS/rpc' --chain testnet --datadir '$TND/node0' --rpc 127.0.0.10:$((BASE + 1)) getconnectioncount)\" = 1 ]"
H=$(height 0)
check "side 0,1 mines past the split" wait_slow 90 at_least 0 $((H + 1))
check "side 2,3 mines past the split" wait_slow 90 at_least 2 $((H + 1))
check "nothing banned during the partition" no_bans 0 1 2 3
T1=$(now_ms)
check "heal" quiet tn heal
check "every node converges within 40 s" wait_slow 40 agree
echo "# converged $(( $(now_ms) - T1 )) ms after heal"
check "every node has its three peers again" wait_slow 40 peers_at_least 0 3
check "nothing banned after it" no_bans 0 1 2 3
tn slo >"$TMP/slo.out" 2>&1
check "slo times the convergence after the heal" grep -q "^converge after heal 1 " "$TMP/slo.out"

# A one-way cut: 1 > 0 dropped.
check "link 1>0 cut" quiet tn link "1>0" cut
check "node 0 (sends, hears nothing) drops node 1 by ping timeout" wait_for 30 logged 0 "(127.0.0.11:[0-9]*): ping timeout"
R0="127.0.0.10:$((BASE + 2))"
check "node 1 (hears, cannot send) loses node 0: by its own ping timeout or node 0's close" \
	wait_for 30 logged 1 "($R0): ping timeout\|($R0) closed the connection"
check "node 1's redial hangs: node 0 gets no version and drops it by handshake timeout" \
	wait_for 30 logged 0 "(127.0.0.11:[0-9]*): handshake timeout"
check "nothing banned" no_bans 0 1
check "link 1>0 up" quiet tn link "1>0" up
check "node 0 and node 1 connect again" wait_slow 60 peers_at_least 0 3
finish
