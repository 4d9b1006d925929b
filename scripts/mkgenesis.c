/*
 * Finds the genesis nonce of a chain: builds its genesis block with nonce 0
 * and searches for the first nonce whose hash meets genesis_bits. Run once
 * per chain when its parameters change (`make genesis`); the result is
 * written into consensus/params.c and checked by tests/test_params.c.
 */
#include <stdio.h>

#include "consensus/params.h"
#include "consensus/pow.h"
#include "util/hex.h"

int main(int argc, char **argv)
{
	const struct cons_params *p = cons_params_by_name(argc > 1 ? argv[1] : "testnet");
	struct cons_block b;
	uint8_t hash[32];
	char hex[65];

	if (!p) {
		fprintf(stderr, "mkgenesis: unknown chain\n");
		return 1;
	}
	cons_block_init(&b);
	if (cons_genesis_block(&b, p) < 0)
		return 1;
	b.hdr.nonce = 0;
	if (cons_pow_search(p, &b.hdr, hash, true, NULL)) {
		util_hex_encode_rev(hex, hash, 32);
		printf("%s nonce %llu hash %s\n", p->name, (unsigned long long)b.hdr.nonce, hex);
		cons_block_release(&b);
		return 0;
	}
	cons_block_release(&b);
	return 1;
}
