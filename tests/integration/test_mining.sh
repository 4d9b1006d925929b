#!/bin/sh
# Continuous mining on testnet: a mining node's blocks reach peers two hops
# away, the miner refuses regtest and a bad address, and a restarted miner
# continues from its chain.
. "$(dirname "$0")/lib.sh"
BASE=$(port_base 7919)
# A testnet address: version 0x23 and the key hash 00 01 02 .. 13.
ADDR=F5q8fq1iBfG8x8wavNNaZpAx8LkXqKnsFc

# A fixed topology: no automatic outbound peers, so two hops stay two hops.
node() {
	i=$1; shift
	start_flintd "$TMP/n$i.out" --chain testnet --datadir "$TMP/n$i" --bind 127.0.0.$((30 + i)) \
		--port $((BASE + i)) --maxoutbound 0 "$@"
	eval "PID$i=\$LAST_PID"
}
addr() { echo "127.0.0.$((30 + $1)):$((BASE + $1))"; }
height_at_least() {
	h=$(grep 'new tip: height' "$TMP/n$1/testnet/debug.log" 2>/dev/null | tail -1 | sed 's/.*height \([0-9]*\).*/\1/')
	[ -n "$h" ] && [ "$h" -ge "$2" ]
}

err=$("$FLINT_BIN/flintd" --chain regtest --datadir "$TMP/r" --mine --mining-address $ADDR 2>&1); rc=$?
check "regtest refuses continuous mining" sh -c "[ $rc -ne 0 ] && echo \"\$1\" | grep -q 'on demand'" _ "$err"
err=$("$FLINT_BIN/flintd" --datadir "$TMP/r" --mine --mining-address nonsense 2>&1); rc=$?
check "a bad mining address is refused" sh -c "[ $rc -ne 0 ] && echo \"\$1\" | grep -q \"got 'nonsense'\"" _ "$err"
check "refused before opening any database" [ ! -d "$TMP/r/testnet/chaindb" ]

node 0 --mine --mining-address $ADDR
node 1 --connect "$(addr 0)"
node 2 --connect "$(addr 1)"
check "the miner finds blocks" wait_for 60 height_at_least 0 3
check "mined blocks reach a peer two hops away" wait_for 60 height_at_least 2 3

stop_pid "$PID0"
check "miner stops cleanly" [ "$STOP_RC" -eq 0 ]
before=$(grep 'new tip: height' "$TMP/n0/testnet/debug.log" | tail -1 | sed 's/.*height \([0-9]*\).*/\1/')
node 0 --mine --mining-address $ADDR --connect "$(addr 1)"
check "restarted miner extends its own chain" wait_for 60 height_at_least 0 $((before + 1))
finish
