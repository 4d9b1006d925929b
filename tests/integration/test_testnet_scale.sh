#!/bin/sh
# Three hundred real nodes on one machine: `up` starts them side by side on
# their own loopback addresses (one p2p port, one RPC port for all), a
# random graph of degree 3 through the relay, four miners. A 150/150
# partition forks the chain, heal brings every node back to one tip, and
# status answers for all of them at once, as a summary.
. "$(dirname "$0")/lib.sh"
BASE=$(port_base 7741)
. "$(dirname "$0")/testnet_lib.sh"

N=300
all_agree() { tn status --json | grep -q '"agree": true' && [ "$(tn status --json | grep -o '"up": true' | wc -l)" -eq $N ]; }
two_sides() { [ "$(tip 0)" != "$(tip $((N - 1)))" ] && [ -n "$(tip 0)" ] && [ -n "$(tip $((N - 1)))" ]; }

START=$(date +%s)
tn up -n $N --topology random --degree 3 --seed 5 --miners 4 --block-time 2 --base-port "$BASE" >"$TMP/up.out" 2>&1
check "up: $N nodes ready" grep -q "^ready (every node has its peers" "$TMP/up.out"
echo "# $(grep -E '^(300 nodes started|ready)' "$TMP/up.out" | tr '\n' ' ')(wall $(( $(date +%s) - START )) s)"
check "node $((N - 1)) is at $(node_ip $((N - 1))), RPC on the common port" sh -c "[ -n \"\$($TOOLS/rpc --chain testnet --datadir $TND/node$((N - 1)) --rpc $(node_ip $((N - 1))):$((BASE + 1)) getblockcount)\" ]"
check "every node has the same p2p and RPC ports" sh -c "[ \$(grep -c '\"port\": $BASE,' '$TND/testnet.json') -eq $N ] && [ \$(grep -c '\"rpcport\": $((BASE + 1)),' '$TND/testnet.json') -eq $N ]"
check "the chain grows to height 3" wait_slow 120 at_least $((N - 1)) 3
check "all $N nodes agree" wait_slow 120 all_agree
T0=$(date +%s.%N)
tn status >"$TMP/status.out"
T1=$(date +%s.%N)
# A block may land between the two commands: the summary line, agreeing or not.
check "status summarises" sh -c "grep -q '^$N of $N nodes up' '$TMP/status.out' && grep -q '^height: min [0-9]*, median [0-9]*, max [0-9]*\$' '$TMP/status.out'"
check "status lists no row per node without --all" sh -c "[ \$(wc -l < '$TMP/status.out') -lt 10 ]"
echo "# status of $N nodes: $(awk "BEGIN { printf \"%.2f\", $T1 - $T0 }") s"
tn status --all >"$TMP/all.out"
check "status --all has a row per node" sh -c "[ \$(grep -c ' up\$' '$TMP/all.out') -eq $N ]"

check "partition 0-149/150-299" quiet tn partition 0-149/150-299
check "the two sides fork" wait_slow 120 two_sides
tn status >"$TMP/parted.out"
check "status shows the partition and the cut links" sh -c "grep -q '^partition in force: 0-149/150-299' '$TMP/parted.out' && grep -q 'directions cut in all' '$TMP/parted.out'"
check "heal" quiet tn heal
T0=$(date +%s)
check "every node converges on one tip" wait_slow 120 all_agree
echo "# converged $(( $(date +%s) - T0 )) s after heal"
check "down stops them all" sh -c "'$FLINT_BIN/flint-testnet' --dir '$TND' down | grep -q 'stopped $N nodes'"
finish
