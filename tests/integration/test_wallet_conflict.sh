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
T2=$($W0 --wallet "$TMP/a.json" send "$C" 20 2>"$TMP/t2.err")
FEE2=$(sed -n 's/.*fee \([0-9.]*\).*/\1/p' "$TMP/t2.err")
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
STALE102=$(rpc1 getblock "$STALE" | field previousblockhash)
check "in its stale block, 102 of the losing side" has "rpc1 getrawtransaction $T1 true" "\"blockhash\": \"$STALE102\""
flat() { "$@" | tr -d ' \n'; }
check "the node names the tx that spent its input" has "flat rpc1 getrawtransaction $T1 true" "\"conflicts\":\[{\"vin\":0,\"txid\":\"$T2\""
check "and when it was disconnected" has "rpc1 getrawtransaction $T1 true" '"disconnected_time": [0-9]'

# The wallet: the winner confirmed, the loser conflicted by it, 4 blocks deep.
check "A: the winning payment confirmed (4)" has "$W1 --wallet $TMP/a.json history" "^ *4  $T2 .*confirmed (4)"
check "A: the losing payment conflicted, -4, by the winner in block 102" has "$W1 --wallet $TMP/a.json history" \
	"^ *-4  $T1 .*conflicted: double-spent by $T2 in block 102"
check "history --json carries the state and the replacing tx" sh -c "$W1 --wallet $TMP/a.json --json history | grep '\"txid\": \"$T1\"' | grep -q '\"confirmations\": -4, .*\"state\": \"conflicted\", .*\"blocks\": \[{\"hash\": \"$STALE102\", \"height\": 102}\], \"conflict\": {\"txid\": \"$T2\"'"
check "B: the 10 it received is conflicted" has "$W1 --wallet $TMP/b.json history" "^ *-4  $T1 *10.00000000 .*conflicted"
check "B: the 5 of the losing side is back in the mempool" has "$W1 --wallet $TMP/b.json history" \
	"^ *0  $T3 *5.00000000 .*returned to the mempool by a reorganisation (was in block 102)"
check "B's balance never counts the conflicted 10" has "$W1 --wallet $TMP/b.json balance" "^confirmed    0.00000000"
check "only the returned 5 is unconfirmed" has "$W1 --wallet $TMP/b.json balance" "^unconfirmed  5.00000000"

# A copy of B's keys that never ran history: the side branch still tells it.
cp "$TMP/b.json" "$TMP/b2.json"
check "a wallet that saw nothing before the heal finds the conflicted 10 in the side branch" \
	has "$W1 --wallet $TMP/b2.json history" "^ *-4  $T1 *10.00000000 .*conflicted: double-spent by $T2 in block 102"

# The explorer.
check "explorer tx: the stale block and the replacing tx" has "$E1 tx $T1" \
	"^stale         was in block 102 ($STALE102), now on a side branch since the reorganisation at [0-9-]* [0-9:]* UTC; its input was spent by $T2 in block 102"
check "explorer address lists it the same way" has "$E1 address $B" "^$T1  was in block 102 ($STALE102), now on a side branch since"
check "explorer address --json: under stale" has "flat $E1 --json address $B" "\"stale\":\[{\"txid\":\"$T1\""

# The returned payment confirms again; balances exact to the base unit.
rpc1 generatetoaddress 1 "$Z" >/dev/null
check "node 0 follows" wait_for 30 is "count 0" 106
check "B: the returned 5 confirmed (1)" has "$W0 --wallet $TMP/b.json history" "^ *1  $T3 .*confirmed (1)"
check "B: still conflicted, -5 now" has "$W1 --wallet $TMP/b.json history" "^ *-5  $T1 .*conflicted: double-spent by $T2"
check "a node that never saw it: the wallet remembers it, conflicted" has "$W0 --wallet $TMP/b.json history" \
	"^ *0  $T1 .*conflicted: was in block 102, an input is spent elsewhere"
check "B: exactly 5 confirmed" has "$W0 --wallet $TMP/b.json balance" "^confirmed    5.00000000"
check "C: exactly 20" has "$W0 --wallet $TMP/c.json balance" "^confirmed    20.00000000"
# A: coinbases of blocks 2-7 are mature at 107; block 2's paid C 20 plus FEE2.
WANT=$(echo "$FEE2" | awk '{printf "%.8f", 300 - 20 - $1}')
check "A: 300 - 20 - fee ($FEE2), to the base unit" has "$W0 --wallet $TMP/a.json balance" "^confirmed    $WANT"
check "the history sidecar is the wallet's, mode 0600" sh -c "[ \"\$(stat -c %a '$TMP/a.json.history')\" = 600 ]"

# A damaged memory: history refuses it with the fix, a payment still goes out.
echo '{"version": 1, "txs": [' > "$TMP/c.json.history"
check "a damaged history file is refused with a message" has "$W0 --wallet $TMP/c.json history" \
	"is not a wallet history file (move it away to start afresh)"
T4=$($W0 --wallet "$TMP/c.json" send "$B" 1 2>"$TMP/t4.err")
check "a payment still goes out, with a warning" sh -c "[ ${#T4} = 64 ] && grep -q 'warning: .*the payment is not remembered' '$TMP/t4.err'"
finish
