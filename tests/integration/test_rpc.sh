#!/bin/sh
# The RPC server over real HTTP: cookie and user/password auth (401 and
# nothing else without them), malformed and oversized requests, /metrics,
# the network methods between two live nodes, a transaction submitted at one
# node and mined at the other, and stop.
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$(port_base 7919)

node() {
	i=$1; shift
	start_flintd "$TMP/n$i.out" --chain regtest --datadir "$TMP/n$i" --bind 127.0.0.$((60 + i)) \
		--port $((BASE + i)) "$@"
	eval "PID$i=\$LAST_PID"
}
addr() { echo "127.0.0.$((60 + $1)):$((BASE + $1))"; }
rpcaddr() { echo "127.0.0.1:$(rpc_port_for $((BASE + $1)))"; }
COOKIE="$TMP/n0/regtest/.cookie"
# rpc0 / rpc1 METHOD ARGS...: calls node 0 (cookie) or node 1 (user and password).
rpc0() { "$TOOLS/rpc" --chain regtest --datadir "$TMP/n0" --rpc "$(rpcaddr 0)" "$@"; }
rpc1() { "$TOOLS/rpc" --chain regtest --rpc "$(rpcaddr 1)" --rpcuser alice --rpcpassword s3cret "$@"; }
http0() { "$TOOLS/rpc" --http "$(rpcaddr 0)" "$@"; }
is() { [ "$(eval "$1")" = "$2" ]; }
has() { eval "$1" | grep -q -- "$2"; }

"$TOOLS/mkchain" "$TMP/n0" 110 0 --spend > "$TMP/spends" || exit 1
TXID=$(sed -n 1p "$TMP/spends" | cut -d' ' -f1)
TX=$(sed -n 1p "$TMP/spends" | cut -d' ' -f2)

node 0 --maxoutbound 0
node 1 --connect "$(addr 0)" --rpcuser alice --rpcpassword s3cret --ping-interval 1
check "cookie written" wait_for 20 test -s "$COOKIE"
check "cookie readable by its owner only" sh -c "[ \"\$(stat -c %a '$COOKIE')\" = 600 ]"
check "no cookie with --rpcuser" sh -c "! test -e '$TMP/n1/regtest/.cookie'"
check "node 1 synced over p2p" wait_for 60 is "rpc1 getblockcount" 110

# Authentication.
check "no credentials: 401" has "http0 POST / - '{\"method\":\"getblockcount\"}'" '^401'
check "401 says nothing else" is "http0 POST / - '{\"method\":\"getblockcount\"}' | sed 1d" ""
check "wrong cookie: 401" has "http0 POST / __cookie__:00 '{\"method\":\"getblockcount\"}'" '^401'
check "wrong password: 401" sh -c "'$TOOLS/rpc' --chain regtest --rpc $(rpcaddr 1) --rpcuser alice --rpcpassword nope getblockcount 2>&1 | grep -q 'refused our credentials'"
check "cookie works" is "http0 POST / '$(cat "$COOKIE")' '{\"method\":\"getblockcount\",\"id\":1}' | sed 1d" '{"result":110,"error":null,"id":1}'
check "user and password work" is "rpc1 getbestblockhash" "$(rpc0 getbestblockhash)"

# Malformed, oversized and odd requests.
AUTH=$(cat "$COOKIE")
check "malformed JSON: parse error" has "http0 POST / '$AUTH' '{\"method\":'" '"code":-32700'
check "unknown method: -32601" has "http0 POST / '$AUTH' '{\"method\":\"nope\",\"id\":1}'" '^404'
# evhttp answers 413 or, mid-upload, just closes: either way no reply body is parsed.
check "oversized body refused" sh -c "! '$TOOLS/rpc' --http $(rpcaddr 0) POST / '$AUTH' @9000000 | grep -q '^200'" 
check "GET / is not JSON-RPC" has "http0 GET / '$AUTH'" '^405'
check "batch answered in order" has "http0 POST / '$AUTH' '[{\"method\":\"getblockcount\",\"id\":1},{\"method\":\"uptime\",\"id\":2}]'" '"result":110,"error":null,"id":1},{'
check "node survived the junk" is "rpc0 getblockcount" 110
check "metrics served" has "http0 GET /metrics '$AUTH'" '^flint_height 110$'
check "metrics count peers" has "http0 GET /metrics '$AUTH'" 'flint_peers{direction="in"} 1'

# A transaction submitted at node 0 reaches node 1 and is mined there.
check "sendrawtransaction returns the txid" is "rpc0 sendrawtransaction $TX" "$TXID"
check "tx relayed to node 1" wait_for 20 has "rpc1 getrawmempool" "$TXID"
ADDR=$(rpc0 getblock "$(rpc0 getblockhash 1)" 2 | grep -o '"address": "[^"]*"' | head -1 | cut -d'"' -f4)
check "generatetoaddress mines at node 1" has "rpc1 generatetoaddress 1 $ADDR" '"'
check "the block reaches node 0" wait_for 20 is "rpc0 getblockcount" 111
check "tx confirmed at node 0" has "rpc0 getrawtransaction $TXID true" '"confirmations": 1'
check "mempool emptied at node 0" is "rpc0 getrawmempool" "[]"
check "resubmitting it: already in chain" has "rpc0 sendrawtransaction $TX 2>&1" 'error -27'
check "submitblock of a known block: duplicate" is "rpc0 submitblock $(rpc0 getblock "$(rpc0 getblockhash 5)" 0)" duplicate

# Network control.
check "getpeerinfo lists node 1" has "rpc0 getpeerinfo" "127.0.0.61"
# Bitcoin Core's getpeerinfo fields, read from both ends of the connection.
# peer0 / peer1 EXPR: a Python expression over p, node 0's / node 1's only peer.
peer0() { rpc0 getpeerinfo | python3 -c "import json, sys; p = json.load(sys.stdin)[0]; sys.exit(0 if ($1) else 1)"; }
peer1() { rpc1 getpeerinfo | python3 -c "import json, sys; p = json.load(sys.stdin)[0]; sys.exit(0 if ($1) else 1)"; }
check "connection_type inbound" peer0 'p["connection_type"] == "inbound" and p["inbound"]'
check "connection_type manual (--connect)" peer1 'p["connection_type"] == "manual" and not p["inbound"]'
check "inflight is a list of heights" peer0 'isinstance(p["inflight"], list) and all(isinstance(h, int) for h in p["inflight"])'
check "no banscore (Core removed it)" peer0 '"banscore" not in p'
check "no pingtime before a ping was answered" peer0 '"pingtime" not in p'
check "pingtime once node 1's ping was answered" wait_for 15 peer1 '0 < p["pingtime"] < 5'
check "services as hex and names" peer0 'p["services"] == "0000000000000001" and p["servicesnames"] == ["NETWORK"]'
check "relaytxes, lastsend, lastrecv, conntime, timeoffset" peer0 'p["relaytxes"] is True and p["lastsend"] >= p["conntime"] > 0 and p["lastrecv"] > 0 and abs(p["timeoffset"]) < 5'
check "addrbind is our end" peer0 'p["addrbind"] == "'"$(addr 0)"'"'
check "synced_headers and synced_blocks at node 1" peer1 'p["synced_headers"] == 110 and p["synced_blocks"] == 110'
check "bytessent_per_msg adds up to bytessent" peer0 'sum(p["bytessent_per_msg"].values()) == p["bytessent"] and p["bytessent_per_msg"]["verack"] == 24'
check "bytesrecv_per_msg adds up to bytesrecv" peer0 'sum(p["bytesrecv_per_msg"].values()) == p["bytesrecv"] and "getheaders" in p["bytesrecv_per_msg"]'
check "one version string: the version message's and getnetworkinfo's" sh -c "[ \"\$('$TOOLS/rpc' --chain regtest --datadir '$TMP/n0' --rpc $(rpcaddr 0) getnetworkinfo | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"subversion\"])')\" = /Flint:0.1.0/ ]"
check "node 1 sees node 0's user agent as /Flint:0.1.0/" peer1 'p["subver"] == "/Flint:0.1.0/"'
# Named parameters and help over HTTP.
check "named params: getblockhash {height}" is "http0 POST / '$AUTH' '{\"method\":\"getblockhash\",\"params\":{\"height\":5},\"id\":1}' | sed 1d" "{\"result\":\"$(rpc0 getblockhash 5)\",\"error\":null,\"id\":1}"
check "named params: unknown name is -8" has "http0 POST / '$AUTH' '{\"method\":\"getblock\",\"params\":{\"hash\":\"00\"},\"id\":1}'" '"code":-8,"message":"Unknown named parameter hash"'
check "help is text grouped by category" has "rpc0 help" "== Network =="
check "help getpeerinfo describes it" has "rpc0 help getpeerinfo" "connection_type"
# Every file of the chain counts, LevelDB's log too (its size estimate read 0 here).
DBFILES=$(find "$TMP/n0/regtest/chaindb" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
check "size_on_disk counts the chain's files (>= $DBFILES bytes)" sh -c "[ \$('$TOOLS/rpc' --chain regtest --datadir '$TMP/n0' --rpc $(rpcaddr 0) getblockchaininfo | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"size_on_disk\"])') -ge $DBFILES ]"
check "setban drops the peer" sh -c "'$TOOLS/rpc' --chain regtest --datadir '$TMP/n0' --rpc $(rpcaddr 0) setban 127.0.0.61 add 600 >/dev/null"
check "banned peer disconnected" wait_for 20 is "rpc0 getconnectioncount" 0
check "listbanned shows it" has "rpc0 listbanned" '"address": "127.0.0.61"'
check "ban removed" sh -c "'$TOOLS/rpc' --chain regtest --datadir '$TMP/n0' --rpc $(rpcaddr 0) setban 127.0.0.61 remove >/dev/null"
check "listbanned empty" is "rpc0 listbanned" "[]"
check "addnode onetry reconnects" sh -c "'$TOOLS/rpc' --chain regtest --rpc $(rpcaddr 1) --rpcuser alice --rpcpassword s3cret addnode $(addr 0) onetry >/dev/null"
check "peers connected again" wait_for 30 is "rpc0 getconnectioncount" 1
check "addnode add twice: -23" has "rpc1 addnode $(addr 0) add 2>&1" 'error -23'
check "setnetworkactive false" is "rpc0 setnetworkactive false" false
check "no connections while off" wait_for 10 is "rpc0 getconnectioncount" 0
check "networkactive reported" has "rpc0 getnetworkinfo" '"networkactive": false'
check "setnetworkactive true" is "rpc0 setnetworkactive true" true
check "reconnected after turning on" wait_for 30 is "rpc0 getconnectioncount" 1
check "disconnectnode unknown: -29" has "rpc0 disconnectnode 1.2.3.4:5 2>&1" 'error -29'
PEER=$(rpc0 getpeerinfo | grep '"id"' | head -1 | tr -dc 0-9)
check "disconnectnode by id" sh -c "'$TOOLS/rpc' --chain regtest --datadir '$TMP/n0' --rpc $(rpcaddr 0) disconnectnode '' $PEER >/dev/null"
check "node 1 redials after a disconnect" wait_for 30 is "rpc0 getconnectioncount" 1
check "addnode remove" sh -c "'$TOOLS/rpc' --chain regtest --rpc $(rpcaddr 1) --rpcuser alice --rpcpassword s3cret addnode $(addr 0) remove >/dev/null"
check "removed peer is dropped" wait_for 20 is "rpc0 getconnectioncount" 0
# Lifetime totals keep the bytes of peers that are gone: node 0 has none left,
# and has received at least the 110 blocks node 1 synced from it asked for.
RECV=$(rpc0 getnettotals | sed -n 's/.*"totalbytesrecv": \([0-9]*\).*/\1/p')
check "getnettotals keeps gone peers' bytes ($RECV received)" [ "${RECV:-0}" -gt 5000 ]
check "and so does /metrics" has "http0 GET /metrics '$AUTH'" "^flint_network_received_bytes_total [1-9]"
check "addnode remove again: -24" has "rpc1 addnode $(addr 0) remove 2>&1" 'error -24'
check "setban with an absolute time" sh -c "'$TOOLS/rpc' --chain regtest --datadir '$TMP/n0' --rpc $(rpcaddr 0) setban 10.1.2.3 add $(( $(date +%s) + 900 )) true >/dev/null"
check "setban of a bad address: -30" has "rpc0 setban 999.1.1.1 add 2>&1" 'error -30'
check "clearbanned" sh -c "'$TOOLS/rpc' --chain regtest --datadir '$TMP/n0' --rpc $(rpcaddr 0) clearbanned >/dev/null && [ \"\$('$TOOLS/rpc' --chain regtest --datadir '$TMP/n0' --rpc $(rpcaddr 0) listbanned)\" = '[]' ]"
check "settimeoffset moves the clock" is "rpc0 settimeoffset 40" 40
check "timeoffset reported" has "rpc0 getnetworkinfo" '"timeoffset": 40'

# stop: replies, exits cleanly, removes the cookie.
check "stop replies" has "rpc0 stop" "stopping"
check "node 0 exits" wait_for 20 sh -c "! kill -0 $PID0"
wait "$PID0"; RC=$?
check "exit status 0" [ "$RC" -eq 0 ]
check "cookie removed at stop" sh -c "! test -e '$COOKIE'"
check "client reports an unreachable node" has "rpc1 getblockcount >/dev/null; '$TOOLS/rpc' --chain regtest --rpc $(rpcaddr 0) --rpcuser a --rpcpassword b getblockcount 2>&1" 'cannot reach the node'
stop_pid "$PID1"
finish
