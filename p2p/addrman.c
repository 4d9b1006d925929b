/*
 * The address book; see addrman.h. Entries sit compactly in one array
 * (a removal moves the last entry into the hole), a salted hash map finds
 * an entry by address, and a min-heap ordered by eviction key names the
 * entry a full book drops first.
 */
#include "p2p/addrman.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "consensus/hash.h"
#include "consensus/serialize.h"
#include "util/hmap.h"

#define KEY_LEN 18                     /* 16-byte IP + 2-byte port */
#define DAY (24 * 3600)
#define FILE_VERSION 1u
#define ENTRY_SIZE 54                  /* ip, port, services, 3 times, failures */
#define FILE_HEAD 16                   /* tag, version, network magic, count */
static const uint8_t file_tag[4] = {'F', 'L', 'P', 'B'};

struct slot {
	struct p2p_addrinfo info;
	size_t heap_pos;
};

struct p2p_addrman {
	size_t cap, n;
	struct slot *slots;                /* slots[0..n) are in use */
	size_t *heap;                      /* slot indices; the smallest eviction key first */
	struct util_hmap index;            /* address key -> struct slot * */
	uint64_t rng;
	uint64_t changes;
};

static void addr_key(uint8_t key[KEY_LEN], const struct p2p_netaddr *a)
{
	memcpy(key, a->ip, 16);
	key[16] = (uint8_t)(a->port >> 8);
	key[17] = (uint8_t)a->port;
}

static uint64_t rnd(struct p2p_addrman *m)
{
	/* xorshift64*: sampling needs spread, not secrecy. */
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return m->rng * 0x2545f4914f6cdd1dull;
}

struct p2p_addrman *p2p_addrman_new(size_t capacity)
{
	struct p2p_addrman *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cap = capacity ? capacity : 1;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	m->heap = calloc(m->cap, sizeof(*m->heap));
	if (!m->slots || !m->heap) {
		free(m->slots);
		free(m->heap);
		free(m);
		return NULL;
	}
	util_hmap_init(&m->index, KEY_LEN);
	if (getrandom(&m->rng, sizeof(m->rng), 0) != sizeof(m->rng))
		m->rng = (uint64_t)(uintptr_t)m;
	m->rng |= 1;
	return m;
}

void p2p_addrman_free(struct p2p_addrman *m)
{
	if (!m)
		return;
	util_hmap_release(&m->index);
	free(m->slots);
	free(m->heap);
	free(m);
}

size_t p2p_addrman_count(const struct p2p_addrman *m)
{
	return m->n;
}

uint64_t p2p_addrman_changes(const struct p2p_addrman *m)
{
	return m->changes;
}

bool p2p_addr_routable(const struct p2p_netaddr *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return memcmp(a->ip, mapped, 12) == 0 && a->ip[12] != 0 && a->ip[12] < 224 && a->port != 0;
}

const char *p2p_netaddr_str(const struct p2p_netaddr *a, char *buf, size_t len)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (memcmp(a->ip, mapped, 12) != 0)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%u.%u.%u.%u:%u", a->ip[12], a->ip[13], a->ip[14], a->ip[15],
			 a->port);
	return buf;
}

/* ---- the eviction heap ---- */

/* Lower goes first: the longest unheard-of, each failure counting as a day older. */
static int64_t evict_key(const struct p2p_addrinfo *e)
{
	int64_t t = e->seen > e->last_success ? e->seen : e->last_success;

	return t - (int64_t)(e->failures < 10000 ? e->failures : 10000) * DAY;
}

static bool heap_less(const struct p2p_addrman *m, size_t i, size_t j)
{
	return evict_key(&m->slots[m->heap[i]].info) < evict_key(&m->slots[m->heap[j]].info);
}

static void heap_swap(struct p2p_addrman *m, size_t i, size_t j)
{
	size_t t = m->heap[i];

	m->heap[i] = m->heap[j];
	m->heap[j] = t;
	m->slots[m->heap[i]].heap_pos = i;
	m->slots[m->heap[j]].heap_pos = j;
}

/* Restores the heap order around position i after its key changed. */
static void heap_fix(struct p2p_addrman *m, size_t i)
{
	while (i > 0 && heap_less(m, i, (i - 1) / 2)) {
		heap_swap(m, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i;
		if (l < m->n && heap_less(m, l, min))
			min = l;
		if (r < m->n && heap_less(m, r, min))
			min = r;
		if (min == i)
			return;
		heap_swap(m, i, min);
		i = min;
	}
}

/* ---- entries ---- */

static struct slot *lookup(const struct p2p_addrman *m, const struct p2p_netaddr *a)
{
	uint8_t key[KEY_LEN];

	addr_key(key, a);
	return util_hmap_get(&m->index, key);
}

/* Removes slot s: the last slot moves into its place, the last heap item into its heap place. */
static void remove_slot(struct p2p_addrman *m, size_t s)
{
	uint8_t key[KEY_LEN];
	size_t hp = m->slots[s].heap_pos, last = m->n - 1;

	addr_key(key, &m->slots[s].info.addr);
	(void)util_hmap_del(&m->index, key);
	heap_swap(m, hp, last);
	m->n--;
	if (hp < m->n)
		heap_fix(m, hp);
	if (s != last) {
		m->slots[s] = m->slots[last];
		m->heap[m->slots[s].heap_pos] = s;
		addr_key(key, &m->slots[s].info.addr);
		(void)!util_hmap_put(&m->index, key, &m->slots[s]);  /* replaces: no allocation */
	}
	m->changes++;
}

/* Adds a new entry (its address unknown so far), dropping the oldest if full. */
static struct slot *insert(struct p2p_addrman *m, const struct p2p_addrinfo *info)
{
	uint8_t key[KEY_LEN];
	struct slot *s;

	if (m->n == m->cap)
		remove_slot(m, m->heap[0]);
	s = &m->slots[m->n];
	addr_key(key, &info->addr);
	if (util_hmap_put(&m->index, key, s) < 0)
		return NULL;
	s->info = *info;
	s->heap_pos = m->n;
	m->heap[m->n] = m->n;
	m->n++;
	heap_fix(m, s->heap_pos);
	m->changes++;
	return s;
}

int p2p_addrman_add(struct p2p_addrman *m, const struct p2p_netaddr *a, int64_t seen, int64_t now)
{
	struct p2p_addrinfo info;
	struct slot *s;

	if (!p2p_addr_routable(a) || seen > now + P2P_ADDR_FUTURE_SLACK)
		return -1;
	if (seen > now)
		seen = now;
	s = lookup(m, a);
	if (s) {
		if (seen <= s->info.seen)
			return 0;
		s->info.seen = seen;
		heap_fix(m, s->heap_pos);
		m->changes++;
		return 1;
	}
	memset(&info, 0, sizeof(info));
	info.addr = *a;
	info.seen = seen;
	return insert(m, &info) ? 1 : -1;
}

const struct p2p_addrinfo *p2p_addrman_find(const struct p2p_addrman *m, const struct p2p_netaddr *a)
{
	const struct slot *s = lookup(m, a);

	return s ? &s->info : NULL;
}

void p2p_addrman_attempt(struct p2p_addrman *m, const struct p2p_netaddr *a, int64_t now)
{
	struct slot *s = lookup(m, a);

	if (!s)
		return;
	s->info.last_try = now;
	s->info.failures++;
	heap_fix(m, s->heap_pos);
	m->changes++;
}

void p2p_addrman_good(struct p2p_addrman *m, const struct p2p_netaddr *a, int64_t now)
{
	struct slot *s;

	if (p2p_addrman_add(m, a, now, now) < 0)
		return;
	s = lookup(m, a);
	s->info.last_success = now;
	s->info.failures = 0;
	heap_fix(m, s->heap_pos);
	m->changes++;
}

void p2p_addrman_remove(struct p2p_addrman *m, const struct p2p_netaddr *a)
{
	struct slot *s = lookup(m, a);

	if (s)
		remove_slot(m, (size_t)(s - m->slots));
}

bool p2p_addrinfo_terrible(const struct p2p_addrinfo *e, int64_t now)
{
	if (e->last_try && now - e->last_try < 60)
		return false;
	if (e->seen > now + P2P_ADDR_FUTURE_SLACK || now - e->seen > 30 * DAY)
		return true;
	if (!e->last_success && e->failures >= 3)
		return true;
	return e->failures >= 10 && now - e->last_success > 7 * DAY;
}

size_t p2p_addrman_sample(struct p2p_addrman *m, struct p2p_addr_entry *out, size_t max,
			  int64_t now)
{
	size_t *pick = malloc((m->n ? m->n : 1) * sizeof(*pick)), k = 0;

	if (!pick)
		return 0;
	for (size_t i = 0; i < m->n; i++)
		if (!p2p_addrinfo_terrible(&m->slots[i].info, now))
			pick[k++] = i;
	if (max > k)
		max = k;
	/* The first max steps of a Fisher-Yates shuffle: a uniform sample. */
	for (size_t i = 0; i < max; i++) {
		size_t j = i + (size_t)(rnd(m) % (k - i)), t = pick[i];
		const struct p2p_addrinfo *e;
		pick[i] = pick[j];
		pick[j] = t;
		e = &m->slots[pick[i]].info;
		out[i].time = (uint32_t)(e->seen > 0 ? e->seen : 0);
		out[i].addr = e->addr;
	}
	free(pick);
	return max;
}

/* Seconds to wait after a dial before the next: doubling with failures, at most ten minutes. */
static int64_t retry_delay(int failures)
{
	if (failures <= 0)
		return 1;
	if (failures >= 10)
		return 600;
	return (int64_t)1 << failures < 600 ? (int64_t)1 << failures : 600;
}

int p2p_addrman_select(struct p2p_addrman *m, struct p2p_netaddr *out, int64_t now,
		       bool (*skip)(void *ctx, const struct p2p_netaddr *a), void *ctx)
{
	size_t start;

	if (m->n == 0)
		return -1;
	start = (size_t)(rnd(m) % m->n);
	for (size_t k = 0; k < m->n; k++) {
		const struct p2p_addrinfo *e = &m->slots[(start + k) % m->n].info;
		if (e->last_try && now - e->last_try < retry_delay(e->failures))
			continue;
		if (skip && skip(ctx, &e->addr))
			continue;
		*out = e->addr;
		return 0;
	}
	return -1;
}

/* ---- persistence ---- */

static void write_entry(struct cons_writer *w, const struct p2p_addrinfo *e)
{
	cons_write_bytes(w, e->addr.ip, 16);
	cons_write_u16(w, e->addr.port);
	cons_write_u64(w, e->addr.services);
	cons_write_u64(w, (uint64_t)e->seen);
	cons_write_u64(w, (uint64_t)e->last_try);
	cons_write_u64(w, (uint64_t)e->last_success);
	cons_write_u32(w, (uint32_t)e->failures);
}

static void read_entry(struct cons_reader *r, struct p2p_addrinfo *e)
{
	cons_read_bytes(r, e->addr.ip, 16);
	e->addr.port = cons_read_u16(r);
	e->addr.services = cons_read_u64(r);
	e->seen = (int64_t)cons_read_u64(r);
	e->last_try = (int64_t)cons_read_u64(r);
	e->last_success = (int64_t)cons_read_u64(r);
	e->failures = (int)(cons_read_u32(r) & 0xffff);
}

/* Writes all of data to path.tmp, syncs it, renames it over path and syncs the directory. */
static int write_atomic(const char *path, const uint8_t *data, size_t len, char *err,
			size_t errlen)
{
	char tmp[1100], dir[1100], *slash;
	FILE *f;
	int dfd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot replace '%s': %s", path, strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir] = 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		(void)fsync(dfd);                  /* the rename itself is durable too */
		close(dfd);
	}
	return 0;
}

int p2p_addrman_save(const struct p2p_addrman *m, const char *path, const uint8_t magic[4],
		     char *err, size_t errlen)
{
	struct cons_writer w;
	uint8_t sum[32];
	int rc;

	cons_writer_init(&w);
	cons_write_bytes(&w, file_tag, 4);
	cons_write_u32(&w, FILE_VERSION);
	cons_write_bytes(&w, magic, 4);
	cons_write_u32(&w, (uint32_t)m->n);
	for (size_t i = 0; i < m->n; i++)
		write_entry(&w, &m->slots[i].info);
	cons_sha256d(sum, w.data, w.len);
	cons_write_bytes(&w, sum, 32);
	if (w.oom) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	} else {
		rc = write_atomic(path, w.data, w.len, err, errlen);
	}
	cons_writer_release(&w);
	return rc;
}

/* Reads the whole file, at most max bytes: 1 read, 0 absent, -1 error or too large. */
static int slurp(const char *path, uint8_t **data, size_t *len, size_t max, char *err,
		 size_t errlen)
{
	FILE *f = fopen(path, "rb");

	*data = NULL;
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	*data = malloc(max + 1);
	*len = *data ? fread(*data, 1, max + 1, f) : 0;
	fclose(f);
	if (!*data || *len > max) {
		snprintf(err, errlen, "'%s' is too large", path);
		free(*data);
		*data = NULL;
		return -1;
	}
	return 1;
}

/* Checks the frame of a saved book; returns the entry count or -1 with err. */
static long check_file(const uint8_t *d, size_t len, const uint8_t magic[4], char *err,
		       size_t errlen)
{
	uint8_t sum[32];
	uint32_t count;

	if (len < FILE_HEAD + 32 || memcmp(d, file_tag, 4) != 0) {
		snprintf(err, errlen, "not an address book");
		return -1;
	}
	if (cons_le32(d + 4) != FILE_VERSION || memcmp(d + 8, magic, 4) != 0) {
		snprintf(err, errlen, "address book of another version or network");
		return -1;
	}
	count = cons_le32(d + 12);
	cons_sha256d(sum, d, len - 32);
	if (count > P2P_ADDRMAN_MAX || len != FILE_HEAD + (size_t)count * ENTRY_SIZE + 32 ||
	    memcmp(sum, d + len - 32, 32) != 0) {
		snprintf(err, errlen, "address book is truncated or damaged");
		return -1;
	}
	return (long)count;
}

int p2p_addrman_load(struct p2p_addrman *m, const char *path, const uint8_t magic[4],
		     char *err, size_t errlen)
{
	size_t len = 0, max = FILE_HEAD + (size_t)P2P_ADDRMAN_MAX * ENTRY_SIZE + 32;
	struct cons_reader r;
	uint8_t *data;
	long count;
	int got = slurp(path, &data, &len, max, err, errlen), loaded = 0;

	if (got <= 0)
		return got;
	count = check_file(data, len, magic, err, errlen);
	if (count < 0) {
		free(data);
		return -1;
	}
	cons_reader_init(&r, data + FILE_HEAD, len - FILE_HEAD - 32);
	for (long i = 0; i < count; i++) {
		struct p2p_addrinfo e;
		read_entry(&r, &e);
		if (p2p_addr_routable(&e.addr) && !lookup(m, &e.addr) && insert(m, &e))
			loaded++;
	}
	free(data);
	return loaded;
}
