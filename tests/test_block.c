/*
 * Tests for consensus/block on real Bitcoin blocks: the genesis block, and
 * two mainnet blocks with their hashes and txids stated in Bitcoin Core's
 * src/test/bloom_tests.cpp: 000000005a4ded78... (4 transactions,
 * merkle_block_2) and 000000000000b731... (7 transactions, merkle_block_4).
 * Merkle roots are also checked against an independent recursive
 * computation (CPartialMerkleTree's CalcHash shape) and for the
 * CVE-2012-2459 duplicate-subtree mutation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/support/bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "consensus/block.h"
#include "consensus/hash.h"
#include "consensus/serialize.h"
#include "consensus/tx.h"
#include "tests/support/capped.h"
#include "util/hex.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))


/* Version 1, zero prev, merkle 4a5e1e4b...a33b, time 1231006505, bits 0x1d00ffff, nonce 2083236893. */
static const char genesis_header_hex[] =
	"0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b2"
	"7ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";
static const char genesis_coinbase_hex[] =
	"01000000"
	"01"
	"0000000000000000000000000000000000000000000000000000000000000000" "ffffffff"
	"4d"
	"04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e2062"
	"72696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73"
	"ffffffff"
	"01"
	"00f2052a01000000"
	"43"
	"4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504"
	"e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac"
	"00000000";
static const char genesis_hash[] =
	"000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
static const char genesis_merkle[] =
	"4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";

/* bloom_tests.cpp merkle_block_2: block 000000005a4ded78..., 4 transactions. */
static const char block_2_hex[] =
	"0100000075616236cc2126035fadb38deb65b9102cc2c41c09cdf29fc051906800000000fe7d5e12ef0ff901f6050211"
	"249919b1c0653771832b3a80c66cea42847f0ae1d4d26e49ffff001d00f0a44104010000000100000000000000000000"
	"00000000000000000000000000000000000000000000ffffffff0804ffff001d029105ffffffff0100f2052a01000000"
	"4341046d8709a041d34357697dfcb30a9d05900a6294078012bf3bb09c6f9b525f1d16d5503d7905db1ada9501446ea0"
	"0728668fc5719aa80be2fdfc8a858a4dbdd4fbac00000000010000000255605dc6f5c3dc148b6da58442b0b2cd422be3"
	"85eab2ebea4119ee9c268d28350000000049483045022100aa46504baa86df8a33b1192b1b9367b4d729dc41e389f2c0"
	"4f3e5c7f0559aae702205e82253a54bf5c4f65b7428551554b2045167d6d206dfe6a2e198127d3f7df1501ffffffff55"
	"605dc6f5c3dc148b6da58442b0b2cd422be385eab2ebea4119ee9c268d2835010000004847304402202329484c35fa9d"
	"6bb32a55a70c0982f606ce0e3634b69006138683bcd12cbb6602200c28feb1e2555c3210f1dddb299738b4ff8bbe9667"
	"b68cb8764b5ac17b7adf0001ffffffff0200e1f505000000004341046a0765b5865641ce08dd39690aade26dfbf55114"
	"30ca428a3089261361cef170e3929a68aee3d8d4848b0c5111b0a37b82b86ad559fd2a745b44d8e8d9dfdc0cac00180d"
	"8f000000004341044a656f065871a353f216ca26cef8dde2f03e8c16202d2e8ad769f02032cb86a5eb5e56842e92e191"
	"41d60a01928f8dd2c875a390f67c1f6c94cfc617c0ea45afac0000000001000000025f9a06d3acdceb56be1bfeaa3e8a"
	"25e62d182fa24fefe899d1c17f1dad4c2028000000004847304402205d6058484157235b06028c30736c15613a28bdb7"
	"68ee628094ca8b0030d4d6eb0220328789c9a2ec27ddaec0ad5ef58efded42e6ea17c2e1ce838f3d6913f5e95db601ff"
	"ffffff5f9a06d3acdceb56be1bfeaa3e8a25e62d182fa24fefe899d1c17f1dad4c2028010000004a493046022100c45a"
	"f050d3cea806cedd0ab22520c53ebe63b987b8954146cdca42487b84bdd6022100b9b027716a6b59e640da50a864d6dd"
	"8a0ef24c76ce62391fa3eabaf4d2886d2d01ffffffff0200e1f505000000004341046a0765b5865641ce08dd39690aad"
	"e26dfbf5511430ca428a3089261361cef170e3929a68aee3d8d4848b0c5111b0a37b82b86ad559fd2a745b44d8e8d9df"
	"dc0cac00180d8f000000004341046a0765b5865641ce08dd39690aade26dfbf5511430ca428a3089261361cef170e392"
	"9a68aee3d8d4848b0c5111b0a37b82b86ad559fd2a745b44d8e8d9dfdc0cac000000000100000002e2274e5fea1bf29d"
	"963914bd301aa63b64daaf8a3e88f119b5046ca5738a0f6b0000000048473044022016e7a727a061ea2254a6c358376a"
	"aa617ac537eb836c77d646ebda4c748aac8b0220192ce28bf9f2c06a6467e6531e27648d2b3e2e2bae85159c92429398"
	"40295ba501ffffffffe2274e5fea1bf29d963914bd301aa63b64daaf8a3e88f119b5046ca5738a0f6b010000004a4930"
	"46022100b7a1a755588d4190118936e15cd217d133b0e4a53c3c15924010d5648d8925c9022100aaef031874db2114f2"
	"d869ac2de4ae53908fbfea5b2b1862e181626bb9005c9f01ffffffff0200e1f505000000004341044a656f065871a353"
	"f216ca26cef8dde2f03e8c16202d2e8ad769f02032cb86a5eb5e56842e92e19141d60a01928f8dd2c875a390f67c1f6c"
	"94cfc617c0ea45afac00180d8f000000004341046a0765b5865641ce08dd39690aade26dfbf5511430ca428a30892613"
	"61cef170e3929a68aee3d8d4848b0c5111b0a37b82b86ad559fd2a745b44d8e8d9dfdc0cac00000000";
static const char block_2_hash[] =
	"000000005a4ded781e667e06ceefafb71410b511fe0d5adc3e5a27ecbec34ae6";
static const char *const block_2_txids[] = {
	"e980fe9f792d014e73b95203dc1335c5f9ce19ac537a419e6df5b47aecb93b70",
	"28204cad1d7fc1d199e8ef4fa22f182de6258a3eaafe1bbe56ebdcacd3069a5f",
	"6b0f8a73a56c04b519f1883e8aafda643ba61a30bd1439969df21bea5f4e27e2",
	"3c1d7e82342158e4109df2e0b6348b6e84e403d8b4046d7007663ace63cddb23",
};

/* bloom_tests.cpp merkle_block_4: block 000000000000b731..., 7 transactions. */
static const char block_4_hex[] =
	"0100000082bb869cf3a793432a66e826e05a6fc37469f8efb7421dc880670100000000007f16c5962e8bd963659c793c"
	"e370d95f093bc7e367117b3c30c1f8fdd0d9728776381b4d4c86041b554b852907010000000100000000000000000000"
	"00000000000000000000000000000000000000000000ffffffff07044c86041b0136ffffffff0100f2052a0100000043"
	"4104eaafc2314def4ca98ac970241bcab022b9c1e1f4ea423a20f134c876f2c01ec0f0dd5b2e86e7168cefe0d81113c3"
	"807420ce13ad1357231a2252247d97a46a91ac000000000100000001bcad20a6a29827d1424f08989255120bf7f3e9e3"
	"cdaaa6bb31b0737fe048724300000000494830450220356e834b046cadc0f8ebb5a8a017b02de59c86305403dad52cd7"
	"7b55af062ea10221009253cd6c119d4729b77c978e1e2aa19f5ea6e0e52b3f16e32fa608cd5bab753901ffffffff0200"
	"8d380c010000001976a9142b4b8072ecbba129b6453c63e129e643207249ca88ac0065cd1d000000001976a9141b8dd1"
	"3b994bcfc787b32aeadf58ccb3615cbd5488ac000000000100000003fdacf9b3eb077412e7a968d2e4f11b9a9dee312d"
	"666187ed77ee7d26af16cb0b000000008c493046022100ea1608e70911ca0de5af51ba57ad23b9a51db8d28f82c53563"
	"c56a05c20f5a87022100a8bdc8b4a8acc8634c6b420410150775eb7f2474f5615f7fccd65af30f310fbf01410465fdf4"
	"9e29b06b9a1582287b6279014f834edc317695d125ef623c1cc3aaece245bd69fcad7508666e9c74a49dc9056d5fc143"
	"38ef38118dc4afae5fe2c585caffffffff309e1913634ecb50f3c4f83e96e70b2df071b497b8973a3e75429df397b5af"
	"83000000004948304502202bdb79c596a9ffc24e96f4386199aba386e9bc7b6071516e2b51dda942b3a1ed022100c53a"
	"857e76b724fc14d45311eac5019650d415c3abb5428f3aae16d8e69bec2301ffffffff2089e33491695080c9edc18a42"
	"8f7d834db5b6d372df13ce2b1b0e0cbcb1e6c10000000049483045022100d4ce67c5896ee251c810ac1ff9ceccd328b4"
	"97c8f553ab6e08431e7d40bad6b5022033119c0c2b7d792d31f1187779c7bd95aefd93d90a715586d73801d9b47471c6"
	"01ffffffff0100714460030000001976a914c7b55141d097ea5df7a0ed330cf794376e53ec8d88ac0000000001000000"
	"045bf0e214aa4069a3e792ecee1e1bf0c1d397cde8dd08138f4b72a00681743447000000008b48304502200c45de8c4f"
	"3e2c1821f2fc878cba97b1e6f8807d94930713aa1c86a67b9bf1e40221008581abfef2e30f957815fc89978423746b20"
	"86375ca8ecf359c85c2a5b7c88ad01410462bb73f76ca0994fcb8b4271e6fb7561f5c0f9ca0cf6485261c4a0dc894f4a"
	"b844c6cdfb97cd0b60ffb5018ffd6238f4d87270efb1d3ae37079b794a92d7ec95ffffffffd669f7d7958d40fc59d225"
	"3d88e0f248e29b599c80bbcec344a83dda5f9aa72c000000008a473044022078124c8beeaa825f9e0b30bff96e564dd8"
	"59432f2d0cb3b72d3d5d93d38d7e930220691d233b6c0f995be5acb03d70a7f7a65b6bc9bdd426260f38a1346669507a"
	"3601410462bb73f76ca0994fcb8b4271e6fb7561f5c0f9ca0cf6485261c4a0dc894f4ab844c6cdfb97cd0b60ffb5018f"
	"fd6238f4d87270efb1d3ae37079b794a92d7ec95fffffffff878af0d93f5229a68166cf051fd372bb7a537232946e0a4"
	"6f53636b4dafdaa4000000008c493046022100c717d1714551663f69c3c5759bdbb3a0fcd3fab023abc0e522fe6440de"
	"35d8290221008d9cbe25bffc44af2b18e81c58eb37293fd7fe1c2e7b46fc37ee8c96c50ab1e201410462bb73f76ca099"
	"4fcb8b4271e6fb7561f5c0f9ca0cf6485261c4a0dc894f4ab844c6cdfb97cd0b60ffb5018ffd6238f4d87270efb1d3ae"
	"37079b794a92d7ec95ffffffff27f2b668859cd7f2f894aa0fd2d9e60963bcd07c88973f425f999b8cbfd7a1e2000000"
	"008c493046022100e00847147cbf517bcc2f502f3ddc6d284358d102ed20d47a8aa788a62f0db780022100d17b2d6fa8"
	"4dcaf1c95d88d7e7c30385aecf415588d749afd3ec81f6022cecd701410462bb73f76ca0994fcb8b4271e6fb7561f5c0"
	"f9ca0cf6485261c4a0dc894f4ab844c6cdfb97cd0b60ffb5018ffd6238f4d87270efb1d3ae37079b794a92d7ec95ffff"
	"ffff0100c817a8040000001976a914b6efd80d99179f4f4ff6f4dd0a007d018c385d2188ac0000000001000000018345"
	"37b2f1ce8ef9373a258e10545ce5a50b758df616cd4356e0032554ebd3c4000000008b483045022100e68f422dd7c34f"
	"dce11eeb4509ddae38201773dd62f284e8aa9d96f85099d0b002202243bd399ff96b649a0fad05fa759d6a882f0af8c9"
	"0cf7632c2840c29070aec20141045e58067e815c2f464c6a2a15f987758374203895710c2d452442e28496ff38ba8f5f"
	"d901dc20e29e88477167fe4fc299bf818fd0d9e1632d467b2a3d9503b1aaffffffff0280d7e636030000001976a914f3"
	"4c3e10eb387efe872acb614c89e78bfca7815d88ac404b4c00000000001976a914a84e272933aaf87e1715d7786c51df"
	"aeb5b65a6f88ac00000000010000000143ac81c8e6f6ef307dfe17f3d906d999e23e0189fda838c5510d850927e03ae7"
	"000000008c4930460221009c87c344760a64cb8ae6685a3eec2c1ac1bed5b88c87de51acd0e124f266c16602210082d0"
	"7c037359c3a257b5c63ebd90f5a5edf97b2ac1c434b08ca998839f346dd40141040ba7e521fa7946d12edbb1d1e95a15"
	"c34bd4398195e86433c92b431cd315f455fe30032ede69cad9d1e1ed6c3c4ec0dbfced53438c625462afb792dcb09854"
	"4bffffffff0240420f00000000001976a9144676d1b820d63ec272f1900d59d43bc6463d96f888ac40420f0000000000"
	"1976a914648d04341d00d7968b3405c034adc38d4d8fb9bd88ac00000000010000000248cc917501ea5c55f4a8d2009c"
	"0567c40cfe037c2e71af017d0a452ff705e3f1000000008b483045022100bf5fdc86dc5f08a5d5c8e43a8c9d5b1ed8c6"
	"5562e280007b52b133021acd9acc02205e325d613e555f772802bf413d36ba807892ed1a690a77811d3033b3de226e0a"
	"01410429fa713b124484cb2bd7b5557b2c0b9df7b2b1fee61825eadc5ae6c37a9920d38bfccdc7dc3cb0c47d7b173dbc"
	"9db8d37db0a33ae487982c59c6f8606e9d1791ffffffff41ed70551dd7e841883ab8f0b16bf04176b7d1480e4f0af9f3"
	"d4c3595768d068000000008b4830450221008513ad65187b903aed1102d1d0c47688127658c51106753fed0151ce9c16"
	"b80902201432b9ebcb87bd04ceb2de66035fbbaf4bf8b00d1cfe41f1a1f7338f9ad79d210141049d4cf80125bf50be17"
	"09f718c07ad15d0fc612b7da1f5570dddc35f2a352f0f27c978b06820edca9ef982c35fda2d255afba340068c5035552"
	"368bc7200c1488ffffffff0100093d00000000001976a9148edb68822f1ad580b043c7b3df2e400f8699eb4888ac0000"
	"0000";
static const char block_4_hash[] =
	"000000000000b731f2eef9e8c63173adfb07e41bd53eb0ef0a6b720d6cb6dea4";
/* The txids the file states, by position; the others are only counted. */
static const struct { size_t index; const char *txid; } block_4_txids[] = {
	{ 0, "147caa76786596590baa4e98f5d9f48b86c7765e489f7a6ff3360fe5c674360b" },
	{ 3, "02981fa052f0481dbc5868f4fc2166035a10f27a03cfd2de67326471df5bc041" },
	{ 6, "0a2a92f0bda4727d0a13eaddf4dd9ac6b5c61a1429e6b2b818f19b15df0ac154" },
};

static uint8_t *hex_alloc(const char *hex, size_t *len)
{
	uint8_t *p;

	assert_int_equal(util_hex_decode_alloc(&p, len, hex), 0);
	return p;
}

/* The genesis block: its header, a count of one, the coinbase. */
static uint8_t *genesis_block(size_t *len)
{
	size_t hl, tl;
	uint8_t *hdr = hex_alloc(genesis_header_hex, &hl);
	uint8_t *tx = hex_alloc(genesis_coinbase_hex, &tl);
	uint8_t *b = malloc(hl + 1 + tl);

	assert_non_null(b);
	assert_int_equal(hl, 80);
	memcpy(b, hdr, hl);
	b[hl] = 0x01;
	memcpy(b + hl + 1, tx, tl);
	*len = hl + 1 + tl;
	free(hdr);
	free(tx);
	return b;
}

static void assert_hash(const uint8_t hash[32], const char *want)
{
	char hex[65];

	util_hex_encode_rev(hex, hash, 32);
	assert_string_equal(hex, want);
}

static void assert_released(const struct cons_block *b)
{
	assert_int_equal(b->n_tx, 0);
	assert_null(b->tx);
	assert_int_equal(b->size, 0);
}

static void parse_ok(struct cons_block *b, const uint8_t *raw, size_t len)
{
	enum cons_read_err err = CONS_READ_NOMEM;

	cons_block_init(b);
	assert_int_equal(cons_block_parse(b, &err, raw, len), 0);
	assert_int_equal(err, CONS_READ_OK);
}

static void genesis_header_fields(struct cons_header *h)
{
	memset(h, 0, sizeof(*h));
	h->version = 1;
	assert_int_equal(util_hex_decode_rev(h->merkle, 32, genesis_merkle), 0);
	h->time = 1231006505;
	h->bits = 0x1d00ffff;
	h->nonce = 2083236893;
}

static void test_header_serialize_genesis(void **state)
{
	struct cons_header h, back;
	struct cons_reader r;
	uint8_t raw[CONS_HEADER_SIZE], want[CONS_HEADER_SIZE], hash[32];

	genesis_header_fields(&h);
	cons_header_serialize(raw, &h);
	assert_int_equal(util_hex_decode(want, sizeof(want), genesis_header_hex), 0);
	assert_memory_equal(raw, want, CONS_HEADER_SIZE);
	cons_header_hash(hash, &h);
	assert_hash(hash, genesis_hash);

	cons_reader_init(&r, raw, sizeof(raw));
	cons_header_read(&back, &r);
	assert_true(cons_reader_ok(&r));
	assert_int_equal(r.len, 0);
	assert_int_equal(back.version, 1);
	assert_memory_equal(back.prev, h.prev, 32);
	assert_memory_equal(back.merkle, h.merkle, 32);
	assert_int_equal(back.time, 1231006505);
	assert_int_equal(back.bits, 0x1d00ffff);
	assert_int_equal(back.nonce, 2083236893);
}

static void test_header_read_truncated(void **state)
{
	uint8_t raw[CONS_HEADER_SIZE];
	static const uint8_t zero[sizeof(struct cons_header)];

	assert_int_equal(util_hex_decode(raw, sizeof(raw), genesis_header_hex), 0);
	for (size_t cut = 0; cut < CONS_HEADER_SIZE; cut++) {
		uint8_t *buf = exact_copy(raw, cut);
		struct cons_header h;
		struct cons_reader r;

		memset(&h, 0xaa, sizeof(h));
		cons_reader_init(&r, buf, cut);
		cons_header_read(&h, &r);
		assert_int_equal(r.err, CONS_READ_TRUNCATED);
		assert_memory_equal(&h, zero, sizeof(h));
		free(buf);
	}
}

static void test_block_parse_genesis(void **state)
{
	size_t len;
	uint8_t *raw = genesis_block(&len);
	struct cons_block b;
	struct cons_writer w;
	uint8_t root[32];
	bool mutated = true;
	static const uint8_t zero[32];

	assert_int_equal(len, 285);
	parse_ok(&b, raw, len);
	assert_int_equal(b.hdr.version, 1);
	assert_memory_equal(b.hdr.prev, zero, 32);
	assert_hash(b.hdr.merkle, genesis_merkle);
	assert_int_equal(b.hdr.time, 1231006505);
	assert_int_equal(b.hdr.bits, 0x1d00ffff);
	assert_int_equal(b.hdr.nonce, 2083236893);
	assert_hash(b.hash, genesis_hash);
	assert_int_equal(b.size, 285);
	assert_int_equal(b.n_tx, 1);
	assert_hash(b.tx[0].txid, genesis_merkle);
	assert_true(cons_tx_is_coinbase(&b.tx[0]));
	assert_true(b.tx[0].out[0].value == 5000000000ll);

	/* A one-transaction block's merkle root is that txid. */
	assert_int_equal(cons_block_merkle_root(root, &mutated, &b), 0);
	assert_memory_equal(root, b.hdr.merkle, 32);
	assert_false(mutated);

	cons_writer_init(&w);
	cons_block_write(&w, &b);
	assert_false(w.oom);
	assert_int_equal(w.len, len);
	assert_memory_equal(w.data, raw, len);
	cons_writer_release(&w);
	cons_block_release(&b);
	assert_released(&b);
	free(raw);
}

static void check_real_block(const char *hex, const char *hash, size_t n_tx)
{
	size_t len;
	uint8_t *raw = hex_alloc(hex, &len);
	struct cons_block b;
	struct cons_writer w;
	uint8_t root[32];
	bool mutated = true;

	parse_ok(&b, raw, len);
	assert_hash(b.hash, hash);
	assert_int_equal(b.n_tx, n_tx);
	assert_int_equal(b.size, len);
	assert_true(cons_tx_is_coinbase(&b.tx[0]));
	for (size_t i = 1; i < b.n_tx; i++)
		assert_false(cons_tx_is_coinbase(&b.tx[i]));
	/* The root computed from the txids is the one the miner committed to. */
	assert_int_equal(cons_block_merkle_root(root, &mutated, &b), 0);
	assert_memory_equal(root, b.hdr.merkle, 32);
	assert_false(mutated);

	cons_writer_init(&w);
	cons_block_write(&w, &b);
	assert_int_equal(w.len, len);
	assert_memory_equal(w.data, raw, len);
	cons_writer_release(&w);
	cons_block_release(&b);
	free(raw);
}

static void test_block_parse_real_four_tx(void **state)
{
	size_t len;
	uint8_t *raw = hex_alloc(block_2_hex, &len);
	struct cons_block b;

	check_real_block(block_2_hex, block_2_hash, 4);
	parse_ok(&b, raw, len);
	for (size_t i = 0; i < COUNT(block_2_txids); i++)
		assert_hash(b.tx[i].txid, block_2_txids[i]);
	assert_int_equal(b.tx[1].n_in, 2);
	cons_block_release(&b);
	free(raw);
}

static void test_block_parse_real_seven_tx(void **state)
{
	size_t len;
	uint8_t *raw = hex_alloc(block_4_hex, &len);
	struct cons_block b;

	check_real_block(block_4_hex, block_4_hash, 7);
	parse_ok(&b, raw, len);
	for (size_t i = 0; i < COUNT(block_4_txids); i++)
		assert_hash(b.tx[block_4_txids[i].index].txid, block_4_txids[i].txid);
	assert_int_equal(b.tx[3].n_in, 4);
	cons_block_release(&b);
	free(raw);
}

/* Builds a block from copies of src's transactions, plus extra copies of the last. */
static void rebuild(struct cons_block *dst, const struct cons_block *src, size_t dup_last)
{
	cons_block_init(dst);
	dst->hdr = src->hdr;
	memset(dst->hdr.merkle, 0, 32);
	for (size_t i = 0; i < src->n_tx + dup_last; i++) {
		struct cons_tx t;
		size_t from = i < src->n_tx ? i : src->n_tx - 1;

		cons_tx_init(&t);
		assert_int_equal(cons_tx_copy(&t, &src->tx[from]), 0);
		assert_int_equal(cons_block_append_tx(dst, &t), 0);
		/* The block took the contents; t is empty again. */
		assert_null(t.in);
		assert_int_equal(t.n_in, 0);
	}
}

static void test_block_finalize_matches_parser(void **state)
{
	static const struct { const char *hex; const char *hash; } v[] = {
		{ NULL, genesis_hash },
		{ block_2_hex, block_2_hash },
		{ block_4_hex, block_4_hash },
	};

	for (size_t i = 0; i < COUNT(v); i++) {
		size_t len;
		uint8_t *raw = v[i].hex ? hex_alloc(v[i].hex, &len) : genesis_block(&len);
		struct cons_block parsed, built;
		struct cons_writer w;

		parse_ok(&parsed, raw, len);
		rebuild(&built, &parsed, 0);
		assert_int_equal(cons_block_finalize(&built), 0);
		assert_memory_equal(built.hdr.merkle, parsed.hdr.merkle, 32);
		assert_hash(built.hash, v[i].hash);
		assert_int_equal(built.size, len);
		cons_writer_init(&w);
		cons_block_write(&w, &built);
		assert_int_equal(w.len, len);
		assert_memory_equal(w.data, raw, len);
		cons_writer_release(&w);
		cons_block_release(&built);
		cons_block_release(&parsed);
		free(raw);
	}
}

/* Independent merkle: CPartialMerkleTree's recursive CalcHash over tree widths. */
static size_t tree_width(size_t n, unsigned height)
{
	return (n + ((size_t)1 << height) - 1) >> height;
}

static void node_hash(uint8_t out[32], const uint8_t left[32], const uint8_t right[32])
{
	uint8_t cat[64], once[32];

	memcpy(cat, left, 32);
	memcpy(cat + 32, right, 32);
	cons_sha256(once, cat, 64);
	cons_sha256(out, once, 32);
}

static void calc_hash(uint8_t out[32], const uint8_t (*leaves)[32], size_t n, unsigned height, size_t pos)
{
	uint8_t left[32], right[32];

	if (height == 0) {
		memcpy(out, leaves[pos], 32);
		return;
	}
	calc_hash(left, leaves, n, height - 1, pos * 2);
	if (pos * 2 + 1 < tree_width(n, height - 1))
		calc_hash(right, leaves, n, height - 1, pos * 2 + 1);
	else
		memcpy(right, left, 32);
	node_hash(out, left, right);
}

static void reference_root(uint8_t out[32], const uint8_t (*leaves)[32], size_t n)
{
	unsigned height = 0;

	while (tree_width(n, height) > 1)
		height++;
	calc_hash(out, leaves, n, height, 0);
}

static void make_leaves(uint8_t (*leaves)[32], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t seed[2] = { (uint8_t)i, 0x5a };
		cons_sha256(leaves[i], seed, sizeof(seed));
	}
}

static void test_merkle_root_matches_independent_computation(void **state)
{
	uint8_t leaves[33][32];

	make_leaves(leaves, COUNT(leaves));
	for (size_t n = 1; n <= COUNT(leaves); n++) {
		uint8_t got[32], want[32];
		bool mutated = true;

		assert_int_equal(cons_merkle_root(got, &mutated, (const uint8_t (*)[32])leaves, n), 0);
		reference_root(want, (const uint8_t (*)[32])leaves, n);
		assert_memory_equal(got, want, 32);
		assert_false(mutated);
	}
}

static void test_merkle_root_small_cases_by_hand(void **state)
{
	uint8_t leaves[3][32], got[32], ab[32], cc[32], want[32];
	bool mutated;

	make_leaves(leaves, 3);
	/* One leaf: the root is the leaf itself. */
	assert_int_equal(cons_merkle_root(got, &mutated, (const uint8_t (*)[32])leaves, 1), 0);
	assert_memory_equal(got, leaves[0], 32);
	/* Two: SHA-256d(a || b). */
	node_hash(ab, leaves[0], leaves[1]);
	assert_int_equal(cons_merkle_root(got, &mutated, (const uint8_t (*)[32])leaves, 2), 0);
	assert_memory_equal(got, ab, 32);
	/* Three: H(H(a, b), H(c, c)), the odd hash paired with itself. */
	node_hash(cc, leaves[2], leaves[2]);
	node_hash(want, ab, cc);
	assert_int_equal(cons_merkle_root(got, &mutated, (const uint8_t (*)[32])leaves, 3), 0);
	assert_memory_equal(got, want, 32);
	assert_false(mutated);
	/* The input leaves are left untouched. */
	{
		uint8_t again[3][32];
		make_leaves(again, 3);
		assert_memory_equal(again, leaves, sizeof(again));
	}
}

static void test_merkle_root_empty(void **state)
{
	uint8_t root[32];
	static const uint8_t zero[32];
	bool mutated = true;
	struct cons_block b;

	memset(root, 0xaa, sizeof(root));
	assert_int_equal(cons_merkle_root(root, &mutated, NULL, 0), 0);
	assert_memory_equal(root, zero, 32);
	assert_false(mutated);
	cons_block_init(&b);
	memset(root, 0xaa, sizeof(root));
	mutated = true;
	assert_int_equal(cons_block_merkle_root(root, &mutated, &b), 0);
	assert_memory_equal(root, zero, 32);
	assert_false(mutated);
}

/* CVE-2012-2459: [a,b,c] and [a,b,c,c] share a root; only the second is flagged. */
static void test_merkle_mutation_cve_2012_2459(void **state)
{
	uint8_t l[8][32], m[8][32], r1[32], r2[32];
	bool mut1 = true, mut2 = false;

	make_leaves(l, 3);
	memcpy(m, l, 3 * 32);
	memcpy(m[3], l[2], 32);
	assert_int_equal(cons_merkle_root(r1, &mut1, (const uint8_t (*)[32])l, 3), 0);
	assert_int_equal(cons_merkle_root(r2, &mut2, (const uint8_t (*)[32])m, 4), 0);
	assert_memory_equal(r1, r2, 32);
	assert_false(mut1);
	assert_true(mut2);

	/* Bitcoin Core's example: 1..6 and 1..6,5,6 (a duplicated subtree, one level up). */
	make_leaves(l, 6);
	memcpy(m, l, 6 * 32);
	memcpy(m[6], l[4], 32);
	memcpy(m[7], l[5], 32);
	mut1 = true;
	mut2 = false;
	assert_int_equal(cons_merkle_root(r1, &mut1, (const uint8_t (*)[32])l, 6), 0);
	assert_int_equal(cons_merkle_root(r2, &mut2, (const uint8_t (*)[32])m, 8), 0);
	assert_memory_equal(r1, r2, 32);
	assert_false(mut1);
	assert_true(mut2);

	/* Two equal adjacent leaves are flagged even without a twin list. */
	make_leaves(l, 2);
	memcpy(l[1], l[0], 32);
	assert_int_equal(cons_merkle_root(r1, &mut1, (const uint8_t (*)[32])l, 2), 0);
	assert_true(mut1);
}

/* The same attack on a real block: block 4's seven txs plus its last again. */
static void test_block_merkle_mutation_real_block(void **state)
{
	size_t len;
	uint8_t *raw = hex_alloc(block_4_hex, &len);
	struct cons_block parsed, mutated_block;
	uint8_t root[32];
	bool mutated = false;

	parse_ok(&parsed, raw, len);
	rebuild(&mutated_block, &parsed, 1);
	assert_int_equal(mutated_block.n_tx, 8);
	assert_int_equal(cons_block_merkle_root(root, &mutated, &mutated_block), 0);
	assert_memory_equal(root, parsed.hdr.merkle, 32);
	assert_true(mutated);
	/* finalize fills in the same root and so the same block hash. */
	assert_int_equal(cons_block_finalize(&mutated_block), 0);
	assert_hash(mutated_block.hash, block_4_hash);
	assert_int_equal(mutated_block.size, len + parsed.tx[6].size);
	cons_block_release(&mutated_block);
	cons_block_release(&parsed);
	free(raw);
}

static void test_block_truncated_at_every_length(void **state)
{
	const char *hexes[] = { NULL, block_2_hex, block_4_hex };

	for (size_t i = 0; i < COUNT(hexes); i++) {
		size_t len;
		uint8_t *raw = hexes[i] ? hex_alloc(hexes[i], &len) : genesis_block(&len);

		for (size_t cut = 0; cut < len; cut++) {
			uint8_t *buf = exact_copy(raw, cut);
			struct cons_block b;
			enum cons_read_err err = CONS_READ_OK;

			cons_block_init(&b);
			assert_int_equal(cons_block_parse(&b, &err, buf, cut), -1);
			assert_int_equal(err, CONS_READ_TRUNCATED);
			assert_released(&b);
			free(buf);
		}
		free(raw);
	}
}

static void test_block_trailing_data(void **state)
{
	size_t len;
	uint8_t *raw = genesis_block(&len);
	uint8_t *buf = malloc(len + 1);
	struct cons_block b;
	struct cons_reader r;
	enum cons_read_err err = CONS_READ_OK;

	assert_non_null(buf);
	memcpy(buf, raw, len);
	buf[len] = 0xf9;
	cons_block_init(&b);
	assert_int_equal(cons_block_parse(&b, &err, buf, len + 1), -1);
	assert_int_equal(err, CONS_READ_TRAILING);
	assert_released(&b);

	cons_reader_init(&r, buf, len + 1);
	assert_int_equal(cons_block_read(&b, &r), 0);
	assert_int_equal(r.len, 1);
	assert_int_equal(b.size, len);
	assert_hash(b.hash, genesis_hash);
	cons_block_release(&b);
	free(buf);
	free(raw);
}

/* Header, a count given as hex, then the genesis coinbase; returns the error and bytes left. */
static enum cons_read_err read_with_count(const char *count_hex, size_t *left)
{
	size_t hl, cl, tl, len;
	uint8_t *hdr = hex_alloc(genesis_header_hex, &hl);
	uint8_t *cnt = hex_alloc(count_hex, &cl);
	uint8_t *tx = hex_alloc(genesis_coinbase_hex, &tl);
	uint8_t *buf;
	struct cons_block b;
	struct cons_reader r;

	len = hl + cl + tl;
	buf = malloc(len);
	assert_non_null(buf);
	memcpy(buf, hdr, hl);
	memcpy(buf + hl, cnt, cl);
	memcpy(buf + hl + cl, tx, tl);
	cons_block_init(&b);
	cons_reader_init(&r, buf, len);
	if (cons_block_read(&b, &r) < 0) {
		assert_false(cons_reader_ok(&r));
		assert_released(&b);
	}
	cons_block_release(&b);
	*left = r.len;
	free(buf);
	free(tx);
	free(cnt);
	free(hdr);
	return r.err;
}

static void test_block_tx_count_larger_than_input(void **state)
{
	size_t left;

	assert_int_equal(read_with_count("01", &left), CONS_READ_OK);
	assert_int_equal(left, 0);
	/* 1000 transactions cannot fit in 204 bytes: refused right after the count. */
	assert_int_equal(read_with_count("fde803", &left), CONS_READ_TRUNCATED);
	assert_int_equal(left, 204);
	assert_int_equal(read_with_count("fe00000002", &left), CONS_READ_TRUNCATED);
	assert_int_equal(left, 204);
	assert_int_equal(read_with_count("fe01000002", &left), CONS_READ_TOO_LARGE);
	assert_int_equal(read_with_count("fd0100", &left), CONS_READ_NONCANONICAL);
	/* Two announced, one present: the second transaction is cut short. */
	assert_int_equal(read_with_count("02", &left), CONS_READ_TRUNCATED);
}

static int parse_block(const uint8_t *buf, size_t len, enum cons_read_err *err)
{
	struct cons_block b;

	cons_block_init(&b);
	if (cons_block_parse(&b, err, buf, len) < 0)
		return -1;
	cons_block_release(&b);
	return 0;
}

/*
 * A parser that sized its array from a 2^25 transaction count (some 2.7 GB
 * of struct cons_tx) before checking it against the bytes left would fail
 * with NOMEM under the cap; the right answer is TRUNCATED.
 */
static void test_block_huge_count_allocates_nothing_big(void **state)
{
	size_t hl, len = 1 << 20;
	uint8_t *hdr = hex_alloc(genesis_header_hex, &hl);
	uint8_t *buf = calloc(1, len);

	assert_non_null(buf);
	memcpy(buf, hdr, hl);
	memcpy(buf + hl, "\xfe\x00\x00\x00\x02", 5);
	assert_int_equal(tb_capped_parse(parse_block, buf, len), CONS_READ_TRUNCATED);
	free(buf);
	free(hdr);
}

static void test_block_zero_transactions(void **state)
{
	size_t hl;
	uint8_t *hdr = hex_alloc(genesis_header_hex, &hl);
	uint8_t *buf = malloc(hl + 1);
	struct cons_block b;

	assert_non_null(buf);
	memcpy(buf, hdr, hl);
	buf[hl] = 0x00;
	parse_ok(&b, buf, hl + 1);
	assert_int_equal(b.n_tx, 0);
	assert_null(b.tx);
	assert_int_equal(b.size, 81);
	assert_hash(b.hash, genesis_hash);      /* the hash covers the header only */
	cons_block_release(&b);
	free(buf);
	free(hdr);
}

static void test_block_release_reinitialises(void **state)
{
	size_t len;
	uint8_t *raw = hex_alloc(block_2_hex, &len);
	struct cons_block b;
	static const uint8_t zero[sizeof(struct cons_header)];

	parse_ok(&b, raw, len);
	cons_block_release(&b);
	assert_released(&b);
	assert_memory_equal(&b.hdr, zero, sizeof(b.hdr));
	cons_block_release(&b);
	assert_released(&b);
	free(raw);
}

/*
 * A read block holds its transactions in its own arena: they are borrowed,
 * their scripts survive the caller's buffer being overwritten and freed, an
 * edited transaction gets memory of its own without touching the others,
 * and a transaction can still be appended. (ASan checks the frees.)
 */
static void test_block_read_arena_and_edits(void **state)
{
	size_t len;
	uint8_t *raw = hex_alloc(block_4_hex, &len), *again, script[3] = {0x51, 0x52, 0x53};
	struct cons_block b;
	struct cons_tx extra;
	struct cons_writer w;

	parse_ok(&b, raw, len);
	again = malloc(len);
	assert_non_null(again);
	memcpy(again, raw, len);
	memset(raw, 0xee, len);
	free(raw);
	assert_non_null(b.arena);
	for (size_t i = 0; i < b.n_tx; i++)
		assert_true(b.tx[i].borrowed);

	cons_writer_init(&w);
	cons_block_write(&w, &b);
	assert_false(w.oom);
	assert_int_equal(w.len, len);
	assert_memory_equal(w.data, again, len);
	cons_writer_release(&w);

	assert_int_equal(cons_tx_add_output(&b.tx[1], 5, script, sizeof(script)), 0);
	assert_false(b.tx[1].borrowed);
	assert_memory_equal(b.tx[1].out[b.tx[1].n_out - 1].script, script, sizeof(script));
	assert_int_equal(cons_tx_copy(&extra, &b.tx[2]), 0);
	assert_int_equal(cons_block_append_tx(&b, &extra), 0);
	assert_int_equal(b.n_tx, 8);
	assert_memory_equal(b.tx[7].txid, b.tx[2].txid, 32);
	assert_true(b.tx[2].borrowed);
	cons_block_release(&b);
	assert_null(b.arena);
	free(again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_serialize_genesis),
		cmocka_unit_test(test_header_read_truncated),
		cmocka_unit_test(test_block_parse_genesis),
		cmocka_unit_test(test_block_parse_real_four_tx),
		cmocka_unit_test(test_block_parse_real_seven_tx),
		cmocka_unit_test(test_block_finalize_matches_parser),
		cmocka_unit_test(test_merkle_root_matches_independent_computation),
		cmocka_unit_test(test_merkle_root_small_cases_by_hand),
		cmocka_unit_test(test_merkle_root_empty),
		cmocka_unit_test(test_merkle_mutation_cve_2012_2459),
		cmocka_unit_test(test_block_merkle_mutation_real_block),
		cmocka_unit_test(test_block_truncated_at_every_length),
		cmocka_unit_test(test_block_trailing_data),
		cmocka_unit_test(test_block_tx_count_larger_than_input),
		cmocka_unit_test(test_block_huge_count_allocates_nothing_big),
		cmocka_unit_test(test_block_zero_transactions),
		cmocka_unit_test(test_block_release_reinitialises),
		cmocka_unit_test(test_block_read_arena_and_edits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
