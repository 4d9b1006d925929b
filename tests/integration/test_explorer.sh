#!/bin/sh
# flint-explorer against a known regtest chain: 105 blocks written by
# mkchain, a pending transaction, three blocks generated over RPC, and a
# two-block side branch made with invalidateblock and reconsiderblock. Each
# command's output is checked, --json parses, and errors are one line with
# a non-zero exit.
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$(port_base 6151)
RPCADDR="127.0.0.1:$(rpc_port_for "$BASE")"
ex() { "$FLINT_BIN/flint-explorer" --chain regtest --datadir "$TMP/n0" --rpc "$RPCADDR" "$@"; }
rpc() { "$TOOLS/rpc" --chain regtest --datadir "$TMP/n0" --rpc "$RPCADDR" "$@"; }
has() { eval "$1" | grep -q -- "$2"; }
lines() { [ "$(eval "$1" | wc -l)" -eq "$2" ]; }
json_ok() { eval "$1" | python3 -m json.tool >/dev/null; }

"$TOOLS/mkchain" "$TMP/n0" 105 0 --spend > "$TMP/spends" || exit 1
TXID=$(sed -n 1p "$TMP/spends" | cut -d' ' -f1)
TX=$(sed -n 1p "$TMP/spends" | cut -d' ' -f2)
start_flintd "$TMP/n0.out" --chain regtest --datadir "$TMP/n0" --bind 127.0.0.51 --port "$BASE" \
	--maxoutbound 0
check "node up" wait_for 20 test -s "$TMP/n0/regtest/.cookie"
ADDR=$(rpc getblock "$(rpc getblockhash 1)" 2 | grep -o '"address": "[^"]*"' | head -1 | cut -d'"' -f4)
rpc sendrawtransaction "$TX" >/dev/null

check "mempool lists the pending tx" has "ex mempool" "$TXID"
check "mempool counts it" has "ex mempool" "^1 transactions"
check "tx in the mempool is unconfirmed" has "ex tx $TXID" "unconfirmed"

# Three blocks on top (the first confirms the tx), then a fork: invalidate
# 107, mine three more (the active chain becomes 106-107'-108'-109'), and
# reconsider: 107-108 stays as a valid side branch.
rpc generatetoaddress 3 "$ADDR" >/dev/null
OLD107=$(rpc getblockhash 107)
OLD108=$(rpc getblockhash 108)
rpc invalidateblock "$OLD107" >/dev/null
rpc generatetoaddress 3 "$ADDR" >/dev/null
rpc reconsiderblock "$OLD107" >/dev/null
TIP=$(rpc getbestblockhash)

check "summary: height" has "ex summary" "^height      109 (headers 109)"
check "summary: tip" has "ex summary" "^tip         $TIP"
check "blocks 3: a header and three rows" lines "ex blocks 3" 4
check "blocks: newest first" has "ex blocks 3 | sed -n 2p" "^109 *$TIP"
check "block by height" has "ex block 106" "^height        106 (4 confirmations)"
check "block by hash is the same block" has "ex block $(rpc getblockhash 106)" "^height        106"
check "the confirmed tx" has "ex tx $TXID" "confirmed     in block 106"
CB2=$(rpc getblock "$(rpc getblockhash 2)" | python3 -c 'import json, sys; print(json.load(sys.stdin)["tx"][0])')
check "a coinbase shows as new coins" has "ex tx $CB2" "coinbase (new coins)"
check "address: its coinbase outputs" has "ex address $ADDR" "^transactions"
CB107=$(rpc getblock "$OLD107" | python3 -c 'import json, sys; print(json.load(sys.stdin)["tx"][0])')
check "a tx of a block the fork disconnected: stale, with its block" has "ex tx $CB107" \
	"^stale         was in block 107 ($OLD107), now on a side branch since the reorganisation at [0-9-]* [0-9:]* UTC; its new coins exist only on that branch"
check "address: the side branch's coinbase listed as stale" has "ex address $ADDR" "^$CB107  was in block 107"
check "tips: the side branch" has "ex tips" "$OLD108 *2 *valid-fork"
check "tips: the active tip" has "ex tips" "$TIP *0 *active"
check "tree marks the active tip" has "ex tree --depth 6" "^\\* 109 .*<- active tip"
check "tree draws the fork at 106" sh -c "'$FLINT_BIN/flint-explorer' --chain regtest --datadir '$TMP/n0' --rpc $RPCADDR tree --depth 6 | grep -A2 '^|\\\\' | grep -q '| o 108 *$(echo "$OLD108" | cut -c1-16) *<- valid-fork'"
check "tree --dot is Graphviz" has "ex tree --dot --depth 6" "^digraph flint {"
check "tree --dot hangs the branch off block 106" has "ex tree --dot --depth 6" "\"$(echo "$OLD107" | cut -c1-16)\" -> \"$(rpc getblockhash 106 | cut -c1-16)\""
check "watch --count 1 prints a summary" has "ex watch --count 1" "^height      109"

# A side branch longer than the window, with its tip inside it and its fork
# point far below: invalidate 102, mine 70 blocks (102'..171'), go back to the
# old chain and outgrow it (to 172); 102'..171' stays a 70-block valid fork off
# block 101.
OLD102=$(rpc getblockhash 102)
rpc invalidateblock "$OLD102" >/dev/null
rpc generatetoaddress 70 "$ADDR" >/dev/null
LONG171=$(rpc getbestblockhash)
LONG102=$(rpc getblockhash 102)
rpc reconsiderblock "$OLD102" >/dev/null
rpc invalidateblock "$LONG102" >/dev/null
rpc generatetoaddress 63 "$ADDR" >/dev/null
rpc reconsiderblock "$LONG102" >/dev/null
B101=$(rpc getblockhash 101 | cut -c1-16)
short() { echo "$1" | cut -c1-16; }
check "the long fork is a 70-block side branch" has "ex tips" "$LONG171 *70 *valid-fork"
ex tree --depth 12 > "$TMP/tree12"
check "tree --depth 12 keeps the fork whose fork point is below the window" grep -q "^| o 171 *$(short "$LONG171") *<- valid-fork$" "$TMP/tree12"
check "its blocks are drawn at their true heights, down to 102" grep -q "^| o 102 *$(short "$LONG102")$" "$TMP/tree12"
check "and it hangs off block 101" sh -c "grep -A2 '^| o 102 ' '$TMP/tree12' | sed -n 3p | grep -q '^\* 101 *$B101$'"
check "the active chain is drawn down to the fork" sh -c "grep -c '^\* ' '$TMP/tree12' | grep -qx 72"
check "no side block but the tip has a status" sh -c "[ \$(grep -c '^| o .*<-' '$TMP/tree12') -eq 1 ]"
check "a window that holds the fork point: the 70 blocks at their true heights" sh -c "'$FLINT_BIN/flint-explorer' --chain regtest --datadir '$TMP/n0' --rpc $RPCADDR tree --depth 80 | grep -q '^| o 171 *$(short "$LONG171") *<- valid-fork$'"
ex tree --dot --depth 12 > "$TMP/tree12.dot"
check "tree --dot hangs the long branch off 101" grep -q "\"$(short "$LONG102")\" -> \"$B101\"" "$TMP/tree12.dot"
check "tree --dot: no empty label line on a side block" sh -c "! grep -q 'n\", style=dashed' '$TMP/tree12.dot'"
check "tree --dot labels the side tip with its height and status" grep -q "label=\"171.n$(short "$LONG171").nvalid-fork\"" "$TMP/tree12.dot"

start_flintd "$TMP/n1.out" --chain regtest --datadir "$TMP/n1" --bind 127.0.0.52 --port $((BASE + 1)) \
	--connect "127.0.0.51:$BASE" --maxoutbound 0
check "peers lists the inbound peer" wait_for 30 has "ex peers" "127.0.0.52.* in "

for c in summary "blocks 2" "block 5" "tx $TXID" "address $ADDR" mempool peers tips tree "watch --count 1"; do
	check "--json $c parses" json_ok "ex --json $c"
done

check "unknown block: one line, exit 1" sh -c "! '$FLINT_BIN/flint-explorer' --chain regtest --datadir '$TMP/n0' --rpc $RPCADDR block 999 2>'$TMP/err' && [ \$(wc -l < '$TMP/err') -eq 1 ] && grep -q 'out of range' '$TMP/err'"
check "unknown command" sh -c "'$FLINT_BIN/flint-explorer' --rpc $RPCADDR frobnicate 2>&1 | grep -q 'unknown command'"
check "unreachable node" sh -c "'$FLINT_BIN/flint-explorer' --chain regtest --rpc 127.0.0.1:1 --rpcuser a --rpcpassword b summary 2>&1 | grep -q 'cannot reach the node'"
finish
