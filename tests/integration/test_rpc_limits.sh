#!/bin/sh
# What a hostile or unlucky RPC client can make the server spend or break:
# a 1-unit payment (and a request id with the old amount marker) answered
# whole by every method that shows it; ban times out of range refused
# (a ban of 2^63-1 s once overflowed into one already over); with ulimit -n
# 512, 1,100 idle connections leave the node responsive and quiet; a request
# sent a byte a second is closed at its deadline; password guesses are slow.
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

# ---- descriptors, slow clients, password guessing: a node with ulimit -n 512 ----
mkdir -p "$TMP/wrap"
printf '#!/bin/sh\nulimit -n 512\nexec "%s/flintd" "$@"\n' "$(cd "$FLINT_BIN" && pwd)" > "$TMP/wrap/flintd"
chmod +x "$TMP/wrap/flintd"
RPC1=$((BASE + 1 + 10000))
REAL_BIN=$FLINT_BIN FLINT_BIN="$TMP/wrap"
start_flintd "$TMP/n1.out" --chain regtest --datadir "$TMP/n1" --bind 127.0.0.57 --port $((BASE + 1)) \
	--maxoutbound 0 --rpcuser alice --rpcpassword s3cret --rpcservertimeout 3
PID1=$LAST_PID FLINT_BIN=$REAL_BIN
rpc1() { "$TOOLS/rpc" --chain regtest --rpc "127.0.0.1:$RPC1" --rpcuser alice --rpcpassword s3cret "$@"; }
flood() { "$TOOLS/rpcflood" 127.0.0.1 "$RPC1" "$@"; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# cpu_ticks: user + system clock ticks node 1 has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID1/stat"; }
check "node 1 up with ulimit -n 512" wait_for 20 is "rpc1 getblockcount" 0
check "the descriptor budget is logged" grep -q "file descriptors: 512" "$TMP/n1.out"

# Slowloris: a byte a second no longer keeps a request alive past --rpcservertimeout 3.
OUT=$(flood slow 30 8)
CLOSED=$(echo "$OUT" | sed -n 's/.*closed_by_server \([0-9]*\).*/\1/p')
LONGEST=$(echo "$OUT" | sed -n 's/.*max_open_ms \([0-9]*\).*/\1/p')
check "30 byte-a-second requests all closed ($OUT)" [ "${CLOSED:-0}" -eq 30 ]
check "within the deadline (${LONGEST} ms)" [ "${LONGEST:-99999}" -lt 5500 ]

# Password guessing: each wrong password waits 250 ms, without holding up anyone else.
B=$(ms); rpc1 getblockcount >/dev/null; B=$(( $(ms) - B ))   # a call's own cost, here
flood guess 4 4 > "$TMP/guess.out" &
FLOOD=$!
T=$(ms); rpc1 getblockcount >/dev/null; T=$(( $(ms) - T ))
check "a good request meanwhile is not delayed ($T ms, $B ms alone)" [ "$T" -lt $((B + 200)) ]
wait "$FLOOD"
RATE=$(sed -n 's/.*per_second \([0-9]*\).*/\1/p' "$TMP/guess.out")
check "wrong passwords answered at most ~4/s per connection ($(cat "$TMP/guess.out"))" \
	[ "${RATE:-999}" -le 17 ] 
check "and answered at all" [ "${RATE:-0}" -ge 4 ]

flood idle 1100 6 > "$TMP/idle.out" &
FLOOD=$!
# The flood is bounded (6 s); those past the listen backlog come in as their SYNs
# are retried, so not all 1,100 reach the node in that time.
check "the node closes the oldest past its cap" wait_for 10 grep -q "closing the oldest" "$TMP/n1/regtest/debug.log"
T0=$(cpu_ticks) W0=$(ms)
check "1,100 idle connections: getblockcount still answers" wait_for 10 is "rpc1 getblockcount" 0
T=$(ms); rpc1 getblockcount >/dev/null; T=$(( $(ms) - T ))
check "and quickly ($T ms)" [ "$T" -lt 2000 ]
wait "$FLOOD"   # CPU is measured over the rest of the flood
CPU=$(( ($(cpu_ticks) - T0) * 10 * 100 / ($(ms) - W0) ))   # percent of one core
check "node CPU during the flood stays low (${CPU}%)" [ "$CPU" -lt 50 ]
CLOSED=$(sed -n 's/.*closed_by_server \([0-9]*\).*/\1/p' "$TMP/idle.out")
check "the server closed the idle connections ($(cat "$TMP/idle.out"))" [ "${CLOSED:-0}" -ge 100 ]
# libevent's own messages once went to stderr: count the node's output as well as debug.log.
LOGSIZE=$(wc -c < "$TMP/n1/regtest/debug.log")
OUTSIZE=$(wc -c < "$TMP/n1.out")
check "debug.log stays small ($LOGSIZE bytes)" [ "$LOGSIZE" -lt 100000 ]
check "and so does its stderr ($OUTSIZE bytes)" [ "$OUTSIZE" -lt 100000 ]
EMFILE=$(cat "$TMP/n1/regtest/debug.log" "$TMP/n1.out" | grep -c 'Too many open files')
check "no flood of 'Too many open files' ($EMFILE lines)" [ "$EMFILE" -lt 20 ]
check "node 1 answers after the flood" wait_for 10 is "rpc1 getblockcount" 0

stop_pid "$PID1"
finish
