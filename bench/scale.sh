#!/bin/sh
# make bench-scale: N real flintd nodes on this machine through the link
# relay, for N in $SIZES (default 1000 3000 10000) and link delays in
# $DELAYS (ms, default 0 100). For each: time to ready, block propagation to
# 50/90/100% of the nodes (from each node's "new tip" log line; the median
# of three blocks mined once every node has $DEGREE peers, the time that
# took being "formed"), convergence after a 50/50 partition heals, and memory in use
# (private memory of the nodes and the relay), the CPU the network uses
# while nothing happens but paced mining (cores, over 10 s: the nodes that
# do not mine, the miners, the relay), the relay's descriptors, and how long
# `status` and `tree` (each asks every node) take. Not part of make test.
# Topology: $TOPOLOGY (default bitcoin: each node keeps $DEGREE outbound
# peers of its own choosing, from seeds and address gossip; random: a
# random graph of degree $DEGREE). DEGREE defaults to 3 so that the relay's
# descriptors fit a 20,000 hard limit at 1,000 nodes (Bitcoin's 8 needs
# about 50,000). The machine is shared: say so beside any figure.
set -u
BIN=${FLINT_BIN:-bin}
SIZES=${SIZES:-"1000 3000 10000"}
DELAYS=${DELAYS:-"0 100"}
DEGREE=${DEGREE:-3}
TOPOLOGY=${TOPOLOGY:-bitcoin}
MINERS=${MINERS:-4}
BASE=${BASE:-24600}
DIR=${DIR:-/tmp/flint-bench-scale}
TN() { "$BIN/flint-testnet" --dir "$DIR" "$@"; }
now() { date +%s.%N; }
secs() { awk "BEGIN { printf \"%.1f\", $2 - $1 }"; }

# The times (seconds of the day, UTC) each node first logged hash H as its tip.
tip_times() {
	grep -h "new tip: .* hash $1" "$DIR"/node*/testnet/debug.log 2>/dev/null |
		awk '{ split(substr($1, 12, 12), t, ":"); printf "%.3f\n", t[1] * 3600 + t[2] * 60 + t[3] }' | sort -n
}
# percentiles of propagation for hash H over N nodes: "p50 p90 p100 reached"
propagation() {
	tip_times "$1" | awk -v n="$2" 'NR == 1 { t0 = $1 } { d[NR] = $1 - t0 }
		END { k = NR; a = d[int(n * 0.5 + 0.999)]; b = d[int(n * 0.9 + 0.999)];
		      c = d[n]; if (k < n) c = -1;
		      printf "%.3f %.3f %s %d", a, b, (c < 0 ? "never" : sprintf("%.3f", c)), k }'
}
private_mib() {
	python3 - "$DIR" <<'PY'
import json, sys
s = json.load(open(sys.argv[1] + "/testnet.json"))
pids = [n["pid"] for n in s["nodes"] if n["pid"]]
def priv(p):
    try:
        return sum(int(l.split()[1]) for l in open("/proc/%d/smaps_rollup" % p) if l.startswith("Private"))
    except OSError:
        return 0
nodes = sum(priv(p) for p in pids)
relay = priv(s.get("relay_pid", 0) or 0)
fds = 0
try:
    import os
    fds = len(os.listdir("/proc/%d/fd" % s["relay_pid"]))
except Exception:
    pass
print("%.0f %.2f %.1f %d" % (nodes / 1024, nodes / 1024 / max(len(pids), 1), relay / 1024, fds))
PY
}
# CPU used over SECONDS by the nodes that do not mine, the miners and the
# relay, in cores (utime + stime from /proc/PID/stat): "idle miners relay".
cpu_cores() {
	python3 - "$DIR" "$1" <<'PY'
import json, os, sys, time
s = json.load(open(sys.argv[1] + "/testnet.json"))
tick = os.sysconf("SC_CLK_TCK")
groups = {"idle": [n["pid"] for n in s["nodes"] if n["pid"] and not n["miner"]],
          "miners": [n["pid"] for n in s["nodes"] if n["pid"] and n["miner"]],
          "relay": [s.get("relay_pid") or 0]}
def ticks(pids):
    t = 0
    for p in pids:
        try:
            f = open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()
            t += int(f[11]) + int(f[12])
        except (OSError, IndexError, ValueError):
            pass
    return t
t0 = {k: ticks(v) for k, v in groups.items()}
w0 = time.monotonic()
time.sleep(float(sys.argv[2]))
dt = time.monotonic() - w0
print(" ".join("%.2f" % ((ticks(groups[k]) - t0[k]) / tick / dt) for k in ("idle", "miners", "relay")))
PY
}
agree() { TN status | head -1 | grep -q "nodes up; all agree"; }
# True once every node has at least $DEGREE peers (the graph has formed:
# under --topology bitcoin nodes fill their outbound slots as gossip reaches them).
formed() {
	TN status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
sys.exit(0 if all((n.get("peers") or 0) >= int(sys.argv[1]) for n in s["nodes"]) else 1)' "$DEGREE"
}
# Median of its arguments.
median() { printf "%s\n" "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
wait_until() { lim=$1; shift; end=$(( $(date +%s) + lim )); while ! "$@"; do [ "$(date +%s)" -ge "$end" ] && return 1; sleep 1; done; }
best() { "$BIN/flint-testnet" --dir "$DIR" cli "$1" getbestblockhash 2>/dev/null; }
height() { "$BIN/flint-testnet" --dir "$DIR" cli "$1" getblockcount 2>/dev/null || echo 0; }
sides_differ() { [ "$(best 0)" != "$(best $((N - 1)))" ]; }

echo "bench-scale, --topology $TOPOLOGY --degree $DEGREE, on $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: figures move with its load)"
printf "%6s %6s %8s %8s %8s %8s %8s %8s %9s %9s %8s %7s %8s %8s %8s %8s %6s\n" nodes delay ready_s formed_s p50_s p90_s \
	p100_s heal_s nodes_MiB per_node relay_MiB relay_fd cpu_idle cpu_mine cpu_rly status_s tree_s
for N in $SIZES; do
	for D in $DELAYS; do
		TN down --clean >/dev/null 2>&1
		rm -rf "$DIR"
		T0=$(now)
		if ! TN up -n "$N" --topology "$TOPOLOGY" --degree "$DEGREE" --miners "$MINERS" --block-time 10 \
			--delay "$D" --base-port "$BASE" >"/tmp/flint-bench-scale-$N-$D.out" 2>&1; then
			echo "$N nodes, $D ms: up failed (see /tmp/flint-bench-scale-$N-$D.out)"
			tail -3 "/tmp/flint-bench-scale-$N-$D.out"
			TN down --clean >/dev/null 2>&1
			continue
		fi
		READY=$(sed -n 's/^ready .* in \([0-9.]*\) s$/\1/p' "/tmp/flint-bench-scale-$N-$D.out")
		# Once the graph has formed, three blocks seen by every node: the
		# median of their propagation.
		T1=$(now)
		wait_until 300 formed && FORMED=$(secs "$T1" "$(now)") || FORMED=">300"
		A50="" A90="" A100=""
		for b in 1 2 3; do
			H0=$(height 0)
			wait_until 300 sh -c "[ \$('$BIN/flint-testnet' --dir '$DIR' cli 0 getblockcount) -gt $H0 ]"
			wait_until 120 agree
			set -- $(propagation "$(best 0)" "$N")
			A50="$A50 $1" A90="$A90 $2" A100="$A100 $3"
		done
		P50=$(median $A50) P90=$(median $A90) P100=$(median $A100)
		MEM=$(private_mib)
		CPU=$(cpu_cores 10)
		# Two commands that ask every node, timed.
		T1=$(now); TN status >/dev/null; ST=$(secs "$T1" "$(now)")
		T1=$(now); TN tree >/dev/null; TREE=$(secs "$T1" "$(now)")
		# A 50/50 partition, each side mining, then heal: the time until one tip.
		TN partition "0-$((N / 2 - 1))/$((N / 2))-$((N - 1))" >/dev/null
		wait_until 300 sides_differ
		TN heal >/dev/null
		T1=$(now)
		wait_until 600 agree && HEAL=$(secs "$T1" "$(now)") || HEAL=">600"
		set -- $MEM $CPU
		printf "%6s %6s %8s %8s %8s %8s %8s %8s %9s %9s %8s %7s %8s %8s %8s %8s %6s\n" "$N" "${D}ms" "$READY" "$FORMED" "$P50" \
			"$P90" "$P100" "$HEAL" "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$ST" "$TREE"
		TN down --clean >/dev/null 2>&1
	done
done
