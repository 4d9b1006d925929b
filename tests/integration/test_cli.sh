#!/bin/sh
# flint-cli against real nodes: bitcoin-cli's option forms and the clients'
# ones, arguments sent as JSON only where the method takes a non-string,
# -stdin and -stdinrpcpass, -rpcwait, results printed as the node wrote them
# (numbers untouched), and errors as "error code" lines with the code as the
# exit status.
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$(port_base 5173)
CLI="$FLINT_BIN/flint-cli"
RPC0=$(rpc_port_for "$BASE")
RPC1=$(rpc_port_for $((BASE + 1)))

"$TOOLS/mkchain" "$TMP/n0" 110 0 --spend > "$TMP/spends" || exit 1
TXID=$(sed -n 1p "$TMP/spends" | cut -d' ' -f1)
TX=$(sed -n 1p "$TMP/spends" | cut -d' ' -f2)
start_flintd "$TMP/n0.out" --chain regtest --datadir "$TMP/n0" --bind 127.0.0.71 \
	--port "$BASE" --maxoutbound 0
cli0() { "$CLI" -regtest -datadir="$TMP/n0" -rpcport="$RPC0" "$@"; }
is() { [ "$(eval "$1")" = "$2" ]; }
has() { eval "$1" | grep -q -- "$2"; }
status_of() { "$@" >/dev/null 2>&1; echo $?; }

check "node 0 answers" wait_for 20 is "cli0 getblockcount" 110
check "the clients' option form works too" \
	is "'$CLI' --chain regtest --datadir '$TMP/n0' --rpc 127.0.0.1:$RPC0 getblockcount" 110
check "-rpcconnect and -rpcport" \
	is "'$CLI' -regtest -datadir='$TMP/n0' -rpcconnect=127.0.0.1 -rpcport=$RPC0 getblockcount" 110
check "a number argument goes as JSON" is "cli0 getblockhash 0" \
	"$(cli0 getblock "$(cli0 getblockhash 0)" | grep '"hash"' | cut -d'"' -f4)"
check "a string argument stays a string" is "cli0 getblockheader $(cli0 getblockhash 5) false | wc -c" 161
check "-named sends NAME=VALUE as named parameters" is "cli0 -named getblockhash height=5" "$(cli0 getblockhash 5)"
check "-named converts by the parameter's name" \
	has "cli0 -named getblock blockhash=$(cli0 getblockhash 5) verbosity=1" '"height": 5,'
check "-named: an unknown name is the node's -8" has "cli0 -named getblockhash tall=5 2>&1" 'Unknown named parameter tall'
check "-named: an argument without '=' is refused" has "cli0 -named getblockhash 5 2>&1" "no '=' in named argument"
check "help METHOD is the node's text" has "cli0 help getblockhash" '^getblockhash height'
check "a negative number is an argument, not an option" has "cli0 getblockhash -1 2>&1" 'out of range'
check "results are indented two spaces" has "cli0 getblockchaininfo" '^  "chain": "regtest",$'
check "a string result prints bare" is "cli0 getbestblockhash | wc -c" 65

# Numbers as the node wrote them: the amount's text in flint-cli's output is
# the text of the raw HTTP reply.
RAW=$("$TOOLS/rpc" --http "127.0.0.1:$RPC0" POST / "$(cat "$TMP/n0/regtest/.cookie")" \
	'{"method":"gettxoutsetinfo","id":1}' | sed 1d | grep -o '"total_amount":[^,}]*' | cut -d: -f2)
check "amounts printed exactly as sent ($RAW)" has "cli0 gettxoutsetinfo" "^  \"total_amount\": $RAW,\\?\$"

# -stdin and -stdinrpcpass.
check "-stdin takes arguments from standard input" \
	is "printf '%s\n' '$TX' | cli0 -stdin sendrawtransaction" "$TXID"
check "the tx reached the mempool" has "cli0 getrawmempool" "$TXID"
# A line longer than any buffer (a large transaction's hex) is one argument:
# the node parses it as one hex string and refuses it, not the count of them.
check "-stdin: a 100000-character line is one argument" has \
	"head -c 100000 /dev/zero | tr '\\0' a | cli0 -stdin decoderawtransaction 2>&1" '^error code: -22$'
start_flintd "$TMP/n1.out" --chain regtest --datadir "$TMP/n1" --bind 127.0.0.72 \
	--port $((BASE + 1)) --maxoutbound 0 --rpcuser bob --rpcpassword hunter2
check "-stdinrpcpass reads the password" wait_for 20 is \
	"echo hunter2 | '$CLI' -regtest -rpcport=$RPC1 -rpcuser=bob -stdinrpcpass getblockcount" 0
check "a wrong password: exit 1, says so" sh -c "echo nope | '$CLI' -regtest -rpcport=$RPC1 \
	-rpcuser=bob -stdinrpcpass getblockcount 2>&1 | grep -q 'refused our credentials'"

# Errors.
check "an RPC error prints its code and message" \
	sh -c "'$CLI' -regtest -datadir='$TMP/n0' -rpcport=$RPC0 getblockhash 999 2>&1 | tr '\n' '|' | grep -q '^error code: -8|error message:|Block height out of range|$'"
check "the exit status is the code's absolute value" is "status_of cli0 getblockhash 999" 8
check "an unknown method exits 32601 mod 256" is "status_of cli0 nosuchmethod" 89
check "bad JSON for a JSON argument is refused" has "cli0 getblockhash '{' 2>&1" 'error parsing JSON'
check "an unknown option is refused" has "'$CLI' -bogus getblockcount 2>&1" "unknown option '-bogus'"
check "no method: usage hint, exit 1" is "status_of '$CLI' -regtest" 1
check "-help prints the usage" has "'$CLI' -help" '^usage: flint-cli \[options\] METHOD'
check "an unreachable node: exit 1" is "status_of '$CLI' -regtest -rpcuser=a -rpcpassword=b -rpcport=$((RPC1 + 7)) getblockcount" 1

# -rpcwait: started before its node, answers once the node is up.
"$CLI" -regtest -datadir="$TMP/n2" -rpcport=$(rpc_port_for $((BASE + 2))) -rpcwait \
	-rpcwaittimeout=60 getblockcount > "$TMP/wait.out" 2>&1 &
WAITER=$!
PIDS="$PIDS $WAITER"
check "-rpcwait keeps waiting while no node runs" sh -c "kill -0 $WAITER && ! test -s '$TMP/wait.out'"
start_flintd "$TMP/n2.out" --chain regtest --datadir "$TMP/n2" --bind 127.0.0.73 \
	--port $((BASE + 2)) --maxoutbound 0
check "-rpcwait answers once the node is up" wait_for 30 is "cat '$TMP/wait.out'" 0
check "-rpcwaittimeout gives up" is "status_of '$CLI' -regtest -rpcuser=a -rpcpassword=b \
	-rpcport=$((RPC1 + 7)) -rpcwait -rpcwaittimeout=1 getblockcount" 1
finish
