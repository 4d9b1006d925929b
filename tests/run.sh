#!/bin/sh
# Runs each test program given on the command line and sums the results.
# cmocka programs report through TAP; any other program (integration tests)
# prints TAP too ("ok N - name" / "not ok N - name"). A program that dies
# before reporting counts as one failure, so a crash can never pass.
# Ends with the line "N passed, N failed" and exits non-zero on any failure.
passed=0
failed=0
failures=""
for t in "$@"; do
	name=$(basename "$t")
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1)
	rc=$?
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		printf '%s\n' "$out" | tail -30
		echo "not ok - $name exited with status $rc"
	fi
	if [ "$f" -ne 0 ]; then
		printf '%s\n' "$out" | grep -E '^(not ok |# )'
		failures="$failures $name"
	fi
	echo "$name: $p passed, $f failed"
	passed=$((passed + p))
	failed=$((failed + f))
done
[ -n "$failures" ] && echo "failing:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
