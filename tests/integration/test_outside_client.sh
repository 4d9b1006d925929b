#!/bin/sh
# A client Flint did not write against a live regtest flintd: python-bitcoinlib
# (Debian's python3-bitcoinlib, installed by scripts/deps.sh). Its Proxy parses
# what a Bitcoin Core client expects (serialized blocks and headers, hashes,
# transactions it builds itself), its RawProxy calls getblockchaininfo,
# getblock 1 and 2, getpeerinfo and getrawmempool true with Core's fields.
# The library sends positional parameters only, so named parameters are
# tested in test_rpc.sh and tests/test_rpc.c.
. "$(dirname "$0")/lib.sh"
TOOLS=${FLINT_TOOLS:-build/rel/tools}
BASE=$(port_base 5213)

# The library lives in Debian's dist-packages: the system python3 sees it.
PY=""
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import bitcoin.rpc' 2>/dev/null; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	not_ok "python-bitcoinlib importable" "no python3 imports bitcoin.rpc: run scripts/deps.sh (python3-bitcoinlib)"
	finish
fi
ok "python-bitcoinlib importable ($PY)"

"$TOOLS/mkchain" "$TMP/n0" 110 0 --spend > "$TMP/spends" || exit 1
TXID=$(sed -n 1p "$TMP/spends" | cut -d' ' -f1)
TX=$(sed -n 1p "$TMP/spends" | cut -d' ' -f2)
start_flintd "$TMP/n0.out" --chain regtest --datadir "$TMP/n0" --bind 127.0.0.91 --port "$BASE" \
	--maxoutbound 0
start_flintd "$TMP/n1.out" --chain regtest --datadir "$TMP/n1" --bind 127.0.0.92 \
	--port $((BASE + 1)) --connect "127.0.0.91:$BASE" --maxoutbound 0
COOKIE="$TMP/n0/regtest/.cookie"
check "node 0 up" wait_for 20 test -s "$COOKIE"
check "node 1 up" wait_for 20 test -s "$TMP/n1/regtest/.cookie"
check "node 1 synced from node 0" wait_for 60 sh -c "[ \"\$('$TOOLS/rpc' --chain regtest --datadir '$TMP/n1' --rpc 127.0.0.1:$(rpc_port_for $((BASE + 1))) getblockcount)\" = 110 ]"

# client CHECK: runs one named check of the Python below against node 0; it
# prints "ok" or the failure.
URL="http://$(cat "$COOKIE")@127.0.0.1:$(rpc_port_for "$BASE")"
client() {
	out=$(FLINT_URL="$URL" FLINT_TX="$TX" FLINT_TXID="$TXID" "$PY" - "$1" <<'EOF' 2>&1
import os, sys
from decimal import Decimal
import bitcoin.rpc
from bitcoin.core import CTransaction, b2lx, lx, x

url = os.environ["FLINT_URL"]
proxy = bitcoin.rpc.Proxy(service_url=url)
raw = bitcoin.rpc.RawProxy(service_url=url)

def blockchaininfo():
    i = raw.getblockchaininfo()
    assert i["chain"] == "regtest" and i["blocks"] == 110 and i["headers"] == 110, i
    assert i["bestblockhash"] == b2lx(proxy.getbestblockhash()), i
    assert i["size_on_disk"] > 20000, i["size_on_disk"]
    assert i["verificationprogress"] == 1, i
    assert i["warnings"] == [], i
    for k in ("difficulty", "mediantime", "chainwork", "initialblockdownload", "pruned", "time"):
        assert k in i, k

def block_parsed():
    # Proxy.getblock fetches hex (verbosity false) and parses it as a Bitcoin block.
    h = proxy.getblockhash(5)
    b = proxy.getblock(h)
    assert b.GetHash() == h, (b2lx(b.GetHash()), b2lx(h))
    assert len(b.vtx) == 1 and b.vtx[0].is_coinbase()
    hdr = proxy.getblockheader(h, True)
    assert hdr["height"] == 5 and hdr["confirmations"] == 106, hdr
    assert proxy.getblockheader(h).GetHash() == h

def block_verbose():
    h = b2lx(proxy.getblockhash(5))
    b1 = raw.getblock(h, 1)
    assert b1["height"] == 5 and b1["weight"] == 4 * b1["size"], b1
    assert b1["strippedsize"] == b1["size"] and b1["nTx"] == len(b1["tx"]) == 1, b1
    assert len(b1["target"]) == 64 and b1["bits"] == "207fffff", b1
    b2 = raw.getblock(h, 2)
    tx = b2["tx"][0]
    assert tx["txid"] == b1["tx"][0] and tx["weight"] == 4 * tx["vsize"], tx
    assert "fee" not in tx, tx          # a coinbase has none
    # The decoded transaction is the one the library parses from its hex.
    assert b2lx(CTransaction.deserialize(x(tx["hex"])).GetTxid()) == tx["txid"]

def peers():
    ps = raw.getpeerinfo()
    assert len(ps) == 1, ps
    p = ps[0]
    assert p["connection_type"] == "inbound" and p["inbound"] is True, p
    assert p["subver"] == "/Flint:0.1.0/" and p["version"] >= 70015, p
    assert isinstance(p["inflight"], list) and "banscore" not in p, p
    assert p["services"] == "0000000000000001" and p["servicesnames"] == ["NETWORK"], p
    assert p["synced_headers"] >= -1 and p["synced_blocks"] >= -1, p
    assert sum(p["bytesrecv_per_msg"].values()) == p["bytesrecv"], p
    assert sum(p["bytessent_per_msg"].values()) == p["bytessent"], p
    assert p["lastsend"] > 0 and p["lastrecv"] > 0 and p["conntime"] > 0, p
    n = raw.getnetworkinfo()
    assert n["subversion"] == "/Flint:0.1.0/" and n["connections"] == 1, n

def mempool():
    tx = CTransaction.deserialize(x(os.environ["FLINT_TX"]))
    assert b2lx(proxy.sendrawtransaction(tx)) == os.environ["FLINT_TXID"]
    assert proxy.getrawmempool() == [lx(os.environ["FLINT_TXID"])]
    e = proxy.getrawmempool(verbose=True)[os.environ["FLINT_TXID"]]
    size = len(tx.serialize())
    assert e["vsize"] == size and e["weight"] == 4 * size, e
    assert e["height"] == 110 and e["ancestorcount"] == 1 and e["descendantcount"] == 1, e
    assert e["ancestorsize"] == size and e["descendantsize"] == size, e
    assert isinstance(e["fees"]["base"], Decimal) and e["fees"]["base"] > 0, e
    assert e["fees"]["base"] == e["fees"]["modified"] == e["fees"]["ancestor"], e
    assert e["depends"] == [] and e["spentby"] == [] and e["wtxid"] == os.environ["FLINT_TXID"], e
    assert "fee" not in e and "size" not in e, e

def errors():
    try:
        raw.getrawtransaction("00" * 32)
    except bitcoin.rpc.JSONRPCError as ex:
        assert ex.error["code"] == -5, ex.error
        assert "gettransaction" not in ex.error["message"], ex.error
    else:
        raise AssertionError("no error")
    try:
        proxy.getblockhash(999)
    except IndexError as ex:
        assert "(-8)" in str(ex), ex
    else:
        raise AssertionError("no error")
    assert raw.help("getblock").startswith('getblock "blockhash" ( verbosity )')
    assert raw.help("nosuch") == "help: unknown command: nosuch"

globals()[sys.argv[1]]()
print("ok")
EOF
)
	[ "$out" = ok ] || { echo "$out" | tail -3 | sed "s/^/# $1: /"; return 1; }
}

check "getblockchaininfo through RawProxy" client blockchaininfo
check "Proxy parses getblock's block and getblockheader's header" client block_parsed
check "getblock 1 and 2: strippedsize, weight, target, vsize" client block_verbose
check "getpeerinfo and getnetworkinfo: Core's fields" client peers
check "sendrawtransaction, then getrawmempool and getrawmempool true" client mempool
check "errors keep Core's codes; help is text" client errors
finish
