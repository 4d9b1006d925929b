#!/bin/sh
# Inbound peers under pressure: at the inbound limit a newcomer evicts the
# least useful peer, never one that just gave us blocks; and while one raw
# peer floods junk without pause, another peer's pings are still answered
# promptly.
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$(port_base 8111)

# node I [ARGS...]: node I on 127.0.0.(90+I), port BASE+I, in a fixed topology.
node() {
	i=$1; shift
	start_flintd "$TMP/n$i.out" --chain regtest --datadir "$TMP/n$i" --bind 127.0.0.$((90 + i)) \
		--port $((BASE + i)) --maxoutbound 0 "$@"
	eval "PID$i=\$LAST_PID"
}
addr() { echo "127.0.0.$((90 + $1)):$((BASE + $1))"; }
logof() { echo "$TMP/n$1/regtest/debug.log"; }
ready() { grep -q "ready$" "$(logof $1)" 2>/dev/null; }
peer_ready() { grep -q "peer [0-9]* ($2:[0-9]*) ready" "$(logof $1)" 2>/dev/null; }

# --- eviction: node 0 takes 2 inbound peers. An idle raw peer comes first, then
# node 1, which gives it blocks, then a newcomer: the idle one must make room,
# although node 1 is the newer of the two.
"$TOOLS/mkchain" "$TMP/n1" 50 5 >/dev/null || exit 1
node 0 --maxinbound 2
check "node starts" wait_for 20 ready 0
"$TOOLS/rawpeer" 127.0.0.210 127.0.0.90 $BASE hold 30 > "$TMP/idle.out" &
IDLE=$!
check "an idle peer is in" wait_for 10 peer_ready 0 127.0.0.210
node 1 --connect "$(addr 0)"
check "a second peer gives the node its blocks" \
	wait_for 20 grep -q "new tip: height 50 " "$(logof 0)"
"$TOOLS/rawpeer" 127.0.0.211 127.0.0.90 $BASE hold 4 > "$TMP/newcomer.out" &
NEWCOMER=$!
check "the idle peer is evicted for the newcomer" \
	wait_for 10 grep -q "(127.0.0.210:[0-9]*): evicted to make room" "$(logof 0)"
wait $IDLE
check "the idle peer saw the close" grep -q "closed after" "$TMP/idle.out"
wait $NEWCOMER
check "the newcomer stayed" grep -q "still open" "$TMP/newcomer.out"
check "the peer that gave blocks was never dropped" \
	sh -c "! grep -q 'disconnecting peer [0-9]* (127.0.0.91:' '$(logof 0)'"
check "the node logged whom it evicted and why" grep -q "evicted to make room" "$(logof 0)"

# --- a flood of junk does not starve others: pings stay fast.
node 2
check "node 2 starts" wait_for 20 ready 2
"$TOOLS/rawpeer" 127.0.0.212 127.0.0.92 $((BASE + 2)) flood 4 > "$TMP/flood.out" &
FLOOD=$!
check "the flooder is in" wait_for 10 peer_ready 2 127.0.0.212
for k in 1 2 3; do
	r=$("$TOOLS/rawpeer" 127.0.0.$((212 + k)) 127.0.0.92 $((BASE + 2)) ping 5)
	ms=$(echo "$r" | sed -n 's/pong after \([0-9]*\) ms/\1/p')
	check "ping $k answered during the flood in under 500 ms (${ms:-no pong})" \
		sh -c "[ -n '$ms' ] && [ '$ms' -lt 500 ]"
done
wait $FLOOD
mb=$(sed -n 's/sent \([0-9]*\) MB/\1/p' "$TMP/flood.out")
check "the flood was real (${mb:-0} MB sent)" [ "${mb:-0}" -ge 20 ]
check "the flooder was not dropped for junk it may send" grep -q "still open" "$TMP/flood.out"
check "node 2 is still up" kill -0 "$PID2"
finish
