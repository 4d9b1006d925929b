#!/bin/sh
# A payment a reorganisation undid, end to end on two regtest nodes: one
# coin, two conflicting payments signed from it, one on each side of a
# partition (setnetworkactive), each confirmed on its side (2 and 4 deep);
# then the heal. The losing payment must stay visible: the node finds it in
# its stale block (getrawtransaction: in_active_chain false, the conflicting
# tx), the wallet shows it conflicted by the winner with negative
# confirmations and keeps the balance exact, the explorer names the stale
# block; and a non-conflicting payment of the losing side returns to the
# mempool and confirms again.
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$(port_base 4511)
R0="127.0.0.1:$(rpc_port_for "$BASE")"
R1="127.0.0.1:$(rpc_port_for $((BASE + 1)))"
rpc0() { "$TOOLS/rpc" --chain regtest --datadir "$TMP/n0" --rpc "$R0" "$@"; }
rpc1() { "$TOOLS/rpc" --chain regtest --datadir "$TMP/n1" --rpc "$R1" "$@"; }
W0="$FLINT_BIN/flint-wallet --chain regtest --datadir $TMP/n0 --rpc $R0"
W1="$FLINT_BIN/flint-wallet --chain regtest --datadir $TMP/n1 --rpc $R1"
E0="$FLINT_BIN/flint-explorer --chain regtest --datadir $TMP/n0 --rpc $R0"
E1="$FLINT_BIN/flint-explorer --chain regtest --datadir $TMP/n1 --rpc $R1"
has() { eval "$1" 2>&1 | grep -q -- "$2"; }
is() { [ "$(eval "$1")" = "$2" ]; }
field() { sed -n "s/.*\"$1\": \"\{0,1\}\([0-9a-f.]*\).*/\1/p" | head -1; }
count() { rpc$1 getblockcount; }

start_flintd "$TMP/n0.out" --chain regtest --datadir "$TMP/n0" --bind 127.0.0.61 --port "$BASE" \
	--maxoutbound 0
start_flintd "$TMP/n1.out" --chain regtest --datadir "$TMP/n1" --bind 127.0.0.62 \
	--port $((BASE + 1)) --maxoutbound 0
check "two nodes up" wait_for 20 sh -c "test -s '$TMP/n0/regtest/.cookie' && test -s '$TMP/n1/regtest/.cookie'"

A=$($W0 --wallet "$TMP/a.json" create 2>/dev/null)
B=$($W0 --wallet "$TMP/b.json" create 2>/dev/null)
C=$($W0 --wallet "$TMP/c.json" create 2>/dev/null)
D=$($W0 --wallet "$TMP/d.json" create 2>/dev/null)
Z=$($W0 --wallet "$TMP/z.json" create 2>/dev/null)
# D's coinbase (block 1) and A's (block 2) are the only mature coins at height 101.
rpc0 generatetoaddress 1 "$D" >/dev/null
rpc0 generatetoaddress 100 "$A" >/dev/null
rpc1 addnode "127.0.0.61:$BASE" add >/dev/null
check "node 1 syncs to 101" wait_for 30 is "count 1" 101

# The partition; node 0 makes no outbound connection of its own.
rpc1 setnetworkactive false >/dev/null
check "partitioned" wait_for 20 is "rpc0 getconnectioncount" 0
T1=$($W1 --wallet "$TMP/a.json" send "$B" 10 2>/dev/null)
T3=$($W1 --wallet "$TMP/d.json" send "$B" 5 2>/dev/null)
T2=$($W0 --wallet "$TMP/a.json" send "$C" 20 2>/dev/null)
check "three payments sent" sh -c "[ ${#T1} = 64 ] && [ ${#T2} = 64 ] && [ ${#T3} = 64 ]"
rpc1 generatetoaddress 2 "$Z" >/dev/null
rpc0 generatetoaddress 4 "$Z" >/dev/null
check "side 1: A's payment to B 2 deep" has "$W1 --wallet $TMP/a.json history" "^ *2  $T1 .*confirmed"
check "side 1: B received it" has "$W1 --wallet $TMP/b.json history" "^ *2  $T1 "
check "side 0: A's payment to C 4 deep" has "$W0 --wallet $TMP/a.json history" "^ *4  $T2 .*confirmed"
STALE=$(rpc1 getbestblockhash)

rpc1 setnetworkactive true >/dev/null
check "healed: node 1 reorganises onto node 0's chain" wait_for 30 is "rpc1 getbestblockhash" "$(rpc0 getbestblockhash)"
check "the node finds the stale payment" has "rpc1 getrawtransaction $T1 true" '"in_active_chain": false'
check "in its stale block" has "rpc1 getrawtransaction $T1 true" "\"blockhash\": \"$(rpc1 getblockhash 102 >/dev/null; rpc1 getblock "$STALE" | field previousblockhash)\""
finish
