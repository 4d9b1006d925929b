#!/bin/sh
# The layer graph, checked on the built objects: every symbol an object of
# a layer (or a program's main) needs from another layer must be defined in
# a layer it may use. Rules come from the Makefile's LAYER_USES, one word a
# layer: "layer=used,used,..."; a used entry "p2p/protocol" allows only the
# objects of p2p/protocol.c. A program's main is checked against the rules
# of the layer its PROGRAM_USES entry names ("prog:main.o=layer,...").
#
#   FLINT_BUILD=build/rel LAYER_USES="..." PROGRAM_USES="..." tests/check_layers.sh
#
# (`make test` sets the three from the Makefile.)
#
# Prints TAP: one line per layer and per program, each offending reference
# as a comment ("node/explorer.o uses wal_open from wallet/wallet.o").
BUILD=${FLINT_BUILD:-build/rel}
export LC_ALL=C
RULES=$LAYER_USES
PROGS=$PROGRAM_USES
[ -n "$RULES" ] || { echo "not ok 1 - LAYER_USES is not set (run through make test)"; exit 1; }
N=0
FAILED=0
DEFS=$(mktemp)
trap 'rm -f "$DEFS"' EXIT

# Where each global symbol is defined: "symbol layer/object.o".
for lib in "$BUILD"/lib*.a; do
	layer=$(basename "$lib" .a | sed 's/^lib//')
	nm -A --defined-only -g "$lib" 2>/dev/null |
		awk -v L="$layer" '{ split($1, p, ":"); print $NF, L "/" p[2] }'
done | sort -u > "$DEFS"

# check NAME OWN_LAYER ALLOWED OBJECT...: every cross-layer reference allowed.
check() {
	name=$1 own=$2 allowed=$3
	shift 3
	bad=$(for o in "$@"; do
		nm -u "$o" 2>/dev/null | awk -v O="$(basename "$o")" '{ print $2, O }'
	done | sort -k1,1 | join - "$DEFS" | awk -v own="$own" -v allowed="$allowed" '
		BEGIN { n = split(allowed, a, ","); for (i = 1; i <= n; i++) ok[a[i]] = 1 }
		{
			split($3, d, "/"); layer = d[1]; obj = d[2]; sub(/\.o$/, "", obj)
			if (layer == own || ok[layer] || ok[layer "/" obj]) next
			printf "# %s uses %s from %s\n", $2, $1, $3
		}' | sort -u)
	N=$((N + 1))
	if [ -z "$bad" ]; then
		echo "ok $N - $name uses only: ${allowed:-nothing}"
	else
		FAILED=$((FAILED + 1))
		echo "not ok $N - $name uses a layer it may not use (allowed: ${allowed:-nothing})"
		echo "$bad"
	fi
}

for rule in $RULES; do
	layer=${rule%%=*}
	allowed=${rule#*=}
	# The library's members, not every object in the folder (a program's main is not one).
	# shellcheck disable=SC2046
	check "layer $layer" "$layer" "$allowed" $(ar t "$BUILD/lib$layer.a" |
		sed "s|^|$BUILD/$layer/|")
done
for p in $PROGS; do
	prog=${p%%:*}
	rest=${p#*:}
	main=${rest%%=*}
	allowed=${rest#*=}
	check "program $prog" "" "$allowed" "$BUILD/$main"
done
echo "1..$N"
[ "$FAILED" -eq 0 ]
