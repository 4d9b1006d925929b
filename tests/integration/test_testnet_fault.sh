#!/bin/sh
# flint-testnet end to end: `make testnet` with four mining nodes, faucet payments
# confirmed and seen through RPC and the explorer, a real double spend (two
# transactions, one mature coin) refused; then a 2|2 partition by bans with miners
# on both sides: the tips diverge, a payment confirms on each side, and after
# heal every node converges on the most-work tip, and the losing side's
# payment goes back to the mempool and confirms again. Then the SLO report.
. "$(dirname "$0")/lib.sh"
BASE=$(port_base 9173)
. "$(dirname "$0")/testnet_lib.sh"

# wal NAME NODE ARGS...: flint-wallet with wallet $TMP/NAME.json on a node.
wal() {
	n=$1; i=$2; shift 2
	"$FLINT_BIN/flint-wallet" --chain testnet --wallet "$TMP/$n.json" \
		--rpc "127.0.0.$((10 + i)):$((BASE + 1))" --rpccookiefile "$TND/node$i/testnet/.cookie" "$@"
}
faucet_to() { tn faucet "$1" "$2" >"$3" 2>/dev/null; }
mining_nodes() { tn status --json | grep -o '"mining": true' | wc -l; }
holds_10() { wal w1 0 balance | grep -q '^confirmed *10.00000000'; }
diverged() { ! agree; }
unknown_on() { ! rpc "$1" getrawtransaction "$2" >/dev/null 2>&1; }
returned() { [ "$(grep -c "accepted tx $LOST" "$TND/node$LOSER/testnet/debug.log")" -ge 2 ]; }
both_confirmed() { confirmed_on "$1" "$TA" && confirmed_on "$1" "$TB"; }
work() { rpc "$1" getblockheader "$2" | sed -n 's/.*"chainwork": "\(.*\)".*/\1/p'; }
none_up() { ! tn status --json | grep -q '"up": true'; }

# Started the README's way, `make testnet`, with this build (plain or sanitized).
case $FLINT_BIN in build/san/*) SAN=1 ;; *) SAN= ;; esac
FLINT_TESTNET_DIR="$TND" make -s testnet SANITIZE="$SAN" \
	TESTNET_ARGS="-n 4 --block-time 2 --base-port $BASE" >"$TMP/up.out" 2>&1
check "make testnet starts four nodes" grep -q "4 of 4 nodes up" "$TMP/up.out"
check "up prints what to try next, through a node (no connection options to type)" \
	grep -q "flint-testnet wallet 0 --wallet .* create" "$TMP/up.out"
check "up prints the live view's URL" grep -q "^Live view: http://127.0.0.1:$((BASE + 260))/?token=" "$TMP/up.out"
check "all four mine" [ "$(mining_nodes)" -eq 4 ]

A1=$(wal w1 0 create 2>/dev/null)
A2=$(wal w2 2 create 2>/dev/null)
# The miners pay the faucet; its coins mature 20 blocks later.
check "the faucet pays once its coins mature" wait_slow 240 faucet_to "$A1" 10 "$TMP/f1"
check "and pays a second wallet" wait_slow 60 faucet_to "$A2" 10 "$TMP/f2"
T1=$(tail -1 "$TMP/f1"); T2=$(tail -1 "$TMP/f2")
check "payment 1 confirmed (RPC)" wait_slow 60 confirmed_on 3 "$T1"
check "payment 2 confirmed (RPC)" wait_slow 60 confirmed_on 3 "$T2"
"$FLINT_BIN/flint-explorer" --rpc "127.0.0.11:$((BASE + 1))" \
	--rpccookiefile "$TND/node1/testnet/.cookie" tx "$T1" >"$TMP/ex.out" 2>&1
check "the explorer shows the payment" grep -q "$T1" "$TMP/ex.out"
check "wallet 1 holds its 10 coins" holds_10

tn attack 1 doublespend >"$TMP/ds.out" 2>&1
check "a double spend of a mature coin by two transactions" \
	grep -q "two transactions spending the same coin" "$TMP/ds.out"
check "is refused and its sender banned" grep -q "^result: defended" "$TMP/ds.out"

# The partition: each side keeps mining on its own.
H=$(height 0)
check "partition --ban 0,1/2,3" quiet tn partition --ban 0,1/2,3
check "side A mines past the split" wait_slow 90 at_least 0 $((H + 1))
check "side B mines past the split" wait_slow 90 at_least 2 $((H + 1))
check "the tips diverge" diverged
TA=$(wal w1 0 send "$A2" 1 2>/dev/null)
TB=$(wal w2 2 send "$A1" 2 2>/dev/null)
check "a payment confirms on side A" wait_slow 90 confirmed_on 0 "$TA"
check "another confirms on side B" wait_slow 90 confirmed_on 2 "$TB"
check "side A never saw side B's payment" unknown_on 0 "$TB"
TIPA=$(tip 0); TIPB=$(tip 2)
WA=$(work 0 "$TIPA"); WB=$(work 2 "$TIPB")

check "heal" quiet tn heal
check "every node converges within 30 s" wait_slow 30 agree
WF=$(work 3 "$(tip 3)")
MAXW=$(printf '%s\n%s\n' "$WA" "$WB" | sort | tail -1)
check "on the most-work chain" [ "$(printf '%s\n%s\n' "$WF" "$MAXW" | sort | tail -1)" = "$WF" ]
if on_chain 3 "$TIPA"; then LOSER=2; LOST=$TB; else LOSER=0; LOST=$TA; fi
check "the losing side's payment went back to the mempool" wait_for 30 returned
check "and confirms again on the winning chain" wait_slow 90 confirmed_on 1 "$LOST"
check "both payments are on every node's chain" wait_slow 30 both_confirmed 3

tn slo >"$TMP/slo.out" 2>&1
check "slo times the convergence after the heal" grep -q "^converge after heal 1 .* PASS" "$TMP/slo.out"
check "slo reports propagation and stale rate" grep -q "^stale block rate" "$TMP/slo.out"
tn check --json --k 1 >"$TMP/check.json" 2>/dev/null
check "check judges the faucet's journaled payments" \
	grep -q '"property": "payments", "pass": true' "$TMP/check.json"
check "both faucet payments were journaled" grep -q '"paid": 2' "$TMP/check.json"
tn down >/dev/null 2>&1
check "down stops every node" none_up
finish
