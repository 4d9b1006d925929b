#!/bin/sh
# flintd as a process: options, config file, datadir lock, clean shutdown,
# --reindex, and clear refusals of a foreign or corrupted database.
. "$(dirname "$0")/lib.sh"
# Our own address and port, so that concurrent runs and other nodes do not collide.
PORT=$(port_base 1237)
NET="--bind 127.0.0.$((100 + $$ % 100)) --port $PORT --rpcport $(rpc_port_for $PORT)"

out=$("$FLINT_BIN/flintd" --help); rc=$?
check "help exits 0" [ $rc -eq 0 ]
for opt in --chain --datadir --conf --dbcache --par --reindex --checkblocks --time-offset --loglevel \
	--addnode --maxoutbound --stall-timeout; do
	check "help documents $opt" sh -c "echo \"\$1\" | grep -q -- '$opt'" _ "$out"
done

err=$("$FLINT_BIN/flintd" --no-such-option 2>&1 >/dev/null); rc=$?
check "unknown option exits 2" [ $rc -eq 2 ]
check "unknown option is named" sh -c "echo \"\$1\" | grep -q 'no-such-option'" _ "$err"
err=$("$FLINT_BIN/flintd" --dbcache lots 2>&1 >/dev/null); rc=$?
check "bad number refused" sh -c "[ $rc -eq 2 ] && echo \"\$1\" | grep -q \"invalid value 'lots'\"" _ "$err"

D=$TMP/d1
start_flintd "$TMP/a.out" --chain regtest --datadir "$D" $NET
A=$LAST_PID
check "node becomes ready" wait_for 20 grep -q ready "$D/regtest/debug.log"
err=$("$FLINT_BIN/flintd" --chain regtest --datadir "$D" $NET 2>&1); rc=$?
check "second node on the same datadir refused" sh -c "[ $rc -ne 0 ] && echo \"\$1\" | grep -q 'in use by another flintd'" _ "$err"
stop_pid $A
check "SIGTERM stops cleanly (exit 0)" [ "$STOP_RC" -eq 0 ]
check "shutdown is logged" grep -q "flintd stopped" "$D/regtest/debug.log"

printf '# test config\nchain=regtest\nloglevel=debug\n' > "$D/flint.conf"
start_flintd "$TMP/b.out" --datadir "$D" $NET --reindex
B=$LAST_PID
check "config file selects the chain" wait_for 20 sh -c "grep -c ready '$D/regtest/debug.log' | grep -q 2"
check "--reindex runs" grep -q "reindexing" "$D/regtest/debug.log"
stop_pid $B
check "reindexed node stops cleanly" [ "$STOP_RC" -eq 0 ]

printf 'chain=regtest\nbogus=1\n' > "$D/flint.conf"
err=$("$FLINT_BIN/flintd" --datadir "$D" $NET 2>&1); rc=$?
check "bad config line named with its line number" sh -c "[ $rc -eq 2 ] && echo \"\$1\" | grep -q 'flint.conf:2'" _ "$err"
rm "$D/flint.conf"

# A regtest database placed where testnet's belongs is refused, not used.
mkdir -p "$D/testnet"
cp -r "$D/regtest/chaindb" "$D/testnet/chaindb"
err=$("$FLINT_BIN/flintd" --chain testnet --datadir "$D" $NET 2>&1); rc=$?
check "foreign chain database refused" sh -c "[ $rc -eq 1 ] && echo \"\$1\" | grep -q 'another chain'" _ "$err"

# Overwritten bytes: a clear error and a non-zero exit, never a crash.
for f in "$D/regtest/chaindb"/*.ldb "$D/regtest/chaindb"/*.log; do
	[ -f "$f" ] || continue
	size=$(stat -c %s "$f")
	[ "$size" -gt 64 ] && printf 'garbagegarbagegarbage' | dd of="$f" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
done
err=$(timeout 20 "$FLINT_BIN/flintd" --chain regtest --datadir "$D" $NET 2>&1); rc=$?
check "corrupted database refused with exit 1" [ $rc -eq 1 ]
check "corruption reported with the fix" sh -c "echo \"\$1\" | grep -q 'Corruption' && echo \"\$1\" | grep -q 'move'" _ "$err"
# A deleted table file: refused with the fix named, not silently rebuilt.
TOOLS=${FLINT_TOOLS:-build/rel/tools}
"$TOOLS/mkchain" "$TMP/d2" 3000 >/dev/null
start_flintd "$TMP/c.out" --chain regtest --datadir "$TMP/d2" $NET
check "node opens a 3000-block chain" wait_for 20 grep -q 'height 3000,' "$TMP/d2/regtest/debug.log"
stop_pid $LAST_PID
ldb=$(ls "$TMP/d2/regtest/chaindb/"*.ldb 2>/dev/null | head -1)
check "the database has a table file to delete" [ -n "$ldb" ]
rm -f "$ldb"
err=$(timeout 20 "$FLINT_BIN/flintd" --chain regtest --datadir "$TMP/d2" $NET 2>&1); rc=$?
check "deleted database file refused with exit 1" [ $rc -eq 1 ]
check "the missing file is named, with the fix" sh -c "echo \"\$1\" | grep -q 'missing files' && echo \"\$1\" | grep -q 'move'" _ "$err"
# A 50-node mesh gives its last node 49 --connect values: all are taken, a 65th is refused.
MANY=""
for i in $(seq 1 49); do MANY="$MANY --connect 127.0.0.1:$((20000 + i))"; done
err=$(timeout 20 "$FLINT_BIN/flintd" --chain regtest --datadir "$TMP/d3" $NET $MANY --help 2>&1); rc=$?
check "49 --connect values are taken" [ $rc -eq 0 ]
for i in $(seq 50 65); do MANY="$MANY --connect 127.0.0.1:$((20000 + i))"; done
err=$(timeout 20 "$FLINT_BIN/flintd" --chain regtest --datadir "$TMP/d3" $NET $MANY 2>&1); rc=$?
check "65 --connect values are refused, by name" sh -c "[ $rc -ne 0 ] && echo \"\$1\" | grep -q \"too many or too long '--connect'\"" _ "$err"
finish
