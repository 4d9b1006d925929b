#!/bin/sh
# flint-testnet kill, start and restart on a three-node line (node 0 mines):
# a node killed while catching up and started again catches up with the
# chain; a restarted middle node rejoins; and bad commands are refused with
# a message, never a crash.
. "$(dirname "$0")/lib.sh"
BASE=$(port_base 3307)
. "$(dirname "$0")/testnet_lib.sh"

down_in_status() { tn status --json | grep -q '{"index": 2, "height": null.*"up": false}'; }
caught_up() { [ "$(tip 2)" = "$(tip 0)" ]; }
new_tip_lines() { grep -c 'new tip' "$TND/node2/testnet/debug.log"; }
syncing() { [ "$(new_tip_lines)" -gt "$SEEN" ]; }
refused() { out=$(tn "$@" 2>&1); rc=$?; [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && echo "$out" | grep -q "error"; }

quiet tn up -n 3 --topology line --miners 1 --block-time 2 --base-port "$BASE"
check "the chain reaches the end of the line" wait_slow 60 at_least 2 2
check "kill 2" quiet tn kill 2
check "status shows node 2 down" down_in_status
H=$(height 0)
check "the others go on without it" wait_slow 60 at_least 0 $((H + 3))
SEEN=$(new_tip_lines)
check "start 2" quiet tn start 2
wait_for 10 syncing
check "kill 2 again while it catches up" quiet tn kill 2
check "start 2 again" quiet tn start 2
check "it catches up with the chain" wait_slow 30 caught_up
H=$(height 0)
check "restart the middle node" quiet tn restart 1
check "the line works again: blocks reach node 2" wait_slow 60 at_least 2 $((H + 1))
check "and node 2 follows the miner's tip" wait_slow 30 caught_up

check "up with other options is refused" refused up -n 5
check "a node that does not exist is refused" refused kill 7
check "a bad partition is refused" refused partition 0,1/1,2
check "an unknown attack is refused" refused attack 0 sybil
check "an unknown command is refused" refused frobnicate
check "no testnet in an empty directory" sh -c "! $FLINT_BIN/flint-testnet --dir $TMP/none status 2>&1 | grep -qv 'no testnet'"
check "start of a running node is refused" refused start 0
finish
