#!/bin/sh
# Gossip end to end along a line of five regtest nodes, 0-1-2-3-4: a block
# newly mined at one end reaches the other; a transaction submitted at the
# far end reaches every mempool, is mined at node 0, and confirms everywhere.
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$(port_base 4409)
N=5

node() {
	i=$1; shift
	start_flintd "$TMP/n$i.out" --chain regtest --datadir "$TMP/n$i" --bind 127.0.0.$((70 + i)) \
		--port $((BASE + i)) "$@"
}
addr() { echo "127.0.0.$((70 + $1)):$((BASE + $1))"; }
rpc() { i=$1; shift; "$TOOLS/rpc" --chain regtest --datadir "$TMP/n$i" --rpc "127.0.0.1:$(rpc_port_for $((BASE + i)))" "$@"; }
all_at() { for i in $(seq 0 $((N - 1))); do [ "$(rpc "$i" getblockcount)" = "$1" ] || return 1; done; }
all_have() { for i in $(seq 0 $((N - 1))); do rpc "$i" getrawmempool | grep -q "$1" || return 1; done; }
none_have() { for i in $(seq 0 $((N - 1))); do rpc "$i" getrawmempool | grep -q "$1" && return 1; done; return 0; }
all_confirm() { for i in $(seq 0 $((N - 1))); do rpc "$i" getrawtransaction "$1" true | grep -q '"confirmations": 1' || return 1; done; }

"$TOOLS/mkchain" "$TMP/n0" 105 0 --spend > "$TMP/spends" || exit 1
TXID=$(sed -n 1p "$TMP/spends" | cut -d' ' -f1)
TX=$(sed -n 1p "$TMP/spends" | cut -d' ' -f2)
node 0 --maxoutbound 0
for i in $(seq 1 $((N - 1))); do node "$i" --connect "$(addr $((i - 1)))"; done
check "the line syncs the existing chain" wait_for 60 all_at 105

ADDR=$(rpc 0 getblock "$(rpc 0 getblockhash 1)" 2 | grep -o '"address": "[^"]*"' | head -1 | cut -d'"' -f4)
NEW=$(rpc 0 generatetoaddress 1 "$ADDR" | grep -o '[0-9a-f]\{64\}')
check "a block mined at node 0" [ -n "$NEW" ]
check "the new block reaches node 4 through three relays" wait_for 20 all_at 106
check "node 4's tip is that block" sh -c "[ \"\$(\"$TOOLS/rpc\" --chain regtest --datadir '$TMP/n4' --rpc 127.0.0.1:$(rpc_port_for $((BASE + 4))) getbestblockhash)\" = '$NEW' ]"

check "a tx submitted at node 4" sh -c "[ \"\$(\"$TOOLS/rpc\" --chain regtest --datadir '$TMP/n4' --rpc 127.0.0.1:$(rpc_port_for $((BASE + 4))) sendrawtransaction $TX)\" = '$TXID' ]"
check "reaches every mempool" wait_for 20 all_have "$TXID"
rpc 0 generatetoaddress 1 "$ADDR" >/dev/null
check "mined at node 0, the block reaches every node" wait_for 20 all_at 107
check "confirmed at every node" all_confirm "$TXID"
check "and gone from every mempool" none_have "$TXID"
finish
