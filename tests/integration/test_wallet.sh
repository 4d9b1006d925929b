#!/bin/sh
# flint-wallet end to end on regtest: create a plain and an encrypted wallet,
# mine to the first, mature, pay the second, confirm, and check both
# balances to the base unit with the fee; then the failures a user meets:
# wrong passphrase (file untouched), insufficient funds, bad address, bad
# amount, unreachable node, and a crash in the middle of a write; the
# passphrase asked only to sign (none is needed for a payment that fails
# before, or for dumpkey of another address). Also: a
# fee exactly rate * signed size, spending the wallet's unconfirmed change,
# a dry run that sends nothing, and a wallet of more addresses than one
# address-index call takes.
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$(port_base 2377)
RPCADDR="127.0.0.1:$(rpc_port_for "$BASE")"
W="$FLINT_BIN/flint-wallet --chain regtest --datadir $TMP/n0 --rpc $RPCADDR"
rpc() { "$TOOLS/rpc" --chain regtest --datadir "$TMP/n0" --rpc "$RPCADDR" "$@"; }
is() { [ "$(eval "$1")" = "$2" ]; }
# Amounts as the wallet prints them (8 decimals) to base units and back.
units() { echo "$1" | tr -d . | sed 's/^-\{0,1\}0*//; s/^$/0/'; }
coins() { printf '%d.%08d' $(($1 / 100000000)) $(($1 % 100000000)); }
field() { sed -n "s/.*\"$1\": \"\{0,1\}\([0-9a-f.]*\).*/\1/p"; }
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

# The fee is the rate times the signed size, rounded up, to the base unit.
C=$($W --wallet "$TMP/c.json" create 2>/dev/null)
OUT=$($W --wallet "$TMP/a.json" --json send "$C" 10 --fee-rate 0.00002345 2>/dev/null)
SIZE=$(echo "$OUT" | field size)
F1=$(units "$(echo "$OUT" | field fee)")
TX1=$(echo "$OUT" | field txid)
check "fee = 2345 per kB * size, rounded up" [ "$F1" -eq $(( (2345 * SIZE + 999) / 1000 )) ]
check "the node agrees on the size" has "rpc getrawtransaction $TX1 true" "\"size\": $SIZE,"
rpc generatetoaddress 1 "$A" >/dev/null
# C spends its change before any block confirms it.
OUT=$($W --wallet "$TMP/c.json" --json send "$B" 1 2>/dev/null)
F2=$(units "$(echo "$OUT" | field fee)")
check "the default fee rate is the node's relay floor, 1000 per kB" [ "$F2" -eq "$(echo "$OUT" | field size)" ]
OUT=$($W --wallet "$TMP/c.json" --json send "$B" 2 2>"$TMP/send2.err")
F3=$(units "$(echo "$OUT" | field fee)")
TX3=$(echo "$OUT" | field txid)
check "a second payment spends unconfirmed change" sh -c "echo '$TX3' | grep -q '^[0-9a-f]\{64\}$'"
check "both wait in the mempool" has "rpc getrawmempool" "$TX3"
rpc generatetoaddress 1 "$A" >/dev/null
check "C: 10 - 1 - 2 - both fees, to the base unit" has "$W --wallet $TMP/c.json balance" \
	"^confirmed    $(coins $((1000000000 - 300000000 - F2 - F3)))$"
check "insufficient funds names what is spendable, exactly" has "$W --wallet $TMP/c.json send $A 100" \
	"insufficient funds: $(coins $((1000000000 - 300000000 - F2 - F3))) coins spendable"
check "C's history: received 10, paid 1 and 2 with fees" sh -c \
	"$W --wallet $TMP/c.json history | grep -c ' -[12].0000[0-9]*  *0.0000' | grep -qx 2"
check "history --json" has "$W --wallet $TMP/c.json --json history" "\"txid\": \"$TX3\", \"confirmations\": 1, \"amount\": -2.$(printf %08d "$F3")"

# A dry run signs and shows, and sends nothing.
POOL=$(rpc getmempoolinfo | field size)
HEX=$($W --wallet "$TMP/a.json" send "$B" 1 --dry-run 2>/dev/null)
check "dry run prints a transaction the node decodes" has "rpc decoderawtransaction $HEX" '"vin"'
check "dry run sends nothing" is "rpc getmempoolinfo | field size" "$POOL"

# More addresses than the node takes in one address-index call (100).
$W --wallet "$TMP/d.json" create >/dev/null 2>&1
for i in $(seq 120); do $W --wallet "$TMP/d.json" newaddress; done >"$TMP/d.addrs" 2>&1
D=$(tail -1 "$TMP/d.addrs")
$W --wallet "$TMP/a.json" send "$D" 1.5 >/dev/null 2>&1
rpc generatetoaddress 1 "$A" >/dev/null
check "a wallet of 121 addresses sees its coins" has "$W --wallet $TMP/d.json balance" "^confirmed    1.50000000$"
check "an encrypted wallet pays with the passphrase from the environment" sh -c \
	"FLINT_WALLET_PASSPHRASE='correct horse' $W --wallet $TMP/b.json send $D 0.5 2>/dev/null | grep -q '^[0-9a-f]\{64\}$'"

cp "$TMP/b.json" "$TMP/b.before"
check "wrong passphrase: clear error" has "$W --wallet $TMP/b.json --passphrase-file $TMP/badpass newaddress" "wrong passphrase"
check "wrong passphrase: file untouched" cmp -s "$TMP/b.json" "$TMP/b.before"
check "right passphrase: new address" has "$W --wallet $TMP/b.json --passphrase-file $TMP/pass newaddress" "^r"
cp "$TMP/b.json" "$TMP/b.before2"
check "dumpkey gives a WIF" sh -c "$W --wallet $TMP/a.json dumpkey $A | grep -q '^[1-9A-HJ-NP-Za-km-z]\{50,52\}$'"
check "insufficient funds" has "$W --wallet $TMP/b.json --passphrase-file $TMP/pass send $A 1000" "insufficient funds: [0-9]*\.[0-9]\{8\} coins spendable.*1000.00000000 asked"
check "bad address" has "$W --wallet $TMP/a.json send F5q8fq1iBfG8x8wavNNaZpAx8LkXqKnsFc 1" "not a valid address"
check "bad amount" has "$W --wallet $TMP/a.json send $B 1.123456789" "not a valid amount"
for bad in abc 1.5.5 -1 1e3 " 1" 21000000.00000001 0.00000000; do
	check "bad amount '$bad'" has "$W --wallet $TMP/a.json send $B '$bad'" "not a valid amount"
done
check "an address of another chain says so" has "$W --wallet $TMP/a.json send F5q8fq1iBfG8x8wavNNaZpAx8LkXqKnsFc 1" "is a testnet address"
check "wrong passphrase on send: file untouched" sh -c "! $W --wallet $TMP/b.json --passphrase-file $TMP/badpass send $A 1 2>/dev/null && cmp -s $TMP/b.json $TMP/b.before2"
# The passphrase is asked only to sign: what fails first fails without it.
NOPASS="env -u FLINT_WALLET_PASSPHRASE"
only() { out=$(eval "$1" 2>&1 </dev/null); echo "$out" | grep -q -- "$2" && ! echo "$out" | grep -qi passphrase; }
check "unreachable node on send: that error, no passphrase asked" only \
	"$NOPASS $FLINT_BIN/flint-wallet --chain regtest --rpc 127.0.0.1:1 --rpcuser a --rpcpassword b --wallet $TMP/b.json send $A 1" "cannot reach the node"
check "insufficient funds: that error, no passphrase asked" only "$NOPASS $W --wallet $TMP/b.json send $A 1000" "insufficient funds"
check "bad address: that error, no passphrase asked" only "$NOPASS $W --wallet $TMP/b.json send F5q8fq1iBfG8x8wavNNaZpAx8LkXqKnsFc 1" "not a valid address"
check "dumpkey of another address: no passphrase asked" only "$NOPASS $W --wallet $TMP/b.json dumpkey $A" "not an address of this wallet"
check "a payment that can be made asks for it, at signing" has "$NOPASS $W --wallet $TMP/b.json send $A 1 </dev/null" "give --passphrase-file"
check "and leaves the file untouched" cmp -s "$TMP/b.json" "$TMP/b.before2"
check "dumpkey of an encrypted wallet's address reads the passphrase" sh -c \
	"$W --wallet $TMP/b.json --passphrase-file $TMP/pass dumpkey $B | grep -q '^[1-9A-HJ-NP-Za-km-z]\{50,52\}$'"
# Options from the table: both value forms, refusals, --help made from it.
check "--wallet=FILE works as --wallet FILE" is "$W --wallet=$TMP/b.json addresses | head -1" "$B"
check "an unknown option is named" has "$W --wallet $TMP/a.json --bogus balance" "unknown option '--bogus'"
check "a missing value is named" has "$W balance --wallet" "option --wallet needs a value (--wallet FILE)"
check "a bad fee rate is named" has "$W --wallet $TMP/a.json send $B 1 --fee-rate 0" "'0' is not a valid fee rate"
check "--help lists every option" sh -c "$FLINT_BIN/flint-wallet --help | grep -c '^  --\(wallet FILE\|passphrase-file F\|encrypt\|fee-rate COINS\|dry-run\|json\|help\) ' | grep -qx 7"
check "failures exit non-zero" sh -c "! $W --wallet $TMP/a.json send $B 0 2>/dev/null"
check "unreachable node" has "$FLINT_BIN/flint-wallet --chain regtest --rpc 127.0.0.1:1 --rpcuser a --rpcpassword b --wallet $TMP/a.json balance" "cannot reach the node"

# A crash between writing the temp file and the rename leaves the old file whole.
cp "$TMP/a.json" "$TMP/a.before"
FLINT_WALLET_CRASH_BEFORE_RENAME=1 $W --wallet "$TMP/a.json" newaddress >/dev/null 2>&1; RC=$?
check "the write was killed" [ "$RC" -eq 97 ]
check "old wallet intact" cmp -s "$TMP/a.json" "$TMP/a.before"
check "and it still loads" is "$W --wallet $TMP/a.json addresses | head -1" "$A"
finish
