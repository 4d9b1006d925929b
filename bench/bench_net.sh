#!/bin/sh
# Network benchmarks with real flintd processes on loopback (regtest), each
# figure beside a limit measured in the same run:
#   sync:        a fresh node syncing N blocks from a peer, blocks/s and tx/s,
#                beside connecting the same stored blocks with --reindex
#                (validation and storage alone, no network);
#   propagation: 8 nodes in a line; blocks mined at one end; p50/p99 of the
#                time from the first node's acceptance to the last node's,
#                beside the line's floor: 7 hops x the median ping round trip.
# Times come from the nodes' millisecond debug.log timestamps. Medians of
# RUNS runs. Usage: bench_net.sh BIN_DIR TOOLS_DIR
BIN=${1:-bin}
TOOLS=${2:-build/rel/tools}
RUNS=3
SYNC_BLOCKS=5000
PROP_BLOCKS=40
NODES=8
TMP=$(mktemp -d /tmp/flint-bench-XXXXXX)
BASE=$((30000 + $$ % 5000))
PIDS=""
trap 'for p in $PIDS; do kill -KILL $p 2>/dev/null; done; rm -rf "$TMP"' EXIT

# ms TIMESTAMP: milliseconds since the epoch of a log timestamp.
ms() { date -d "$1" +%s%3N; }
# tip_ms LOG HEIGHT: when that log's node reached height.
tip_ms() { ms "$(grep -m1 "new tip: height $2 " "$1" | cut -d' ' -f1)"; }
wait_tip() { i=0; while ! grep -q "new tip: height $2 " "$1" 2>/dev/null; do i=$((i + 1)); [ $i -gt 6000 ] && return 1; sleep 0.01; done; }
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
start() {
	d=$1; shift
	"$BIN/flintd" --chain regtest --datadir "$d" "$@" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	LAST=$!
}
stop() { kill -TERM "$1"; wait "$1" 2>/dev/null; }

# ---- sync ----
"$TOOLS/mkchain" "$TMP/src" $SYNC_BLOCKS 0 >/dev/null || exit 1
: > "$TMP/sync"; : > "$TMP/connect"
for r in $(seq 1 $RUNS); do
	start "$TMP/src" --bind 127.0.0.80 --port $BASE --rpcport $((BASE + 1)) --maxoutbound 0
	src=$LAST
	rm -rf "$TMP/dst"
	start "$TMP/dst" --bind 127.0.0.81 --port $((BASE + 2)) --rpcport $((BASE + 3)) \
		--connect 127.0.0.80:$BASE
	dst=$LAST
	wait_tip "$TMP/dst/regtest/debug.log" $SYNC_BLOCKS || { echo "sync: timed out"; exit 1; }
	t=$(( $(tip_ms "$TMP/dst/regtest/debug.log" $SYNC_BLOCKS) - $(tip_ms "$TMP/dst/regtest/debug.log" 1) ))
	echo "$SYNC_BLOCKS $t" | awk '{print $1 * 1000 / ($2 > 0 ? $2 : 1)}' >> "$TMP/sync"
	stop $dst; stop $src
	# The limit: the same blocks connected from storage, with no network.
	rm -rf "$TMP/re"; cp -r "$TMP/dst" "$TMP/re"; rm -f "$TMP/re/regtest/debug.log"
	start "$TMP/re" --reindex --norpc --nolisten --maxoutbound 0
	re=$LAST
	wait_tip "$TMP/re/regtest/debug.log" $SYNC_BLOCKS || { echo "reindex: timed out"; exit 1; }
	# A reindex logs only its final tip: time it from its first line.
	t=$(( $(tip_ms "$TMP/re/regtest/debug.log" $SYNC_BLOCKS) - $(ms "$(grep -m1 reindexing "$TMP/re/regtest/debug.log" | cut -d' ' -f1)") ))
	echo "$SYNC_BLOCKS $t" | awk '{print $1 * 1000 / ($2 > 0 ? $2 : 1)}' >> "$TMP/connect"
	stop $re
done
s=$(median < "$TMP/sync"); c=$(median < "$TMP/connect")
printf "sync: %.0f blocks/s, %.0f tx/s (%d coinbase-only blocks, median of %d) | limit %.0f blocks/s (--reindex of the same blocks) | ratio %.2f (goal >= 0.8)\n" \
	"$s" "$s" $SYNC_BLOCKS $RUNS "$c" "$(echo "$s $c" | awk '{print $1 / $2}')"

# ---- propagation ----
for i in $(seq 0 $((NODES - 1))); do
	args="--bind 127.0.0.$((90 + i)) --port $((BASE + 10 + i)) --rpcport $((BASE + 30 + i)) --maxoutbound 0 --ping-interval 1"
	[ "$i" -gt 0 ] && args="$args --connect 127.0.0.$((89 + i)):$((BASE + 9 + i))"
	# shellcheck disable=SC2086
	start "$TMP/p$i" $args
done
RPC0="$TOOLS/rpc --chain regtest --datadir $TMP/p0 --rpc 127.0.0.1:$((BASE + 30))"
ADDR=rVaDKPF4fY3EvHDD5HgdEr8BWjRYNmbGw6
last="$TMP/p$((NODES - 1))/regtest/debug.log"
i=0; until [ "$($RPC0 getconnectioncount 2>/dev/null)" = 1 ] && [ -s "$last" ]; do
	i=$((i + 1)); [ $i -gt 1000 ] && { echo "propagation: nodes did not start"; exit 1; }; sleep 0.01
done
$RPC0 generatetoaddress 1 $ADDR >/dev/null
wait_tip "$last" 1 || { echo "propagation: the line did not connect"; exit 1; }
: > "$TMP/prop"
for h in $(seq 2 $((PROP_BLOCKS + 1))); do
	$RPC0 generatetoaddress 1 $ADDR >/dev/null
	wait_tip "$last" $h || { echo "propagation: block $h lost"; exit 1; }
	first=$(tip_ms "$TMP/p0/regtest/debug.log" $h); worst=0
	for n in $(seq 1 $((NODES - 1))); do
		d=$(( $(tip_ms "$TMP/p$n/regtest/debug.log" $h) - first ))
		[ $d -gt $worst ] && worst=$d
	done
	echo $worst >> "$TMP/prop"
done
p50=$(median < "$TMP/prop")
p99=$(sort -n "$TMP/prop" | awk '{v[NR]=$1} END {i=int(NR*0.99+0.999); if (i<1) i=1; print v[i]}')
# Pings run every second: wait for a measured round trip.
i=0; until ping=$($RPC0 getpeerinfo | grep '"pingtime"' | head -1 | sed 's/.*: *//; s/,//') && \
	[ "$(echo "$ping" | awk '{print ($1 > 0)}')" = 1 ]; do
	i=$((i + 1)); [ $i -gt 500 ] && break; sleep 0.01
done
floor=$(echo "$ping" | awk -v h=$((NODES - 1)) '{printf "%.2f", $1 * 1000 * h}')
printf "propagation: p50 %s ms, p99 %s ms (%d blocks across %d nodes in a line) | limit %s ms (%d hops x %.3f ms ping) | goal p99 < 100 ms\n" \
	"$p50" "$p99" $PROP_BLOCKS $NODES "$floor" $((NODES - 1)) "$(echo "$ping" | awk '{print $1 * 1000}')"
