#!/bin/sh
# A chain database whose LevelDB CURRENT file is lost: the node refuses to
# start, exits non-zero naming the fix, and leaves every file as it was (it
# once created a new database there, and LevelDB deleted the chain's
# tables); restoring CURRENT, or --repairdb, brings the chain back. A log
# truncated inside its last record is reported at start.
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$(port_base 6203)
RPCADDR="127.0.0.1:$(rpc_port_for "$BASE")"
DB="$TMP/n0/regtest/chaindb"
rpc() { "$TOOLS/rpc" --chain regtest --datadir "$TMP/n0" --rpc "$RPCADDR" "$@"; }
is() { [ "$(eval "$1")" = "$2" ]; }
node() {
	start_flintd "$TMP/n0.out" --chain regtest --datadir "$TMP/n0" --bind 127.0.0.58 \
		--port "$BASE" --maxoutbound 0 "$@"
	PID0=$LAST_PID
}
# files: name, size and checksum of every file in the database but LevelDB's own LOG.
files() { (cd "$DB" && for f in *; do [ "${f#LOG}" = "$f" ] && echo "$f $(cksum < "$f")"; done); }

"$TOOLS/mkchain" "$TMP/n0" 60 >/dev/null || exit 1
node
check "node starts on the chain" wait_for 20 is "rpc getblockcount" 60
stop_pid "$PID0"
CURRENT=$(cat "$DB/CURRENT")
rm "$DB/CURRENT"
files > "$TMP/before"

node
check "start without CURRENT exits" wait_for 20 sh -c "! kill -0 $PID0"
wait "$PID0"; RC=$?
check "with a non-zero status ($RC)" [ "$RC" -ne 0 ]
check "names the missing CURRENT file" grep -q "CURRENT file is missing" "$TMP/n0.out"
check "says how to restore it" grep -q "printf '$CURRENT" "$TMP/n0.out"
check "offers --repairdb" grep -q -- "--repairdb" "$TMP/n0.out"
check "no new database was made" sh -c "! test -e '$DB/CURRENT'"
files > "$TMP/after"
check "every database file is still there, unchanged" cmp -s "$TMP/before" "$TMP/after"

echo "$CURRENT" > "$DB/CURRENT"
node
check "CURRENT restored: the chain is whole" wait_for 20 is "rpc getblockcount" 60
stop_pid "$PID0"

rm "$DB/CURRENT"
node --repairdb
check "--repairdb rebuilds it: the chain is whole" wait_for 20 is "rpc getblockcount" 60
check "the repair is logged" grep -q "repairing the chain database" "$TMP/n0.out"
check "mine a block so the log holds a write" is "rpc generatetoaddress 1 $(rpc getblock "$(rpc getblockhash 1)" 2 | grep -o '"address": "[^"]*"' | head -1 | cut -d'"' -f4) | grep -c '\"'" 1
stop_pid "$PID0"

# A log cut inside its last record: LevelDB drops that write silently; flintd warns.
LOG=$(ls "$DB"/*.log | sort | tail -1)
SIZE=$(wc -c < "$LOG")
check "the log holds records ($SIZE bytes)" [ "$SIZE" -gt 20 ]
truncate -s $((SIZE - 3)) "$LOG"
node
up() { rpc getblockcount >/dev/null; }
check "node starts after the cut" wait_for 20 up
check "and warns of the lost write" grep -q "ends in a partial record" "$TMP/n0.out"
stop_pid "$PID0"
finish
