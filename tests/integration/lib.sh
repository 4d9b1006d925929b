# Shared helpers for the shell integration tests: TAP output, polling with
# a deadline (never a fixed sleep), and process cleanup. Sourced, not run.
FLINT_BIN=${FLINT_BIN:-bin}
TAP_N=0
TAP_FAILED=0
PIDS=""
TMP=$(mktemp -d /tmp/flint-it-XXXXXX)

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }
not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $1"; [ -n "$2" ] && echo "# $2"; }
# check NAME COMMAND...: passes if the command succeeds.
check() { name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi; }

# wait_for SECONDS COMMAND...: polls every 50 ms until the command succeeds.
wait_for() {
	limit=$1; shift
	end=$(( $(date +%s) + limit ))
	while ! "$@" 2>/dev/null; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.05
	done
	return 0
}

# port_base SALT: this test's first port, 12000..21999 (from its pid and a
# salt of its own). Tests keep their ports, RPC ones included, below 32768,
# where Linux lends ports to outgoing connections: the many short RPC calls
# of a test run leave some of those in use, and one of them must never be a
# port a node needs to listen on.
port_base() { echo $((12000 + ($$ + $1) % 10000)); }

# rpc_port_for P2P_PORT: the RPC port start_flintd gives a node with that P2P port.
rpc_port_for() { echo $(($1 + 10000)); }

# start_flintd LOGFILE ARGS...: starts flintd in the background, sets $LAST_PID.
# Without --rpcport, a node given --port P serves RPC on port P+10000, so the
# nodes of one test (one 127.0.0.x each, but RPC on 127.0.0.1) never collide.
start_flintd() {
	out=$1; shift
	extra=""
	case " $* " in
	*" --rpcport "*|*" --norpc "*) ;;
	*" --port "*)
		prev=""
		for a in "$@"; do
			[ "$prev" = "--port" ] && extra="--rpcport $(rpc_port_for "$a")"
			prev=$a
		done ;;
	esac
	# shellcheck disable=SC2086
	"$FLINT_BIN/flintd" "$@" $extra >"$out" 2>&1 &
	LAST_PID=$!
	PIDS="$PIDS $LAST_PID"
}

# stop_pid PID: SIGTERM, then waits (SIGKILL after 10 s); exit status in $STOP_RC.
stop_pid() {
	kill -TERM "$1" 2>/dev/null
	wait_for 10 sh -c "! kill -0 $1" || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	STOP_RC=$?
}

cleanup() {
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
[ -n "$KEEP_TMP" ] && trap - EXIT

# On a failure, the last lines each node printed, as TAP comments (a node
# that could not start says why there).
finish() {
	if [ "$TAP_FAILED" -ne 0 ]; then
		for f in "$TMP"/*.out "$TMP"/*/node*/flintd.out; do
			[ -s "$f" ] || continue
			echo "# --- tail of $f"
			tail -5 "$f" | sed 's/^/# /'
		done
	fi
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}
