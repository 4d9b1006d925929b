#!/bin/sh
# Installs the Debian packages Flint builds and tests against, only those missing.
# As root it runs apt-get; otherwise it prints the exact command and fails, so
# that `make` never half-builds against a partial toolchain.
set -e
PKGS="build-essential pkg-config clang libclang-rt-14-dev libssl-dev libsecp256k1-dev \
libleveldb-dev libevent-dev libjansson-dev libcmocka-dev python3"
# gnuplot draws the plots of flint-testnet experiment.
PKGS="$PKGS gnuplot-nox"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
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
