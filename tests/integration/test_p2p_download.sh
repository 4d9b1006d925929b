#!/bin/sh
# Block download: a peer that announces blocks but never serves them is
# dropped after the stall timeout and the blocks come from an honest peer;
# a fresh node fetches from several peers at once; and a fresh node syncs
# 10,000 blocks from one peer with no manual step, in bounded time and
# without fetching anything twice.
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$(port_base 5113)

# node I [ARGS...]: node I on 127.0.0.(60+I), port BASE+I, in a fixed topology.
node() {
	i=$1; shift
	start_flintd "$TMP/n$i.out" --chain regtest --datadir "$TMP/n$i" --bind 127.0.0.$((60 + i)) \
		--port $((BASE + i)) --maxoutbound 0 "$@"
	eval "PID$i=\$LAST_PID"
}
addr() { echo "127.0.0.$((60 + $1)):$((BASE + $1))"; }
logof() { echo "$TMP/n$1/regtest/debug.log"; }
at_height() { grep -q "new tip: height $2 " "$(logof $1)" 2>/dev/null; }
ready() { grep -q "ready$" "$(logof $1)" 2>/dev/null; }

# --- a staller: node 0 (fresh) hears of 20 blocks first from a raw peer that never serves them.
"$TOOLS/mkchain" "$TMP/n1" 20 3 --headers > "$TMP/headers" || exit 1
node 0 --stall-timeout 2 --loglevel debug
check "fresh node starts" wait_for 20 ready 0
"$TOOLS/rawpeer" 127.0.0.75 127.0.0.60 $BASE stall 20 $(cat "$TMP/headers") > "$TMP/stall.out" &
STALLER=$!
check "the staller is asked for the blocks it announced" \
	wait_for 10 grep -q "requested [0-9]* blocks from peer [0-9]* (127.0.0.75:" "$(logof 0)"
node 1 --connect "$(addr 0)"             # an honest peer with the same 20 blocks
check "the staller is dropped after the stall timeout" \
	wait_for 20 grep -q "(127.0.0.75:[0-9]*): stalled block download" "$(logof 0)"
check "the blocks come from the honest peer" wait_for 20 at_height 0 20
wait $STALLER
check "the staller saw its requests and the close" \
	sh -c "grep -q 'asked for [1-9][0-9]* blocks' '$TMP/stall.out' && grep -q 'closed after' '$TMP/stall.out'"
stop_pid "$PID0"; stop_pid "$PID1"

# --- parallel download: three peers with the same 2,000 blocks; a fresh node uses more than one.
for i in 2 3 4; do
	"$TOOLS/mkchain" "$TMP/n$i" 2000 4 >/dev/null || exit 1
	node $i
done
check "three synced peers start" wait_for 20 sh -c "grep -q 'height 2000,' '$(logof 2)' && grep -q 'height 2000,' '$(logof 3)' && grep -q 'height 2000,' '$(logof 4)'"
node 5 --connect "$(addr 2)" --connect "$(addr 3)" --connect "$(addr 4)" --loglevel debug
check "a fresh node syncs from three peers" wait_for 60 at_height 5 2000
served=$(grep -o "block [0-9a-f]* from peer [0-9]* (127.0.0.6[234]:" "$(logof 5)" | sed 's/.*(//' | sort -u | wc -l)
check "blocks came from more than one peer ($served)" [ "$served" -ge 2 ]
stop_pid "$PID2"; stop_pid "$PID3"; stop_pid "$PID4"; stop_pid "$PID5"

# --- a long sync: 10,000 blocks, nothing but --connect.
"$TOOLS/mkchain" "$TMP/n6" 10000 6 >/dev/null || exit 1
node 6
check "a 10,000-block node starts" wait_for 20 grep -q "height 10000," "$(logof 6)"
t0=$(date +%s)
node 7 --connect "$(addr 6)"
check "a fresh node syncs 10,000 blocks" wait_for 120 at_height 7 10000
took=$(( $(date +%s) - t0 ))
check "within 30 s (took $took s)" [ "$took" -le 30 ]
# Each header and block crosses once (about 2.8 MB in all); the syncing node
# asks for each block once and announces none back to the peer it came from.
info=$("$TOOLS/rpc" --chain regtest --datadir "$TMP/n7" --rpc "127.0.0.1:$(rpc_port_for $((BASE + 7)))" getpeerinfo)
recv=$(echo "$info" | sed -n 's/.*"bytesrecv": \([0-9]*\).*/\1/p')
sent=$(echo "$info" | sed -n 's/.*"bytessent": \([0-9]*\).*/\1/p')
check "the sync received under 4 MB ($recv bytes)" [ "${recv:-99999999}" -lt 4000000 ]
check "and sent under 1 MB: a getdata per block, no announcements back ($sent bytes)" \
	[ "${sent:-99999999}" -lt 1000000 ]
check "both nodes still run" sh -c "kill -0 $PID6 && kill -0 $PID7"
finish
