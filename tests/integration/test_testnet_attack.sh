#!/bin/sh
# flint-testnet attack: every kind of hostile peer against node 0 of a
# two-node testnet (node 1 mines). Each time the target stays up,
# disconnects and bans the attacker, and keeps the bad block off its chain;
# afterwards it still syncs from its honest peer, which it never banned.
. "$(dirname "$0")/lib.sh"
BASE=$(port_base 4241)
. "$(dirname "$0")/testnet_lib.sh"

synced() { [ "$(tip 0)" = "$(tip 1)" ]; }
honest_not_banned() { ! rpc 0 listbanned | grep -q '"127.0.0.11'; }

quiet tn up -n 2 --topology line --miners 1 --block-time 4 --base-port "$BASE"
check "up: two nodes, one miner" wait_slow 30 at_least 0 0
for k in badpow badmerkle doublespend inflated-coinbase future-timestamp garbage oversize; do
	tn attack 0 "$k" >"$TMP/$k.out" 2>&1
	rc=$?
	check "$k: reported as defended (exit 0)" [ "$rc" -eq 0 ]
	check "$k: the target disconnected us" grep -q "^  disconnected:  yes" "$TMP/$k.out"
	check "$k: the target banned us" grep -q "^  banned:        yes" "$TMP/$k.out"
	check "$k: the target is still up" grep -q "^  still up:      yes" "$TMP/$k.out"
	case $k in
	garbage|oversize) ;;
	*) check "$k: the bad block is not on its chain" grep -Eq "^  chain: +the block (was dropped|is kept off)" "$TMP/$k.out" ;;
	esac
	if [ -n "$VERBOSE" ] || ! grep -q "^result: defended" "$TMP/$k.out"; then sed "s/^/# /" "$TMP/$k.out"; fi
done
tn attack 0 badpow --json >"$TMP/again.out" 2>&1
check "a banned attacker cannot even handshake" grep -q "closed the connection during the handshake" "$TMP/again.out"
check "seven attackers banned, the honest peer not" sh -c "[ \$($TOOLS/rpc --chain testnet --datadir $TND/node0 --rpc 127.0.0.10:$((BASE + 1)) listbanned | grep -c '\"address\"') -eq 7 ]"
check "the honest peer is not banned" honest_not_banned
H=$(height 1)
check "the target keeps syncing from its honest peer" wait_slow 60 at_least 0 $((H + 1))
check "and agrees with it" wait_slow 30 synced
finish
