#!/bin/sh
# Address gossip and the address book: node C learns node A only from B's
# addr messages and connects to it, then finds it again from peers.dat
# after a restart without any peer given; a damaged peers.dat is ignored;
# a node told to connect to itself drops that connection and says so; and
# a raw peer's getaddr is answered once, its fresh address relayed, its
# far-future address ignored and its oversized addr message punished.
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$(port_base 2203)

# node I [ARGS...]: starts node I on 127.0.0.(20+I), port BASE+I.
node() {
	i=$1; shift
	start_flintd "$TMP/n$i.out" --chain regtest --datadir "$TMP/n$i" --bind 127.0.0.$((20 + i)) \
		--port $((BASE + i)) "$@"
	eval "PID$i=\$LAST_PID"
}
addr() { echo "127.0.0.$((20 + $1)):$((BASE + $1))"; }
logof() { echo "$TMP/n$1/regtest/debug.log"; }
# connected I J: node I has an outbound connection to node J.
connected() { grep -q "connected to peer [0-9]* ($(addr $2))" "$(logof $1)" 2>/dev/null; }
not() { ! "$@"; }
ready() { grep -q "ready$" "$(logof $1)" 2>/dev/null; }

# A and B dial no one from their books: every connection to A that C makes is its own.
node 0 --maxoutbound 0
check "node A starts" wait_for 20 ready 0
node 1 --addnode "$(addr 0)" --maxoutbound 0
check "node B connects to A (--addnode)" wait_for 20 connected 1 0
node 2 --addnode "$(addr 1)"
check "node C connects to B (--addnode)" wait_for 20 connected 2 1
check "node C learns A from B's gossip and connects to it" wait_for 30 connected 2 0

stop_pid "$PID2"
check "C stops cleanly" [ "$STOP_RC" -eq 0 ]
check "C saved its address book" [ -s "$TMP/n2/regtest/peers.dat" ]
: > "$(logof 2)"
node 2
check "restarted C loads its address book" wait_for 20 grep -q "address book: [0-9]* addresses from" "$(logof 2)"
check "restarted C reconnects to A from peers.dat alone" wait_for 30 connected 2 0
check "restarted C reconnects to B from peers.dat alone" wait_for 30 connected 2 1

# A damaged book is reported and ignored, never a crash.
stop_pid "$PID2"
printf 'FLPB\001\000\000\000garbage garbage garbage garbage garbage garbage' > "$TMP/n2/regtest/peers.dat"
: > "$(logof 2)"
node 2 --addnode "$(addr 1)"
check "a damaged peers.dat is reported" wait_for 20 grep -q "ignoring address book" "$(logof 2)"
check "the node runs on and learns A again" wait_for 30 connected 2 0

# With --connect, only those peers: no automatic connections from the book.
stop_pid "$PID2"
: > "$(logof 2)"
node 2 --connect "$(addr 1)" --loglevel debug
check "with --connect the node connects to that peer" wait_for 20 connected 2 1
check "with --connect it still loads the book" grep -q "address book: [0-9]* addresses from" "$(logof 2)"
check "and still hears addresses" wait_for 20 grep -q "sent [0-9]* addresses" "$(logof 2)"
sleep 2         # proving an absence: a few ticks in which a dial would have happened
check "with --connect the book is not dialled" not connected 2 0

# Connections to ourselves: dropped, logged, and not dialled again.
node 3 --connect "$(addr 3)"
check "a node told to --connect to itself detects it" wait_for 20 grep -q "is ourselves: not dialling that address again" "$(logof 3)"
check "and drops that connection" grep -q "connected to ourselves" "$(logof 3)"
node 4 --addnode "$(addr 4)"
check "a node told to --addnode itself detects it" wait_for 20 grep -q "is ourselves: not dialling that address again" "$(logof 4)"
check "nodes connected to themselves keep running" sh -c "kill -0 $PID3 && kill -0 $PID4"

# Hostile addr traffic.
node 5 --loglevel debug
check "node 5 starts" wait_for 20 ready 5
"$TOOLS/rawpeer" 127.0.0.28 127.0.0.25 $((BASE + 5)) hold 4 > "$TMP/listener.out" &
LISTENER=$!
check "a listening peer is in" wait_for 10 grep -q "(127.0.0.28:[0-9]*) ready" "$(logof 5)"
r=$("$TOOLS/rawpeer" 127.0.0.29 127.0.0.25 $((BASE + 5)) addr 3)
check "two getaddr on one connection get one answer" sh -c "echo '$r' | grep -q 'got 1 addr messages'"
wait $LISTENER
check "the fresh address is relayed to the other peer, once" grep -q "got 1 addr messages" "$TMP/listener.out"
check "a far-future address is ignored, a fresh one kept" \
	grep -q "sent 2 addresses: 1 new or newer, 1 in the future" "$(logof 5)"
check "1001 addresses in one message is misbehaviour" \
	grep -q "misbehaved: malformed addr, or more than 1000 addresses (score 20)" "$(logof 5)"
check "node 5 runs on" kill -0 "$PID5"
finish
