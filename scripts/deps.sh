#!/bin/sh
# Installs the Debian packages Flint builds and tests against, only those missing.
# As root it runs apt-get; otherwise it prints the exact command and fails, so
# that `make` never half-builds against a partial toolchain.
set -e
# python3-bitcoinlib: an RPC client Flint did not write, for test_outside_client.sh.
PKGS="build-essential pkg-config clang libclang-rt-14-dev libssl-dev libsecp256k1-dev \
libleveldb-dev libevent-dev libjansson-dev libcmocka-dev python3 \
python3-bitcoinlib"
# Only `make bench` needs these (bench_rpc's load generator); make test does not.
[ "$FLINT_BENCH_DEPS" = 1 ] && PKGS="$PKGS apache2-utils"
# gnuplot draws the plots of flint-testnet experiment.
PKGS="$PKGS gnuplot-nox"
missing=""
# chromium: the web view's browser test (headless, driven by puppeteer-core
# from tests/web, which `make test` installs with npm).
PKGS="$PKGS chromium"
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
# Node.js for the browser test's driver: any install will do (the machine's may not be Debian's).
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "flint: missing packages:$missing" >&2
	echo "flint: run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "flint: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $missing >/dev/null
