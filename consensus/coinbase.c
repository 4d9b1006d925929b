/* The shared coinbase builder; see coinbase.h. */
#include "consensus/coinbase.h"

#include <assert.h>
#include <string.h>

#include "consensus/script.h"

int cons_coinbase_build(struct cons_tx *tx, int64_t height, const uint8_t *extra,
			size_t extra_len, int64_t value, const uint8_t pkh[20])
{
	const struct cons_outpoint null_op = {.n = 0xffffffffu};
	uint8_t sig[9 + 1 + CONS_COINBASE_MAX_EXTRA], out[CONS_P2PKH_SCRIPT_SIZE];
	size_t len;

	assert(extra_len <= CONS_COINBASE_MAX_EXTRA && (extra || extra_len == 0));
	len = cons_script_push_height(sig, height);
	sig[len++] = (uint8_t)extra_len;        /* a direct push: the length is the opcode */
	if (extra_len)
		memcpy(sig + len, extra, extra_len);
	len += extra_len;
	cons_script_p2pkh(out, pkh);
	if (cons_tx_add_input(tx, &null_op, sig, len, 0xffffffffu) < 0 ||
	    cons_tx_add_output(tx, value, out, sizeof(out)) < 0)
		return -1;
	return cons_tx_finalize(tx);
}
