#!/bin/sh
# A partition heals: two testnet miners build separate chains, then the one
# with less work meets the other and reorganises onto it, and a third node
# behind it follows to the same tip.
. "$(dirname "$0")/lib.sh"
BASE=$(port_base 6007)
ADDR=F5q8fq1iBfG8x8wavNNaZpAx8LkXqKnsFc

# A fixed topology: no automatic outbound peers, so the partition holds.
node() {
	i=$1; shift
	start_flintd "$TMP/n$i.out" --chain testnet --datadir "$TMP/n$i" --bind 127.0.0.$((80 + i)) \
		--port $((BASE + i)) --maxoutbound 0 "$@"
	eval "PID$i=\$LAST_PID"
}
addr() { echo "127.0.0.$((80 + $1)):$((BASE + $1))"; }
height() { grep 'new tip: height' "$TMP/n$1/testnet/debug.log" 2>/dev/null | tail -1 | sed 's/.*height \([0-9]*\).*/\1/'; }
tip() { grep 'new tip: height' "$TMP/n$1/testnet/debug.log" 2>/dev/null | tail -1 | sed 's/.*hash //'; }
at_least() { h=$(height "$1"); [ -n "$h" ] && [ "$h" -ge "$2" ]; }

# The partition: two miners that never meet.
node 0 --mine --mining-address $ADDR --nolisten
node 1 --mine --mining-address $ADDR
check "side A mines" wait_for 120 at_least 0 2
stop_pid "$PID0"
A=$(height 0)
check "side B mines past side A" wait_for 180 at_least 1 $((A + 2))
stop_pid "$PID1"
B_TIP=$(tip 1)
B=$(height 1)

# Heal: A meets B (no longer mining), and C follows A.
node 1
node 0 --connect "$(addr 1)"
node 2 --connect "$(addr 0)"
check "side A reorganises onto the heavier chain" wait_for 60 sh -c "grep -q 'reorganised: ' '$TMP/n0/testnet/debug.log'"
check "side A ends on side B's tip" wait_for 60 sh -c "[ \"\$(grep 'new tip: height' '$TMP/n0/testnet/debug.log' | tail -1 | sed 's/.*hash //')\" = '$B_TIP' ]"
check "a node behind side A follows to the same tip" wait_for 60 sh -c "[ \"\$(grep 'new tip: height' '$TMP/n2/testnet/debug.log' | tail -1 | sed 's/.*hash //')\" = '$B_TIP' ]"
check "the reorganised chain has B's height ($B)" [ "$(height 0)" = "$B" ]
finish
