#!/bin/sh
# What a hostile or unlucky RPC client can make the server spend or break:
# a 1-unit payment (and a request id with the old amount marker) answered
# whole by every method that shows it; ban times out of range refused
# (a ban of 2^63-1 s once overflowed into one already over).
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$(port_base 5171)
RPCADDR="127.0.0.1:$(rpc_port_for "$BASE")"
W="$FLINT_BIN/flint-wallet --chain regtest --datadir $TMP/n0 --rpc $RPCADDR"
rpc() { "$TOOLS/rpc" --chain regtest --datadir "$TMP/n0" --rpc "$RPCADDR" "$@"; }
http() { "$TOOLS/rpc" --http "$RPCADDR" "$@"; }
is() { [ "$(eval "$1")" = "$2" ]; }
has() { eval "$1" 2>&1 | grep -q -- "$2"; }
# raw METHOD PARAMS: the reply text as the server wrote it (the rpc tool reformats numbers).
raw() { http POST / "$AUTH" "{\"method\":\"$1\",\"params\":$2,\"id\":9}" | sed 1d; }

start_flintd "$TMP/n0.out" --chain regtest --datadir "$TMP/n0" --bind 127.0.0.57 --port "$BASE" \
	--maxoutbound 0
PID0=$LAST_PID
check "node up" wait_for 20 test -s "$TMP/n0/regtest/.cookie"
AUTH=$(cat "$TMP/n0/regtest/.cookie")

# ---- a 1-unit payment ----
A=$($W --wallet "$TMP/a.json" create 2>/dev/null)
B=$($W --wallet "$TMP/b.json" create 2>/dev/null)
rpc generatetoaddress 101 "$A" >/dev/null
TXID=$($W --wallet "$TMP/a.json" send "$B" 0.00000001 2>"$TMP/send.err")
check "a 1-unit payment is sent" sh -c "echo '$TXID' | grep -q '^[0-9a-f]\{64\}$'"
rpc generatetoaddress 1 "$A" >/dev/null
check "getrawtransaction shows 0.00000001, reply whole" has "raw getrawtransaction '[\"$TXID\",true]'" \
	'"value":0.00000001,.*"id":9}$'
HEX=$(rpc getrawtransaction "$TXID")
check "decoderawtransaction shows 0.00000001, reply whole" has "raw decoderawtransaction '[\"$HEX\"]'" \
	'"value":0.00000001,.*"id":9}$'
check "gettxout of the 1-unit output" has "raw gettxout '[\"$TXID\",0]'" '"value":0.00000001,.*"id":9}$'
check "gettxoutsetinfo answers whole" has "raw gettxoutsetinfo []" '"total_amount":5100.00000000.*"id":9}$'
check "the receiver's history" has "$W --wallet $TMP/b.json history" "$TXID *0.00000001"
check "explorer tx" has "$FLINT_BIN/flint-explorer --chain regtest --datadir $TMP/n0 --rpc $RPCADDR tx $TXID" "$TXID"
check "an id holding the old amount marker comes back whole" is \
	"http POST / '$AUTH' '{\"method\":\"getblockcount\",\"id\":\"\\u0001A1\"}' | sed 1d" \
	'{"result":102,"error":null,"id":"\u0001A1"}'

# ---- ban times: out of range refused with -8, never wrapped into a ban that ends in the past ----
check "setban for 2^63-1 s: -8" has "rpc setban 10.0.0.1 add 9223372036854775807" 'error -8'
check "and no ban is claimed" is "rpc listbanned" "[]"
check "setban absolute at 2^63-1: -8" has "rpc setban 10.0.0.1 add 9223372036854775807 true" 'error -8'
check "setban absolute at -2^63: in the past" has "rpc setban 10.0.0.1 add -9223372036854775808 true" 'in the past'
check "setban for -1 s: -8" has "rpc setban 10.0.0.1 add -1" 'error -8'
check "setban for 100 years + 1 s: -8" has "rpc setban 10.0.0.1 add $((100 * 365 * 86400 + 1))" 'error -8'
check "setban for 100 years works" sh -c "'$TOOLS/rpc' --chain regtest --datadir '$TMP/n0' --rpc $RPCADDR setban 10.0.0.2 add $((100 * 365 * 86400)) >/dev/null"
UNTIL=$(rpc listbanned | sed -n 's/.*"banned_until": \([0-9]*\).*/\1/p')
check "and ends 100 years from now ($UNTIL)" [ "${UNTIL:-0}" -ge $(( $(date +%s) + 100 * 365 * 86400 - 60 )) ]

stop_pid "$PID0"
finish
