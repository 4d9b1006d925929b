#!/bin/sh
# Unconfirmed chains are bounded as Bitcoin Core bounds them: of a chain of
# 30 spends sent over RPC, 25 enter (25 ancestors, itself counted), the 26th
# is refused with too-long-mempool-chain and never relayed, a peer that
# sends it is not punished, and once a block confirms the 25 the rest enter.
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$(port_base 5113)

node() {
	i=$1; shift
	start_flintd "$TMP/n$i.out" --chain regtest --datadir "$TMP/n$i" --bind 127.0.0.$((120 + i)) \
		--port $((BASE + i)) --maxoutbound 0 "$@"
}
addr() { echo "127.0.0.$((120 + $1)):$((BASE + $1))"; }
rpc() { i=$1; shift; "$TOOLS/rpc" --chain regtest --datadir "$TMP/n$i" --rpc "127.0.0.1:$(rpc_port_for $((BASE + i)))" "$@"; }
pool_size() { rpc "$1" getmempoolinfo | grep -o '"size": [0-9]*' | grep -o '[0-9]*$'; }
at_height() { [ "$(rpc "$1" getblockcount)" = "$2" ]; }
pool_is() { [ "$(pool_size "$1")" = "$2" ]; }
lacks_tx() { ! rpc "$1" getrawmempool | grep -q "$2"; }
tx() { sed -n "$1p" "$TMP/chain" | cut -d' ' -f2; }
txid() { sed -n "$1p" "$TMP/chain" | cut -d' ' -f1; }

"$TOOLS/mkchain" "$TMP/n0" 110 0 || exit 1
"$TOOLS/txchain" "$TMP/n0" 1 30 > "$TMP/chain" || exit 1
"$TOOLS/txchain" "$TMP/n0" 2 1 > "$TMP/other" || exit 1
node 0
node 1 --connect "$(addr 0)"
check "the peer syncs the chain" wait_for 60 at_height 1 110

sent=0
for i in $(seq 1 25); do
	[ "$(rpc 0 sendrawtransaction "$(tx "$i")")" = "$(txid "$i")" ] && sent=$((sent + 1))
done
check "a chain of 25 unconfirmed txs is accepted" [ "$sent" = 25 ]
rpc 0 sendrawtransaction "$(tx 26)" > /dev/null 2> "$TMP/err26"
check "the 26th is refused: too-long-mempool-chain" grep -q "^error -26: too-long-mempool-chain" "$TMP/err26"
check "the pool holds 25" [ "$(pool_size 0)" = 25 ]

# Over P2P the same tx is refused without punishing the sender.
"$TOOLS/rawpeer" 127.0.0.140 127.0.0.120 "$BASE" tx 0 "$(tx 26)" > /dev/null
OTHER_ID=$(cut -d' ' -f1 "$TMP/other")
check "an unrelated tx is accepted after it" [ "$(rpc 0 sendrawtransaction "$(cut -d' ' -f2 "$TMP/other")")" = "$OTHER_ID" ]
check "the peer gets the 25 and the later tx" wait_for 20 pool_is 1 26
check "the 26th was never relayed" lacks_tx 1 "$(txid 26)"
check "the sender of the 26th is not punished" sh -c "! grep -q -e misbehaved -e 'banned 127.0.0.140' '$TMP/n0/regtest/debug.log'"

# Confirmed, the 25 no longer count: the rest of the chain enters.
ADDR=$(rpc 0 getblock "$(rpc 0 getblockhash 1)" 2 | grep -o '"address": "[^"]*"' | head -1 | cut -d'"' -f4)
rpc 0 generatetoaddress 1 "$ADDR" > /dev/null
check "a block confirms the chain" wait_for 20 at_height 0 111
sent=0
for i in $(seq 26 30); do
	[ "$(rpc 0 sendrawtransaction "$(tx "$i")")" = "$(txid "$i")" ] && sent=$((sent + 1))
done
check "the rest of the chain enters once its ancestors are confirmed" [ "$sent" = 5 ]
check "the node still answers" at_height 0 111
finish
