/* Record encodings of the chain database; see schema.h. */
#include "storage/schema.h"

#include <string.h>

#include "consensus/serialize.h"

void stor_coin_key(uint8_t key[STOR_COIN_KEY_LEN], const struct cons_outpoint *op)
{
	key[0] = STOR_KEY_COIN;
	memcpy(key + 1, op->txid, 32);
	stor_put_be32(key + 33, op->n);
}

void stor_coin_encode(uint8_t val[STOR_COIN_VAL_LEN], const struct cons_coin *c)
{
	for (int i = 0; i < 8; i++)
		val[i] = (uint8_t)((uint64_t)c->value >> (8 * i));
	memcpy(val + 8, c->pkh, 20);
	cons_put_le32(val + 28, c->height);
	val[32] = c->coinbase ? 1 : 0;
}

int stor_coin_decode(struct cons_coin *c, const uint8_t *val, size_t len)
{
	uint64_t v = 0;

	if (len != STOR_COIN_VAL_LEN || val[32] > 1)
		return -1;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)val[i] << (8 * i);
	c->value = (int64_t)v;
	memcpy(c->pkh, val + 8, 20);
	c->height = cons_le32(val + 28);
	c->coinbase = val[32] == 1;
	return 0;
}

#include <stdlib.h>

#include "consensus/block.h"
#include "storage/chainstate.h"

void stor_index_encode(uint8_t val[STOR_INDEX_VAL_LEN], const struct stor_index_rec *rec)
{
	cons_header_serialize(val, &rec->hdr);
	cons_put_le32(val + 80, rec->height);
	cons_put_le32(val + 84, rec->status);
	cons_put_le32(val + 88, rec->n_tx);
	cons_put_le32(val + 92, (uint32_t)rec->seq);
	cons_put_le32(val + 96, (uint32_t)(rec->seq >> 32));
}

int stor_index_decode(struct stor_index_rec *rec, const uint8_t hash[32], const uint8_t *val,
		      size_t len)
{
	struct cons_reader r;

	if (len != STOR_INDEX_VAL_LEN)
		return -1;
	cons_reader_init(&r, val, len);
	cons_header_read(&rec->hdr, &r);
	cons_header_hash(rec->hash, &rec->hdr);
	if (memcmp(rec->hash, hash, 32) != 0)
		return -1;
	rec->height = cons_le32(val + 80);
	rec->status = cons_le32(val + 84);
	rec->n_tx = cons_le32(val + 88);
	rec->seq = cons_le32(val + 92) | (uint64_t)cons_le32(val + 96) << 32;
	return 0;
}

int stor_undo_encode(uint8_t **out, size_t *len, const struct cons_block_undo *u)
{
	uint8_t *p = malloc(4 + u->n * STOR_UNDO_ITEM_LEN);

	if (!p)
		return -1;
	*out = p;
	*len = 4 + u->n * STOR_UNDO_ITEM_LEN;
	cons_put_le32(p, (uint32_t)u->n);
	p += 4;
	for (size_t i = 0; i < u->n; i++, p += STOR_UNDO_ITEM_LEN) {
		const struct cons_spent *s = &u->spent[i];
		memcpy(p, s->op.txid, 32);
		cons_put_le32(p + 32, s->op.n);
		stor_coin_encode(p + 36, &s->coin);
		cons_put_le32(p + 69, s->tx);
		cons_put_le32(p + 73, s->in);
	}
	return 0;
}

int stor_undo_decode(struct cons_block_undo *u, const uint8_t *val, size_t len)
{
	size_t n;

	if (len < 4)
		return -1;
	n = cons_le32(val);
	if ((len - 4) / STOR_UNDO_ITEM_LEN != n || (len - 4) % STOR_UNDO_ITEM_LEN)
		return -1;
	u->n = 0;
	u->spent = n ? malloc(n * sizeof(*u->spent)) : NULL;
	if (n && !u->spent)
		return -1;
	val += 4;
	for (size_t i = 0; i < n; i++, val += STOR_UNDO_ITEM_LEN) {
		struct cons_spent *s = &u->spent[i];
		memcpy(s->op.txid, val, 32);
		s->op.n = cons_le32(val + 32);
		if (stor_coin_decode(&s->coin, val + 36, STOR_COIN_VAL_LEN) < 0) {
			cons_block_undo_release(u);
			return -1;
		}
		s->tx = cons_le32(val + 69);
		s->in = cons_le32(val + 73);
		u->n = i + 1;
	}
	return 0;
}
