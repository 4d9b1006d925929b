/*
 * Chain parameters: lookup by name, each chain's genesis block (proof of
 * work, merkle root, pinned hash), identities distinct from each other and
 * from Bitcoin's networks, address prefixes, and the subsidy schedule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "consensus/base58.h"
#include "consensus/block_check.h"
#include "consensus/params.h"
#include "consensus/pow.h"
#include "consensus/script.h"
#include "util/hex.h"

/*
 * Genesis hashes as `make genesis` found them (scripts/mkgenesis.c) for the
 * nonces in consensus/params.c. Changing a chain's genesis parameters means
 * rerunning `make genesis` and updating both params.c and these.
 */
#define TESTNET_GENESIS_HASH "000000a26d72a6b96abee5ec015b48975076198f01e9ea19152c808ce9add2ab"
#define REGTEST_GENESIS_HASH "1562d09832dff7c8a0b29968b94d6b6a7e2ccdfa23019c8a29e10793d486f95c"

static const struct cons_params *chain(const char *name)
{
	const struct cons_params *p = cons_params_by_name(name);

	assert_non_null(p);
	return p;
}

static void genesis(struct cons_block *b, const struct cons_params *p)
{
	cons_block_init(b);
	assert_int_equal(cons_genesis_block(b, p), 0);
}

static void test_params_by_name_finds_both_chains(void **state)
{
	const struct cons_params *const *all = cons_params_all();

	assert_string_equal(chain("testnet")->name, "testnet");
	assert_string_equal(chain("regtest")->name, "regtest");
	assert_ptr_equal(all[0], chain("testnet"));
	assert_ptr_equal(all[1], chain("regtest"));
	assert_null(all[2]);
}

static void test_params_by_name_unknown_is_null(void **state)
{
	assert_null(cons_params_by_name("mainnet"));
	assert_null(cons_params_by_name("main"));
	assert_null(cons_params_by_name("TESTNET"));
	assert_null(cons_params_by_name("testnet "));
	assert_null(cons_params_by_name(""));
}

static void assert_genesis_meets_own_pow(const struct cons_params *p)
{
	struct cons_block b;
	struct cons_state st;

	genesis(&b, p);
	if (!cons_check_pow(p, b.hash, b.hdr.bits))
		fail_msg("%s genesis nonce %u fails its bits: run `make genesis`", p->name,
			 b.hdr.nonce);
	/* Genesis bits are never easier than the chain allows. */
	assert_true(cons_check_pow(p, b.hash, p->pow_limit_bits));
	cons_state_init(&st);
	assert_int_equal(cons_check_block(p, &b, &st), CONS_VALID);
	assert_int_equal(cons_check_block_contextual(p, &b, 0, p->genesis_time - 1, &st), CONS_VALID);
	cons_block_release(&b);
}

static void test_params_genesis_testnet_meets_pow(void **state)
{
	assert_genesis_meets_own_pow(chain("testnet"));
}

static void test_params_genesis_regtest_meets_pow(void **state)
{
	assert_genesis_meets_own_pow(chain("regtest"));
}

static bool contains(const uint8_t *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return true;
	return false;
}

static void assert_genesis_shape(const struct cons_params *p)
{
	struct cons_block b;
	static const uint8_t zero[32];
	uint8_t pkh[20];
	const struct cons_tx *cb;

	genesis(&b, p);
	assert_int_equal(b.n_tx, 1);
	cb = &b.tx[0];
	assert_true(cons_tx_is_coinbase(cb));
	/* One leaf: the merkle root is the coinbase's txid itself. */
	assert_memory_equal(b.hdr.merkle, cb->txid, 32);
	assert_memory_equal(b.hdr.prev, zero, 32);
	assert_int_equal(b.hdr.version, 1);
	assert_int_equal(b.hdr.time, p->genesis_time);
	assert_int_equal(b.hdr.bits, p->genesis_bits);
	assert_int_equal(b.hdr.nonce, p->genesis_nonce);
	assert_true(cons_script_has_height(cb->in[0].script, cb->in[0].script_len, 0));
	assert_true(contains(cb->in[0].script, cb->in[0].script_len, p->genesis_message));
	assert_int_equal(cb->n_out, 1);
	assert_int_equal(cb->out[0].value, p->initial_subsidy);
	assert_true(cons_script_is_p2pkh(cb->out[0].script, cb->out[0].script_len, pkh));
	assert_memory_equal(pkh, zero, 20);
	cons_block_release(&b);
}

static void test_params_genesis_merkle_is_coinbase_txid(void **state)
{
	assert_genesis_shape(chain("testnet"));
	assert_genesis_shape(chain("regtest"));
}

static void assert_genesis_hash(const struct cons_params *p, const char *want)
{
	struct cons_block b, parsed;
	struct cons_writer w;
	char hex[65];

	genesis(&b, p);
	util_hex_encode_rev(hex, b.hash, 32);
	print_message("# %s genesis %s\n", p->name, hex);
	assert_string_equal(hex, want);
	/* The same bytes come back through the wire format. */
	cons_writer_init(&w);
	cons_block_write(&w, &b);
	assert_false(w.oom);
	assert_int_equal(w.len, b.size);
	cons_block_init(&parsed);
	assert_int_equal(cons_block_parse(&parsed, NULL, w.data, w.len), 0);
	assert_memory_equal(parsed.hash, b.hash, 32);
	cons_block_release(&parsed);
	cons_writer_release(&w);
	cons_block_release(&b);
}

static void test_params_genesis_hash_pinned(void **state)
{
	assert_genesis_hash(chain("testnet"), TESTNET_GENESIS_HASH);
	assert_genesis_hash(chain("regtest"), REGTEST_GENESIS_HASH);
}

static void test_params_genesis_differs_between_chains(void **state)
{
	struct cons_block a, b;

	genesis(&a, chain("testnet"));
	genesis(&b, chain("regtest"));
	assert_memory_not_equal(a.hash, b.hash, 32);
	assert_memory_not_equal(a.hdr.merkle, b.hdr.merkle, 32);
	cons_block_release(&a);
	cons_block_release(&b);
}

static bool is_bitcoin_magic(const uint8_t m[4])
{
	static const uint8_t btc[][4] = {
		{0xf9, 0xbe, 0xb4, 0xd9},       /* mainnet */
		{0x0b, 0x11, 0x09, 0x07},       /* testnet3 */
		{0x1c, 0x16, 0x3f, 0x28},       /* testnet4 */
		{0x0a, 0x03, 0xcf, 0x40},       /* signet */
		{0xfa, 0xbf, 0xb5, 0xda},       /* regtest */
	};

	for (size_t i = 0; i < sizeof(btc) / sizeof(btc[0]); i++)
		if (memcmp(m, btc[i], 4) == 0)
			return true;
	return false;
}

static bool is_bitcoin_port(uint16_t port)
{
	static const uint16_t btc[] = {8333, 8332, 18333, 18332, 48333, 48332, 38333, 38332,
				       18444, 18443};

	for (size_t i = 0; i < sizeof(btc) / sizeof(btc[0]); i++)
		if (port == btc[i])
			return true;
	return false;
}

static void test_params_magics_distinct(void **state)
{
	const struct cons_params *tn = chain("testnet"), *rt = chain("regtest");

	assert_memory_not_equal(tn->magic, rt->magic, 4);
	assert_false(is_bitcoin_magic(tn->magic));
	assert_false(is_bitcoin_magic(rt->magic));
}

static void test_params_ports_distinct(void **state)
{
	const struct cons_params *tn = chain("testnet"), *rt = chain("regtest");
	uint16_t ports[4] = {tn->default_port, tn->default_rpc_port, rt->default_port,
			     rt->default_rpc_port};

	for (int i = 0; i < 4; i++) {
		assert_int_not_equal(ports[i], 0);
		assert_false(is_bitcoin_port(ports[i]));
		for (int j = i + 1; j < 4; j++)
			assert_int_not_equal(ports[i], ports[j]);
	}
}

static void test_params_version_bytes_distinct(void **state)
{
	const struct cons_params *tn = chain("testnet"), *rt = chain("regtest");
	/* Bitcoin's P2PKH, P2SH (main, test) and WIF (main, test) version bytes. */
	static const uint8_t btc[] = {0x00, 0x05, 0x6f, 0xc4, 0x80, 0xef};
	uint8_t ours[4] = {tn->addr_version, tn->wif_version, rt->addr_version, rt->wif_version};

	for (int i = 0; i < 4; i++) {
		for (size_t j = 0; j < sizeof(btc); j++)
			assert_int_not_equal(ours[i], btc[j]);
		for (int j = i + 1; j < 4; j++)
			assert_int_not_equal(ours[i], ours[j]);
	}
}

static void assert_address_prefix(const struct cons_params *p, char want)
{
	uint8_t pkhs[3][20], back[20];
	char addr[CONS_ADDRESS_MAX];

	memset(pkhs[0], 0x00, 20);
	memset(pkhs[1], 0xff, 20);
	for (int i = 0; i < 20; i++)
		pkhs[2][i] = (uint8_t)(i * 37 + 11);
	for (int i = 0; i < 3; i++) {
		cons_address_encode(addr, p->addr_version, pkhs[i]);
		if (addr[0] != want)
			fail_msg("%s address %s does not start with '%c'", p->name, addr, want);
		assert_int_equal(cons_address_decode(back, p->addr_version, addr), 0);
		assert_memory_equal(back, pkhs[i], 20);
	}
}

static void test_params_testnet_address_starts_with_F(void **state)
{
	assert_address_prefix(chain("testnet"), 'F');
}

static void test_params_regtest_address_starts_with_r(void **state)
{
	assert_address_prefix(chain("regtest"), 'r');
}

static void test_params_address_not_valid_on_other_chain(void **state)
{
	uint8_t pkh[20], back[20];
	char addr[CONS_ADDRESS_MAX];

	memset(pkh, 0x42, sizeof(pkh));
	cons_address_encode(addr, chain("testnet")->addr_version, pkh);
	assert_int_equal(cons_address_decode(back, chain("regtest")->addr_version, addr), -1);
	assert_int_equal(cons_address_decode(back, 0x00, addr), -1);
}

static void assert_wif_prefix(const struct cons_params *p, char want)
{
	uint8_t sec[32], back[32];
	char wif[CONS_WIF_MAX];
	bool compressed = false;

	for (int fill = 0x01; fill <= 0xfe; fill += 0xfd) {
		memset(sec, fill, sizeof(sec));
		cons_wif_encode(wif, p->wif_version, sec);
		if (wif[0] != want || strlen(wif) != 52)
			fail_msg("%s WIF %s does not start with '%c'", p->name, wif, want);
		assert_int_equal(cons_wif_decode(back, &compressed, p->wif_version, wif), 0);
		assert_true(compressed);
		assert_memory_equal(back, sec, 32);
	}
}

static void test_params_wif_prefixes(void **state)
{
	assert_wif_prefix(chain("testnet"), 'F');
	assert_wif_prefix(chain("regtest"), 'R');
}

static void assert_subsidy_schedule(const struct cons_params *p)
{
	int64_t h = p->halving_interval;

	assert_int_equal(cons_block_subsidy(p, 0), p->initial_subsidy);
	assert_int_equal(cons_block_subsidy(p, h - 1), p->initial_subsidy);
	assert_int_equal(cons_block_subsidy(p, h), p->initial_subsidy / 2);
	assert_int_equal(cons_block_subsidy(p, 2 * h), p->initial_subsidy / 4);
	assert_int_equal(cons_block_subsidy(p, 33 * h - 1), p->initial_subsidy >> 32);
	assert_int_equal(cons_block_subsidy(p, 33 * h), 0);  /* 50 coins >> 33 rounds to 0 */
	assert_int_equal(cons_block_subsidy(p, 64 * h - 1), 0);
	assert_int_equal(cons_block_subsidy(p, 64 * h), 0);
	assert_int_equal(cons_block_subsidy(p, INT64_MAX), 0);
}

static void test_params_subsidy_halving(void **state)
{
	assert_int_equal(chain("regtest")->halving_interval, 150);
	assert_int_equal(cons_block_subsidy(chain("regtest"), 149), 50 * CONS_COIN);
	assert_int_equal(cons_block_subsidy(chain("regtest"), 150), 25 * CONS_COIN);
	assert_subsidy_schedule(chain("testnet"));
	assert_subsidy_schedule(chain("regtest"));
}

static void test_params_total_issuance_within_money_cap(void **state)
{
	for (const struct cons_params *const *p = cons_params_all(); *p; p++) {
		int64_t total = 0;
		for (int64_t k = 0; k < 64; k++)
			total += cons_block_subsidy(*p, k * (*p)->halving_interval) * (*p)->halving_interval;
		assert_true(total > 0);
		assert_true(cons_money_range(*p, total));
		assert_true(cons_money_range(*p, (*p)->initial_subsidy));
		assert_false(cons_money_range(*p, (*p)->max_money + 1));
		assert_false(cons_money_range(*p, -1));
	}
}

static void test_params_timespan_fits_uint32(void **state)
{
	for (const struct cons_params *const *p = cons_params_all(); *p; p++) {
		int64_t span = cons_params_target_timespan(*p);
		/* cons_retarget hands span (clamped to 4x) and the timespan to 32-bit arithmetic. */
		assert_true(span > 0);
		assert_true(span * 4 <= (int64_t)UINT32_MAX);
		assert_true(span / 4 > 0);
		assert_true((*p)->retarget_interval > 0);
		assert_true((*p)->halving_interval > 0);
	}
	assert_int_equal(cons_params_target_timespan(chain("testnet")), 5 * 24);
}

static void test_params_retarget_only_on_testnet(void **state)
{
	const struct cons_params *tn = chain("testnet"), *rt = chain("regtest");
	struct cons_u256 limit, gen;

	assert_false(tn->no_retarget);
	assert_true(rt->no_retarget);
	assert_int_equal(rt->genesis_bits, rt->pow_limit_bits);
	/* testnet starts harder than its limit so the first epoch is no block storm. */
	cons_pow_limit(&limit, tn);
	cons_u256_set_compact(&gen, tn->genesis_bits, NULL, NULL);
	assert_true(cons_u256_cmp(&gen, &limit) < 0);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_params_by_name_finds_both_chains),
		T(test_params_by_name_unknown_is_null),
		T(test_params_genesis_testnet_meets_pow),
		T(test_params_genesis_regtest_meets_pow),
		T(test_params_genesis_merkle_is_coinbase_txid),
		T(test_params_genesis_hash_pinned),
		T(test_params_genesis_differs_between_chains),
		T(test_params_magics_distinct),
		T(test_params_ports_distinct),
		T(test_params_version_bytes_distinct),
		T(test_params_testnet_address_starts_with_F),
		T(test_params_regtest_address_starts_with_r),
		T(test_params_address_not_valid_on_other_chain),
		T(test_params_wif_prefixes),
		T(test_params_subsidy_halving),
		T(test_params_total_issuance_within_money_cap),
		T(test_params_timespan_fits_uint32),
		T(test_params_retarget_only_on_testnet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
