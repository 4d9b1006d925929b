#!/bin/sh
# flint-wallet end to end on regtest: create a plain and an encrypted wallet,
# mine to the first, mature, pay the second, confirm, and check both
# balances to the base unit with the fee; then the failures a user meets:
# wrong passphrase (file untouched), insufficient funds, bad address, bad
# amount, unreachable node, and a crash in the middle of a write.
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$((20000 + ($$ + 2377) % 20000))
RPCADDR="127.0.0.1:$(rpc_port_for "$BASE")"
W="$FLINT_BIN/flint-wallet --chain regtest --datadir $TMP/n0 --rpc $RPCADDR"
rpc() { "$TOOLS/rpc" --chain regtest --datadir "$TMP/n0" --rpc "$RPCADDR" "$@"; }
is() { [ "$(eval "$1")" = "$2" ]; }
has() { eval "$1" 2>&1 | grep -q -- "$2"; }
echo "correct horse" > "$TMP/pass"
echo "wrong horse" > "$TMP/badpass"

start_flintd "$TMP/n0.out" --chain regtest --datadir "$TMP/n0" --bind 127.0.0.53 --port "$BASE" \
	--maxoutbound 0
check "node up" wait_for 20 test -s "$TMP/n0/regtest/.cookie"

A=$($W --wallet "$TMP/a.json" create 2>/dev/null)
check "create prints an address" sh -c "echo '$A' | grep -q '^r'"
check "wallet file is 0600" sh -c "[ \"\$(stat -c %a '$TMP/a.json')\" = 600 ]"
check "create refuses to overwrite" has "$W --wallet $TMP/a.json create" "already exists"
B=$($W --wallet "$TMP/b.json" --passphrase-file "$TMP/pass" create --encrypt 2>/dev/null)
check "encrypted wallet created" sh -c "echo '$B' | grep -q '^r'"
check "no secret in the encrypted file" sh -c "! grep -q '\"secret\"' '$TMP/b.json' && grep -q '\"sealed\"' '$TMP/b.json'"
check "addresses need no passphrase" is "$W --wallet $TMP/b.json addresses" "$B"

rpc generatetoaddress 101 "$A" >/dev/null
check "mined coins: 100 mature" has "$W --wallet $TMP/a.json balance" "^confirmed    100.00000000"
check "and 4950 immature" has "$W --wallet $TMP/a.json balance" "^immature     4950.00000000"

TXID=$($W --wallet "$TMP/a.json" send "$B" 12.5 2>"$TMP/send.err")
check "send prints a txid" sh -c "echo '$TXID' | grep -q '^[0-9a-f]\{64\}$'"
FEE=$(sed -n 's/.*fee \([0-9.]*\).*/\1/p' "$TMP/send.err")
check "the tx is in the mempool" has "rpc getrawmempool" "$TXID"
check "B sees it unconfirmed" has "$W --wallet $TMP/b.json balance" "^unconfirmed  12.50000000"
rpc generatetoaddress 1 "$B" >/dev/null
check "B: exactly 12.5 confirmed" has "$W --wallet $TMP/b.json balance" "^confirmed    12.50000000"
# A had 150 mature at the next height (blocks 1-3) and paid 12.5 plus the fee.
WANT=$(echo "$FEE" | awk '{printf "%.8f", 150 - 12.5 - $1}')
check "A: 150 - 12.5 - fee, to the base unit" has "$W --wallet $TMP/a.json balance" "^confirmed    $WANT"
check "history shows the payment and its fee" has "$W --wallet $TMP/a.json history" "$TXID *-12.50000[0-9]* *$FEE"
check "B's history shows 12.5 received" has "$W --wallet $TMP/b.json history" "$TXID *12.50000000"

cp "$TMP/b.json" "$TMP/b.before"
check "wrong passphrase: clear error" has "$W --wallet $TMP/b.json --passphrase-file $TMP/badpass newaddress" "wrong passphrase"
check "wrong passphrase: file untouched" cmp -s "$TMP/b.json" "$TMP/b.before"
check "right passphrase: new address" has "$W --wallet $TMP/b.json --passphrase-file $TMP/pass newaddress" "^r"
check "dumpkey gives a WIF" sh -c "$W --wallet $TMP/a.json dumpkey $A | grep -q '^[1-9A-HJ-NP-Za-km-z]\{50,52\}$'"
check "insufficient funds" has "$W --wallet $TMP/b.json --passphrase-file $TMP/pass send $A 1000" "insufficient funds: 12.50000000"
check "bad address" has "$W --wallet $TMP/a.json send F5q8fq1iBfG8x8wavNNaZpAx8LkXqKnsFc 1" "not a valid address"
check "bad amount" has "$W --wallet $TMP/a.json send $B 1.123456789" "not a valid amount"
check "failures exit non-zero" sh -c "! $W --wallet $TMP/a.json send $B 0 2>/dev/null"
check "unreachable node" has "$FLINT_BIN/flint-wallet --chain regtest --rpc 127.0.0.1:1 --rpcuser a --rpcpassword b --wallet $TMP/a.json balance" "cannot reach the node"

# A crash between writing the temp file and the rename leaves the old file whole.
cp "$TMP/a.json" "$TMP/a.before"
FLINT_WALLET_CRASH_BEFORE_RENAME=1 $W --wallet "$TMP/a.json" newaddress >/dev/null 2>&1; RC=$?
check "the write was killed" [ "$RC" -eq 97 ]
check "old wallet intact" cmp -s "$TMP/a.json" "$TMP/a.before"
check "and it still loads" is "$W --wallet $TMP/a.json addresses | head -1" "$A"
finish
