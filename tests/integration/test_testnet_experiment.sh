#!/bin/sh
# flint-testnet experiment and check with real nodes. An experiment of 2
# block times x 2 link delays on 4 nodes finishes within its bound and
# writes every file; the plots parse and hold their series; 1,000 ms links
# make 2 s blocks go stale more often than bare ones. An interrupt keeps the
# finished rows and leaves no node running. `check` passes a healthy run,
# names the partition behind a reorganisation with K=1, and fails (exit 3)
# when the journal no longer shows a fault to explain it.
. "$(dirname "$0")/lib.sh"
BASE=$(port_base 4111)
. "$(dirname "$0")/testnet_lib.sh"
TB="$FLINT_BIN/flint-testnet"
OUT="$TMP/exp"
XB=$((BASE + 300))     # the experiments' ports; the testnet of tn (testnet_lib.sh) has BASE
# An experiment's runs are torn down by the experiment itself; on a failure, by this.
runs_down() { for d in "$TMP"/exp*/runs/*/; do [ -f "$d/testnet.json" ] && "$TB" --dir "$d" down >/dev/null 2>&1; done; }
trap 'runs_down; tn_cleanup' EXIT

# The experiment: 4 runs until the chain grew 8 blocks, each starting and stopping 4
# nodes. About 2 minutes on a quiet machine: CPU miners on a busy one take longer.
BOUND=360
START=$(date +%s)
"$TB" experiment --block-time 1,2 --delay 0,1000 --nodes 4 --blocks 8 --base-port "$XB" \
	--out "$OUT" >"$TMP/exp.out" 2>"$TMP/exp.err"
RC=$?
ELAPSED=$(( $(date +%s) - START ))
echo "# experiment: ${ELAPSED} s (bound ${BOUND} s)"
check "experiment exits 0" [ "$RC" -eq 0 ]
check "experiment finishes within ${BOUND} s" [ "$ELAPSED" -le "$BOUND" ]
check "progress names each run and the time left" grep -q "run 4/4 (block time 2 s, delay 1000 ms, repeat 1).*left" "$TMP/exp.err"
for f in results.csv results.json index.html stale.gp stale.svg stale.png propagation.gp \
	propagation.svg propagation.png reorgs.gp reorgs.svg reorgs.png; do
	check "writes $f" [ -s "$OUT/$f" ]
done
check "results.csv: a header and 4 rows" [ "$(wc -l <"$OUT/results.csv")" -eq 5 ]
check "every run in its own directory" [ "$(ls -d "$OUT"/runs/*/ | wc -l)" -eq 4 ]
svg_ok() {
	python3 - "$@" <<'PY'
import sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
text = doc.toxml()
sys.exit(0 if all(t in text for t in sys.argv[2:]) else 1)
PY
}
png_ok() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] && [ "$(wc -c <"$1")" -gt 1000 ]; }
check "stale.svg parses, holds the model and the measured points" svg_ok "$OUT/stale.svg" "Stale rate against d/T" "model 1 - exp(-d/T)" "measured"
check "propagation.svg: a CDF per delay" svg_ok "$OUT/propagation.svg" "delay 0 ms" "delay 1000 ms"
check "reorgs.svg: the depth histogram" svg_ok "$OUT/reorgs.svg" "Reorganisations by depth" "depth (blocks disconnected)"
for p in stale propagation reorgs; do check "$p.png is a PNG" png_ok "$OUT/$p.png"; done
check "index.html shows the plots and the table, nothing from outside" sh -c "grep -q '<img src=\"stale.svg\"' '$OUT/index.html' && grep -q '<table>' '$OUT/index.html' && ! grep -q 'src=\"http' '$OUT/index.html'"
# A run where every block met a fork somewhere has no propagation timed, so no d/T.
points() { python3 -c "import json,sys; print(sum(1 for r in json.load(open(sys.argv[1]))['runs'] if r['d_over_t'] is not None and r['stale_rate'] is not None))" "$OUT/results.json"; }
check "stale.dat holds a point per run with a d/T" [ "$(grep -vc '^#' "$OUT/stale.dat")" -eq "$(points)" ]
check "(at least the bare links' runs)" [ "$(points)" -ge 2 ]
stats() {
	python3 - "$OUT/results.json" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
row = {(r["block_time_s"], r["delay_ms"]): r for r in runs}
for k, r in sorted(row.items()):
    print("# T=%d s d=%d ms: interval %s s, %d mined, %d stale (%s), p50 %s ms, model %s, %.0f s" % (k[0], k[1], r["interval_s"], r["mined"], r["stale_blocks"], r["stale_rate"], r["propagation_p50_ms"], r["model_stale_rate"], r["seconds"]))
slow, bare = row[(2, 1000)], row[(2, 0)]
ok = slow["stale_rate"] is not None and bare["stale_rate"] is not None and slow["stale_rate"] > bare["stale_rate"]
ok = ok and all(r["cpu_s"] > 0 for r in runs)
ok = ok and all(isinstance(r["propagation_p50_ms"], float) for r in runs if r["delay_ms"] == 0)
sys.exit(0 if ok else 1)
PY
}
stats
stale_above() { stats >/dev/null; }
check "stale rate at 1,000 ms and 2 s blocks is above the one at 0 ms" stale_above
healthy=$(ls -d "$OUT"/runs/*T2s-d0ms*/)
"$TB" --dir "$healthy" check >"$TMP/check1.out" 2>&1
RC=$?
sed 's/^/# /' "$TMP/check1.out"
check "check passes the healthy run (from its logs)" [ "$RC" -eq 0 ]
check "with a verdict on each property" sh -c "grep -q '^safety  *PASS' '$TMP/check1.out' && grep -q '^convergence  *PASS' '$TMP/check1.out' && grep -q '^chain growth ' '$TMP/check1.out' && grep -q '^chain quality  *PASS' '$TMP/check1.out' && grep -q '^validity  *PASS' '$TMP/check1.out'"

# Ctrl-C in the second of two runs: the first row stays, no node is left running.
# In a session of its own, so SIGINT goes to its whole process group, as a
# terminal's Ctrl-C does (the experiment and whatever flint-testnet it runs).
OUT2="$TMP/exp2"
setsid -w "$TB" experiment --block-time 1 --delay 0 --repeat 2 --nodes 2 --duration 4 \
	--base-port $((XB + 1200)) --out "$OUT2" >/dev/null 2>"$TMP/exp2.err" &
XP=$!
group() { PG=$(ps -o pgid= --ppid "$XP" | head -1 | tr -d ' '); [ -n "$PG" ] || PG=$XP; }
second_up() { grep -q '"event": "up"' "$OUT2"/runs/002-*/testnet.json; }
check "the second run starts" wait_slow 90 second_up
group
kill -INT "-$PG"
wait "$XP"
RC=$?
check "an interrupt ends the experiment (status 130)" [ "$RC" -eq 130 ]
check "and keeps the finished row" [ "$(wc -l <"$OUT2/results.csv")" -eq 2 ]
no_node_left() { ! ps -eo args | grep -q "^[^ ]*flintd .*$OUT2/runs/002"; }
check "and stops every node of the unfinished run" sh -c "! grep -q '\"pid\": [1-9]' $OUT2/runs/002-*/testnet.json"
check "(no flintd of it runs)" no_node_left

# A long partition, then heal: the reorg is a safety violation at K=1, explained by it.
quiet tn up -n 4 --block-time 1 --base-port "$BASE"
check "a testnet for check is up" at_least 0 0
check "partition 0,1/2,3" quiet tn partition 0,1/2,3
# Heights read once the links are cut: the first blocks come fast (minimum
# difficulty), and a height read before the split may be passed by blocks
# both sides still shared.
HA=$(height 0)
HB=$(height 2)
check "side A mines 2 blocks past the split" wait_slow 90 at_least 0 $((HA + 2))
check "side B mines 2 blocks past the split" wait_slow 90 at_least 2 $((HB + 2))
check "the two sides' tips differ" [ "$(tip 0)" != "$(tip 2)" ]
check "heal" quiet tn heal
check "the nodes converge" wait_slow 60 agree
tn check --k 1 >"$TMP/check2.out" 2>&1
RC=$?
sed 's/^/# /' "$TMP/check2.out"
check "check --k 1 exits 0: the violation is explained" [ "$RC" -eq 0 ]
check "and reports it as a safety violation during the partition" sh -c "grep -q '^safety  *FAULT' '$TMP/check2.out' && grep -q 'taken away.*during partition 0,1/2,3' '$TMP/check2.out'"
tn check --k 1 --json >"$TMP/check2.json"
viol() {
	python3 - "$TMP/check2.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = [p for p in d["properties"] if p["property"] == "safety"][0]
v = s["violations"]
sys.exit(0 if not s["pass"] and s["explained"] and v and v[0]["fault"].startswith("partition") and v[0]["depth"] >= 1 and d["pass"] else 1)
PY
}
check "check --json names node, depth and fault" viol
check "convergence after the heal is judged" sh -c "grep -q '^convergence  *PASS' '$TMP/check2.out'"
slo_numbers() {
	tn slo --json >"$TMP/slo.json"
	python3 - "$TMP/slo.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = d["values"]
rows = {r["indicator"]: r for r in d["slo"]}
# Blocks first seen up to 30 s after a heal are not timed: those may be null.
num = lambda x: x is None or isinstance(x, (int, float)) and not isinstance(x, bool)
ok = num(v["propagation_p50_s"]) and num(v["stale_rate_ratio"])
ok = ok and isinstance(v["converge_after_heal_1_s"], float) and rows["block propagation p99"]["objective_s"] == 1.0
ok = ok and "value" not in rows["stale block rate"] and num(rows["stale block rate"]["stale_rate_ratio"])
ok = ok and rows["stale block rate"]["objective_ratio"] == 0.1
sys.exit(0 if ok else 1)
PY
}
check "slo --json: numbers, the unit in the name" slo_numbers
slo_text() { tn slo | grep -q '^block propagation p50  .*  < 0.25 s '; }
check "slo's text table stays" slo_text
quiet tn down
# The same history with the partition struck from the journal: nothing explains it.
python3 - "$TND/testnet.json" <<'PY'
import json, sys
p = sys.argv[1]
s = json.load(open(p))
split = min(e["time"] for e in s["events"] if e["event"] == "partition")
s["events"] = [e for e in s["events"] if e["event"] not in ("partition", "heal")]
# And the start of the testnet (which explains what happens until 5 s after up) well before.
for e in s["events"]:
    if e["event"] == "up":
        e["time"] = min(e["time"], split - 10)
json.dump(s, open(p, "w"))
PY
tn check --k 1 >"$TMP/check3.out" 2>&1
RC=$?
check "without the fault in the journal, check fails (exit 3)" [ "$RC" -eq 3 ]
check "saying safety FAIL" grep -q '^safety  *FAIL' "$TMP/check3.out"
check "check refuses a bad --k" sh -c "! tn check --k 0 2>&1 | grep -q PASS"
finish
