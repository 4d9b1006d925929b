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

# The link layer's helpers.
# slo_value NAME: the value of an slo indicator, in seconds (or a percentage), e.g. 0.612.
# slo_value INDICATOR: its number from slo --json (the field named with its unit, _s or _ratio).
slo_value() {
	tn slo --json | tr '{' '\n' | grep "\"indicator\": \"$1\"" |
		grep -o '"[a-z0-9_]*_\(s\|ratio\)": [0-9.e+-]*' | grep -v '"objective_' | head -1 |
		sed 's/.*: //'
}
# stale_count: how many blocks mined outside faults are off the best chain, per slo.
stale_count() { tn slo --json | tr '{' '\n' | grep '"stale block rate"' | sed -n 's/.*"note": "\([0-9]*\) of.*/\1/p'; }
has_stale() { s=$(stale_count); [ -n "$s" ] && [ "$s" -ge 1 ]; }
# ge A B / lt A B: decimal comparisons.
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 >= b + 0) }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 < b + 0) }'; }
peers() { rpc "$1" getconnectioncount 2>/dev/null; }
peers_at_least() { p=$(peers "$1"); [ -n "$p" ] && [ "$p" -ge "$2" ]; }
no_bans() { for i in "$@"; do [ "$(rpc "$i" listbanned 2>/dev/null | tr -d ' \n')" = "[]" ] || return 1; done; }
# logged NODE REGEX: the node's debug.log has a line matching REGEX.
logged() { grep -q -- "$2" "$TND/node$1/testnet/debug.log" 2>/dev/null; }
relay_pid() { tn link show --json | sed -n 's/.*"pid": \([0-9]*\).*/\1/p'; }
now_ms() { date +%s%3N; }
