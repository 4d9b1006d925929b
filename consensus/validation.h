/*
 * The outcome of a validation: valid, invalid (with a reason code that
 * decides whether the sender is punished and whether the block is marked
 * failed), or an internal error that says nothing about the data (out of
 * memory, a storage read failing). Never mix "invalid" with "error".
 * Reason strings are Bitcoin Core's reject reasons. No I/O.
 */
#ifndef FLINT_CONSENSUS_VALIDATION_H
#define FLINT_CONSENSUS_VALIDATION_H

#include <stdbool.h>

enum cons_verdict {
	CONS_ERROR = -1,
	CONS_VALID = 0,
	CONS_INVALID = 1,
};

enum cons_reject {
	CONS_REJ_NONE = 0,
	/* headers */
	CONS_REJ_HIGH_HASH,        /* proof of work fails */
	CONS_REJ_BAD_DIFFBITS,     /* bits differ from the retarget rule */
	CONS_REJ_TIME_TOO_OLD,     /* not after median time past */
	CONS_REJ_TIME_TOO_NEW,     /* beyond our clock + drift: not invalid, just early */
	CONS_REJ_TIME_FAR_AHEAD,   /* hours beyond that: no honest clock is so wrong */
	CONS_REJ_TIME_WARP,        /* BIP94: epoch start too far before its parent */
	CONS_REJ_PREV_MISSING,     /* parent unknown: an orphan, not an offence */
	CONS_REJ_PREV_INVALID,     /* parent (or an ancestor) is invalid */
	CONS_REJ_CACHED_INVALID,   /* this block is already known to be invalid */
	/* block bodies */
	CONS_REJ_MUTATED,          /* body does not match the header's commitment */
	CONS_REJ_DUPLICATE_TX,     /* CVE-2012-2459: a duplicated tx keeps the root */
	CONS_REJ_BAD_LENGTH,       /* no transactions, or too large */
	CONS_REJ_CB_MISSING,       /* first tx not a coinbase */
	CONS_REJ_CB_MULTIPLE,      /* a later tx is a coinbase */
	CONS_REJ_CB_HEIGHT,        /* coinbase does not start with the height */
	CONS_REJ_CB_AMOUNT,        /* coinbase pays more than subsidy + fees */
	/* transactions */
	CONS_REJ_TX_VIN_EMPTY,
	CONS_REJ_TX_VOUT_EMPTY,
	CONS_REJ_TX_OVERSIZE,
	CONS_REJ_TX_VOUT_NEGATIVE,
	CONS_REJ_TX_VOUT_TOOLARGE,
	CONS_REJ_TX_VOUT_TOTAL,
	CONS_REJ_TX_VOUT_SCRIPT,   /* non-coinbase output not P2PKH */
	CONS_REJ_TX_DUP_INPUTS,    /* CVE-2018-17144 */
	CONS_REJ_TX_CB_LENGTH,     /* coinbase scriptSig not 2..100 bytes */
	CONS_REJ_TX_PREVOUT_NULL,
	CONS_REJ_TX_SCRIPTSIG,     /* scriptSig not the spending template */
	CONS_REJ_TX_NONFINAL,
	CONS_REJ_TX_MISSING_INPUTS,/* unknown or already spent */
	CONS_REJ_TX_PREMATURE_CB,  /* coinbase output spent before maturity */
	CONS_REJ_TX_INPUT_RANGE,
	CONS_REJ_TX_IN_BELOW_OUT,
	CONS_REJ_TX_FEE_RANGE,
	CONS_REJ_TX_BAD_SIG,
	CONS_REJ__COUNT
};

/* Invariant: code != CONS_REJ_NONE iff verdict == CONS_INVALID. */
struct cons_state {
	enum cons_verdict verdict;
	enum cons_reject code;
	long index;                /* tx index in the block, or -1 */
	char detail[96];           /* extra words, lower case, may be empty */
};

void cons_state_init(struct cons_state *st);
/* Records an invalid verdict with code and a printf-style detail; returns CONS_INVALID. */
enum cons_verdict cons_state_invalid(struct cons_state *st, enum cons_reject code,
				     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Records an internal error; returns CONS_ERROR. */
enum cons_verdict cons_state_error(struct cons_state *st, const char *what);

/* Bitcoin Core's reject reason for code, e.g. "bad-txns-inputs-duplicate". */
const char *cons_reject_reason(enum cons_reject code);
/*
 * True if data failing with code proves its sender misbehaved. False only
 * for failures an honest peer can cause: a block from the future, or a
 * loose transaction (in_block false) spending coins we have not seen yet
 * (an orphan, not an offence), or one that is not yet final or spends a
 * coinbase not yet mature at our height (the peer may be a block ahead).
 * Inside a block each of these is an offence.
 */
bool cons_reject_punishable(enum cons_reject code, bool in_block);
/*
 * True if a block failing with code is itself invalid and may be marked
 * failed by hash. False for a mutated body (the honest block with the same
 * header may still arrive) and for a block that is merely early.
 */
bool cons_reject_marks_block(enum cons_reject code);

#endif
