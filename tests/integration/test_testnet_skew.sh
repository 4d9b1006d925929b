#!/bin/sh
# flint-testnet skew: a miner whose clock runs 90 s fast (the testnet limit
# is 30 s) has its blocks refused by the others, as early rather than
# invalid, so it is not banned; a restart keeps the skew; once its clock is
# fixed it rejoins the others on one chain.
. "$(dirname "$0")/lib.sh"
BASE=$(port_base 5519)
. "$(dirname "$0")/testnet_lib.sh"

mined() { grep -c 'mined block' "$TND/node2/testnet/debug.log"; }
mined_more() { [ "$(mined)" -gt "$M" ]; }
last_mined() { grep 'mined block' "$TND/node2/testnet/debug.log" | tail -1 | sed 's/.*mined block //'; }
refused_by_0() { ! on_chain 0 "$X"; }
# early_on 0: node 0 logged a block the skewed node mined as refused for now, for its
# timestamp. Any of them: once the first is refused, the next ones build on a header
# node 0 does not hold, so only the first reaches that check.
early_on_0() {
	for h in $(grep 'mined block' "$TND/node2/testnet/debug.log" | sed 's/.*mined block //'); do
		grep -q "$h from peer .* refused for now: time-too-new" "$TND/node0/testnet/debug.log" &&
			return 0
	done
	return 1
}
offset_kept() { tn status --json | grep -q '"index": 2, [^}]*"time_offset": 90'; }
not_banned() { ! rpc 0 listbanned | grep -q '127.0.0.12"' && ! rpc 1 listbanned | grep -q '127.0.0.12"'; }
rejoined() { agree && [ "$(tip 2)" = "$(tip 0)" ]; }

quiet tn up -n 3 --block-time 2 --base-port "$BASE"
three_agree() { at_least 0 1 && agree; }
check "three miners agree on a chain" wait_slow 60 three_agree
check "skew 2 by +90 s" quiet tn skew 2 90
check "a restart keeps the skew" quiet tn restart 2
check "status shows the offset" offset_kept
M=$(mined)
check "the skewed node mines" wait_slow 90 mined_more
X=$(last_mined)
check "node 0 refuses its block for now, as too new" wait_for 30 early_on_0
check "and keeps it off its chain" refused_by_0
check "it is not banned for it (early, not invalid)" not_banned
check "fix its clock" quiet tn skew 2 0
check "it rejoins the others on one chain" wait_slow 90 rejoined
finish
