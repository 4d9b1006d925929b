#!/bin/sh
# Transactions over the network: a child that arrives before its parent
# waits as an orphan and enters once the parent does; both travel two hops;
# a restarted node reloads its mempool; an invalid transaction bans its sender.
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$(port_base 3571)

# A fixed topology: no automatic outbound peers, so two hops stay two hops.
node() {
	i=$1; shift
	start_flintd "$TMP/n$i.out" --chain regtest --datadir "$TMP/n$i" --bind 127.0.0.$((40 + i)) \
		--port $((BASE + i)) --maxoutbound 0 "$@"
	eval "PID$i=\$LAST_PID"
}
addr() { echo "127.0.0.$((40 + $1)):$((BASE + $1))"; }
logof() { echo "$TMP/n$1/regtest/debug.log"; }
at_height() { grep -q "new tip: height $2 " "$(logof $1)" 2>/dev/null; }

"$TOOLS/mkchain" "$TMP/n0" 110 0 --spend > "$TMP/spends" || exit 1
PARENT_ID=$(sed -n 1p "$TMP/spends" | cut -d' ' -f1)
PARENT=$(sed -n 1p "$TMP/spends" | cut -d' ' -f2)
CHILD_ID=$(sed -n 2p "$TMP/spends" | cut -d' ' -f1)
CHILD=$(sed -n 2p "$TMP/spends" | cut -d' ' -f2)
OTHER=$(sed -n 3p "$TMP/spends" | cut -d' ' -f2)

node 0
node 1 --connect "$(addr 0)"
node 2 --connect "$(addr 1)"
check "peers sync the chain" wait_for 60 at_height 2 110

# The child first: it cannot enter until its parent has.
"$TOOLS/rawpeer" 127.0.0.60 127.0.0.40 $BASE tx 0 "$CHILD" >/dev/null
"$TOOLS/rawpeer" 127.0.0.60 127.0.0.40 $BASE tx 0 "$PARENT" >/dev/null
check "parent accepted by the first node" wait_for 10 grep -q "accepted tx $PARENT_ID" "$(logof 0)"
check "orphan child accepted once its parent is in" wait_for 10 grep -q "accepted tx $CHILD_ID" "$(logof 0)"
check "parent relayed two hops" wait_for 20 grep -q "accepted tx $PARENT_ID" "$(logof 2)"
check "child relayed two hops" wait_for 20 grep -q "accepted tx $CHILD_ID" "$(logof 2)"

stop_pid "$PID2"
check "mempool saved at shutdown" grep -q "mempool: saved 2 transactions" "$(logof 2)"
node 2 --connect "$(addr 1)"
check "mempool reloaded after restart" wait_for 20 grep -q "mempool: loaded 2 of 2" "$(logof 2)"

# A transaction with a broken signature is an offence: its sender is banned.
# (A spend of a coin the pool already spends would only be a conflict: use another coin.)
BAD=$(echo "$OTHER" | sed 's/\(.\{100\}\)\(.\)/\1f/')
[ "$BAD" = "$OTHER" ] && BAD=$(echo "$OTHER" | sed 's/\(.\{100\}\)\(.\)/\10/')
"$TOOLS/rawpeer" 127.0.0.61 127.0.0.41 $((BASE + 1)) tx 2 "$BAD" >/dev/null
check "a sender of an invalid tx is banned" wait_for 10 grep -q '^127.0.0.61 ' "$TMP/n1/regtest/banlist.dat"
check "the honest relays were not punished" sh -c "! grep -q 'banned 127.0.0.4' '$(logof 1)'"
finish
