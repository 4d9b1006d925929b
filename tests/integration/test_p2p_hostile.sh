#!/bin/sh
# Peers that try to make a node spend memory, disk or time on them: one
# that asks for headers from genesis 2,000 times and never reads (the node
# stops reading it with 3 MB queued, stays under a memory bound, and drops
# it once its queue has not shrunk for 30 s), low-work header chains from
# genesis (pre-synced and forgotten, never stored) next to a heavier one
# (stored), headers that connect to nothing (penalised until banned), and
# a getdata for 50,000 unknown blocks (one notfound answers it).
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$(port_base 37)
RPCADDR="127.0.0.1:$(rpc_port_for "$BASE")"
rpc() { "$TOOLS/rpc" --chain regtest --datadir "$TMP/n0" --rpc "$RPCADDR" "$@"; }
log() { cat "$TMP/n0/regtest/debug.log" 2>/dev/null; }
tips() { rpc getchaintips | grep -c '"height"'; }
tips_are() { [ "$(tips)" = "$1" ]; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$PID0/status"; }

"$TOOLS/mkchain" "$TMP/n0" 2500 >/dev/null || exit 1
# Side chains from genesis: 2,300 blocks has less work than 2,500 - 144; 2,600 more.
"$TOOLS/mkchain" "$TMP/low" 2300 2 --headers > "$TMP/low.hdr" || exit 1
"$TOOLS/mkchain" "$TMP/heavy" 2600 3 --headers > "$TMP/heavy.hdr" || exit 1
# Under ASan, freed buffers sit in its quarantine (256 MB by default) and would count as RSS.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
start_flintd "$TMP/n0.out" --chain regtest --datadir "$TMP/n0" --bind 127.0.0.40 \
	--port "$BASE" --maxoutbound 0
PID0=$LAST_PID
check "node starts with 2500 blocks" wait_for 30 sh -c "grep -q 'height 2500,' '$TMP/n0/regtest/debug.log'"
wait_for 10 rpc getblockcount >/dev/null
tips0=$(tips)
rss0=$(rss_kb)

"$TOOLS/rawpeer" 127.0.0.41 127.0.0.40 "$BASE" hoard 45 > "$TMP/hoard.out" &
HOARD=$!
check "the hoarder sent its requests" wait_for 60 grep -q '^sent' "$TMP/hoard.out"
rss_above() { [ "$(rss_kb)" -gt "$1" ]; }
# The bound: 3 MB queued, 4 MB of unread requests, buffers; 48 MB leaves room for the allocator.
if wait_for 5 rss_above $((rss0 + 49152)); then
	not_ok "RSS stays within 48 MB of its start for 5 s (unbounded: 328 MB in 4 s)" "RSS $(rss_kb) kB"
else
	ok "RSS stays within 48 MB of its start for 5 s (unbounded: 328 MB in 4 s)"
fi
echo "# RSS ${rss0} kB before, $(rss_kb) kB with 2000 requests for 160 kB each waiting"

r=$("$TOOLS/rawpeer" 127.0.0.42 127.0.0.40 "$BASE" headers 4 $(cat "$TMP/low.hdr"))
check "a low-work chain of 2300 headers is forgotten" wait_for 10 sh -c "grep -q 'headers of a chain with too little work' '$TMP/n0/regtest/debug.log'"
check "none of its headers is stored (chain tips unchanged)" tips_are "$tips0"
check "no block of it was asked for" sh -c "echo '$r' | grep -q 'asked for 0 blocks'"

r=$("$TOOLS/rawpeer" 127.0.0.43 127.0.0.40 "$BASE" headers 4 $(cat "$TMP/heavy.hdr"))
check "a heavier chain of 2600 headers is stored after pre-sync" wait_for 10 tips_are $((tips0 + 1))
check "and its blocks are asked for" sh -c "echo '$r' | grep -v -q 'asked for 0 blocks'"

r=$("$TOOLS/rawpeer" 127.0.0.44 127.0.0.40 "$BASE" unconnecting 10)
check "headers that never connect get the peer dropped" sh -c "echo '$r' | grep -q 'closed after'"
check "and banned" wait_for 5 sh -c "grep -q '^127.0.0.44 ' '$TMP/n0/regtest/banlist.dat'"

r=$("$TOOLS/rawpeer" 127.0.0.45 127.0.0.40 "$BASE" notfound 4)
echo "# $r"
check "getdata for 50,000 unknown blocks: one notfound with all of them" \
	sh -c "echo '$r' | grep -q 'got 1 notfound messages, 50000 items'"

wait "$HOARD"
echo "# hoarder: $(tail -1 "$TMP/hoard.out")"
check "the peer that never reads is dropped" grep -q 'closed after' "$TMP/hoard.out"
check "for not reading what it asked for (30 s without progress)" sh -c "grep -q 'disconnecting peer 1 (127.0.0.41:[0-9]*): not reading what it asked for' '$TMP/n0/regtest/debug.log'"
check "the node still answers RPC" rpc getblockcount
stop_pid "$PID0"
finish
