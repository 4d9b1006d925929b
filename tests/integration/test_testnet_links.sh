#!/bin/sh
# flint-testnet's link layer on a line of four nodes, node 0 the only miner,
# so every block crosses all three hops. Bare links first: propagation
# stays as fast as without the relay. Then 200 ms links: the slo figures
# show at least 3 x 200 ms end to end, and under 2.5 s (three hops of three
# one-way trips each, announcement, getdata, block: 1.8 s, plus the nodes'
# own work). Then bad input refused without a change, the relay killed and
# brought back by `up`, and a link reset in the middle of a sync.
. "$(dirname "$0")/lib.sh"
BASE=$(port_base 5281)
. "$(dirname "$0")/testnet_lib.sh"

UP="-n 4 --topology line --miners 1 --block-time 1 --peer-timeout 3 --base-port $BASE"
# shellcheck disable=SC2086
tn up $UP >"$TMP/up0.out" 2>&1
check "up starts the relay and a line of four nodes" [ $? -eq 0 ]
check "node 1 reaches node 0 through the relay" \
	sh -c "'$TOOLS/rpc' --chain testnet --datadir '$TND/node1' --rpc 127.0.0.11:$((BASE + 1)) getpeerinfo | grep -q '\"addr\": \"127.0.0.10:$((BASE + 2))\"'"
check "and node 0 still sees node 1's own address" \
	sh -c "'$TOOLS/rpc' --chain testnet --datadir '$TND/node0' --rpc 127.0.0.10:$((BASE + 1)) getpeerinfo | grep -q '\"addr\": \"127.0.0.11:'"
check "node 3 gets two blocks" wait_slow 120 at_least 3 2
# Blocks of the first seconds after `up` (the start of the testnet) are not
# timed: on a fast machine the first two may both be; wait for one that is.
p50_timed() { [ -n "$(slo_value "block propagation p50")" ]; }
check "a block's propagation is timed" wait_slow 120 p50_timed
P0=$(slo_value "block propagation p50")
check "bare links: three hops at p50 $P0 s, under 0.1 s" lt "$P0" 0.1
tn down --clean >/dev/null 2>&1

# shellcheck disable=SC2086
tn up $UP --delay 200 >"$TMP/up1.out" 2>&1
check "up --delay 200 starts four nodes" [ $? -eq 0 ]
tn link show >"$TMP/show.out" 2>&1
check "link show: six directions of 200 ms" [ "$(grep -c ' 200ms ' "$TMP/show.out")" -eq 6 ]
check "node 3 gets three blocks over 200 ms links" wait_slow 120 at_least 3 3
P=$(slo_value "block propagation p50")
P99=$(slo_value "block propagation p99")
echo "# propagation over three 200 ms hops: p50 $P s, p99 $P99 s"
check "200 ms links: p50 $P s is at least 3 x 200 ms" ge "$P" 0.6
check "and under the 2.5 s bound" lt "$P" 2.5

# Bad input: one line on stderr, exit status 1, the state file untouched.
SUM=$(md5sum <"$TND/testnet.json")
refused() {
	tn "$@" >"$TMP/bad.out" 2>"$TMP/bad.err"
	rc=$?
	[ "$rc" -eq 1 ] && [ "$(wc -l <"$TMP/bad.err")" -eq 1 ] && [ ! -s "$TMP/bad.out" ] &&
		[ "$(md5sum <"$TND/testnet.json")" = "$SUM" ]
}
check "an edge that is not a link is refused" refused link 0-2 delay 5
check "so is an unknown node" refused link 0-9 delay 5
check "a malformed edge" refused link 0--1 cut
check "a unit that is not one" refused link 0-1 delay 5us
check "a negative delay" refused link 0-1 delay -5
check "an absurd delay" refused link 0-1 delay 99999999999
check "a bandwidth below one packet a second" refused link all bandwidth 3
check "loss over 50%" refused link 1-2 loss 80
check "loss that is no number" refused link 1-2 loss abc
check "a setting without a value" refused link 1-2 jitter
check "an unknown setting" refused link 1-2 color red
check "isolate of an unknown node" refused isolate 7
check "a partition that leaves a node out" refused partition 0,1/2
check "up --delay on a testnet that exists" refused up --delay 5

# isolate: node 3's only link cut both ways, silently, journaled; heal lifts it.
check "isolate 3" quiet tn isolate 3
tn link show >"$TMP/iso.out" 2>&1
iso_cut() { [ "$(grep -c ' cut ' "$TMP/iso.out")" -eq 2 ] && grep -q '^ 3>2 .* cut ' "$TMP/iso.out"; }
check "both directions of 2-3 are cut, and only those" iso_cut
check "the journal has it with millisecond times" \
	grep -q '"event": "partition"' "$TND/testnet.json"
check "heal" quiet tn heal
check "no link is cut after heal" sh -c "! '$FLINT_BIN/flint-testnet' --dir '$TND' link show | grep -q ' cut '"
check "nothing banned by isolate" no_bans 2 3

# The relay killed: status says so, the nodes lose their peers, up brings it back.
RP=$(relay_pid)
check "the relay runs (pid $RP)" kill -0 "$RP"
kill -KILL "$RP"
check "status reports the relay down" wait_for 10 sh -c "'$FLINT_BIN/flint-testnet' --dir '$TND' status | grep -q 'relay: NOT running'"
check "node 1 loses both peers" wait_for 20 sh -c "[ \"\$('$TOOLS/rpc' --chain testnet --datadir '$TND/node1' --rpc 127.0.0.11:$((BASE + 1)) getconnectioncount)\" = 0 ]"
tn up >"$TMP/up2.out" 2>&1
check "up brings the relay back" [ $? -eq 0 ]
check "status shows it running" sh -c "! '$FLINT_BIN/flint-testnet' --dir '$TND' status | grep -q 'relay: NOT'"
check "and the nodes reconnect through it" wait_slow 30 peers_at_least 1 2
tn link show >"$TMP/show2.out" 2>&1
check "the new relay keeps the 200 ms links" [ "$(grep -c ' 200ms ' "$TMP/show2.out")" -eq 6 ]

# A link reset mid-sync: node 3 misses blocks, then syncs over a 600 ms
# link; it is mid-sync once it holds headers it has no blocks for yet.
mid_sync() {
	rpc 3 getblockchaininfo >"$TMP/bci" 2>/dev/null || return 1
	b=$(sed -n 's/.*"blocks": *\([0-9]*\).*/\1/p' "$TMP/bci")
	h=$(sed -n 's/.*"headers": *\([0-9]*\).*/\1/p' "$TMP/bci")
	[ -n "$b" ] && [ -n "$h" ] && [ "$h" -gt "$b" ]
}
check "kill node 3" quiet tn kill 3
H3=$(height 2)
check "node 2 mines on: two more blocks" wait_slow 120 at_least 2 $((H3 + 2))
check "link 2-3 delay 600" quiet tn link 2-3 delay 600
check "start node 3" quiet tn start 3
T=$(height 2)
check "node 3 is mid-sync: headers ahead of its blocks" wait_for 30 mid_sync
tn link 2-3 reset >"$TMP/reset.out" 2>&1
echo "# reset at node 3 height $(height 3) of $T"
check "link 2-3 reset closes its connection" grep -q "1 connection closed" "$TMP/reset.out"
check "node 3 sees the connection drop" wait_for 10 logged 3 "127.0.0.12:$((BASE + 2))) closed the connection"
check "node 3 reconnects and completes the sync" wait_slow 90 at_least 3 "$T"
check "no node banned anyone" no_bans 0 1 2 3
finish
