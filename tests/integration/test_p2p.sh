#!/bin/sh
# Real flintd processes on loopback, each on its own 127.0.0.x address:
# initial sync past the 2,000-header message limit, relay along a line of
# five nodes, a restart that keeps the chain, hostile peers dropped and
# banned while honest peers keep syncing, the handshake timeout, and a ban
# that survives a restart.
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$(port_base 0)

# node I [ARGS...]: starts node I on 127.0.0.(10+I), port BASE+I, in a fixed
# topology: no automatic outbound peers (test_p2p_addr.sh tests those).
node() {
	i=$1; shift
	start_flintd "$TMP/n$i.out" --chain regtest --datadir "$TMP/n$i" --bind 127.0.0.$((10 + i)) \
		--port $((BASE + i)) --handshake-timeout 2 --maxoutbound 0 "$@"
	eval "PID$i=\$LAST_PID"
}
addr() { echo "127.0.0.$((10 + $1)):$((BASE + $1))"; }
log() { cat "$TMP/n$1/regtest/debug.log" 2>/dev/null; }
at_height() { log "$1" | grep -q "new tip: height $2 "; }
ready() { log "$1" | grep -q 'ready$'; }

"$TOOLS/mkchain" "$TMP/n0" 2100 || exit 1
node 0
check "node 0 starts with 2100 blocks" wait_for 20 sh -c "grep -q 'height 2100,' '$TMP/n0/regtest/debug.log'"

node 1 --connect "$(addr 0)"
check "fresh node syncs 2100 blocks (two header messages)" wait_for 60 at_height 1 2100

# A line 0 <- 2 <- 3 <- 4 <- 5: blocks travel through every hop.
node 2 --connect "$(addr 0)"
node 3 --connect "$(addr 2)"
node 4 --connect "$(addr 3)"
node 5 --connect "$(addr 4)"
check "chain reaches the end of a five-node line" wait_for 90 at_height 5 2100

stop_pid "$PID1"
node 1 --connect "$(addr 0)"
check "restarted node keeps its chain" wait_for 20 sh -c "grep 'chain regtest: height' '$TMP/n1/regtest/debug.log' | tail -1 | grep -q 'height 2100,'"

r=$("$TOOLS/rawpeer" 127.0.0.200 127.0.0.10 $((BASE + 0)) idle 10)
check "peer that never handshakes is dropped after the timeout" sh -c "echo '$r' | grep -q 'closed after'"

for mode in garbage badchecksum oversize badblock; do
	case $mode in garbage) ip=201;; badchecksum) ip=202;; oversize) ip=203;; badblock) ip=204;; esac
	r=$("$TOOLS/rawpeer" 127.0.0.$ip 127.0.0.10 $((BASE + 0)) $mode 10)
	check "$mode: peer disconnected" sh -c "echo '$r' | grep -q 'closed after'"
	check "$mode: peer banned" wait_for 5 sh -c "grep -q '^127.0.0.$ip ' '$TMP/n0/regtest/banlist.dat'"
done
check "bad block reported as a merkle mismatch" sh -c "grep -q 'bad-txnmrklroot' '$TMP/n0/regtest/debug.log'"

r=$("$TOOLS/rawpeer" 127.0.0.205 127.0.0.10 $((BASE + 0)) ping 5)
check "an honest peer's ping is answered" sh -c "echo '$r' | grep -q 'pong after'"

# Honest peers were not affected: a sixth node still syncs from node 0.
node 6 --connect "$(addr 0)"
check "honest peers keep syncing after the attacks" wait_for 60 at_height 6 2100

stop_pid "$PID0"
node 0
check "node 0 restarts" wait_for 20 sh -c "grep -c '^.*ready' '$TMP/n0/regtest/debug.log' | grep -q 2"
r=$("$TOOLS/rawpeer" 127.0.0.201 127.0.0.10 $((BASE + 0)) ping 5)
check "a ban survives a restart" sh -c "echo '$r' | grep -q -v 'pong after'"
check "the banned address is refused on connect" wait_for 5 sh -c "grep -q 'banned address' '$TMP/n0/regtest/debug.log'"
# A reorg propagates: node 7 (2 blocks) with node 8 behind it meets node 9
# (a different, 4-block chain): both move to node 9's tip.
"$TOOLS/mkchain" "$TMP/n7" 2 7 >/dev/null
"$TOOLS/mkchain" "$TMP/n9" 4 9 >/dev/null
node 9
node 7
# Node 8 dials once node 7 listens: a dial before that backs off 1, 2, 4, 8 s..., which
# a slow start (under the sanitizers) could stretch past this check's bound.
check "node 7 starts" wait_for 20 ready 7
node 8 --connect "$(addr 7)"
check "a node follows the short chain first" wait_for 20 at_height 8 2
stop_pid "$PID7"
node 7 --connect "$(addr 9)"
check "the short side reorganises onto the longer chain" wait_for 20 sh -c "grep -q 'reorganised: 2 blocks' '$TMP/n7/regtest/debug.log'"
check "the reorg reaches the node behind it" wait_for 20 at_height 8 4
check "nothing crashed on the way" sh -c "kill -0 $PID7 && kill -0 $PID8"
finish
