/* Validation outcomes; see validation.h. */
#include "consensus/validation.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const reasons[CONS_REJ__COUNT] = {
	[CONS_REJ_NONE] = "valid",
	[CONS_REJ_HIGH_HASH] = "high-hash",
	[CONS_REJ_BAD_DIFFBITS] = "bad-diffbits",
	[CONS_REJ_TIME_TOO_OLD] = "time-too-old",
	[CONS_REJ_TIME_TOO_NEW] = "time-too-new",
	[CONS_REJ_TIME_FAR_AHEAD] = "time-too-far-ahead",
	[CONS_REJ_TIME_WARP] = "time-timewarp-attack",
	[CONS_REJ_PREV_MISSING] = "prev-blk-not-found",
	[CONS_REJ_PREV_INVALID] = "bad-prevblk",
	[CONS_REJ_CACHED_INVALID] = "duplicate-invalid",
	[CONS_REJ_MUTATED] = "bad-txnmrklroot",
	[CONS_REJ_DUPLICATE_TX] = "bad-txns-duplicate",
	[CONS_REJ_BAD_LENGTH] = "bad-blk-length",
	[CONS_REJ_CB_MISSING] = "bad-cb-missing",
	[CONS_REJ_CB_MULTIPLE] = "bad-cb-multiple",
	[CONS_REJ_CB_HEIGHT] = "bad-cb-height",
	[CONS_REJ_CB_AMOUNT] = "bad-cb-amount",
	[CONS_REJ_TX_VIN_EMPTY] = "bad-txns-vin-empty",
	[CONS_REJ_TX_VOUT_EMPTY] = "bad-txns-vout-empty",
	[CONS_REJ_TX_OVERSIZE] = "bad-txns-oversize",
	[CONS_REJ_TX_VOUT_NEGATIVE] = "bad-txns-vout-negative",
	[CONS_REJ_TX_VOUT_TOOLARGE] = "bad-txns-vout-toolarge",
	[CONS_REJ_TX_VOUT_TOTAL] = "bad-txns-txouttotal-toolarge",
	[CONS_REJ_TX_VOUT_SCRIPT] = "bad-txns-vout-script",
	[CONS_REJ_TX_DUP_INPUTS] = "bad-txns-inputs-duplicate",
	[CONS_REJ_TX_CB_LENGTH] = "bad-cb-length",
	[CONS_REJ_TX_PREVOUT_NULL] = "bad-txns-prevout-null",
	[CONS_REJ_TX_SCRIPTSIG] = "bad-txns-scriptsig",
	[CONS_REJ_TX_NONFINAL] = "bad-txns-nonfinal",
	[CONS_REJ_TX_MISSING_INPUTS] = "bad-txns-inputs-missingorspent",
	[CONS_REJ_TX_PREMATURE_CB] = "bad-txns-premature-spend-of-coinbase",
	[CONS_REJ_TX_INPUT_RANGE] = "bad-txns-inputvalues-outofrange",
	[CONS_REJ_TX_IN_BELOW_OUT] = "bad-txns-in-belowout",
	[CONS_REJ_TX_FEE_RANGE] = "bad-txns-fee-outofrange",
	[CONS_REJ_TX_BAD_SIG] = "mandatory-script-verify-flag-failed",
};

void cons_state_init(struct cons_state *st)
{
	memset(st, 0, sizeof(*st));
	st->index = -1;
}

enum cons_verdict cons_state_invalid(struct cons_state *st, enum cons_reject code,
				     const char *fmt, ...)
{
	va_list ap;

	st->verdict = CONS_INVALID;
	st->code = code;
	va_start(ap, fmt);
	vsnprintf(st->detail, sizeof(st->detail), fmt, ap);
	va_end(ap);
	return CONS_INVALID;
}

enum cons_verdict cons_state_error(struct cons_state *st, const char *what)
{
	st->verdict = CONS_ERROR;
	st->code = CONS_REJ_NONE;
	snprintf(st->detail, sizeof(st->detail), "%s", what);
	return CONS_ERROR;
}

const char *cons_reject_reason(enum cons_reject code)
{
	if ((unsigned)code >= CONS_REJ__COUNT || !reasons[code])
		return "unknown";
	return reasons[code];
}

bool cons_reject_punishable(enum cons_reject code, bool in_block)
{
	/*
	 * A loose transaction's inputs and finality are judged at our next
	 * height: a peer a block ahead (or on the other side of a reorg) relays
	 * honestly what we cannot accept yet. Bitcoin Core does not punish
	 * TX_MISSING_INPUTS or TX_PREMATURE_SPEND either.
	 */
	if (code == CONS_REJ_TX_MISSING_INPUTS || code == CONS_REJ_TX_PREMATURE_CB ||
	    code == CONS_REJ_TX_NONFINAL)
		return in_block;
	return code != CONS_REJ_NONE && code != CONS_REJ_TIME_TOO_NEW &&
	       code != CONS_REJ_PREV_MISSING;
}

bool cons_reject_marks_block(enum cons_reject code)
{
	return code != CONS_REJ_NONE && code != CONS_REJ_TIME_TOO_NEW &&
	       code != CONS_REJ_TIME_FAR_AHEAD && code != CONS_REJ_MUTATED &&
	       code != CONS_REJ_DUPLICATE_TX &&
	       code != CONS_REJ_PREV_MISSING && code != CONS_REJ_CACHED_INVALID;
}
