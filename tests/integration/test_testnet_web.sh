#!/bin/sh
# The live web view (and `cli|wallet|explorer NODE`, on the same testnet):
# `up` starts it and prints its URL, `web` prints it again, every request without the token (or with a wrong one) gets 403 and
# nothing else, bad actions are refused; then a real Chromium drives the
# page (tests/web/view_test.mjs): agreement, a partition made from the page
# and the fork it makes, heal and convergence, a one-way link cut. The
# screenshot of the fork is kept in build/<kind>/test-output/web/.
. "$(dirname "$0")/lib.sh"
BASE=$(port_base 2461)
. "$(dirname "$0")/testnet_lib.sh"
OUT=$(dirname "$TOOLS")/test-output/web
mkdir -p "$OUT"
WEBPORT=$((BASE + 260))
http() { "$TOOLS/rpc" --http "127.0.0.1:$WEBPORT" "$@"; }
status_of() { http "$@" | head -1; }
is() { [ "$(eval "$1")" = "$2" ]; }
nodes_up() { [ "$(tn status --json | grep -o '"up": true' | wc -l)" -eq "$1" ]; }
has() { eval "$1" | grep -q -- "$2"; }

tn up -n 4 --block-time 2 --base-port "$BASE" > "$TMP/up.out" 2>&1
check "up prints the live view's URL" grep -q "^Live view: http://127.0.0.1:$WEBPORT/?token=[0-9a-f]\{32\}$" "$TMP/up.out"
URL=$(tn web)
TOKEN=${URL##*token=}
check "web prints the same URL" grep -q -F "$URL" "$TMP/up.out"
check "web.json is readable by its owner only" sh -c "[ \"\$(stat -c %a '$TND/web.json')\" = 600 ]"
check "the view listens on 127.0.0.1 only" sh -c "! '$TOOLS/rpc' --http 127.0.0.2:$WEBPORT GET / >/dev/null 2>&1"

# The token guards everything: page, data, stream and actions.
check "no token: 403" is "status_of GET /" 403
check "no token: nothing else" is "http GET / | sed 1d" ""
check "wrong token: 403" is "status_of GET '/?token=0123456789abcdef0123456789abcdef'" 403
check "data without the token: 403" is "status_of GET /api/state" 403
check "the stream without the token: 403" is "status_of GET /api/events" 403
check "an action with the token in the URL only: 403" \
	is "status_of POST '/api/action?token=$TOKEN' - '{\"args\":[\"kill\",\"0\"]}'" 403
check "the node was not killed" nodes_up 4
check "the page with the token: 200" is "status_of GET '/?token=$TOKEN'" 200
check "the data with the token" has "http GET '/api/state?token=$TOKEN'" '"nodes":\['

# Actions run the CLI's command; what it refuses, the view refuses with its message.
check "a command the view does not run is refused" \
	has "RPC_HTTP_HEADER='X-Flint-Token: $TOKEN' http POST /api/action - '{\"args\":[\"down\",\"--clean\"]}'" "not a command the view runs"
check "a bad argument gets the CLI's own error" \
	has "RPC_HTTP_HEADER='X-Flint-Token: $TOKEN' http POST /api/action - '{\"args\":[\"kill\",\"9\"]}'" "flint-testnet: error: "
check "a body that is not JSON is refused" \
	has "RPC_HTTP_HEADER='X-Flint-Token: $TOKEN' http POST /api/action - 'kill 0'" '^400'
check "every node still runs" nodes_up 4

# The programs against one node, no connection options to type.
check "cli NODE: flint-cli against that node" is "tn cli 1 getbestblockhash" "$(tip 1)"
check "cli NODE: the RPC error and its exit status" sh -c "'$FLINT_BIN/flint-testnet' --dir '$TND' cli 0 getblockhash 99999 2>&1 | grep -q 'error code: -8'"
check "explorer NODE" has "tn explorer 2 summary" '^chain  *testnet'
check "wallet NODE" has "tn wallet 3 --wallet '$TMP/w.json' create" '^F'
check "an unknown node is refused" has "tn cli 9 getblockcount 2>&1" "'9' is not a node of this testnet"

if ! command -v node >/dev/null || [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ] || [ ! -d tests/web/node_modules/puppeteer-core ]; then
	not_ok "the browser test" "needs node, Debian's chromium and tests/web/node_modules (make test installs them)"
else
	node tests/web/view_test.mjs "$URL" "$OUT" | sed -e 's/^ok [0-9]* - /ok - browser: /' \
		-e 's/^not ok [0-9]* - /not ok - browser: /' -e '/^1\.\./d' > "$TMP/browser.tap"
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) not_ok "${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done < "$TMP/browser.tap"
	check "the fork's screenshot is a PNG" sh -c "head -c 8 '$OUT/fork.png' | od -An -c | grep -q 'P   N   G'"
fi
finish
