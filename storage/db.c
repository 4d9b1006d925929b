/* LevelDB wrapper; see db.h. */
#include "storage/db.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <leveldb/c.h>

struct stor_db {
	leveldb_t *db;
	leveldb_options_t *opts;
	leveldb_cache_t *cache;
	leveldb_filterpolicy_t *bloom;
	leveldb_readoptions_t *ropts;
	leveldb_writeoptions_t *wopts_sync;
	leveldb_writeoptions_t *wopts_async;
	unsigned crash_ratio;       /* 0: off */
	unsigned long crash_after;  /* 0: off */
	unsigned long writes;
	unsigned rng;
};

struct stor_batch {
	leveldb_writebatch_t *wb;
	size_t count;
};

struct stor_iter {
	leveldb_iterator_t *it;
	uint8_t *prefix;
	size_t plen;
	bool started;
};

void stor_db_options_default(struct stor_db_options *o)
{
	/*
	 * 8 MiB of block cache holds the hot part of the block index and coin
	 * set of a testnet-sized chain; the coin cache above this layer does the
	 * heavy lifting. A 4 MiB write buffer (LevelDB's default) keeps memory
	 * small; bulk sync is batched above us anyway.
	 */
	o->cache_bytes = 8u << 20;
	o->write_buffer_bytes = 4u << 20;
	o->create_if_missing = true;
}

static void set_err(char *err, size_t errlen, const char *what, char *lverr)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", what, lverr ? lverr : "unknown error");
	leveldb_free(lverr);
}

static void read_crash_env(struct stor_db *db)
{
	const char *ratio = getenv("FLINT_DBCRASH_RATIO");
	const char *after = getenv("FLINT_DBCRASH_AFTER");

	db->crash_ratio = ratio ? (unsigned)strtoul(ratio, NULL, 10) : 0;
	db->crash_after = after ? strtoul(after, NULL, 10) : 0;
	db->rng = (unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL);
}

static void build_options(struct stor_db *db, const struct stor_db_options *o)
{
	db->opts = leveldb_options_create();
	db->cache = leveldb_cache_create_lru(o->cache_bytes);
	/* 10 bits per key: ~1% false positives, so a lookup of an absent coin
	 * or block (the common case while validating) rarely touches disk. */
	db->bloom = leveldb_filterpolicy_create_bloom(10);
	leveldb_options_set_cache(db->opts, db->cache);
	leveldb_options_set_filter_policy(db->opts, db->bloom);
	leveldb_options_set_create_if_missing(db->opts, o->create_if_missing);
	leveldb_options_set_write_buffer_size(db->opts, o->write_buffer_bytes);
	/* Paranoid checks: a corrupted table stops the open with an error
	 * instead of silently serving a wrong coin set. */
	leveldb_options_set_paranoid_checks(db->opts, 1);
	leveldb_options_set_compression(db->opts, leveldb_snappy_compression);
	db->ropts = leveldb_readoptions_create();
	/* Checksums on every read: bit rot surfaces as an error, not as data. */
	leveldb_readoptions_set_verify_checksums(db->ropts, 1);
	db->wopts_sync = leveldb_writeoptions_create();
	leveldb_writeoptions_set_sync(db->wopts_sync, 1);
	db->wopts_async = leveldb_writeoptions_create();
}

static void free_options(struct stor_db *db)
{
	if (db->opts)
		leveldb_options_destroy(db->opts);
	if (db->cache)
		leveldb_cache_destroy(db->cache);
	if (db->bloom)
		leveldb_filterpolicy_destroy(db->bloom);
	if (db->ropts)
		leveldb_readoptions_destroy(db->ropts);
	if (db->wopts_sync)
		leveldb_writeoptions_destroy(db->wopts_sync);
	if (db->wopts_async)
		leveldb_writeoptions_destroy(db->wopts_async);
}

/* What a directory holds of a LevelDB database. */
struct db_files {
	bool current;           /* the CURRENT file, which names the live MANIFEST */
	int others;             /* *.ldb and *.sst files, and *.log files not empty */
	unsigned long manifest; /* the highest MANIFEST-N, 0 if none */
};

static bool file_empty(const char *dir, const char *name)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 && st.st_size == 0;
}

static int scan_dir(const char *path, struct db_files *f)
{
	DIR *d = opendir(path);
	struct dirent *e;

	memset(f, 0, sizeof(*f));
	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d)) != NULL) {
		const char *n = e->d_name, *dot = strrchr(n, '.');
		if (strcmp(n, "CURRENT") == 0) {
			f->current = true;
		} else if (strncmp(n, "MANIFEST-", 9) == 0) {
			unsigned long m = strtoul(n + 9, NULL, 10);
			if (m > f->manifest)
				f->manifest = m;
		} else if (dot && (strcmp(dot, ".ldb") == 0 || strcmp(dot, ".sst") == 0 ||
				   (strcmp(dot, ".log") == 0 && !file_empty(path, n)))) {
			f->others++;
		}
	}
	closedir(d);
	return 0;
}

/*
 * Whether LevelDB may create a database in path: only where none is.
 * LevelDB decides by the CURRENT file alone, and creating a database over
 * the files of one whose CURRENT is lost makes it delete their tables. A
 * directory with no tables and no log with records holds no data (a
 * creation killed before it wrote CURRENT leaves just a MANIFEST): that one
 * may be created over.
 */
static int may_create(const char *path, bool create, bool *out, char *err, size_t errlen)
{
	struct db_files f;

	*out = false;
	if (scan_dir(path, &f) < 0) {
		snprintf(err, errlen, "cannot read the database directory '%s': %s", path,
			 strerror(errno));
		return -1;
	}
	if (f.current || f.others == 0) {
		*out = create && !f.current;
		return 0;
	}
	if (f.manifest)
		snprintf(err, errlen, "database in '%s' is damaged: its CURRENT file is missing but "
			 "%d files with data remain, which a new database would delete; nothing was "
			 "changed. Restore CURRENT (it holds one line, the newest manifest's name: "
			 "printf 'MANIFEST-%06lu\\n' > '%s/CURRENT') or rebuild it from the files with "
			 "--repairdb. --reindex cannot help: the blocks are in this database", path,
			 f.others, f.manifest, path);
	else
		snprintf(err, errlen, "database in '%s' is damaged: its CURRENT and MANIFEST files are "
			 "missing but %d files with data remain, which a new database would delete; "
			 "nothing was changed. Rebuild it from the files with --repairdb (--reindex "
			 "cannot help: the blocks are in this database)", path, f.others);
	return -1;
}

int stor_db_open(struct stor_db **out, const char *path, const struct stor_db_options *o,
		 char *err, size_t errlen)
{
	struct stor_db *db;
	char *lverr = NULL;
	bool create;

	*out = NULL;
	if (may_create(path, o->create_if_missing, &create, err, errlen) < 0)
		return -1;
	db = calloc(1, sizeof(*db));
	if (!db) {
		set_err(err, errlen, "out of memory", NULL);
		return -1;
	}
	build_options(db, o);
	leveldb_options_set_create_if_missing(db->opts, create);
	db->db = leveldb_open(db->opts, path, &lverr);
	if (lverr) {
		set_err(err, errlen, path, lverr);
		free_options(db);
		free(db);
		return -1;
	}
	read_crash_env(db);
	*out = db;
	return 0;
}

/* LevelDB's log format: 32 KiB blocks of records, each a 7-byte header
 * (checksum 4, length 2 little-endian, type 1) and its payload. */
#define LOG_BLOCK 32768
#define LOG_HEADER 7

/* Bytes at the end of log file f that a partial record holds; 0 if it ends whole. */
static long log_partial_tail(FILE *f, long size)
{
	uint8_t h[LOG_HEADER];
	long off = 0;

	while (off < size) {
		long left_in_block = LOG_BLOCK - off % LOG_BLOCK;
		unsigned len;
		if (left_in_block < LOG_HEADER) {
			off += left_in_block;   /* the block's zero trailer */
			continue;
		}
		if (size - off < LOG_HEADER)
			return size - off;
		if (fseek(f, off, SEEK_SET) < 0 || fread(h, 1, LOG_HEADER, f) != LOG_HEADER)
			return 0;
		len = (unsigned)h[4] | (unsigned)h[5] << 8;
		if (len == 0 && h[6] == 0)
			return 0;               /* preallocated zeros: the end */
		if (off + LOG_HEADER + (long)len > size)
			return size - off;
		off += LOG_HEADER + (long)len;
	}
	return 0;
}

int stor_db_check_log(const char *path, char *msg, size_t msglen)
{
	DIR *d = opendir(path);
	struct dirent *e;
	unsigned long newest = 0;
	char file[1024];
	FILE *f;
	long size, tail;

	msg[0] = 0;
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		const char *dot = strrchr(e->d_name, '.');
		unsigned long n = strtoul(e->d_name, NULL, 10);
		if (dot && strcmp(dot, ".log") == 0 && n > newest)
			newest = n;
	}
	closedir(d);
	if (!newest)
		return 0;
	snprintf(file, sizeof(file), "%s/%06lu.log", path, newest);
	f = fopen(file, "rb");
	if (!f)
		return 0;
	size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	tail = size > 0 ? log_partial_tail(f, size) : 0;
	fclose(f);
	if (tail <= 0)
		return 0;
	snprintf(msg, msglen, "the database log '%s' ends in a partial record (%ld of its %ld bytes): "
		 "the write it held is lost, and the chain state goes back to the last whole one. "
		 "After a crash during a write this is expected; otherwise the file was truncated",
		 file, tail, size);
	return 1;
}

int stor_db_repair(const char *path, char *err, size_t errlen)
{
	struct stor_db_options o;
	struct stor_db db = {0};
	char *lverr = NULL;

	stor_db_options_default(&o);
	build_options(&db, &o);
	leveldb_repair_db(db.opts, path, &lverr);
	free_options(&db);
	if (lverr) {
		set_err(err, errlen, path, lverr);
		return -1;
	}
	return 0;
}

void stor_db_close(struct stor_db *db)
{
	if (!db)
		return;
	leveldb_close(db->db);
	free_options(db);
	free(db);
}

int stor_db_get(struct stor_db *db, const void *key, size_t klen, uint8_t **val, size_t *vlen,
		char *err, size_t errlen)
{
	char *lverr = NULL, *v;
	size_t n = 0;

	*val = NULL;
	*vlen = 0;
	v = leveldb_get(db->db, db->ropts, key, klen, &n, &lverr);
	if (lverr) {
		set_err(err, errlen, "database read failed", lverr);
		return -1;
	}
	if (!v)
		return 0;
	/* Copy into malloc memory so callers free with free(), not leveldb_free. */
	*val = malloc(n ? n : 1);
	if (!*val) {
		leveldb_free(v);
		set_err(err, errlen, "out of memory", NULL);
		return -1;
	}
	memcpy(*val, v, n);
	*vlen = n;
	leveldb_free(v);
	return 1;
}

struct stor_batch *stor_batch_new(void)
{
	struct stor_batch *b = calloc(1, sizeof(*b));

	if (b)
		b->wb = leveldb_writebatch_create();
	return b;
}

void stor_batch_free(struct stor_batch *b)
{
	if (!b)
		return;
	leveldb_writebatch_destroy(b->wb);
	free(b);
}

void stor_batch_put(struct stor_batch *b, const void *key, size_t klen, const void *val, size_t vlen)
{
	leveldb_writebatch_put(b->wb, key, klen, val, vlen);
	b->count++;
}

void stor_batch_del(struct stor_batch *b, const void *key, size_t klen)
{
	leveldb_writebatch_delete(b->wb, key, klen);
	b->count++;
}

void stor_batch_clear(struct stor_batch *b)
{
	leveldb_writebatch_clear(b->wb);
	b->count = 0;
}

size_t stor_batch_count(const struct stor_batch *b)
{
	return b->count;
}

/* Simulated crash (see db.h): decides once per write whether and when to die. */
static int crash_roll(struct stor_db *db)
{
	db->writes++;
	if (db->crash_after && db->writes >= db->crash_after)
		_exit(STOR_CRASH_EXIT);
	if (!db->crash_ratio)
		return 0;
	db->rng = db->rng * 1103515245u + 12345u;
	if ((db->rng >> 8) % db->crash_ratio)
		return 0;
	if ((db->rng >> 4) & 1)
		_exit(STOR_CRASH_EXIT);
	return 1;   /* crash right after the write */
}

int stor_db_write(struct stor_db *db, struct stor_batch *b, bool sync, char *err, size_t errlen)
{
	char *lverr = NULL;
	int crash_after_write = crash_roll(db);

	leveldb_write(db->db, sync ? db->wopts_sync : db->wopts_async, b->wb, &lverr);
	if (crash_after_write)
		_exit(STOR_CRASH_EXIT);
	if (lverr) {
		set_err(err, errlen, "database write failed", lverr);
		return -1;
	}
	return 0;
}

struct stor_iter *stor_iter_new(struct stor_db *db, const void *prefix, size_t plen)
{
	struct stor_iter *it = calloc(1, sizeof(*it));

	if (!it)
		return NULL;
	it->prefix = malloc(plen ? plen : 1);
	if (!it->prefix) {
		free(it);
		return NULL;
	}
	memcpy(it->prefix, prefix, plen);
	it->plen = plen;
	it->it = leveldb_create_iterator(db->db, db->ropts);
	return it;
}

bool stor_iter_next(struct stor_iter *it, const uint8_t **key, size_t *klen,
		    const uint8_t **val, size_t *vlen)
{
	if (!it->started) {
		leveldb_iter_seek(it->it, (const char *)it->prefix, it->plen);
		it->started = true;
	} else if (leveldb_iter_valid(it->it)) {
		leveldb_iter_next(it->it);
	}
	if (!leveldb_iter_valid(it->it))
		return false;
	*key = (const uint8_t *)leveldb_iter_key(it->it, klen);
	if (*klen < it->plen || memcmp(*key, it->prefix, it->plen) != 0)
		return false;
	*val = (const uint8_t *)leveldb_iter_value(it->it, vlen);
	return true;
}

int stor_iter_error(struct stor_iter *it, char *err, size_t errlen)
{
	char *lverr = NULL;

	leveldb_iter_get_error(it->it, &lverr);
	if (lverr) {
		set_err(err, errlen, "database iteration failed", lverr);
		return -1;
	}
	return 0;
}

void stor_iter_free(struct stor_iter *it)
{
	if (!it)
		return;
	leveldb_iter_destroy(it->it);
	free(it->prefix);
	free(it);
}

uint64_t stor_db_size(struct stor_db *db, const void *start, size_t slen,
		      const void *limit, size_t llen)
{
	const char *s = start, *l = limit;
	uint64_t size = 0;

	leveldb_approximate_sizes(db->db, 1, &s, &slen, &l, &llen, &size);
	return size;
}
