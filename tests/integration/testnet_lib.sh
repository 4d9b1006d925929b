# Helpers for the flint-testnet scenario tests, sourced after lib.sh with
# BASE (this test's port base) set. The testnet lives in $TMP/tn and is
# brought down on exit, whatever happens.
TOOLS=${FLINT_TOOLS:-build/rel/tools}
TND="$TMP/tn"
tn() { "$FLINT_BIN/flint-testnet" --dir "$TND" "$@"; }
tn_cleanup() { tn down >/dev/null 2>&1; [ -n "$KEEP_TMP" ] || cleanup; }
trap tn_cleanup EXIT

# rpc NODE METHOD [ARG...]: a call to one node, with its own cookie.
# Node i is at 127.(h>>16).(h>>8 & 255).(h & 255) with h = 10 + i, RPC at BASE+1.
node_ip() { h=$((10 + $1)); echo "127.$((h >> 16 & 255)).$((h >> 8 & 255)).$((h & 255))"; }
rpc() { i=$1; shift; "$TOOLS/rpc" --chain testnet --datadir "$TND/node$i" --rpc "$(node_ip "$i"):$((BASE + 1))" "$@"; }
height() { rpc "$1" getblockcount 2>/dev/null; }
tip() { rpc "$1" getbestblockhash 2>/dev/null; }
at_least() { h=$(height "$1"); [ -n "$h" ] && [ "$h" -ge "$2" ]; }
quiet() { "$@" >/dev/null 2>&1; }
agree() { tn status --json | grep -q '"agree": true'; }
# confirmed_on NODE TXID: the tx is in a block of that node's active chain.
confirmed_on() {
	c=$(rpc "$1" getrawtransaction "$2" true 2>/dev/null | sed -n 's/.*"confirmations": *\([0-9]*\).*/\1/p')
	[ -n "$c" ] && [ "$c" -ge 1 ]
}
# on_chain NODE HASH: the block is on that node's active chain.
on_chain() {
	c=$(rpc "$1" getblockheader "$2" 2>/dev/null | sed -n 's/.*"confirmations": *\(-*[0-9]*\).*/\1/p')
	[ -n "$c" ] && [ "$c" -ge 0 ]
}
# wait_slow SECONDS COMMAND...: like wait_for, polling every 0.3 s (for heavier commands).
wait_slow() {
	limit=$1; shift
	end=$(( $(date +%s) + limit ))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.3
	done
	return 0
}
